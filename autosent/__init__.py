"""autosent: AutoML for Keras sentiment classifiers.

The pipeline, one module each: `data` -> `vectorize` -> `hypermodel` -> `tuner` / `search`
-> `records` -> `leaderboard`. The `cli` module only parses and renders.
"""

__version__ = "0.1.0"
