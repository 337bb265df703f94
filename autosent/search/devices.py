"""`--devices all|N`: train each trial on several accelerators with `tf.distribute.MirroredStrategy`.

keras-tuner builds and fits each trial's model inside the strategy given as its
`distribution_strategy`; the global batch is split across the replicas. Without GPUs
the strategy mirrors over the one CPU device, so the same command runs anywhere.
"""

from __future__ import annotations

from autosent.errors import UsageError


def distribution_strategy(devices: str | None):
    """A MirroredStrategy over `devices` ("all" or a count), or None to let Keras place the model."""
    if devices is None:
        return None
    import tensorflow as tf

    available = [d.name for d in tf.config.list_logical_devices("GPU")] or [tf.config.list_logical_devices("CPU")[0].name]
    count = len(available) if devices == "all" else int(devices)
    if count > len(available):
        raise UsageError(f"--devices {devices}: this machine has {len(available)} ({', '.join(available)})")
    return tf.distribute.MirroredStrategy(available[:count])
