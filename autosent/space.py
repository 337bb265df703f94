"""Search spaces: TOML files under `search_spaces/` that say what Hyperband may try.

A space file has up to four tables:

    [vectorizer]      max_tokens, sequence_length     (fixed for a run: vectorised once)
                      ngrams, ngram_max_tokens, ngram_sequence_length
                                                      (the `bag` encoder's word n-grams)
    [hyperband]       max_epochs, factor
    [training]        patience                        (EarlyStopping on val_loss)
    [hyperparameters] one entry per model hyperparameter, each either
                      a plain value                   -> fixed
                      { choice = [a, b, ...] }        -> one of these
                      { int = [lo, hi], step = s }    -> integer range
                      { float = [lo, hi], sampling = "log" }  -> float range

Hyperparameters a file leaves out take the seed notebook's value, so a one-line file is
a valid space. Everything is validated on load and every error names the key.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from autosent.errors import UsageError

#: Where the bundled spaces live (the repository's `search_spaces/` folder).
SPACES_DIR = Path(__file__).resolve().parent.parent / "search_spaces"

#: Sequence encoders read the text's words in order; `bag` averages embeddings of its word
#: uni- to n-grams (fastText-style), which a run vectorises only if its space can pick it.
ENCODERS = ("conv1d", "gru", "bigru", "bag")
POOLINGS = ("average", "max")


@dataclass(frozen=True)
class Param:
    """What the hypermodel accepts for one hyperparameter."""

    kind: type
    default: Any
    allowed: tuple | None = None  # for categorical parameters
    minimum: float | None = None  # inclusive lower bound for numbers
    positive: bool = False  # strictly > 0


#: Every hyperparameter the hypermodel reads, with the seed notebook's value as default.
PARAMS: dict[str, Param] = {
    "encoder": Param(str, "conv1d", allowed=ENCODERS),
    "embedding_dim": Param(int, 64, positive=True),
    "units": Param(int, 128, positive=True),
    "kernel_size": Param(int, 5, positive=True),
    "pooling": Param(str, "average", allowed=POOLINGS),
    "dense_units": Param(int, 64, positive=True),
    "dropout": Param(float, 0.0, minimum=0.0),
    "l2": Param(float, 0.0, minimum=0.0),
    "learning_rate": Param(float, 1e-3, positive=True),
    "batch_size": Param(int, 32, positive=True),
}

SETTINGS: dict[str, dict[str, tuple[type, Any]]] = {
    "vectorizer": {
        "max_tokens": (int, 20000),
        "sequence_length": (int, 400),
        "ngrams": (int, 2),
        "ngram_max_tokens": (int, 200000),
        "ngram_sequence_length": (int, 800),
    },
    "hyperband": {"max_epochs": (int, 10), "factor": (int, 3)},
    "training": {"patience": (int, 2)},
}


@dataclass(frozen=True)
class SearchSpace:
    """A validated space file."""

    name: str
    settings: dict[str, dict[str, Any]]
    hyperparameters: dict[str, Any] = field(default_factory=dict)

    @property
    def max_tokens(self) -> int:
        return self.settings["vectorizer"]["max_tokens"]

    @property
    def sequence_length(self) -> int:
        return self.settings["vectorizer"]["sequence_length"]

    @property
    def uses_bag(self) -> bool:
        """Whether any trial can pick the `bag` encoder, so the run needs its n-gram ids."""
        spec = self.hyperparameters.get("encoder", PARAMS["encoder"].default)
        return "bag" in (spec["choice"] if isinstance(spec, dict) else [spec])

    @property
    def ngram_settings(self) -> tuple[int, int, int]:
        """(ngrams, max_tokens, sequence_length) of the `bag` encoder's vectorizer."""
        v = self.settings["vectorizer"]
        return v["ngrams"], v["ngram_max_tokens"], v["ngram_sequence_length"]

    @property
    def input_length(self) -> int:
        """Ids per text the models take: the words, then the n-grams when the run has them."""
        return self.sequence_length + (self.ngram_settings[2] if self.uses_bag else 0)

    @property
    def max_epochs(self) -> int:
        return self.settings["hyperband"]["max_epochs"]

    @property
    def factor(self) -> int:
        return self.settings["hyperband"]["factor"]

    @property
    def patience(self) -> int:
        return self.settings["training"]["patience"]

    def as_dict(self) -> dict[str, Any]:
        """The space as plain data, for run.json and for comparing runs."""
        return {**self.settings, "hyperparameters": self.hyperparameters}

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> SearchSpace:
        """The inverse of `as_dict`: a run's space as it was, even if its file changed since."""
        # Keys added to the format since the run was made take their defaults.
        settings = {
            table: {key: data[table].get(key, default) for key, (_, default) in schema.items()}
            for table, schema in SETTINGS.items()
        }
        return cls(name, settings, dict(data["hyperparameters"]))

    def declare(self, hp, name: str):
        """Register hyperparameter `name` on keras-tuner's `hp` and return its current value."""
        spec = self.hyperparameters.get(name, PARAMS[name].default)
        if not isinstance(spec, dict):
            return hp.Fixed(name, spec)
        if "choice" in spec:
            return hp.Choice(name, spec["choice"], default=spec.get("default"))
        kind = "int" if "int" in spec else "float"
        lo, hi = spec[kind]
        extra = {k: spec[k] for k in ("step", "sampling", "default") if k in spec}
        return (hp.Int if kind == "int" else hp.Float)(name, lo, hi, **extra)


