"""The records modules hand each other are typed: the data settings (`DataSpec`), the test metrics
(`Metrics`, one shape for any number of classes) and the export's metadata (`ExportMetadata`), each
read back from what autosent wrote before it existed."""

import json

import numpy as np
import pytest
from conftest import TESTS, TINY_SPACE, write_reviews_csv

from autosent.data.spec import ReadOptions
from autosent.errors import UsageError
from autosent.runs.rundir import RUN_FILE, RunIdentity, RunRecord
from autosent.search.pipeline import SearchConfig, prepare_search
from autosent.ship.export_metadata import ExportMetadata, MetadataError
from autosent.ship.metrics import ClassMetrics, Metrics, classification_metrics
from autosent.views.report import REPORTED

LEGACY_METADATA = TESTS / "fixtures" / "ee3e106" / "results" / "old" / "export" / "metadata.json"


def test_a_run_records_the_data_settings_its_search_read_and_rebuilds_them(tmp_path):
    """Every flag that changes the rows (columns, delimiter, encoding, limit, seed, val file, split rule) survives run.json."""
    rows = write_reviews_csv(tmp_path / "r.csv", n=200).read_text().replace("text,label", "body;stars").replace(",", ";")
    (tmp_path / "train.csv").write_text(rows, encoding="latin-1")
    (tmp_path / "val.csv").write_text("body;stars\n" + "".join(f"val text {i} é;{['neg', 'pos'][i % 2]}\n" for i in range(20)), encoding="latin-1")
    config = SearchConfig(
        data=str(tmp_path / "train.csv"), val_data=str(tmp_path / "val.csv"), text_column="body", label_column="stars",
        encoding="latin-1", delimiter=";", limit=150, seed=3, space=str(TINY_SPACE), results=tmp_path / "results",
    )  # fmt: skip
    prepared = prepare_search(config)
    assert prepared.data.read == ReadOptions("body", "stars", "latin-1", ";") and prepared.data.limit == 150
    (tmp_path / RUN_FILE).write_text(json.dumps(prepared.run_record().to_json()))
    rebuilt = RunRecord.read(tmp_path).data_spec()
    assert rebuilt == prepared.data
    assert rebuilt.load().fingerprint() == prepared.identity().fingerprint


def test_metrics_have_one_shape_for_two_or_three_classes_and_write_what_metadata_json_always_held():
    two = classification_metrics(np.array([0, 1, 1, 0]), np.array([[0.2], [0.9], [0.4], [0.1]]), ["neg", "pos"])
    three = classification_metrics(np.array([0, 1, 2]), np.eye(3)[[0, 2, 2]], ["neg", "meh", "pos"])
    assert [c.label for c in two.per_class] == ["neg", "pos"] and [c.label for c in three.per_class] == ["neg", "meh", "pos"]
    assert two.positive == two.per_class[1] == ClassMetrics("pos", 1.0, 0.5, pytest.approx(2 / 3), 2, 1.0)
    assert three.positive is None and three.per_class[1].recall == 0.0
    for metrics in (two, three):
        assert Metrics.from_json(json.loads(json.dumps(metrics.to_json()))) == metrics
    assert {"precision", "recall", "f1"} <= set(two.to_json()) and "precision" not in three.to_json()  # as exports always wrote


def test_every_field_of_an_export_made_at_ee3e106_reads_typed():
    """Before the marker, the profile, the split rule, the selection and `absent_classes`: each reads as absent."""
    written = json.loads(LEGACY_METADATA.read_text())
    read = ExportMetadata.from_json(written, needs=REPORTED)
    assert read.format == 0 and read.trial_id == "0" and read.epochs == 1 and read.selection is None and read.profile is None
    assert read.test_metrics.absent_classes == [] and read.test_metrics.positive.support == 4
    assert read.described() == "trial 0 (1 epochs)" and read.headline() == "test accuracy 1.0000, loss 0.5976, ROC-AUC 1.0000"
    again = read.to_json()
    assert {k: v for k, v in again.items() if k not in ("producer", "format", "test_metrics")} == {k: v for k, v in written.items() if k != "test_metrics"}
    assert again["test_metrics"] == {**written["test_metrics"], "absent_classes": []}


def test_a_field_a_reader_does_not_need_reads_as_absent_and_one_it_needs_is_named():
    written = {**json.loads(LEGACY_METADATA.read_text()), "epochs": "three"}
    assert ExportMetadata.from_json(written).epochs is None  # predict does not read it
    with pytest.raises(MetadataError, match="has no valid 'epochs' \\(int expected\\)"):
        ExportMetadata.from_json(written, needs=REPORTED)
    with pytest.raises(MetadataError, match="has format 2, which this autosent does not read") as refused:
        ExportMetadata.from_json({**written, "format": 2})
    assert refused.value.fix == "upgrade autosent, or export the model again"
    assert not issubclass(MetadataError, UsageError)  # a reader names the file it came from (`read_metadata`)


@pytest.mark.parametrize("made_at", ["now", "ee3e106"])
def test_run_json_reads_typed_and_writes_back_what_it_was_read_from(finished_run, made_at):
    """A run made before val/test files and the split rule has an identity without them: written back, it is still
    equal to what the same command gives, so the run resumes (`test_compatibility`)."""
    run_dir = finished_run if made_at == "now" else TESTS / "fixtures" / "ee3e106" / "results" / "old"
    written = json.loads((run_dir / RUN_FILE).read_text())
    record = RunRecord.read(run_dir)
    assert isinstance(record.identity, RunIdentity) and record.identity.to_json() == written["identity"]
    assert {key: value for key, value in record.to_json().items() if key in written} == written  # and None for fields it lacks
