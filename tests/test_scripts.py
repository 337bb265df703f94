"""Any text, any script: a language written without spaces is learnt, its export serves it, and the profile warns.

Before `standardize.UNICODE`, a Chinese review was one word seen once, and every model sat at the
majority class without a word said (issue 21); these tests run the real search on a tiny Chinese set.
"""

import json

import numpy as np
import pytest
import tensorflow as tf

from autosent.data import Dataset, Split
from autosent.runs.records import read_records
from autosent.search.pipeline import SearchConfig, run_search
from autosent.search.profile import profile
from autosent.search.space import SPACES_DIR, load_space
from autosent.ship.export import export_trial

#: Everyday characters that say nothing of a review's label, and the phrases that do.
FILLER = "我们这个酒店房间书本东西买了一次还是觉得服务前台早餐位置附近价格性能质量包装快递"
PHRASES = {"pos": ["很好", "喜欢", "满意", "推荐"], "neg": ["太差", "失望", "糟糕", "退货"]}
#: The default space, on three of its families and fewer epochs: a tiny set needs no more.
DEFAULT_ENCODERS = '["conv1d", "gru", "bigru", "bag", "nbsvm", "char_nbsvm", "tfidf"]'


def _chinese_reviews(path, n: int = 240) -> None:
    """Reviews without a single space: filler characters around one telling phrase, some with an emoji."""
    rng = np.random.default_rng(0)
    lines = ["text,label"]
    for i in range(n):
        label = ("neg", "pos")[i % 2]
        filler = "".join(rng.choice(list(FILLER), size=rng.integers(6, 16)))
        cut = int(rng.integers(0, len(filler)))
        emoji = ("😀" if label == "pos" else "😞") if i % 5 == 0 else ""
        lines.append(f"{filler[:cut]}{rng.choice(PHRASES[label])}{filler[cut:]}，{emoji}。,{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _space(path, standardize: str, encoders: str) -> str:
    text = (SPACES_DIR / "default.toml").read_text(encoding="utf-8")
    text = text.replace('standardize = "unicode_words"', f'standardize = "{standardize}"').replace(DEFAULT_ENCODERS, encoders)
    path.write_text(text.replace("max_epochs = 6", "max_epochs = 3"), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def chinese_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("chinese")
    _chinese_reviews(root / "reviews.csv")
    space = _space(root / "space.toml", "unicode_words", '["nbsvm", "char_nbsvm", "tfidf"]')
    run_search(SearchConfig(data=str(root / "reviews.csv"), space=space, budget=3, results=root / "results", run="zh"))
    return root


def test_a_tiny_chinese_set_is_learnt_far_above_the_majority_class(chinese_run):
    records = read_records(chinese_run / "results" / "zh")
    accuracy = {r.encoder: r.val_accuracy for r in records if r.finished}
    assert set(accuracy) == {"nbsvm", "char_nbsvm", "tfidf"}, [r.message for r in records]
    assert max(accuracy.values()) >= 0.9, accuracy  # the majority class: 0.5


def test_before_unicode_words_a_word_model_learnt_nothing_from_it(chinese_run, tmp_path):
    """The failure this fixes, kept visible: each review one unseen word to split_at_punctuation."""
    space = _space(tmp_path / "space.toml", "split_at_punctuation", '["nbsvm"]')
    outcome = run_search(SearchConfig(data=str(chinese_run / "reviews.csv"), space=space, budget=1, results=tmp_path / "results"))
    assert outcome.records[0].val_accuracy <= 0.7, outcome.records[0]


def test_an_export_of_a_character_family_serves_chinese_and_emoji_alike_from_keras_and_saved_model(chinese_run):
    import keras

    import autosent.layers  # noqa: F401 (the registered text layers the export holds)

    records = read_records(chinese_run / "results" / "zh")
    tfidf = next(r for r in records if r.encoder == "tfidf")  # reads word n-grams and character n-grams
    result = export_trial(chinese_run / "results", "zh", trial=tfidf.trial_id, out=chinese_run / "export")
    assert result.metadata.vectorizer["standardize"] == "unicode_words" and result.metadata.vectorizer["char_ngrams"] == 5
    texts = ["房间很好，推荐😀", "太差了，失望😞", "東京のホテル", "ok 👍🏽"]
    reloaded = keras.saving.load_model(chinese_run / "export" / "model.keras")
    saved_model = tf.saved_model.load(str(chinese_run / "export" / "saved_model"))  # kept: its variables die with it
    served = saved_model.serve(tf.constant(texts)).numpy()
    np.testing.assert_allclose(reloaded.predict(tf.constant(texts), verbose=0), served, atol=1e-5)
    assert served[0, 0] > 0.5 > served[1, 0]  # P(pos): the label names sort neg, pos
    assert json.loads((chinese_run / "export" / "metadata.json").read_text())["profile"]["scripts"]["Han"] > 0.9


def test_an_export_computes_only_the_inputs_its_model_reads(chinese_run):
    records = read_records(chinese_run / "results" / "zh")
    nbsvm = next(r for r in records if r.encoder == "nbsvm")
    result = export_trial(chinese_run / "results", "zh", trial=nbsvm.trial_id, out=chinese_run / "export-nbsvm")
    from autosent.ship.predict import Predictor

    names = {layer.name for layer in Predictor(result.out).model.layers}
    assert "ngrams_vectorizer" in names and not names & {"chars_vectorizer", "words_vectorizer"}, names


def _dataset(texts: list[str]) -> Dataset:
    split = Split(texts, np.arange(len(texts)) % 2)
    return Dataset("made-up", ("neg", "pos"), split, split, split)


def test_the_profile_warns_for_a_script_without_spaces_and_not_for_english():
    space = load_space("default")
    chinese = profile(_dataset(["房间很好，推荐", "太差了，失望", "服务很好", "早餐糟糕"]), space)
    english = profile(_dataset(["a fine room, recommended", "awful, never again", "great service", "bad breakfast"]), space)
    assert chinese.scripts == {"Han": 1.0} and len(chinese.warnings) == 2
    assert "Han, written without spaces" in chinese.warnings[0] and "char_nbsvm, tfidf" in chinese.warnings[0]
    assert chinese.duplicates_across == {"train/val": 4, "train/test": 4, "val/test": 4}  # the same texts in each split
    leak = "texts in two splits (4 val also in train, 4 test also in train, 4 test also in val): val and test scores"
    assert chinese.warnings[1].startswith(leak)
    assert english.warnings == chinese.warnings[1:] and english.scripts == {"Latin": 1.0}  # no script warning
    old = profile(_dataset(["房间很好，推荐", "太差了，失望"]), load_space("seed"))  # Keras' standardisation, no char family
    assert 'use "unicode_words"' in old.warnings[0] and "has no character encoder" in old.warnings[0]


def test_the_profile_warns_for_a_text_far_longer_than_the_rest():
    """One pasted file among sentences: the n-gram encoders would count its n-grams like hundreds of texts'."""
    texts = [f"review {i} a good film" for i in range(40)]
    ordinary = profile(_dataset(texts), load_space("default"))
    pasted = profile(_dataset([*texts[:-1], "the film " * 30_000]), load_space("default"))
    assert ordinary.long_texts == 0 and not any("median length" in w for w in ordinary.warnings)
    assert pasted.long_texts == 1
    assert any(w.startswith("1 training text(s) over 100x the median length") for w in pasted.warnings), pasted.warnings
