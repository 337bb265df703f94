"""Distributed search on keras-tuner's own chief/worker engine, made to survive its workers.

keras-tuner already distributes a search: a chief serves the oracle over gRPC and each
worker's tuner asks it for trials, configured by `KERASTUNER_TUNER_ID`,
`KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`. autosent uses that engine unchanged
(the oracle, its servicer and client, its protocol) and adds what it lacks:

- **Liveness.** keras-tuner's chief waits forever for a trial whose worker died, and
  Hyperband may wait on that trial to finish a round. Workers send a heartbeat while they
  train (a read-only `GetTrial` of their trial); the chief re-queues the trial of a worker
  it has not heard from within `worker_timeout`, and another worker runs it.
- **No early release.** Once the budget is handed out, keras-tuner tells a worker asking
  for more to stop. autosent keeps it waiting while other trials still run, so it can take
  over one whose worker dies.
- **Fast failure.** keras-tuner's client waits up to an hour for an absent chief; a worker
  gives up after `connect_timeout` with a message saying so.

What this relies on in keras-tuner's engine (the oracle's shared state, its gRPC servicer) is
in `autosent.search.keras_tuner_internals`, which says what each piece relies on; this module holds
the policy: when a worker counts as lost, and when one may stop.
Checkpoints of Hyperband's parent trials are read from the tuner directory, so every
worker must see the chief's `results/` folder (one machine, or a shared file system).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass

from autosent.errors import UsageError

ROLES = ("chief", "worker")
#: Seconds between a worker's heartbeats while it trains.
HEARTBEAT_S = 2.0
#: Seconds a worker waits before asking again when the chief has no trial for it yet.
IDLE_WAIT_S = 1.0

#: One line a chief prints when it serves beyond this machine (see README, "Distributed search").
EXPOSED_WARNING = (
    "the chief serves keras-tuner's oracle on {address} without authentication or encryption: anyone who "
    "can reach that port can read and change the search; keep it on a private network, or bind 127.0.0.1 "
    "and reach it through an SSH tunnel"
)


@dataclass(frozen=True)
class Cluster:
    """Where this process stands in a distributed search: its role, the chief, its own id."""

    role: str
    host: str
    port: int
    worker_id: str = ""
    worker_timeout: float = 60.0
    connect_timeout: float = 10.0

    @classmethod
    def parse(cls, chief: str, role: str, worker_id: str | None, worker_timeout: float) -> Cluster:
        """Validate `--chief HOST:PORT --role R [--worker-id ID]`."""
        if role not in ROLES:
            raise UsageError(f"--role {role}: must be one of {', '.join(ROLES)}")
        host, _, port = chief.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise UsageError(f"--chief {chief}: give HOST:PORT, e.g. --chief 10.0.0.5:8000")
        if worker_timeout <= HEARTBEAT_S:
            raise UsageError(f"--worker-timeout {worker_timeout:g}: must be longer than the {HEARTBEAT_S:g}s heartbeat")
        if role == "chief":
            return cls(role, host, int(port), "chief", worker_timeout)
        name = worker_id or f"worker-{os.uname().nodename}-{os.getpid()}"
        if "chief" in name:  # keras-tuner treats any id containing "chief" as the chief
            raise UsageError(f"--worker-id {name}: must not contain 'chief'")
        return cls(role, host, int(port), name, worker_timeout)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        """Whether the chief's address is reachable from this machine only (127.0.0.1, ::1, localhost)."""
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(self.host.strip("[]"), self.port)}
        except OSError:
            return False
        return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)

    def check_port_free(self) -> None:
        """Refuse to be a second chief on a port one already serves, before anything is written.

        gRPC binds with SO_REUSEPORT, so two chiefs on one port would both listen and split the
        workers between two oracles. A plain bind (without it) fails on a port in use.
        """
        try:
            family = socket.getaddrinfo(self.host.strip("[]"), self.port)[0][0]
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed chief's TIME_WAIT is no conflict
                probe.bind((self.host.strip("[]"), self.port))
        except OSError as e:
            raise UsageError(
                f"--chief {self.address}: cannot listen there ({e.strerror or e}); another chief may be serving it, "
                "or the host is not this machine's"
            ) from None


