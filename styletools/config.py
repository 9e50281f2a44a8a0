"""Transfer settings as one frozen dataclass, and the named presets.

Kept free of torch so the CLI can show presets in ``--help`` instantly. What ran is what
was recorded: a config is plain data, and a preset is just a named instance.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from styletools.errors import ConfigError
from styletools.params import ParamSpec, param, param_specs

Optimizer = Literal["lbfgs", "adam"]
OPTIMIZERS: tuple[str, ...] = ("lbfgs", "adam")
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
DEFAULT_CONTENT_LAYERS = ("relu4_2",)
#: Smallest side length worth optimising: below it relu5_1 has a 2x2 map and adds nothing.
MIN_SCALE_SIZE = 64


@dataclass(frozen=True)
class StrengthParams:
    """The strength knob, declared once.

    ``--strength``, the app's slider, the style tools' parameter and
    :attr:`TransferConfig.strength` are all built from this field.
    """

    strength: float = param(
        0.45,
        help="how much painting: 0 is the photo, 1 is as much painting as the method gives",
        min=0.0,
        max=1.0,
    )


#: The strength knob's spec (name, default, range, help) for every front end.
STRENGTH: ParamSpec = param_specs(StrengthParams)[0]
#: Content-to-style weight ratio at calibrated strengths, for an output of
#: :data:`STRENGTH_REFERENCE_SIZE`; between two points the ratio moves log-linearly, so equal
#: steps of strength are equal factors of the ratio. Each term is a share of the photo's own
#: error (see :func:`styletools.losses.relative_squared_error`), so a ratio means the same
#: balance for every pair. Chosen with benchmarks/quality_bench.py on four pairs at 256 px.
#: Below 0.5 each tenth of strength halves the ratio, from 16 (a photo with a hint of the
#: painting) to 0.5 at 0.5 (the subject whole, the strokes and palette plainly the painting's:
#: at 1 the mosaic only tinted the cat). Above it each tenth divides it by 2.6, to 1/256 at 1
#: (the painting, laid out like the photo): at 1/64 the astronaut's strong edges still held
#: (edge correlation 0.39). The default, 0.45 (ratio 0.71), sits just below 0.5, where the cat
#: × mosaic turns steeply: at 512 px its edge correlation was 0.58 / 0.44 / 0.31 at 0.4 / 0.45
#: / 0.5, and 0.31 lost the cat's fur to the mosaic's colour fields (the floor is 0.35).
STRENGTH_CURVE: tuple[tuple[float, float], ...] = ((0.0, 16.0), (0.5, 0.5), (1.0, 1 / 256))
#: Output long side at which :data:`STRENGTH_CURVE` holds; at other sizes the ratio scales by
#: reference / size. VGG19's receptive fields are fixed in pixels, so at a larger size equal
#: shares keep finer detail of the photo: at 512 px the default's ratio kept 0.09-0.21 more
#: edge correlation than at 256 px. Half the ratio at 512 px matched 256 px's look within
#: 0.03 on Leuven × Starry Night (needs 0.35×) and the cat × mosaic (0.49×).
STRENGTH_REFERENCE_SIZE = 256


def strength_weights(
    strength: float, size: int = STRENGTH_REFERENCE_SIZE
) -> tuple[float, float]:
    """(content weight, style weight) of the relative-error objective, summing to 1.

    The terms are relative errors (see :func:`styletools.losses.relative_squared_error`), so
    the ratio of the weights sets the balance the same way for every photo and painting;
    ``size`` (the output's long side) scales it so the look holds across sizes. Strength 0 is
    the photo itself (no style term).

    >>> strength_weights(0.0)
    (1.0, 0.0)
    >>> [round(w, 3) for w in strength_weights(1.0)]
    [0.004, 0.996]
    >>> [round(w, 3) for w in strength_weights(0.5, size=512)]
    [0.2, 0.8]
    """
    if strength <= 0.0:
        return 1.0, 0.0
    strength = min(strength, 1.0)
    upper = bisect.bisect_left([point for point, _ in STRENGTH_CURVE], strength)
    (low, low_ratio), (high, high_ratio) = STRENGTH_CURVE[upper - 1], STRENGTH_CURVE[upper]
    ratio = low_ratio * (high_ratio / low_ratio) ** ((strength - low) / (high - low))
    ratio = ratio * STRENGTH_REFERENCE_SIZE / size
    return ratio / (1.0 + ratio), 1.0 / (1.0 + ratio)


def detail_share(strength: float) -> float:
    """How much of the photo's fine detail a finer scale starts from (see
    :func:`styletools.engine.upsample_with_detail`): all of it up to the curve's middle point,
    then less, to none at 1.

    Up to 0.5 the look keeps the subject whole, so it keeps its detail. At 1, "the painting,
    laid out like the photo", the photo gives the layout only: with all its detail the 40
    steps of the fine scale never painted it out, and at any style weight the astronaut ×
    graffiti kept 0.49 edge correlation with the photo (0.34 from a plain upsampling).

    >>> [detail_share(s) for s in (0.0, 0.5, 0.75, 1.0)]
    [1.0, 1.0, 0.5, 0.0]
    """
    middle = STRENGTH_CURVE[1][0]
    return min(1.0, max(0.0, (1.0 - strength) / (1.0 - middle)))


@dataclass(frozen=True)
class TransferConfig:
    """Everything that decides a transfer's result.

    Attributes:
        size: Long side of the output in pixels.
        scales: Number of coarse-to-fine scales (1 = single scale); each halves the previous.
        steps: Optimiser steps per scale, coarsest first; one value applies to all scales.
        optimizer: ``lbfgs`` (fast convergence, the default) or ``adam``.
        learning_rate: Adam's step size in [0, 1] pixel units (L-BFGS uses 1).
        init: ``content``, ``noise`` (the course's random initialisation) or an image path.
        seed: Seed for noise and any randomness; None draws one (it is reported).
        device: ``auto`` (cuda, then mps, then cpu) or a torch device string.
        weights: A weights id from ``weights/manifest.toml`` or a weights file.
        pooling: ``max`` (VGG19 as trained) or ``avg``.
        content_layers: Layers compared for content (J_content).
        style_layers: Layers whose Gram matrices are matched (J_style).
        style_layer_weights: λ_l per style layer, normalised to sum 1; None means equal
            weights (each term is already a share of the photo's own error).
        strength: How much painting, in [0, 1] (see :class:`StrengthParams`); it sets the
            content and style shares of J (:func:`strength_weights`).
        content_weight: α, for experts: multiplies the content share strength gives.
        style_weight: β, for experts: multiplies the style share strength gives.
        tv_weight: Weight of the total-variation smoothness term (0 = off, as in Gatys).
        style_blend: Weight of each style image (normalised to sum 1); None = equal.
        style_scale: Style image size relative to the output size.
        preserve_color: Keep the content's colours: transfer luminance only.
    """

    size: int = 512
    scales: int = 2
    steps: tuple[int, ...] = (150, 60)
    optimizer: Optimizer = "lbfgs"
    learning_rate: float = 0.02
    init: str = "content"
    seed: int | None = None
    device: str = "auto"
    weights: str = "vgg19"
    pooling: Literal["max", "avg"] = "max"
    content_layers: tuple[str, ...] = DEFAULT_CONTENT_LAYERS
    style_layers: tuple[str, ...] = DEFAULT_STYLE_LAYERS
    style_layer_weights: tuple[float, ...] | None = None
    strength: float = STRENGTH.default
    content_weight: float = 1.0
    style_weight: float = 1.0
    tv_weight: float = 0.0
    style_blend: tuple[float, ...] | None = None
    style_scale: float = 1.0
    preserve_color: bool = False

    def __post_init__(self) -> None:
        _check(self.size >= 16, f"size: must be at least 16 px, got {self.size}")
        _check(self.scales >= 1, f"scales: must be at least 1, got {self.scales}")
        _check(
            len(self.steps) in (1, self.scales) and all(s >= 0 for s in self.steps),
            f"steps: give one count or one per scale ({self.scales}), got {list(self.steps)}",
        )
        _check(
            self.optimizer in OPTIMIZERS,
            f"optimizer: unknown {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}",
        )
        _check(
            0.0 <= self.strength <= 1.0, f"strength: must be in [0, 1], got {self.strength}"
        )
        _check(self.style_scale > 0, f"style_scale: must be positive, got {self.style_scale}")
        for name in ("content_weight", "style_weight", "tv_weight", "learning_rate"):
            _check(getattr(self, name) >= 0, f"{name}: must be >= 0, got {getattr(self, name)}")
        _check(
            self.style_layer_weights is None
            or len(self.style_layer_weights) == len(self.style_layers),
            "style_layer_weights: give one weight per style layer",
        )

    def scale_sizes(self) -> tuple[int, ...]:
        """Long side of each scale, coarsest first: halving from ``size``, never below 64 px."""
        sizes = [max(min(self.size, MIN_SCALE_SIZE), self.size >> k) for k in range(self.scales)]
        return tuple(sorted(set(sizes)))

    def steps_per_scale(self) -> tuple[int, ...]:
        """Steps for each entry of :meth:`scale_sizes` (the finest scales keep their counts)."""
        sizes = self.scale_sizes()
        steps = self.steps * self.scales if len(self.steps) == 1 else self.steps
        return tuple(steps[len(steps) - len(sizes) :])

    def replace(self, **changes: object) -> TransferConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


_NUMBER_LIST = re.compile(r"[\s,;]+")


def parse_numbers(
    text: str | None, kind: type[int] | type[float], name: str
) -> tuple[int | float, ...]:
    """``"150, 100 60"`` -> ``(150, 100, 60)``; empty text gives ``()``.

    Raises:
        ConfigError: A word is not a number of ``kind``.
    """
    words = [word for word in _NUMBER_LIST.split(text or "") if word]
    try:
        return tuple(kind(word) for word in words)
    except ValueError:
        what = "whole numbers" if kind is int else "numbers"
        raise ConfigError(f"{name}: expected {what} separated by commas, got {text!r}") from None


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


#: Named configurations. All start at half size: from a quarter (128 px for a 512 px output)
#: relu4_2 is a 16x12 map, too coarse to hold the photo, and the style's swirls replaced the
#: houses of Tübingen (measured: same cost, lost content). `balanced`, the default, makes a
#: 512 px image in 75-150 s on a 2-core CPU, depending on the load of the shared machine.
PRESETS: dict[str, TransferConfig] = {
    "fast": TransferConfig(scales=2, steps=(80, 40)),
    "balanced": TransferConfig(),
    "high": TransferConfig(scales=2, steps=(300, 150)),
}


def preset(name: str) -> TransferConfig:
    """The preset called ``name``.

    Raises:
        ConfigError: Unknown name; the message lists the presets.
    """
    if name not in PRESETS:
        raise ConfigError(f"preset: unknown {name!r}; choose from {', '.join(PRESETS)}")
    return PRESETS[name]


def describe_presets() -> str:
    """One line per preset for ``--help``: scales, steps per scale."""
    return "; ".join(
        f"{name}: {cfg.scales} scale(s), steps {'/'.join(map(str, cfg.steps))}"
        for name, cfg in PRESETS.items()
    )
