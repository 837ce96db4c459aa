"""The neurograde reference implementation: the oracle of every test.

One module per stage of the course (``neuron``, ``layer``, ``batch``,
``activations``, ``backprop``), written to be read by students after the
deadline. ``gradcheck`` holds the finite-difference checker the tests use.
"""

STAGES = ("neuron", "layer", "batch", "activations", "backprop")
