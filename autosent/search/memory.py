"""Whether one model of a space fits in this machine's memory, decided before a run is written.

Each size of a space is validated on its own (`encoders.registry.MAX_SIZE`), but together sizes multiply:
a Conv1D of 65,536 units over a 65,536-wide embedding holds 86 GB of kernel, and keras-tuner
would allocate it long after the run folder was written. `check_fits` estimates, for each
encoder family a space can pick, the memory its largest model needs to train (every size at
the largest value the space allows it) and refuses the space when that exceeds this machine's
memory, naming the family and the sizes to lower. It reads only the resolved space: no
TensorFlow, no model built.

The estimate is deliberately generous (every weight four times over, every activation twice),
so a model it passes can still run out of memory, when other programs hold memory; such a
trial fails like any trial that raises and is recorded FAILED (`tuner`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from autosent.errors import UsageError
from autosent.models.encoders import family
from autosent.search.space import SearchSpace

#: Bytes of one float32: every weight and activation of a model.
FLOAT_BYTES = 4
#: Copies of each weight while training with Adam: the weight, its gradient and Adam's two moments.
TRAINING_COPIES = 4
#: Copies of each activation of a batch: its value, kept for the backward pass, and its gradient.
ACTIVATION_COPIES = 2
#: The model hyperparameters that size a model.
SIZE_HYPERPARAMETERS = ("embedding_dim", "units", "kernel_size", "dense_units", "batch_size")
#: The vectorizer settings that size a model: its vocabularies and the words a sequence encoder reads.
VECTORIZER_SIZES = ("max_tokens", "sequence_length", "ngram_max_tokens", "char_max_tokens")
#: Where a Linux container's memory limit is (cgroup v2, then v1); "max", or a value above
#: the machine's memory, means none.
CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


def largest_sizes(space: SearchSpace, encoder: str, num_classes: int) -> dict[str, int]:
    """Every size a model of `encoder` reads, at the largest value the resolved `space` allows it.

    Each part of a model grows with each of its sizes, so these give the family's largest model.
    """
    vectorizer = space.settings["vectorizer"]
    sizes = {name: space.largest(name, encoder) for name in SIZE_HYPERPARAMETERS if family(encoder).reads(name)}
    return {
        **sizes,
        **{key: vectorizer[key] for key in VECTORIZER_SIZES},
        "ngrams": vectorizer["ngrams"],
        "outputs": 1 if num_classes == 2 else num_classes,  # one sigmoid, or a softmax over the classes
    }


def _dense(inputs: int, units: int) -> int:
    return inputs * units + units


def parameter_count(encoder: str, sizes: dict[str, int]) -> int:
    """The weights of the model `hypermodel.SentimentHyperModel` builds for `encoder` at `sizes`
    (`largest_sizes`' keys): what Keras' `model.count_params()` says, frozen tables included.

    The family's own (`EncoderFamily.cost`), then the output layer, which a linear family's
    scores feed directly and any other's through the dense head.
    """
    outputs, encoder_family = sizes["outputs"], family(encoder)
    cost = encoder_family.cost(sizes)
    if encoder_family.linear:
        return cost.weights + _dense(outputs, outputs)
    return cost.weights + _dense(cost.width, sizes["dense_units"]) + _dense(sizes["dense_units"], outputs)


def activation_floats(encoder: str, sizes: dict[str, int]) -> int:
    """Floats of the activations one text adds to a training batch: the family's own, and its
    vector and the dense head's. A linear model keeps one number per n-gram and output, far
    below its tables: none is counted."""
    if family(encoder).linear:
        return 0
    cost = family(encoder).cost(sizes)
    return cost.activations + cost.width + sizes["dense_units"]


def training_bytes(encoder: str, sizes: dict[str, int]) -> tuple[int, int]:
    """(weights with their gradients and Adam's state, a training batch's activations) in bytes."""
    weights = parameter_count(encoder, sizes) * FLOAT_BYTES * TRAINING_COPIES
    activations = sizes["batch_size"] * activation_floats(encoder, sizes) * FLOAT_BYTES * ACTIVATION_COPIES
    return weights, activations


def sizes_to_lower(encoder: str, sizes: dict[str, int], available: int) -> list[str]:
    """The sizes of `sizes` to lower for a model of `encoder` to fit in `available` bytes, the
    dearest first: each in turn the one whose lowering to 1 saves the most, until the rest fits."""
    lowered, names = dict(sizes), []
    while (need := sum(training_bytes(encoder, lowered))) > available:
        savings = {key: need - sum(training_bytes(encoder, {**lowered, key: 1})) for key in (*SIZE_HYPERPARAMETERS, *VECTORIZER_SIZES)}
        dearest = max(savings, key=savings.__getitem__)
        if savings[dearest] <= 0:  # what is left is the classes' share, which no size lowers
            break
        lowered[dearest] = 1
        names.append(f"vectorizer.{dearest}" if dearest in VECTORIZER_SIZES else dearest)
    return names


def machine_memory(cgroup_limits: tuple[Path, ...] = CGROUP_LIMITS) -> tuple[int, str] | None:
    """The most memory a process here may use, in bytes, and what sets it; None where it cannot be read."""
    try:
        memory = (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"), "this machine's memory")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows), or not these names
        return None
    for path in cgroup_limits:
        try:
            limit = int(path.read_text().strip())
        except (OSError, ValueError):  # no such file, or "max": no limit there
            continue
        if 0 < limit < memory[0]:
            memory = (limit, "this container's memory limit")
    return memory


def readable(size: float) -> str:
    """Bytes as people read them: `23.4 GiB`."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    power = min(int(math.log(max(size, 1), 1024)), len(units) - 1)
    return f"{size / 1024**power:,.1f} {units[power]}"


def check_fits(space: SearchSpace, num_classes: int, where: str, memory: tuple[int, str] | None = None) -> None:
    """Refuse a resolved `space` whose largest model of some family needs more than `memory`
    (this machine's, by default), in one line that names the family, the need, and what to lower."""
    memory = memory or machine_memory()
    if memory is None:
        return
    available, what = memory
    largest = {encoder: largest_sizes(space, encoder, num_classes) for encoder in space.encoders}
    needs = {encoder: training_bytes(encoder, sizes) for encoder, sizes in largest.items()}
    encoder = max(needs, key=lambda e: sum(needs[e]))
    weights, activations = needs[encoder]
    if weights + activations <= available:
        return
    lower = sizes_to_lower(encoder, largest[encoder], available)
    raise UsageError(
        f"{where}: a {encoder} model of this space needs about {readable(weights + activations)} of memory to train at its "
        f"largest sizes (weights with Adam's state {readable(weights)}, a batch's activations {readable(activations)}), "
        f"more than {what} ({readable(available)}); lower {' and '.join(lower) or 'its sizes'}"
    )
