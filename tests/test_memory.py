"""A space whose model cannot fit in memory is refused before anything is written; the estimate is Keras' own count."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_SPACE, snapshot, unallocatable_space, write_reviews_csv

from autosent.errors import UsageError
from autosent.models.encoders import BUILT_IN
from autosent.models.hypermodel import SentimentHyperModel
from autosent.search import memory
from autosent.search.space import load_space
from autosent.text.inputs import CHARS, NGRAMS, WORDS

ENCODERS = tuple(f.name for f in BUILT_IN)

GIB = 2**30

#: Every size a different number, so that a swapped or missing term changes the count.
#: gru has its own units, and units is a choice: the estimate must take each family's largest.
SIZED_SPACE = f"""
[vectorizer]
max_tokens = 13
sequence_length = 23
ngrams = 2
ngram_max_tokens = 17
char_ngrams = 3
char_max_tokens = 19

[hyperparameters]
encoder = {{ choice = {list(ENCODERS)} }}
embedding_dim = 5
units = {{ choice = [3, 7] }}
kernel_size = 4
dense_units = 11
batch_size = 6

[encoders.gru]
units = 9
"""


def _huge_space(folder: Path) -> Path:
    """The tiny space with sizes each within bounds that together need terabytes (probe FAIL 9's huge.toml)."""
    text = TINY_SPACE.read_text().replace('["conv1d", "gru", "bigru", "bag", "nbsvm"]', '["conv1d"]')
    for line in ("embedding_dim = 8", "units = { choice = [4, 8] }", "dense_units = 8", "batch_size = 64"):
        text = text.replace(line, f"{line.split(' = ')[0]} = 65536")
    path = folder / "huge.toml"
    path.write_text(text)
    return path


def _at_caps(name: str):
    """A bundled or test space with each size rule at its cap: the largest the data can make it."""
    space = load_space(name)
    return space.with_sizes({key: rule["max"] for key, rule in space.size_rules.items()})


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("num_classes", [2, 3])
def test_the_parameter_estimate_is_what_keras_counts_for_the_largest_model(tmp_path, encoder, num_classes):
    """A real model of each family at the largest sizes the space allows: the estimate cannot drift from the hypermodel."""
    path = tmp_path / "sized.toml"
    path.write_text(SIZED_SPACE)
    space = load_space(str(path))
    sizes = memory.largest_sizes(space, encoder, num_classes)
    hypermodel = SentimentHyperModel(space, {WORDS: 13, NGRAMS: 17, CHARS: 19}, num_classes)
    largest = {name: sizes[name] for name in memory.SIZE_HYPERPARAMETERS if name in sizes}
    model = hypermodel.build(hypermodel.hyperparameters_for({"encoder": encoder, **largest}))

    assert memory.parameter_count(encoder, sizes) == model.count_params()
    if encoder in ("conv1d", "bigru"):
        assert model.get_layer(encoder).count_params() > 0 and sizes["units"] == 7  # the larger choice
    if encoder == "gru":
        assert sizes["units"] == 9  # its own [encoders.gru] entry


@pytest.mark.parametrize("name", ["default", "seed", str(TINY_SPACE)])
@pytest.mark.parametrize("num_classes", [2, 20])
def test_the_bundled_and_test_spaces_fit_far_below_a_4_gib_machine(name, num_classes):
    """Each family's largest model, with every vocabulary and length at its cap, needs under 256 MiB (see the notes for the numbers)."""
    space = _at_caps(name)
    for encoder in space.encoders:
        assert sum(memory.training_bytes(encoder, memory.largest_sizes(space, encoder, num_classes))) < GIB / 4, encoder
    memory.check_fits(space, num_classes, name, memory=(4 * GIB, "a 4 GiB machine"))


def test_a_space_whose_sizes_multiply_past_memory_is_refused_naming_family_need_and_what_to_lower(tmp_path):
    space = load_space(str(_huge_space(tmp_path)))
    with pytest.raises(UsageError) as refused:
        memory.check_fits(space, 2, "huge.toml", memory=(24 * GIB, "this machine's memory"))
    message = str(refused.value)
    assert message.startswith("huge.toml: a conv1d model of this space needs about 6.3 TiB of memory"), message
    assert "more than this machine's memory (24.0 GiB); lower batch_size and units" in message, message
    assert "\n" not in message


def test_what_to_lower_is_the_dearest_size_until_the_rest_fits():
    default = _at_caps("default")
    sizes = memory.largest_sizes(default, "bag", 2)  # its n-gram table, ngram_max_tokens x embedding_dim, is most of it
    weights, activations = memory.training_bytes("bag", sizes)
    assert memory.sizes_to_lower("bag", sizes, weights + activations) == []
    assert memory.sizes_to_lower("bag", sizes, weights // 2) == ["vectorizer.ngram_max_tokens"]
    # Nothing fits in no memory: every size that costs any is named once, and the search for them ends.
    assert memory.sizes_to_lower("bag", sizes, 0) == ["vectorizer.ngram_max_tokens", "dense_units", "batch_size", "embedding_dim"]


def test_the_machines_memory_is_the_smaller_of_its_ram_and_a_container_limit(tmp_path):
    ram, what = memory.machine_memory(cgroup_limits=())
    assert ram > 0 and what == "this machine's memory"
    (tmp_path / "none").write_text("max\n")  # cgroup v2's "no limit"
    (tmp_path / "above").write_text(f"{2**63 - 4096}\n")  # cgroup v1's "no limit"
    assert memory.machine_memory(cgroup_limits=(tmp_path / "none", tmp_path / "above", tmp_path / "missing")) == (ram, what)
    (tmp_path / "limit").write_text(f"{GIB}\n")
    assert memory.machine_memory(cgroup_limits=(tmp_path / "none", tmp_path / "limit")) == (GIB, "this container's memory limit")


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]], ids=["search", "dry-run"])
def test_the_search_refuses_such_a_space_in_one_line_before_writing_anything(cli, tmp_path, dry_run):
    """A space no machine can allocate (if the check were gone, the search would fail at once, not fill memory)."""
    write_reviews_csv(tmp_path / "reviews.csv")
    space = unallocatable_space(tmp_path)
    before = snapshot(tmp_path)
    result = cli("search", "--data", "reviews.csv", "--space", str(space), "--run", "huge", *dry_run)
    line = result.assert_usage_error("unallocatable.toml: a conv1d model of this space needs about 625.")
    assert "TiB of memory to train at its largest sizes" in line and "; lower units" in line, line  # then what this machine needs
    assert snapshot(tmp_path) == before  # no results/, no run.json, no vocabulary
