"""The `autosent` command: parse, validate, call one library function, render.

Bad input anywhere (`UsageError`) becomes one line on stderr and exit code 2; `--debug`
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from autosent.errors import UsageError, io_error_line, whole_number_problem
from autosent.runs.records import TrialRecord
from autosent.search import interrupts

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: stdout's reader went away: 1, as in Python's recipe (signal module, "Note on SIGPIPE") that rich,
#: which prints the tables, follows itself; not 141 (128 + SIGPIPE), which only a signal death gives.
EXIT_PIPE_CLOSED = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line and exit 2 like every other usage error."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # argparse reads `-5m` after a flag as another flag ("expected one argument"): only plain
        # negative numbers count as values. No option here starts with '-' and a digit, so any such
        # word is a value, and `--time-limit -5m` reaches the flag's own check and its message.
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def parse_duration(text: str) -> float:
    """`90`, `90s`, `45m`, `1.5h` -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (use e.g. 90s, 45m, 2h)")
    value, unit = float(match[1]), match[2] or "s"
    return value * {"s": 1, "m": 60, "h": 3600}[unit]


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    problem = whole_number_problem(value, 1)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{value} {problem}")
    return value


#: The width of a piped console: more than any line, so that nothing piped is wrapped or cut.
PIPED_WIDTH = 1_000_000


def _console():
    """A rich console. In a terminal, its width (the leaderboard fits itself to it); piped, no
    width at all: a log's lines are never wrapped or cut (a tool that reads them has no width)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=PIPED_WIDTH, soft_wrap=True)


class _Version(argparse.Action):
    """`--version`: the installed package's version, read only when asked (reading it scans the installed packages)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace, values, option_string=None) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def version() -> str:
    """The version pip installed (a wheel's as much as an editable checkout's); the source's own where none is installed."""
    from importlib import metadata

    try:
        return metadata.version("autosent")
    except metadata.PackageNotFoundError:
        import autosent

        return f"{autosent.__version__} (not installed)"


def _command(sub, name: str, summary: str, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """A subcommand whose one-line summary is both its line in `autosent --help` and the top of its own --help."""
    return sub.add_parser(name, parents=parents, help=summary, description=summary[0].upper() + summary[1:] + ".")


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", help="run name (default: the most recent run)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results)")


def _add_column_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", default="text", help="text column of a CSV/TSV/JSONL file (default: text)")
    p.add_argument("--label-column", default="label", help="label column of a CSV/TSV/JSONL file (default: label)")
    p.add_argument("--encoding", default="utf-8", help="text encoding of data files; undecodable files are refused (default: utf-8)")
    p.add_argument("--delimiter", help="field separator of .csv/.tsv files, e.g. ';' or tab (default: ',' for .csv, tab for .tsv)")


