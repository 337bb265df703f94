"""Leakage between splits is found before training: a text in train and in val or test makes their scores lie."""

from __future__ import annotations

import json

import pytest
from conftest import TINY_SPACE, snapshot, write_reviews_csv

from autosent.data import SplitRule, load_dataset
from autosent.errors import UsageError
from autosent.search.pipeline import SearchConfig, prepare_search
from autosent.ship.export_metadata import read_metadata
from autosent.text.standardize import UNICODE

SEARCH = ["search", "--space", str(TINY_SPACE), "--budget", "1", "--max-epochs", "1"]


def _keys(texts: list[str]) -> set[str]:
    key = SplitRule(UNICODE).same_text()
    return {key(t) for t in texts}


def test_the_training_file_given_again_as_val_and_test_data_is_refused_naming_the_overlap(cli, tmp_path):
    write_reviews_csv(tmp_path / "train.csv", n=100)
    before = snapshot(tmp_path)
    line = cli(*SEARCH, "--data", "train.csv", "--val-data", "train.csv", "--test-data", "train.csv").assert_usage_error(
        "--val-data train.csv: 100 of its 100 texts are also in --data train.csv (e.g. 'review 0 negwordneg negish film plot')"
    )
    assert "--allow-overlap" in line
    assert snapshot(tmp_path) == before  # refused before anything was written


def test_overlap_is_found_in_the_words_the_models_read_not_only_byte_for_byte(tmp_path):
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    (tmp_path / "val.csv").write_text('text,label\n"REVIEW 3  poswordpos posish, film plot!",pos\n"a new text",neg\n')
    with pytest.raises(UsageError, match=r"val.csv: 1 of its 2 texts are also in --data .*train.csv"):
        load_dataset(str(data), val_source=str(tmp_path / "val.csv"))


def test_test_data_that_repeats_the_val_data_is_refused_too(tmp_path):
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    val = write_reviews_csv(tmp_path / "val.csv", n=20, first=100)
    with pytest.raises(UsageError, match=r"--test-data .*val.csv: 20 of its 20 texts are also in --val-data"):
        load_dataset(str(data), val_source=str(val), test_source=str(val))


def test_allow_overlap_takes_the_files_records_it_and_warns(tmp_path):
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    val = write_reviews_csv(tmp_path / "val.csv", n=20, first=90)  # 10 of its texts are training texts
    prepared = prepare_search(SearchConfig(data=str(data), val_data=str(val), space=str(TINY_SPACE), results=tmp_path / "r", allow_overlap=True))
    assert prepared.identity().to_json()["split"] == {"grouped_by": "split_at_punctuation", "allow_overlap": True}
    across = prepared.profile.duplicates_across
    assert across["train/val"] + across["val/test"] == 10  # the test split is cut from --data, after val was given
    assert any(w.startswith(f"texts in two splits ({across['train/val']} val also in train") for w in prepared.profile.warnings)


def test_repeated_texts_of_one_file_stay_in_one_split_and_are_counted(tmp_path):
    rows = ["text,label"] + [f'"{text} film {i}",{label}' for i in range(60) for label, text in (("neg", "awful"), ("pos", "great")) for text in (text, text.upper() + "!")]
    (tmp_path / "dup.csv").write_text("\n".join(rows) + "\n")
    dataset = load_dataset(str(tmp_path / "dup.csv"))
    train, val, test = (_keys(s.texts) for s in (dataset.train, dataset.val, dataset.test))
    assert not train & val and not train & test and not val & test
    assert len(dataset.train) + len(dataset.val) + len(dataset.test) == 240 and len(val) > 5
    rows_alone = load_dataset(str(tmp_path / "dup.csv"), rule=SplitRule())
    assert _keys(rows_alone.train.texts) & _keys(rows_alone.val.texts)  # row by row, they straddled the cut
    prepared = prepare_search(SearchConfig(data=str(tmp_path / "dup.csv"), space=str(TINY_SPACE), results=tmp_path / "r"))
    assert sum(prepared.profile.duplicates_within.values()) == 120 and set(prepared.profile.duplicates_across.values()) == {0}


def test_a_run_made_before_the_split_rule_resumes_with_its_row_by_row_split(finished_run, tmp_path, monkeypatch):
    """Its identity has no `split`: the same command makes the split it was made with, so it still resumes."""
    record = json.loads((finished_run / "run.json").read_text())
    assert record["identity"].pop("split") == {"grouped_by": "split_at_punctuation", "allow_overlap": False}
    (finished_run / "run.json").write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)
    config = SearchConfig(data="reviews.csv", space=str(TINY_SPACE), budget=2, results=tmp_path / "results", run="done")
    assert prepare_search(config).data.rule == SplitRule()
    assert prepare_search(SearchConfig(**{**vars(config), "overwrite": True})).data.rule.grouped_by == "split_at_punctuation"


def test_without_a_repeated_text_the_split_is_the_row_by_row_one(tmp_path):
    data = str(write_reviews_csv(tmp_path / "train.csv", n=100))
    grouped, rows = load_dataset(data), load_dataset(data, rule=SplitRule())
    assert grouped.fingerprint() == rows.fingerprint()


def test_a_file_of_a_few_texts_repeated_is_refused_naming_how_few_distinct_texts_it_holds(tmp_path):
    (tmp_path / "few.csv").write_text("text,label\n" + "".join(f"text {i % 3},{['neg', 'pos'][i % 3 % 2]}\n" for i in range(120)))
    with pytest.raises(UsageError, match=r"too few rows of 3 distinct texts \(a repeated text stays in one split\)"):
        load_dataset(str(tmp_path / "few.csv"))


def test_allow_overlap_without_a_val_or_test_file_is_the_same_run(tmp_path):
    """It only lets given files share texts: a search without them is the same run with or without it."""
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    plain, allowed = (prepare_search(SearchConfig(data=str(data), space=str(TINY_SPACE), results=tmp_path / "r", allow_overlap=a)) for a in (False, True))
    assert plain.identity() == allowed.identity()


@pytest.mark.parametrize("damage", ["x", {"grouped_by": "lower", "allow_overlap": False}, {"grouped_by": "unicode_words"}])
def test_a_damaged_split_rule_is_named_in_one_line(finished_run, cli, damage):
    record = json.loads((finished_run / "run.json").read_text())
    record["identity"]["split"] = damage
    (finished_run / "run.json").write_text(json.dumps(record))
    cli("export", "--run", "done").assert_usage_error("run.json is damaged: its split rule")


def test_an_export_with_a_damaged_split_rule_is_named_in_one_line(tmp_path):
    (tmp_path / "metadata.json").write_text(json.dumps({"label_names": ["neg", "pos"], "split": {"grouped_by": "lower", "allow_overlap": False}}))
    with pytest.raises(UsageError, match=r"metadata.json is damaged: its split rule .* is not one autosent writes"):
        read_metadata(tmp_path)


def test_allow_overlap_where_the_files_share_no_text_is_the_same_run(tmp_path):
    """Adding it to the command of a run whose files share nothing does not make another run."""
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    val = write_reviews_csv(tmp_path / "val.csv", n=20, first=100)
    plain, allowed = (
        prepare_search(SearchConfig(data=str(data), val_data=str(val), space=str(TINY_SPACE), results=tmp_path / "r", allow_overlap=a))
        for a in (False, True)
    )
    assert plain.identity() == allowed.identity()
