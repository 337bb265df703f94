"""The encoder families, one module each (the recurrent ones and the two NBSVMs share one):
what each reads, how it builds, what it costs, how it is explained (`registry`); `sequence` holds
what conv1d, gru and bigru share.

Importing this package registers the built-in families, in the order spaces and messages list them.
"""

from autosent.models.encoders import bag, conv1d, nbsvm, recurrent, tfidf
from autosent.models.encoders.registry import EncoderFamily, families, family, names, register

#: The families autosent ships, in the default space's order.
BUILT_IN = (conv1d.CONV1D, recurrent.GRU, recurrent.BIGRU, bag.BAG, nbsvm.NBSVM, nbsvm.CHAR_NBSVM, tfidf.TFIDF)
for _family in BUILT_IN:
    register(_family)

__all__ = ["BUILT_IN", "EncoderFamily", "families", "family", "names", "register"]