def build_parser() -> argparse.ArgumentParser:
    from autosent.runs.rundir import ENSEMBLE_EXPORT_DIR, EXPORT_DIR, REPORT_DIR, REPORT_FILE  # the help names the run layout's folders
    from autosent.ship.selection import SMALL_VAL  # and the small val split's bound

    parser = _Parser(prog="autosent", description="Find, train and ship the best Keras sentiment classifier.")
    # --debug is accepted before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--version", action=_Version, help="print autosent's version and exit")
    # Not required: a bare `autosent` gets the whole help (see `main`), not argparse's one-line error.
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    s = _command(sub, "search", "Hyperband search, live leaderboard; re-run to resume", [common])
    s.add_argument("--data", default="imdb", help="imdb (bundled, default), rotten_tomatoes (bundled), tfds:NAME, or a .csv/.tsv/.jsonl file or class folder")
    s.add_argument("--val-data", help="the validation split as it is, instead of 10%% cut from --data (same kinds and column flags)")
    s.add_argument("--test-data", help="the test split as it is, instead of 10%% cut from --data (same kinds and column flags)")
    _add_column_arguments(s)
    s.add_argument("--space", default="default", help="search space: a bundled name (default, seed) or a .toml file")
    s.add_argument("--budget", type=int, default=50, help="total number of trials, across resumes (default: 50)")
    s.add_argument("--max-epochs", type=int, help="most epochs per trial (default: from the space file)")
    s.add_argument("--time-limit", type=parse_duration, help="start no new trial after this long, e.g. 90m")
    s.add_argument("--run", help="run name (default: DATA-SPACE, e.g. imdb-default)")
    s.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results)")
    s.add_argument("--seed", type=int, default=0, help="seed for model init, shuffling and --limit (default: 0)")
    s.add_argument("--limit", type=int, help="subsample the training split to N texts for a quick run")
    s.add_argument("--class-weight", choices=["none", "balanced"], help="balanced: weigh each class's loss by its inverse frequency (default: the space's class_weight, none)")
    s.add_argument("--allow-overlap", action="store_true", help="let --val-data/--test-data share texts with --data (refused by default: their scores would be measured on training texts)")
    s.add_argument("--overwrite", action="store_true", help="replace an existing run made from other data or space")
    s.add_argument("--top", type=positive_int, default=5, help="trials shown in the live leaderboard (default: 5)")
    s.add_argument("--devices", help="train each trial on all or N devices (GPUs; the CPU where there are none)")
    s.add_argument("--dry-run", action="store_true", help="print the plan and a time estimate, write nothing, and stop")
    s.add_argument("--quiet", action="store_true", help="no live view and no line per trial, only the closing summary")
    d = s.add_argument_group("distributed search (keras-tuner's chief/worker engine; see README)")
    d.add_argument("--chief", metavar="HOST:PORT", help="address the chief serves the oracle on")
    d.add_argument("--role", choices=["chief", "worker"], help="chief: serve the oracle and own results/; worker: run trials")
    d.add_argument("--worker-id", help="this worker's name in trial records (default: worker-HOST-PID)")
    d.add_argument("--worker-timeout", type=parse_duration, default=60.0, help="chief: re-queue a silent worker's trial after this long (default: 60s)")

    lb = _command(sub, "leaderboard", "ranked trials of a run, any time, even during a search", [common])
    _add_run_arguments(lb)
    lb.add_argument("--top", type=positive_int, help="show only the best K trials")
    lb.add_argument("--json", action="store_true", help="print JSON instead of a table")

    ex = _command(sub, "export", "retrain a trial, test it, export a raw-text model", [common])
    ex.add_argument("trial", nargs="?", default="best", help="best (default) or a trial id")
    _add_run_arguments(ex)
    ex.add_argument("--out", type=Path, help=f"export folder (default: results/RUN/{EXPORT_DIR}; with --ensemble, results/RUN/{ENSEMBLE_EXPORT_DIR})")
    ex.add_argument(
        "--full", action=argparse.BooleanOptionalAction,
        help=f"retrain on train + val for the best epoch count; --no-full: on train, early stopping on val (default: --full where the val split is under {SMALL_VAL:,} texts)",
    )  # fmt: skip
    ex.add_argument("--ensemble", type=positive_int, metavar="K", help="ship a weighted average of up to K trials, chosen on val (Caruana's greedy selection)")

    rp = _command(sub, "report", f"figures and {REPORT_FILE} of a run in results/RUN/{REPORT_DIR}/", [common])
    _add_run_arguments(rp)
    rp.add_argument("--top", type=positive_int, default=3, help="trials whose learning curves are drawn (default: 3)")

    pr = _command(sub, "predict", "label texts with an exported model", [common])
    pr.add_argument("texts", nargs="*", metavar="TEXT", help="texts to label (default: lines of --file or stdin)")
    pr.add_argument("--model", type=Path, help="export folder (default: the newest export under --results)")
    pr.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results)")
    pr.add_argument("--file", type=Path, help="read texts from this file, one per line")
    pr.add_argument("--json", action="store_true", help="print one JSON object per line")
    pr.add_argument("--explain", action="store_true", help="also show the words (n-grams for nbsvm) that pushed each label")
    pr.add_argument("--top", type=positive_int, default=5, help="with --explain: terms shown for and against (default: 5)")
    pr.add_argument("--quiet", action="store_true", help="no line on stderr naming the export used (stdout is the labels alone either way)")

    ev = _command(sub, "evaluate", "score an exported model on labelled data", [common])
    ev.add_argument("--model", type=Path, help="export folder (default: the newest export under --results)")
    ev.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results)")
    ev.add_argument("--data", required=True, help="labelled data: imdb, rotten_tomatoes, tfds:NAME, a .csv/.tsv/.jsonl file or class folder")
    ev.add_argument("--split", choices=["test", "all"], help="test: the split a search would test on; all: every row, even those "
                    "the export trained or was chosen on (default: the test split of bundled, tfds and train/+test/ "
                    "folders, every row of other files; either without the export's train/val rows)")  # fmt: skip
    _add_column_arguments(ev)
    ev.add_argument("--figure", type=Path, help="also draw the reliability diagram into this new .png file")
    ev.add_argument("--json", action="store_true", help="print the evaluation as one JSON object")

    rn = _command(sub, "runs", "list the runs under --results, or --delete one", [common])
    rn.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results)")
    what = rn.add_mutually_exclusive_group()
    what.add_argument("--json", action="store_true", help="print JSON instead of a table")
    what.add_argument("--delete", metavar="NAME", help="delete run NAME, its export included; refused while a search or an export works in it")
    return parser