def resolve(space: str) -> Path:
    """A path as given, or a bundled space's name (`default`, `seed`)."""
    path = Path(space)
    if path.suffix != ".toml" and not path.exists():
        path = SPACES_DIR / f"{space}.toml"
    return path


def load_space(space: str) -> SearchSpace:
    """Read and validate a space file; raise `UsageError` naming the first bad key."""
    path = resolve(space)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"space file not found: {path} (bundled: {', '.join(bundled_spaces())})") from None
    except OSError as e:
        raise UsageError(f"cannot read space file {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read space file {path}: it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"space file {path} is not valid TOML: {e}") from None
    unknown = set(raw) - set(SETTINGS) - {"hyperparameters"}
    if unknown:
        raise UsageError(f"{path}: unknown table [{sorted(unknown)[0]}] (allowed: {', '.join([*SETTINGS, 'hyperparameters'])})")
    settings = {table: _settings(path, table, raw.get(table, {})) for table in SETTINGS}
    hps = raw.get("hyperparameters", {})
    for name, spec in hps.items():
        _check_param(path, name, spec)
    return SearchSpace(path.stem, settings, dict(hps))


def bundled_spaces() -> list[str]:
    return sorted(p.stem for p in SPACES_DIR.glob("*.toml"))


def _settings(path: Path, table: str, given: Any) -> dict[str, Any]:
    schema = SETTINGS[table]
    if not isinstance(given, dict):
        raise UsageError(f"{path}: [{table}] must be a table")
    for key, value in given.items():
        if key not in schema:
            raise UsageError(f"{path}: unknown key {table}.{key} (allowed: {', '.join(schema)})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{path}: {table}.{key} = {value!r} must be a positive integer")
    if table == "hyperband" and given.get("factor", 3) < 2:
        raise UsageError(f"{path}: hyperband.factor = {given['factor']!r} must be at least 2")
    return {key: given.get(key, default) for key, (_, default) in schema.items()}


def _check_value(path: Path, name: str, value: Any) -> None:
    param = PARAMS[name]
    where = f"{path}: hyperparameters.{name}"
    if param.allowed is not None:
        if value not in param.allowed:
            raise UsageError(f"{where}: {value!r} is not allowed (allowed: {', '.join(map(str, param.allowed))})")
        return
    numeric_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if param.kind is int and not (isinstance(value, int) and numeric_ok):
        raise UsageError(f"{where}: {value!r} must be an integer")
    if not numeric_ok:
        raise UsageError(f"{where}: {value!r} must be a number")
    if param.positive and value <= 0:
        raise UsageError(f"{where}: {value!r} must be greater than 0")
    if param.minimum is not None and value < param.minimum:
        raise UsageError(f"{where}: {value!r} must be at least {param.minimum}")


def _check_param(path: Path, name: str, spec: Any) -> None:
    where = f"{path}: hyperparameters.{name}"
    if name not in PARAMS:
        raise UsageError(f"{where}: unknown hyperparameter (allowed: {', '.join(PARAMS)})")
    if not isinstance(spec, dict):
        _check_value(path, name, spec)
        return
    kinds = [k for k in ("choice", "int", "float") if k in spec]
    if len(kinds) != 1:
        raise UsageError(f"{where}: give exactly one of choice = [...], int = [lo, hi], float = [lo, hi]")
    kind = kinds[0]
    extra = set(spec) - {kind, "default", "step", "sampling"}
    if extra:
        raise UsageError(f"{where}: unknown key {sorted(extra)[0]!r} (allowed: {kind}, default, step, sampling)")
    values = spec[kind]
    if not isinstance(values, list) or not values:
        raise UsageError(f"{where}: {kind} must be a non-empty list")
    if kind == "choice":
        for value in values:
            _check_value(path, name, value)
    else:
        expected = {str: "choice", int: "int", float: "float"}[PARAMS[name].kind]
        if kind != expected:
            raise UsageError(f"{where}: takes {expected} = [...], not {kind}")
        if len(values) != 2 or values[0] >= values[1]:
            raise UsageError(f"{where}: {kind} = {values!r} must be [low, high] with low < high")
        for value in values:
            _check_value(path, name, value)
        sampling = spec.get("sampling", "linear")
        if sampling not in ("linear", "log", "reverse_log"):
            raise UsageError(f"{where}: sampling = {sampling!r} is not allowed (allowed: linear, log, reverse_log)")
        if sampling != "linear" and values[0] <= 0:
            raise UsageError(f"{where}: log sampling needs a low bound above 0, got {values[0]!r}")
    if "default" in spec:
        _check_value(path, name, spec["default"])
