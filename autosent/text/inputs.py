"""The models' named inputs: what the text stage makes of a text and every encoder family reads."""

#: The models' named inputs (`vectorize` makes them): a text's first words as ids, in order;
#: the counts of its word uni- to n-grams; the counts of the character n-grams inside its words.
WORDS = "words"
NGRAMS = "ngrams"
CHARS = "chars"
#: The inputs that are sparse (texts x vocabulary) count matrices.
COUNTS = (NGRAMS, CHARS)
#: The [vectorizer] setting that sizes each input's vocabulary.
VOCABULARY_SIZES = {WORDS: "max_tokens", NGRAMS: "ngram_max_tokens", CHARS: "char_max_tokens"}
