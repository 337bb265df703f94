"""autosent: AutoML for Keras sentiment classifiers.

The pipeline, one package per stage: `data` -> `text` -> `models` -> `search` -> `runs` ->
`views` / `ship`. The `cli` module only parses, calls one of them and renders; `errors` holds
the one-line errors every stage raises, and `layers` is the import an exported model needs.
"""

__version__ = "0.1.0"