@contextlib.contextmanager
def keras_tuner_environment(cluster: Cluster) -> Iterator[None]:
    """Set the variables keras-tuner reads to make a tuner a client of the chief, then restore them."""
    names = {"KERASTUNER_TUNER_ID": cluster.worker_id, "KERASTUNER_ORACLE_IP": cluster.host, "KERASTUNER_ORACLE_PORT": str(cluster.port)}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def wait_for_chief(cluster: Cluster) -> None:
    """Return once the chief's gRPC server answers; `UsageError` after `connect_timeout`."""
    import grpc

    channel = grpc.insecure_channel(cluster.address)
    try:
        grpc.channel_ready_future(channel).result(timeout=cluster.connect_timeout)
    except grpc.FutureTimeoutError:
        raise UsageError(
            f"no chief answers at {cluster.address} after {cluster.connect_timeout:g}s; "
            f"start `autosent search --role chief --chief {cluster.address}` first, or check --chief"
        ) from None
    finally:
        channel.close()


class Heartbeat:
    """While a worker trains, tell the chief every `HEARTBEAT_S` that it is alive."""

    def __init__(self, oracle, trial_id: str):
        self._oracle = oracle
        self._trial_id = trial_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{trial_id}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with contextlib.suppress(Exception):  # a missed beat is what the chief's timeout is for
                self._oracle.get_trial(self._trial_id)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class WorkerDuties:
    """What a worker's tuner does besides training: it does not spin while the chief has no
    trial for it, and it sends heartbeats while it trains one."""

    def __init__(self) -> None:
        self._waiting = False
        self._heartbeat: Heartbeat | None = None

    def before_asking(self) -> None:
        """Called before each request for a trial; the last one got none: wait a moment first."""
        if self._waiting:
            time.sleep(IDLE_WAIT_S)
        self._waiting = True

    def trial_started(self, oracle, trial_id: str) -> None:
        self._waiting = False
        self._heartbeat = Heartbeat(oracle, trial_id)

    def trial_ended(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None


def _liveness_servicer(oracle, worker_timeout: float):
    """keras-tuner's oracle service, noting when it last heard from each worker."""
    from autosent.search import keras_tuner_internals

    class LivenessServicer(keras_tuner_internals.HookedOracleService):
        def __init__(self) -> None:
            super().__init__(oracle)
            self.last_seen: dict[str, float] = {}

        def heard_from(self, tuner_id: str) -> None:
            self.last_seen[tuner_id] = time.monotonic()

        def may_stop(self, tuner_id: str) -> bool:
            """Not while others still train: the budget is handed out, but a trial elsewhere may yet need a new runner."""
            return not keras_tuner_internals.others_running(oracle, tuner_id)

        def requeue_lost(self) -> list[tuple[str, str | None]]:
            """Forget workers not heard from in time; their running trials go back in the queue."""
            now = time.monotonic()
            return keras_tuner_internals.forget_tuners(oracle, lambda tuner_id: now - self.last_seen.get(tuner_id, now) > worker_timeout)

    return LivenessServicer()


def serve(oracle, cluster: Cluster, on_tick: Callable[[list[tuple[str, str | None]]], None]) -> None:
    """Serve `oracle` to the workers until the budget is spent and every worker has left.

    keras-tuner's own `start_server` does the same with a 20 s exit poll and no liveness;
    `on_tick` is called about once a second with the workers just found lost.
    """
    import grpc

    from autosent.search.keras_tuner_internals import add_to_server

    servicer = _liveness_servicer(oracle, cluster.worker_timeout)
    # Without SO_REUSEPORT a second chief on this port fails to bind instead of sharing it.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1), options=[("grpc.so_reuseport", 0)])
    add_to_server(servicer, server)
    try:
        bound = server.add_insecure_port(cluster.address)
    except RuntimeError:
        bound = 0
    if not bound:
        raise UsageError(f"cannot listen on {cluster.address}: the port is in use or the host is not this machine")
    server.start()
    try:
        while True:
            time.sleep(0.5)
            on_tick(servicer.requeue_lost())
            if servicer.finished:
                return
    finally:
        server.stop(grace=1)
