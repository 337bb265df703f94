"""Runs: the folder `results/<run>/` a search fills and everything after it reads.

`rundir` (the layout and `run.json`), `records` (one JSON file per trial), `val_predictions`,
`run_data` (a run's data read again), `lock`, `atomic` and `removal` (one writer, crash-safe
writes, deleting only what is autosent's), and `listing` (`autosent runs`).
"""
