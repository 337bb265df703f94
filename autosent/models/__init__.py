"""Models: the keras-tuner hypermodel, the encoder families it builds from, and autosent's Keras layers.

`hypermodel` (named inputs -> an encoder family -> dropout -> dense head with L2), `encoders/`
(one module per family, read through its registry), `layers` (the text, n-gram and tf-idf layers
an export holds), `objective` (the metric names trials are logged and ranked by), `outputs` (a
model's output read as class probabilities and classes), `keras_internals` (every use of Keras'
private API).
"""
