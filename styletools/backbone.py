"""The loaded VGG19 on one device: an explicit cache every method and front end shares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from styletools.config import DEFAULT_WEIGHTS
from styletools.devices import resolve_device
from styletools.vgg import Features, check_layers
from styletools.vgg_layers import LAYER_NAMES
from styletools.weights import VGGWeights, resolve


class Backbone:
    """Verified VGG19 weights on one device, with the truncated extractors built from them.

    An explicit cache: a front end that runs many transfers (the app, a batch) builds one
    and passes it to each call, so weights are decoded once.

    Args:
        weights: A weights id or file (see :func:`styletools.weights.resolve`).
        device: ``auto`` or a device string; see :func:`styletools.devices.resolve_device`.
    """

    def __init__(self, weights: str | Path = DEFAULT_WEIGHTS, *, device: str = "auto") -> None:
        self.device = resolve_device(device)
        self.weights: VGGWeights = resolve(weights)
        self._extractors: dict[tuple[tuple[str, ...], str, str], Features] = {}

    def features(
        self, layers: Sequence[str], *, pooling: str = "max", padding: str = "zeros"
    ) -> Features:
        """A frozen extractor returning ``layers``, built on first use and then reused."""
        ordered = tuple(sorted(set(check_layers(layers, option="layers")), key=LAYER_NAMES.index))
        key = (ordered, pooling, padding)
        if key not in self._extractors:
            extractor = Features(
                self.weights.state,
                ordered,
                preprocess=self.weights.preprocessing.module(),
                pooling=pooling,  # type: ignore[arg-type]
                padding=padding,  # type: ignore[arg-type]
            )
            self._extractors[key] = extractor.to(self.device)
        return self._extractors[key]
