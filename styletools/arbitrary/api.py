"""What a caller does with the networks: embed paintings, blend them, stylise a photo.

Ghiasi et al. condition one transformer on a 100-d embedding of any painting, so styles
combine by combining embeddings: several paintings blend by a weighted mean, and the
strength of a style is a walk from the photo's own embedding (strength 0: the photo restyled
in its own style, close to the photo) to the painting's (strength 1), as Magenta's
``interpolation_weights``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from styletools.arbitrary.networks import (
    NUM_STYLES,
    ConditionalTransformer,
    MultiStyle26,
    StylePredictor,
    StyleTransformer,
)
from styletools.errors import ConfigError, ShapeError
from styletools.tiled_inference import tiled_conditional_forward

#: The predictor's input side: Magenta trained it on 256 px style images and the int8
#: TF Hub graph (``arbitrary_predict.onnx``) is fixed at 256×256.
PREDICTOR_SIZE = 256


def _device_dtype(module: nn.Module) -> tuple[torch.device, torch.dtype]:
    parameter = next(module.parameters())
    return parameter.device, parameter.dtype


def square_for_predictor(image: torch.Tensor, size: int = PREDICTOR_SIZE) -> torch.Tensor:
    """Centre-crop ``(N, 3, H, W)`` to a square and resize it to ``size`` (antialiased).

    The TF Hub models' reference preprocessing: a central square crop, then 256×256.
    Antialiasing keeps a large painting's fine strokes from aliasing into false texture.
    """
    height, width = image.shape[-2:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = image[..., top : top + side, left : left + side]
    if side == size:
        return square
    resized = F.interpolate(square, size=(size, size), mode="bilinear", antialias=side > size)
    return resized.clamp(0.0, 1.0)


def predict_style(
    predictor: StylePredictor, paintings: torch.Tensor | Sequence[torch.Tensor]
) -> torch.Tensor:
    """Style embeddings of paintings, each centre-cropped and resized to 256 px first.

    Args:
        predictor: The style predictor.
        paintings: ``(N, 3, H, W)`` in [0, 1], or a sequence of ``(3, H, W)`` or
            ``(1, 3, H, W)`` images of different sizes.

    Returns:
        ``(N, 100)`` float32 embeddings on the predictor's device.
    """
    device, dtype = _device_dtype(predictor)
    images = [paintings] if isinstance(paintings, torch.Tensor) else list(paintings)
    # Resized in float32: antialiased interpolation has no bf16 kernel on the CPU.
    squares = [square_for_predictor(_batched(image).to(device).float()) for image in images]
    with torch.inference_mode():
        return predictor(torch.cat(squares).to(dtype)).float()


def blend_styles(
    embeddings: torch.Tensor, weights: Sequence[float] | torch.Tensor | None = None
) -> torch.Tensor:
    """One embedding from several: their mean weighted by ``weights`` (equal when omitted).

    Args:
        embeddings: ``(K, 100)`` embeddings of K paintings.
        weights: K non-negative weights, not all zero; normalised to sum to 1.

    Returns:
        ``(1, 100)``.

    Raises:
        ConfigError: The weights are negative, all zero or not K of them.
    """
    count = embeddings.shape[0]
    w = torch.ones(count) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    if w.shape != (count,) or bool((w < 0).any()) or float(w.sum()) <= 0:
        raise ConfigError(
            f"style weights: need {count} non-negative numbers, not all zero; got {w.tolist()}"
        )
    w = (w / w.sum()).to(embeddings.device, embeddings.dtype)
    return (w[:, None] * embeddings).sum(0, keepdim=True)


def mix_embeddings(
    photo_embedding: torch.Tensor, painting_embedding: torch.Tensor, strength: float
) -> torch.Tensor:
    """``(1 - strength) * photo + strength * painting`` (Ghiasi et al., section 5).

    Raises:
        ConfigError: ``strength`` is outside [0, 1].
    """
    _check_strength(strength)
    return torch.lerp(photo_embedding, painting_embedding.to(photo_embedding.dtype), strength)


def _check_strength(strength: float) -> None:
    if not 0.0 <= strength <= 1.0:
        raise ConfigError(f"strength: must be between 0 and 1, got {strength}")


def stylize(
    transformer: StyleTransformer,
    photo: torch.Tensor,
    embedding: torch.Tensor,
    strength: float = 1.0,
    *,
    predictor: StylePredictor | None = None,
    tile: int | None = None,
) -> torch.Tensor:
    """Stylise a photo with a painting's embedding, at a given strength.

    Args:
        transformer: The style transformer.
        photo: ``(N, 3, H, W)`` in [0, 1], any size.
        embedding: ``(1, 100)`` or ``(N, 100)``, from :func:`predict_style` or
            :func:`blend_styles`.
        strength: 1 uses the painting's embedding; below 1 it is mixed with the photo's
            own embedding (its centre square at 256 px, as for a painting), which needs
            ``predictor``.
        predictor: The style predictor, used to embed the photo when ``strength < 1``.
        tile: ``None`` runs the whole photo at once; a side in pixels runs it in tiles with
            whole-image statistics, the same output within float rounding in a fraction of
            the memory (:func:`styletools.tiled_inference.tiled_conditional_forward`).

    Returns:
        ``(N, 3, H, W)`` in [0, 1], on the transformer's device, in the photo's dtype.

    Raises:
        ConfigError: ``strength`` is outside [0, 1], below 1 without a predictor, or
            ``tile`` is not a positive integer.
    """
    _check_strength(strength)
    if strength < 1.0:
        if predictor is None:
            raise ConfigError("strength: below 1 needs the predictor to embed the photo")
        embedding = mix_embeddings(predict_style(predictor, photo), embedding, strength)
    device, dtype = _device_dtype(transformer)
    with torch.inference_mode():
        out = _forward(
            transformer, _batched(photo).to(device, dtype), embedding.to(device, dtype), tile
        )
    return out.to(photo.dtype)


def _forward(
    network: ConditionalTransformer, photo: torch.Tensor, style: torch.Tensor, tile: int | None
) -> torch.Tensor:
    return (
        network(photo, style)
        if tile is None
        else tiled_conditional_forward(network, photo, style, tile)
    )


def style_mix(styles: int | Mapping[int, float]) -> torch.Tensor:
    """The 26-style network's mixing vector: one style index, or ``{index: weight}``.

    Returns:
        ``(26,)`` float32, normalised to sum to 1.

    Raises:
        ConfigError: An index outside 0–25, a negative weight, or all weights zero.

    >>> style_mix({3: 1, 12: 3})[[3, 12]].tolist()
    [0.25, 0.75]
    """
    pairs = {styles: 1.0} if isinstance(styles, int) else dict(styles)
    bad = [index for index in pairs if not 0 <= index < NUM_STYLES]
    if bad or any(w < 0 for w in pairs.values()) or sum(pairs.values()) <= 0:
        raise ConfigError(
            f"styles: need indices 0 to {NUM_STYLES - 1} with non-negative weights, "
            f"not all zero; got {pairs}"
        )
    mix = torch.zeros(NUM_STYLES)
    for index, weight in pairs.items():
        mix[index] += weight
    return mix / mix.sum()


def stylize_26(
    network: MultiStyle26,
    photo: torch.Tensor,
    styles: int | Mapping[int, float],
    *,
    tile: int | None = None,
) -> torch.Tensor:
    """Stylise ``(N, 3, H, W)`` in [0, 1] with one of the 26 built-in styles or a blend.

    ``tile`` as in :func:`stylize`.
    """
    device, dtype = _device_dtype(network)
    mix = style_mix(styles).to(device, dtype)[None]
    with torch.inference_mode():
        out = _forward(network, _batched(photo).to(device, dtype), mix, tile)
    return out.to(photo.dtype)


def _batched(image: torch.Tensor) -> torch.Tensor:
    if image.dim() == 3:
        image = image.unsqueeze(0)
    if image.dim() != 4 or image.shape[1] != 3:
        raise ShapeError("image", "(N, 3, H, W) or (3, H, W)", tuple(image.shape))
    return image