@contextlib.contextmanager
def _native_stderr_silenced(enabled: bool) -> Iterator[None]:
    """Hide the C++ log lines TensorFlow prints while it loads (CUDA probing on CPU machines).

    They go straight to file descriptor 2, past Python, so only a descriptor swap hides them.
    Python exceptions are unaffected: they are raised, not printed, inside this block.
    """
    if not enabled:
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _load_tensorflow(args: argparse.Namespace) -> None:
    """Import TensorFlow up front, with its C++ start-up logging hidden unless --debug."""
    with _native_stderr_silenced(not args.debug):
        import tensorflow as tf
    if not args.debug:
        # Retracing notices and the like: advice for TensorFlow developers, noise for users.
        tf.get_logger().setLevel("ERROR")


def _search_view(args: argparse.Namespace, console, run_name: str):
    """The live view in a terminal, one plain line per trial in a log or a pipe, nothing with --quiet."""
    from autosent.views.events import SearchListener
    from autosent.views.live import LiveSearchView
    from autosent.views.plain import PlainSearchView

    if args.quiet:
        return contextlib.nullcontext(SearchListener())
    if console.is_terminal:
        return LiveSearchView(console, run_name, top=args.top)
    return contextlib.nullcontext(PlainSearchView(run_name))


def _search(args: argparse.Namespace) -> int:
    from autosent.search.pipeline import SearchConfig, prepare_search, run_prepared
    from autosent.views.plain import best_line

    # Every SearchConfig field has a search flag of the same name.
    config = SearchConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(SearchConfig)})
    if any(source.startswith("tfds:") for source in config.sources):
        _load_tensorflow(args)  # tensorflow-datasets imports it; hide its start-up logging first
    prepared = prepare_search(config)  # bad input fails here, in a moment, before TensorFlow loads
    _load_tensorflow(args)
    if args.dry_run:
        from autosent.search.plan import make_plan

        print("\n".join(prepared.profile.lines()), flush=True)
        print("\n".join(make_plan(prepared).lines()))
        return 0
    console = _console()
    with _search_view(args, console, config.run_name) as view:
        outcome = run_prepared(prepared, listener=view)

    def say(line: str) -> None:
        # Plain text (a path or a value is no rich markup), wrapped by the terminal if at all, never by rich.
        console.print(line, markup=False, soft_wrap=True)

    best = best_line(outcome.records)  # every mode names it, --quiet and the live view's last screen too
    if best is not None:
        say(best)
    if outcome.failed_in_a_row:
        _print_failures(outcome.failed_in_a_row)
        return EXIT_FAILED
    failed = sum(r.failed for r in outcome.records)
    why = "time limit reached" if outcome.stopped_by_time else "search finished"
    if config.role == "worker":
        worker = config.cluster.worker_id
        why = f"worker {worker} ran {sum(r.worker == worker for r in outcome.records)} trial(s); {why}"
    say(f"{why}: {len(outcome.records)} trial(s){f' ({failed} failed)' if failed else ''} in {outcome.run_dir}")
    if outcome.preparing_seconds is not None:
        say(
            f"loading and preparing took {outcome.preparing_seconds:.0f}s of --time-limit {config.time_limit:g}s, "
            "so the same command would stop here again: give a longer limit"
        )
    elif outcome.stopped_by_time:
        say("re-run the same command to continue")
    elif config.role != "worker" and len(outcome.records) < config.budget:  # a worker's budget is its chief's
        say(f"stopped before the budget of {config.budget}: the space has no untried configuration left")
    if best is not None and config.role != "worker":  # the chief exports; a worker's run folder is the chief's
        say(f"{'or export the best so far' if outcome.stopped_by_time else 'next'}: {_export_command(args, config.run_name)}")
    return 0


