"""Search: a search space run through cost-aware Hyperband into trial records.

`pipeline` (one search, end to end), `space` (the TOML spaces; bundled ones in `spaces/`),
`profile` (the data profile shown before a search), `plan` (`--dry-run`), `memory` (whether a
model fits), `tuner` and `allocation` (keras-tuner's Hyperband with a record per trial, and the
cost-aware choices), `resume`, `distributed` and `devices` (resuming, chief and workers, several
accelerators), `interrupts` (Ctrl-C), and `keras_tuner_internals`: the whole boundary with
keras-tuner's private API.
"""
