"""Pure tensor kernels of the tool families: no randomness, no registry, no I/O.

Each kernel takes ``(N, 3, H, W)`` float images in [0, 1] on any device, does not modify
its input and keeps dtype and device. The registered tools in ``styletools.tools.edges`` and
``styletools.tools.augment`` draw parameters and call these.
"""