def _export_command(args: argparse.Namespace, run_name: str) -> str:
    """The command that exports this search's best trial, as the user would type it."""
    results = f" --results {shlex.quote(str(args.results))}" if args.results != Path("results") else ""
    return f"autosent export best --run {shlex.quote(run_name)}{results}"


def _print_failures(failed: list[TrialRecord]) -> None:
    """The summary a search stopped by repeated failures ends with: which trials, and why."""
    from autosent.views.events import describe

    print(f"autosent: stopped: the last {len(failed)} trials failed in a row:", file=sys.stderr)
    for record in failed:
        print(f"  trial {record.trial_id} ({describe(record.hyperparameters)}): {record.message}", file=sys.stderr)
    print(
        "fix the search space (e.g. a lower learning_rate or smaller sizes), or re-run the same command to resume",
        file=sys.stderr,
    )


def _leaderboard(args: argparse.Namespace) -> int:
    from autosent.runs.records import read_records
    from autosent.runs.rundir import find_run
    from autosent.views.leaderboard import rows, table

    run_dir = find_run(args.results, args.run)
    records = read_records(run_dir)
    if args.json:
        print(json.dumps(rows(records, args.top), indent=2))
    else:
        _console().print(table(records, args.top, title=f"run {run_dir.name}: {len(records)} trial(s)"))
    return 0


def _export(args: argparse.Namespace) -> int:
    from autosent.ship.ensemble import check_ensemble, ship_ensemble
    from autosent.ship.export import check_trial, ship_trial
    from autosent.ship.export_folder import MODEL_CARD_FILE

    if args.ensemble is not None and args.trial != "best":
        raise UsageError(f"export {args.trial} --ensemble: an ensemble picks its own trials; drop the trial id")
    # Every check before TensorFlow loads: a refusal is one line, at once. Only a run on
    # tfds:NAME loads it here, to read its data; its start-up lines are hidden all the same.
    with _native_stderr_silenced(not args.debug):
        if args.ensemble is not None:
            job = check_ensemble(args.results, args.run, size=args.ensemble, out=args.out)
        else:
            job = check_trial(args.results, args.run, trial=args.trial, out=args.out)
    _load_tensorflow(args)
    # Keras' live progress bar in a terminal, one line per epoch in a log.
    verbose = 1 if sys.stdout.isatty() else 2
    if args.ensemble is not None:
        result = ship_ensemble(job, args.full, verbose=verbose)
    else:
        result = ship_trial(job, args.full, verbose=verbose, progress=lambda line: print(f"export: {line}", flush=True))
    print(f"exported {result.metadata.described()} to {result.out}: {result.metadata.headline()}")
    note = None if result.metadata.ensemble is None else result.metadata.ensemble.noise_note()
    if note is not None:
        print(note)
    print(result.metadata.retraining().line())
    print(f'next: autosent predict --model {shlex.quote(str(result.out))} "a text to label"')
    print(f'      or in Python, as {result.out / MODEL_CARD_FILE} shows under "Use it"')
    return 0


def _read_texts(args: argparse.Namespace) -> list[str]:
    """The texts to label: arguments, else the lines of --file, else of stdin (bytes that are
    not UTF-8 become U+FFFD, as a model reads them anyway). A blank one is kept, so output
    line k labels input line k (see `_predict`); none with any text is a usage error."""
    from autosent.ship.predict import text_lines

    if args.texts:
        texts, where = args.texts, "the TEXT arguments"
    elif args.file is not None:
        try:
            data = args.file.read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read --file {args.file}: {e.strerror}") from None
        texts, where = text_lines(data), f"--file {args.file}"
    elif sys.stdin.isatty():
        raise UsageError("no texts to label: give TEXT arguments, --file F, or pipe lines into stdin")
    else:
        texts, where = text_lines(sys.stdin.buffer.read()), "stdin"
    if not any(text.strip() for text in texts):
        raise UsageError(f"no texts to label in {where}: every line is empty")
    return texts


