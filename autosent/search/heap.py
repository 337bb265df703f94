"""Short garbage collections between trials.

Before every trial keras-tuner clears the Keras session and collects garbage: two full
collections, each walking every object the process tracks. With TensorFlow imported, almost none
of them are a trial's, so on small data the walks cost a good part of a trial. Freezing what is alive when the search starts (TensorFlow's modules, the
data, the tuner) takes it out of the collector's sight for the search's length; the
collections then walk only what the trials made. `bench/overhead.py --limit 500` measures the
effect per trial.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Freeze the live heap for this block; thaw it after, unless the caller had frozen it already.

    Garbage is collected first: what is freed now is not kept, frozen, for the whole search.
    """
    if gc.get_freeze_count():  # the caller manages freezing; unfreezing would undo theirs
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
