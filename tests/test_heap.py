"""A search's frozen heap (`autosent.search.heap`): thawed after, on an error too, and a caller's own freeze kept."""

import gc

import pytest

from autosent.search.heap import frozen


def test_the_heap_is_frozen_inside_and_thawed_after_even_on_an_error():
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), frozen():
        assert gc.get_freeze_count() > 0
        raise RuntimeError("a trial's error")
    assert gc.get_freeze_count() == 0


def test_a_freeze_the_caller_made_is_left_as_it_was():
    gc.freeze()
    try:
        held = gc.get_freeze_count()
        with frozen():
            assert gc.get_freeze_count() == held
        assert gc.get_freeze_count() == held  # not thawed: it is the caller's
    finally:
        gc.unfreeze()
