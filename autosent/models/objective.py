"""The metric names the hypermodel logs and everything after it reads: records, views, selection."""

# What trials are ranked, early-stopped and picked by: the validation cross-entropy alone.
# Keras' val_loss adds the L2 penalty (`model.losses`) even when evaluating, so it grows
# with a trial's l2 and would rank the least regularised trials first, whatever their fit.
# The hypermodel logs the bare cross-entropy as a metric under this name, and records keep
# it (and nothing called loss) under the same name.
CROSS_ENTROPY = "cross_entropy"
OBJECTIVE = f"val_{CROSS_ENTROPY}"
#: Logged only where accuracy alone misleads (`ship.metrics.needs_macro_f1`): many or imbalanced classes.
MACRO_F1 = "macro_f1"
