"""Vectorizer sizes follow the training texts unless the space pins them."""

import pytest

from autosent.errors import UsageError
from autosent.search.space import load_space
from autosent.text.sizes import resolve_sizes


def _texts(words_per_text: int, n: int = 200) -> list[str]:
    return [" ".join(f"w{(i * 7 + j) % 500}" for j in range(words_per_text)) for i in range(n)]


def test_short_texts_get_short_sequences_and_small_vocabularies():
    vectorizer = resolve_sizes(load_space("default"), _texts(12)).settings["vectorizer"]
    assert vectorizer["sequence_length"] == 12
    assert vectorizer["max_tokens"] == 500 + 2  # every word is seen twice or more; + padding and unknown
    assert vectorizer["ngram_max_tokens"] < 200_000


def test_the_training_split_decides_the_linear_families_batch_too():
    """resolve_sizes, which every search calls, resolves the batch rules along with the vectorizer sizes."""
    few, many = (resolve_sizes(load_space("default"), _texts(12, n=n)) for n in (6_825, 19_998))
    assert few.batch_rules == {} and few.encoder_overrides["tfidf"]["batch_size"] == 22
    assert "batch_size" not in many.encoder_overrides["tfidf"] and many.hyperparameters["batch_size"] == 64


def test_long_texts_are_capped():
    vectorizer = resolve_sizes(load_space("default"), _texts(1000, n=40)).settings["vectorizer"]
    assert vectorizer["sequence_length"] == 300  # default.toml's cap


def test_a_pinned_value_wins_and_a_rule_may_be_given(tmp_path):
    (tmp_path / "s.toml").write_text(
        "[vectorizer]\nsequence_length = 50\nmax_tokens = { min_count = 1000, max = 20000 }\n"
    )
    vectorizer = resolve_sizes(load_space(str(tmp_path / "s.toml")), _texts(12)).settings["vectorizer"]
    assert vectorizer["sequence_length"] == 50
    assert vectorizer["max_tokens"] == 1 + 2  # no word is seen 1,000 times


def test_a_derived_length_is_never_shorter_than_the_widest_convolution(tmp_path):
    (tmp_path / "s.toml").write_text('[hyperparameters]\nencoder = "conv1d"\nkernel_size = { choice = [3, 7] }\n')
    assert resolve_sizes(load_space(str(tmp_path / "s.toml")), _texts(2)).sequence_length == 7


@pytest.mark.parametrize(
    "line, mentions",
    [
        ("sequence_length = { percentile = 101, max = 300 }", "sequence_length.percentile = 101 must be an integer from 1 to 100"),
        ("sequence_length = { min_count = 2, max = 300 }", "must be an integer or { percentile = N, max = M }"),
        ("max_tokens = { min_count = 2, max = 1 }", "max_tokens.max = 1 must be an integer from 3"),
        ("ngram_sequence_length = 800", "ngram_sequence_length is no longer read"),
    ],
)
def test_bad_rules_are_refused_naming_the_key(tmp_path, line, mentions):
    (tmp_path / "s.toml").write_text(f"[vectorizer]\n{line}\n")
    with pytest.raises(UsageError, match=mentions.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        load_space(str(tmp_path / "s.toml"))


def test_character_ngrams_counted_by_distinct_word_are_the_counts_text_by_text():
    from collections import Counter

    from autosent.text.sizes import REPEATED_LIST, char_counts
    from autosent.text.standardize import char_ngrams

    texts = ["the film, the FILM!", "Straße 房间很好 :)", " ".join(["the"] * (REPEATED_LIST + 3)), "a\u3000b\x85c"]
    assert char_counts(texts, 4) == Counter(gram for text in texts for gram in char_ngrams(text, 4))


def test_long_texts_get_narrower_character_ngrams():
    short, long = (resolve_sizes(load_space("default"), _texts(n)).settings["vectorizer"]["char_ngrams"] for n in (3, 400))
    assert short == 5  # the cap: a dozen characters a text
    assert long == 4000 // len(_texts(400)[0]) < 5
