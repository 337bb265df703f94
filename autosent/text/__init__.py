"""Text: how a raw text becomes words, n-grams and integer tensors, once per run.

`standardize` (words in every script, and its Python twin), `inputs` (the models' named inputs),
`sizes` (the lengths and vocabularies the training split decides), `vectorize` (the tokenizers
and tensors), and the fixed feature scalings computed from the training counts: `naive_bayes`
and `tfidf`.
"""
