"""What an encoder family is, and the registry the search, the hypermodel and the export read.

A family (`EncoderFamily`) is one object: its name, the hyperparameters it reads with their
defaults and ranges, the named inputs it reads (`WORDS`, `NGRAMS`, `CHARS`: what `vectorize`
makes), how it builds its layers from them, what its largest model costs in memory, and
whether `explain` can read its prediction exactly. `register` adds one; `family` and
`families` look them up. Nothing here imports Keras, so validating a space stays fast.

The built-in families register when `autosent.models.encoders` is imported. A third-party family is
a module that calls `register` on import; importing it before a search (or an export, a
resume of a run that picked it) is what makes it known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from autosent.errors import UsageError
from autosent.text.inputs import COUNTS, WORDS

#: Largest layer width, embedding size or batch a space may ask for: far above anything that
#: trains on one machine, low enough that a typo (units = 1e9) is refused, not run out of memory.
MAX_SIZE = 65536


@dataclass(frozen=True)
class Param:
    """What the hypermodel accepts for one hyperparameter: its type and its valid range."""

    kind: type
    default: Any
    allowed: tuple | None = None  # for categorical parameters
    minimum: float | None = None  # inclusive lower bound for numbers
    maximum: float | None = None  # inclusive upper bound for numbers
    positive: bool = False  # strictly > 0
    below: float | None = None  # strict upper bound


def _size(default: int) -> Param:
    return Param(int, default, minimum=1, maximum=MAX_SIZE)


#: Every built-in hyperparameter with the seed notebook's value as default, in the order a
#: trial declares them (keras-tuner samples in that order, so it fixes which trials a seed gives).
HYPERPARAMETERS: dict[str, Param] = {
    "embedding_dim": _size(64),
    "units": _size(128),
    "kernel_size": _size(5),  # and at most the sequence length, checked on load
    "pooling": Param(str, "average", allowed=("average", "max")),
    "dense_units": _size(64),
    "dropout": Param(float, 0.0, minimum=0.0, below=1.0),  # 1 would drop everything
    # Augmentation, while training only (models/layers.py): words made unknown, one by one or a span
    "word_dropout": Param(float, 0.0, minimum=0.0, below=1.0),
    "span_mask": Param(float, 0.0, minimum=0.0, below=1.0),
    "l2": Param(float, 0.0, minimum=0.0, maximum=1.0),
    "learning_rate": Param(float, 1e-3, positive=True),  # a diverging one fails its trial, not the search
    "batch_size": _size(32),
    # "balanced" weighs each text's loss by the inverse frequency of its class (imbalanced data)
    "class_weight": Param(str, "none", allowed=("none", "balanced")),
}
#: What every family reads: its output's dropout and L2, the optimiser, the batch, the class weights.
COMMON = ("dropout", "l2", "learning_rate", "batch_size", "class_weight")
#: What the dense head between a non-linear encoder and the output reads.
HEAD = ("dense_units",)


def builtin(*names: str) -> dict[str, Param]:
    """The built-in hyperparameters `names`, for a family's `hyperparameters`."""
    return {name: HYPERPARAMETERS[name] for name in names}


class Cost(NamedTuple):
    """A family's part of a model at given sizes (`memory`): its weights, frozen tables included;
    the width of the vector it hands the dense head; the floats one text's activations hold."""

    weights: int
    width: int
    activations: int


@dataclass(frozen=True)
class Context:
    """What a family's `build` takes besides the inputs and the trial's values."""

    vocabulary_sizes: dict[str, int]  # of each named input the run makes
    outputs: int  # 1 (a sigmoid) or the number of classes (a softmax)
    seed: int
    tables: dict[str, dict[str, Any]]  # frozen per-input tables by kind (TABLES), counted on the training split


#: The frozen tables a family may ask for, of each count input it reads: Naive Bayes log-count
#: ratios (`naive_bayes`) and inverse document frequencies (`tfidf`).
TABLES = ("log_ratios", "idf")


@dataclass(frozen=True)
class EncoderFamily:
    """One encoder family: everything the rest of autosent needs to know of it.

    `build(context, inputs, values)` returns, from the Keras inputs by name and the trial's
    hyperparameter values by name, one vector per text (handed to dropout and a dense head),
    or for a `linear` family its per-output scores (handed straight to the output layer,
    whose kernel starts as `output_gain` x identity). `cost(sizes)` is its part of the model
    at `memory.largest_sizes`' sizes; `memory` adds the head. `exact_explanation`: its score is
    count x weight x Naive Bayes ratio (`layers.NaiveBayesScores`), which `explain` reads
    exactly; any other family is explained by occlusion. The model card says what it reads
    from its `inputs`.
    """

    name: str
    inputs: tuple[str, ...]
    build: Callable[[Context, dict[str, Any], dict[str, Any]], Any]
    cost: Callable[[dict[str, int]], Cost]
    hyperparameters: dict[str, Param] = field(default_factory=dict)  # beyond COMMON (and HEAD, if not linear)
    linear: bool = False
    output_gain: float = 1.0
    tables: tuple[str, ...] = ()  # of TABLES
    exact_explanation: bool = False

    def reads(self, hyperparameter: str) -> bool:
        """Whether a model of this family reads `hyperparameter` (else a trial of it leaves it out)."""
        return hyperparameter in (*COMMON, *(() if self.linear else HEAD), *self.hyperparameters)


_FAMILIES: dict[str, EncoderFamily] = {}
#: What every "unknown encoder" error adds: the way to make a third-party family known.
IMPORT_HINT = "a family from outside autosent is known once its module is imported"


def register(new: EncoderFamily) -> EncoderFamily:
    """Make `new` known to spaces, the hypermodel and exports; refuse a second family of its name,
    a hyperparameter of a known name with another definition, an input or table no run makes."""
    if new.name in _FAMILIES or "." in new.name:
        raise ValueError(f"encoder family {new.name!r}: that name is taken (or has a dot, which keras-tuner names use)")
    unknown = set(new.inputs) - {WORDS, *COUNTS} or set(new.tables) - set(TABLES)
    if unknown:
        raise ValueError(f"encoder family {new.name!r}: unknown input or table {min(unknown)!r}")
    known = hyperparameters()
    for name, param in new.hyperparameters.items():
        if name == "encoder" or known.get(name, param) != param:
            raise ValueError(f"encoder family {new.name!r}: hyperparameter {name!r} is already defined otherwise")
    _FAMILIES[new.name] = new
    return new


def family(name: str) -> EncoderFamily:
    """The registered family `name`; a one-line error naming the known ones otherwise."""
    try:
        return _FAMILIES[name]
    except KeyError:
        raise UsageError(
            f"unknown encoder {name!r} (registered: {', '.join(_FAMILIES)}); {IMPORT_HINT}"
        ) from None


def families() -> tuple[EncoderFamily, ...]:
    """Every registered family, built-in ones first, in the order they were registered."""
    return tuple(_FAMILIES.values())


def names() -> tuple[str, ...]:
    return tuple(_FAMILIES)


def hyperparameters() -> dict[str, Param]:
    """Every hyperparameter some family reads: the built-in ones in their order, then the ones
    registered families added, in the order they were registered."""
    added = {name: param for f in families() for name, param in f.hyperparameters.items()}
    return {**HYPERPARAMETERS, **added}
