"""What loading an exported model needs: `import autosent.layers` registers autosent's Keras objects.

An export's `model.keras` names autosent's layers and text functions by their registered names
(`autosent>...`), so `keras.saving.load_model` finds them once the module that registers them has
been imported. They live in `autosent.models.layers`; this public name is the one model cards and
user code import, and exports made before the package layout name it too, so it stays.
"""

from autosent.models.layers import TextClassifier

__all__ = ["TextClassifier"]
