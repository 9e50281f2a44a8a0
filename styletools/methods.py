"""One entry point for the ways to stylise with a painting: every front end and tool calls it.

``config.method`` picks the optimisation (:func:`styletools.engine.stylize`, the best picture)
or the one-pass network (:func:`styletools.one_pass.stylize_one_pass`, any painting in under
a second); ``init=arbitrary`` starts the optimisation from the one-pass result. A network
trained for one painting (``train-style``) has no painting to take and is the fast-stylize
tool's and ``transfer --model``'s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image

from styletools import images
from styletools.arbitrary import ArbitraryStyleNetworks, load_arbitrary
from styletools.backbone import Backbone
from styletools.config import DEFAULT_PRESET, DEFAULT_WEIGHTS, TransferConfig, preset
from styletools.devices import resolve_device
from styletools.engine import ProgressCallback, TileCallback, TransferResult, stylize
from styletools.loading import ImageSource, load_inputs
from styletools.masks import open_masks
from styletools.one_pass import stylize_one_pass


@dataclass
class Networks:
    """The networks a front end keeps loaded, each built on first use: an explicit cache.

    Args:
        weights: The VGG19 weights of the optimisation.
        device: ``auto`` or a device string (see :func:`styletools.devices.resolve_device`).
    """

    weights: str | Path = DEFAULT_WEIGHTS
    device: str = "auto"
    _backbone: Backbone | None = field(default=None, repr=False)
    _one_pass: ArbitraryStyleNetworks | None = field(default=None, repr=False)
    # The app's threads share one cache: each network is built once, by one of them.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def around(cls, backbone: Backbone) -> Networks:
        """A cache holding an already loaded VGG19 (its device for the one-pass networks)."""
        return cls(backbone.weights.id, str(backbone.device), _backbone=backbone)

    def backbone(self) -> Backbone:
        """VGG19, decoded and verified once."""
        with self._lock:
            if self._backbone is None:
                self._backbone = Backbone(self.weights, device=self.device)
            return self._backbone

    def one_pass(self) -> ArbitraryStyleNetworks:
        """Ghiasi et al.'s predictor and transformer, read and verified once."""
        with self._lock:
            if self._one_pass is None:
                self._one_pass = load_arbitrary(resolve_device(self.device))
            return self._one_pass


def run_transfer(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    config: TransferConfig,
    *,
    networks: Networks | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_tile: TileCallback | None = None,
    masks: Sequence[torch.Tensor] | None = None,
) -> TransferResult:
    """Stylise ``content`` with ``styles`` by ``config.method`` (see the module docstring).

    Args:
        content: ``(1, 3, H, W)`` in [0, 1].
        styles: One or more ``(1, 3, H', W')`` paintings.
        config: All settings.
        networks: Loaded networks to reuse; built from ``config`` when omitted.
        on_progress: Called after every optimiser step (the one-pass method has none).
        should_stop: Polled after every optimiser step.
        on_tile: Called before each tile of a tiled optimiser step.
        masks: One ``(1, 1, H, W)`` mask in [0, 1] per painting: where it goes; what no
            mask covers keeps the photo.

    Returns:
        The result on the CPU, with the seed used.
    """
    networks = networks or Networks(config.weights, config.device)
    if config.method == "arbitrary":
        return stylize_one_pass(content, styles, config, networks=networks.one_pass(),
                                masks=masks)
    start = None
    if config.init == "arbitrary":
        start = stylize_one_pass(content, styles, config, networks=networks.one_pass(),
                                 masks=masks).image
    return stylize(content, styles, config, backbone=networks.backbone(),
                   on_progress=on_progress, should_stop=should_stop, start=start,
                   on_tile=on_tile, masks=masks)


def transfer(
    content: ImageSource,
    style: ImageSource | Sequence[ImageSource],
    *,
    config: TransferConfig | None = None,
    networks: Networks | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    masks: Sequence[ImageSource] | None = None,
) -> Image.Image:
    """Stylise ``content`` with one or more style images; the Python API of the product.

    Args:
        content: Path or PIL image of the photo.
        style: Path or PIL image of the painting, or a list of them (blended with
            ``config.style_blend``).
        config: Settings; defaults to the ``balanced`` preset (512 px, the optimisation).
        networks: Loaded networks to reuse across calls.
        on_progress: Called after every optimiser step.
        should_stop: Polled after every step; True ends the run with the best image so far.
        masks: One mask (path or PIL image) per painting: each painting goes where its mask
            is white (grey: partly), and what no mask covers keeps the photo.

    Returns:
        The stylised image, ``config.size`` px on its long side.

    >>> import styletools  # doctest: +SKIP
    >>> styletools.transfer("photo.jpg", "painting.jpg").save("out.png")  # doctest: +SKIP
    """
    config = config or preset(DEFAULT_PRESET)
    sources = [style] if isinstance(style, str | Path | Image.Image) else list(style)
    content_tensor, style_tensors = load_inputs(content, sources, config)
    mask_tensors = None
    if masks is not None:
        mask_tensors, _ = open_masks(masks, len(sources), content_tensor.shape[-2:])
    result = run_transfer(content_tensor, style_tensors, config, networks=networks,
                          on_progress=on_progress, should_stop=should_stop, masks=mask_tensors)
    return images.to_pil(result.image)
