"""A newcomer's first hour, as one scripted walk-through: every command the README's Use section
starts with, in order, in this process, in an 80-column terminal and piped into a file.

Each step checks the lines a newcomer reads to know what happened and what to do next; the
details of each command are their own modules' tests. Here the point is the whole path: that
each output leads to the next command, and that none is cut short or wrapped.
"""

from __future__ import annotations

import re

import pytest
from conftest import write_reviews_csv

#: rich's cursor moves and line erasures, with which the live view redraws itself over its last frame.
REDRAW = re.compile(r"\x1b\[\d*[ABK]|\r")
#: rich's colours and other escape codes, which a terminal acts on and a reader never sees.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _seen(text: str) -> list[str]:
    """The lines as a reader sees them, each frame of the live view on lines of its own: without
    escape codes, without trailing blanks."""
    return [line.rstrip() for line in ANSI.sub("", REDRAW.sub("\n", text)).splitlines()]


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal-80", "piped"])
def test_the_first_hour_leads_from_help_to_a_served_prediction(cli, tmp_path, tiny_space, monkeypatch, terminal):
    monkeypatch.setenv("COLUMNS", "80")
    if terminal:  # rich then draws the live view and fits tables to 80 columns, as in a real terminal
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
    write_reviews_csv(tmp_path / "reviews.csv", n=120)

    bare = cli()
    assert bare.code == 2 and "usage: autosent" in bare.err
    for command in ("search", "leaderboard", "export", "predict", "evaluate", "report", "runs"):
        assert re.search(rf"^\s+{command}\s+\S", bare.err, re.MULTILINE), f"{command} has no line in the help"

    search = cli("search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "1")
    assert search.code == 0, search.err
    out = _seen(search.out)
    best = next(line for line in out if line.startswith("best: trial "))
    assert " | val_ce " in best and " val_acc " in best, best  # one line, never wrapped
    assert out[-1] == "next: autosent export best --run reviews-tiny"
    if not terminal:
        assert [line.split(" encoder=")[0] for line in out if line.startswith("[")] == ["[1/1] trial 0"]

    board = cli("leaderboard")
    assert board.code == 0, board.err
    lines = _seen(board.out)
    header = next(line for line in lines if "val_ce" in line).split()
    assert header[:3] == ["#", "trial", "encoder"] and {"val_ce", "val_acc"} <= set(header), header
    first = next(line for line in lines if line.split()[:1] == ["1"]).split()
    assert re.fullmatch(r"\d\.\d{4}", first[header.index("val_ce")]), first  # a whole value, not `0.45…`
    assert not any("…" in line for line in lines)

    export = cli("export", "best")
    assert export.code == 0, export.err
    out = _seen(export.out)
    assert any(line.startswith("exported trial ") and "test accuracy" in line for line in out), out
    assert 'next: autosent predict --model results/reviews-tiny/export "a text to label"' in out

    texts = ["review 1 poswordpos posish film plot", "what a film"]
    predict = cli("predict", *texts)
    assert predict.code == 0, predict.err
    labelled = [re.fullmatch(r"(neg|pos)\t(0\.\d{4}|1\.0000)\t(.*)", line) for line in predict.out.splitlines()]
    assert all(labelled) and [m.group(3) for m in labelled] == texts, predict.out  # a label, its probability, the text
    assert predict.err.startswith("autosent: using export results/reviews-tiny/export (run reviews-tiny, trial ")

    evaluate = cli("evaluate", "--data", "reviews.csv")
    assert evaluate.code == 0, evaluate.err
    assert evaluate.err.startswith("evaluate: 108 of 120 rows were in the export's train/val split and are left out")
    assert _seen(evaluate.out)[0].endswith("(every row but the 108 in the export's train/val split): 12 texts")
    assert _seen(evaluate.out)[1].startswith("accuracy ")

    report = cli("report")
    assert report.code == 0, report.err
    assert _seen(report.out) == ["report of run reviews-tiny: results/reviews-tiny/report/report.md with 3 figures"]

    runs = cli("runs")
    assert runs.code == 0, runs.err
    row = next(line for line in _seen(runs.out) if line.split()[:1] == ["reviews-tiny"]).split()
    assert row[1:4] == ["reviews.csv", "tiny", "1/1"], row

    assert not any("Traceback" in step.err for step in (search, board, export, predict, evaluate, report, runs))
    if terminal:  # the tables and the live view fit; a long sentence is the terminal's to wrap, as any command's
        live = _seen(search.out)[: _seen(search.out).index(best)]
        for drawn in (live, _seen(board.out), _seen(runs.out)):
            assert max(map(len, drawn)) <= 80, max(drawn, key=len)