def _predict(args: argparse.Namespace) -> int:
    from autosent.ship.predict import Predictor, latest_export

    texts = _read_texts(args)
    _load_tensorflow(args)
    predictor = Predictor(args.model if args.model is not None else latest_export(args.results))
    if not args.quiet:
        # On stderr, so stdout stays the labels alone for a pipe; said every time, because
        # without --model the newest export under --results wins, whichever run it is of.
        print(f"autosent: using {predictor.metadata.named(predictor.export_dir)}", file=sys.stderr)
        blank = sum(not text.strip() for text in texts)
        if blank:
            print(f"autosent: {blank} blank line(s) labelled as an empty text, to keep one output line per input line", file=sys.stderr)
    for p in predictor.predict(texts, explain_top=args.top if args.explain else None):
        if args.json:
            print(json.dumps(p.to_json()))
            continue
        print(f"{p.label}\t{p.probability:.4f}\t{p.text}")
        if p.explanation is not None:
            for side, terms in (("for", p.explanation.towards), ("against", p.explanation.against)):
                print(f"  {side} {p.label}: " + (", ".join(f"{c.shown()} ({c.contribution:+.3f})" for c in terms) or "-"))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from autosent.data.spec import ReadOptions
    from autosent.ship.evaluate import check_figure_path, evaluate, reliability_diagram, render
    from autosent.ship.held_out import rows_to_score
    from autosent.ship.predict import Predictor, export_metadata, latest_export

    if args.figure is not None:
        check_figure_path(args.figure)
    folder = args.model if args.model is not None else latest_export(args.results)
    read = ReadOptions(args.text_column, args.label_column, args.encoding, args.delimiter)
    rows = rows_to_score(args.data, args.split, folder, export_metadata(folder), args.results, read)  # before TensorFlow loads
    if rows.note is not None:
        print(rows.note, file=sys.stderr, flush=True)
    _load_tensorflow(args)
    predictor = Predictor(folder)
    result = evaluate(predictor.probabilities(rows.labelled.texts), rows, predictor.label_names)
    print(json.dumps(result.to_json()) if args.json else render(result, folder, args.data), flush=True)  # kept if the figure fails
    if args.figure is not None:
        reliability_diagram(result.calibration, result.expected_calibration_error, args.figure)
    return 0


def _report(args: argparse.Namespace) -> int:
    from autosent.runs.rundir import find_run
    from autosent.views.report import make_report

    report = make_report(find_run(args.results, args.run), top=args.top)
    print(f"report of run {report.folder.parent.name}: {report.markdown} with {len(report.figures)} figures")
    return 0


def _runs(args: argparse.Namespace) -> int:
    from autosent.runs.listing import delete_run, summaries, table
    from autosent.search.memory import readable

    if args.delete is not None:
        gone = delete_run(args.results, args.delete)
        export = "".join(f", its {folder}/ of trial {trial}" for folder, trial in gone.exports.items()) + (" included" if gone.exports else "")
        print(f"deleted run {gone.run} from {args.results} ({readable(gone.bytes)}{export})")
        return 0
    found = summaries(args.results)
    if args.json:
        print(json.dumps([r.to_json() for r in found], indent=2))
    elif not found:
        print(f"no runs in {args.results}; start one with: autosent search")
    else:
        _console().print(table(found, args.results))
    return 0


COMMANDS = {
    "search": _search, "leaderboard": _leaderboard, "export": _export, "report": _report, "predict": _predict,
    "evaluate": _evaluate, "runs": _runs,
}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help or --version: printed, and done (argparse's errors are `UsageError`s)
            return int(e.code or 0)
        if args.command is None:
            # Nothing asked: the whole help, where a newcomer looks first, but on stderr and with
            # exit 2, as for any missing argument, so that a script whose command word came out
            # empty does not carry on as if it had run.
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        with interrupts.remembered():
            code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a reader that left (`| head`) is found here, not by Python's flush at exit
        return code
    except UsageError as e:
        if debug:
            raise
        print(f"autosent: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("autosent: interrupted; re-run the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _stdout_closed()
    except OSError as e:
        if debug:
            raise
        # Every results file is written atomically, so what was there before is intact.
        print(f"autosent: error: {io_error_line(e)}", file=sys.stderr)
        return EXIT_FAILED


def _stdout_closed() -> int:
    """The reader of stdout went away (`autosent predict ... | head -2`): stop quietly.

    Python's own flush of stdout at exit would fail again and print an error; with stdout
    pointed at /dev/null it has nowhere to fail.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_PIPE_CLOSED
