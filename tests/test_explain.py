"""`predict --explain`: on a model where one word decides the label, that word comes first."""

import json
import shutil

import numpy as np
import pytest
from conftest import TINY_SPACE

from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship.explain import Contribution
from autosent.ship.export import export_trial

POOL = [f"filler{i}" for i in range(40)]


def _decisive_csv(path, n: int = 400) -> None:
    """Texts of shared filler words; one word at the end decides: `splendid` (pos) or `dreadful` (neg)."""
    rng = np.random.default_rng(0)
    lines = ["text,label"]
    for i in range(n):
        label, word = ("pos", "splendid") if i % 2 else ("neg", "dreadful")
        lines.append(f"{' '.join(rng.choice(POOL, size=8))} {word},{label}")
    path.write_text("\n".join(lines) + "\n")


#: How each encoder of these tests is explained.
METHOD = {"nbsvm": "exact", "char_nbsvm": "exact", "conv1d": "occlusion"}


def _names_the_word(encoder: str, term: str, word: str) -> bool:
    """A word model names the deciding word; a character model one of its character n-grams (padded as in training)."""
    return term.strip() != "" and term in f" {word} " if encoder == "char_nbsvm" else term == word


@pytest.fixture(scope="module", params=list(METHOD))
def decisive_export(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"explain-{request.param}")
    _decisive_csv(root / "reviews.csv")
    choice = 'encoder = { choice = ["conv1d", "gru", "bigru", "bag", "nbsvm"] }'
    space = TINY_SPACE.read_text().replace(choice, f'encoder = "{request.param}"').replace("learning_rate = 0.003", "learning_rate = 0.02")
    (root / "space.toml").write_text(space)
    run_search(SearchConfig(data=str(root / "reviews.csv"), space=str(root / "space.toml"), budget=1, max_epochs=3,
                            results=root / "results", run="r"))  # fmt: skip
    return request.param, export_trial(root / "results", "r").out


def test_the_deciding_word_is_ranked_first(cli, decisive_export):
    encoder, export = decisive_export
    # The deciding word last, as in training, after a word never seen: no bigram of it is known.
    result = cli("predict", "--model", str(export), "--explain", "--top", "3", "--json",
                 "filler3 filler17 quietly splendid", "filler5 filler21 quietly dreadful")  # fmt: skip
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [line["label"] for line in lines] == ["pos", "neg"]
    for line, word in zip(lines, ("splendid", "dreadful")):
        explanation = line["explanation"]
        assert explanation["method"] == METHOD[encoder]
        assert _names_the_word(encoder, explanation["towards"][0]["term"], word), explanation
        assert explanation["towards"][0]["contribution"] > 0
        assert len(explanation["towards"]) <= 3 and all(c["contribution"] < 0 for c in explanation["against"])


def test_explain_prints_for_and_against_lines(cli, decisive_export):
    encoder, export = decisive_export
    result = cli("predict", "--model", str(export), "--explain", "filler3 filler17 quietly splendid")
    assert result.code == 0, result.err
    assert result.out.splitlines()[1].startswith("  for pos: ")
    top = result.out.splitlines()[1].removeprefix("  for pos: ").split(" (+")[0]
    if top.startswith("'"):  # a character n-gram at a word's edge, quoted so that its space shows
        assert encoder == "char_nbsvm" and top.endswith("'"), result.out
        top = top[1:-1]
    assert _names_the_word(encoder, top, "splendid"), result.out


def test_an_export_naming_an_unknown_standardisation_is_named_in_one_line(cli, decisive_export, tmp_path):
    _, export = decisive_export
    damaged = shutil.copytree(export, tmp_path / "damaged")
    metadata = json.loads((damaged / "metadata.json").read_text())
    metadata["vectorizer"]["standardize"] = "lower"  # hand-edited: no such standardisation
    (damaged / "metadata.json").write_text(json.dumps(metadata))
    cli("predict", "--model", str(damaged), "--explain", "splendid film").assert_usage_error(
        "metadata.json names an unknown vectorizer.standardize 'lower'"
    )


@pytest.mark.parametrize(
    "term, shown",
    [
        ("good", "good"), (" go", "' go'"), ("od ", "'od '"), (" ", "' '"),
        ("\ufe0f", "<U+FE0F>"), ("\u200d\ufe0f", "<U+200D><U+FE0F>"), ("❤\ufe0f", "❤<U+FE0F>"), ("👩\u200d", "👩<U+200D>"), ("\ufe0f ", "'<U+FE0F> '"),
    ],
)
def test_each_character_that_prints_as_nothing_is_shown_by_its_code_point_and_a_word_edge_in_quotes(term, shown):
    """An emoji's variation selector or joiner, split off into n-grams, printed as nothing: `❤️` and `❤` looked alike (found by hostile tries)."""
    assert Contribution(term, 0.5).shown() == shown
