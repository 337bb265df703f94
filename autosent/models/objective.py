"""The metric names the hypermodel logs and everything after it reads (records, views, selection),
and when macro-F1 is one of them."""

import numpy as np

# What trials are ranked, early-stopped and picked by: the validation cross-entropy alone.
# Keras' val_loss adds the L2 penalty (`model.losses`) even when evaluating, so it grows
# with a trial's l2 and would rank the least regularised trials first, whatever their fit.
# The hypermodel logs the bare cross-entropy as a metric under this name, and records keep
# it (and nothing called loss) under the same name.
CROSS_ENTROPY = "cross_entropy"
OBJECTIVE = f"val_{CROSS_ENTROPY}"
#: Logged only where accuracy alone misleads (`needs_macro_f1`): many or imbalanced classes.
MACRO_F1 = "macro_f1"

#: Classes are imbalanced when the smallest has under this share of the largest's texts.
IMBALANCE_RATIO = 0.5


def needs_macro_f1(class_counts) -> bool:
    """Whether accuracy alone misleads: more than two classes, or imbalanced ones.

    Then a model that ignores a small class still scores a high accuracy; macro-F1 (each
    class's F1, averaged) does not let it.
    """
    counts = np.asarray(class_counts)
    return len(counts) > 2 or counts.min() < IMBALANCE_RATIO * counts.max()
