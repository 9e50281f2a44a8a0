"""Fast mode: train a feed-forward network for one painting, then stylise in one pass.

Johnson et al. 2016 (*Perceptual Losses for Real-Time Style Transfer*) with instance
normalisation (Ulyanov et al. 2016) and resize-convolution upsampling:

* :mod:`styletools.fast.network` — the transformation network;
* :mod:`styletools.fast.train` — training on the optimisation's own VGG19 objective;
* :mod:`styletools.fast.model_file` — the self-describing ``.stm`` file;
* :mod:`styletools.fast.settings` — the training settings (torch-free, for ``--help``);
* :mod:`styletools.fast.data` — reproducible random crops from folders of photos.

The ``fast-stylize`` tool (:mod:`styletools.tools.fast_stylize`) runs a trained model in
every front end. Importing this package loads nothing: import the submodule you need.
"""
