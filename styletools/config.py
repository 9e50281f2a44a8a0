"""Transfer settings as one frozen dataclass, and the named presets.

Kept free of torch so the CLI can show presets in ``--help`` instantly. What ran is what
was recorded: a config is plain data, and a preset is just a named instance.
"""

from __future__ import annotations

import bisect
import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from styletools.errors import ConfigError
from styletools.memory import parse_size
from styletools.params import ParamSpec, check_params, declared, param, param_specs, parse_values
from styletools.vgg_layers import LAYER_NAMES

Method = Literal["optimise", "arbitrary"]
Optimizer = Literal["lbfgs", "adam"]
ColorMode = Literal["painting", "paste", "luminance"]
OPTIMIZERS: tuple[str, ...] = typing.get_args(Optimizer)
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
DEFAULT_CONTENT_LAYERS = ("relu4_2",)
#: The VGG19 weights every method uses unless told otherwise (``weights/manifest.toml``).
DEFAULT_WEIGHTS = "vgg19"
#: The preset a transfer starts from unless told otherwise.
DEFAULT_PRESET = "balanced"
#: Shortest side VGG19 can take: four poolings leave it 1 px at relu5_1.
MIN_SIDE = 16
#: Long side the one-pass network paints at unless told otherwise (see
#: :attr:`TransferConfig.working_size`): below it, a print-size result is an upsampled, soft
#: picture; above it, the strokes (fixed in pixels) shrink towards the photo's texture.
DEFAULT_WORKING_SIZE = 768
#: Long side the paintings are loaded at for the one-pass predictor, which sees a 256 px
#: square of them whatever the output: twice that keeps its antialiased reduction sharp.
ONE_PASS_PAINTING_SIZE = 512
#: Smallest side length worth optimising: below it relu5_1 has a 2x2 map and adds nothing.
MIN_SCALE_SIZE = 64


@dataclass(frozen=True)
class StrengthParams:
    """The strength knob, declared once.

    ``--strength``, the app's slider, the style tools' parameter,
    :attr:`TransferConfig.strength` and :attr:`~styletools.fast.settings.TrainConfig.strength`
    are all built from this field.
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
#: balance for every pair. Below 0.5 each tenth of strength halves the ratio, from a photo with
#: a hint of the painting to the subject whole in the painting's strokes and palette; above it
#: each tenth divides it by 2.6, to the painting laid out like the photo. How the points and
#: the default were chosen is in the README (quality benchmark).
STRENGTH_CURVE: tuple[tuple[float, float], ...] = ((0.0, 16.0), (0.5, 0.5), (1.0, 1 / 256))
#: Output long side at which :data:`STRENGTH_CURVE` holds; at other sizes the ratio scales by
#: reference / size. VGG19's receptive fields are fixed in pixels, so at a larger size equal
#: shares keep finer detail of the photo, and a smaller ratio brings the same look back.
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


#: Exponent of :func:`embedding_weight`: strength 0.45, the default, gives weight 0.8.
EMBEDDING_CURVE = 2.69


def embedding_weight(strength: float) -> float:
    """How far the one-pass method moves from the photo's own style embedding towards the
    painting's: ``1 - (1 - strength) ** EMBEDDING_CURVE``, 0 at 0 and 1 at 1.

    One knob, one meaning: the linear walk of Ghiasi et al. put the default 0.45 far milder
    than the optimisation's 0.45 (edge correlation 0.58 against about 0.50 on the 16 pairs
    of the quality benchmark at 512 px); weight 0.8 paints as plainly (0.48), so the curve
    takes 0.45 there and keeps both ends.

    >>> [round(embedding_weight(s), 3) for s in (0.0, 0.45, 1.0)]
    [0.0, 0.8, 1.0]
    """
    return 1.0 - (1.0 - min(max(strength, 0.0), 1.0)) ** EMBEDDING_CURVE


def detail_share(strength: float) -> float:
    """How much of the photo's fine detail a finer scale starts from (see
    :func:`styletools.engine.upsample_with_detail`): all of it up to the curve's middle point,
    then less, to none at 1.

    Up to 0.5 the look keeps the subject whole, so it keeps its detail. At 1, "the painting,
    laid out like the photo", the photo gives the layout only: with all its detail the short
    fine scale never paints it out, whatever the style weight (figures in the README).

    >>> [detail_share(s) for s in (0.0, 0.5, 0.75, 1.0)]
    [1.0, 1.0, 0.5, 0.0]
    """
    middle = STRENGTH_CURVE[1][0]
    return min(1.0, max(0.0, (1.0 - strength) / (1.0 - middle)))


@dataclass(frozen=True)
class TransferConfig:
    """Everything that decides a transfer's result.

    Each field is declared once, with its help, range and choices (:func:`param`): the CLI's
    options, the app's widgets and its API parameters are generated from these declarations,
    under the field's own name. The optimisation's objective is described on
    :class:`styletools.objective.Objective`.
    """

    method: Method = param(
        "optimise",
        help="optimise: the VGG19 objective, the best picture (seconds to minutes); arbitrary: "
        "a pretrained one-pass network, any painting, under a second",
    )
    size: int = param(512, help="long side of the output", min=MIN_SIDE, unit="px")
    scales: int = param(
        2, help="coarse-to-fine scales, each half the next (1 = single scale)", min=1
    )
    steps: tuple[int, ...] = param(
        (150, 60), help="optimiser steps per scale, coarsest first; one number for all", min=0
    )
    optimizer: Optimizer = param(
        "lbfgs", help="lbfgs converges fast; adam takes small steps of learning_rate"
    )
    learning_rate: float = param(
        0.02, help="Adam's step size, in pixel values of [0, 1] (L-BFGS uses 1)", min=0.0
    )
    init: str = param(
        "content",
        help="optimise starts from: content, noise, arbitrary (the one-pass result) or the "
        "path of an image",
    )
    seed: int | None = param(
        None, help="seed of the noise and any randomness; none draws one (it is reported)"
    )
    device: str = param("auto", help="auto (cuda, then mps, then cpu), cpu, cuda[:N] or mps")
    weights: str = param(
        DEFAULT_WEIGHTS, help="VGG19 weights id (see `styletools weights`) or a .pth/.h5 file"
    )
    pooling: Literal["max", "avg"] = param("max", help="VGG19's pooling: max (as trained) or avg")
    padding: Literal["replicate", "zeros"] = param(
        "zeros",
        help="what VGG19's first convolution sees beyond the border: zeros (as trained) or "
        "replicate (the edge pixels)",
    )
    content_layers: tuple[str, ...] = param(
        DEFAULT_CONTENT_LAYERS, help="layers compared for content (J_content)", choices=LAYER_NAMES
    )
    style_layers: tuple[str, ...] = param(
        DEFAULT_STYLE_LAYERS, help="layers whose Gram matrices are matched (J_style)",
        choices=LAYER_NAMES,
    )
    style_layer_weights: tuple[float, ...] | None = param(
        None, help="λ per style layer, normalised to sum 1; none = equal", min=0.0
    )
    strength: float = declared(STRENGTH)
    content_weight: float = param(
        1.0, help="expert: α, multiplies the content share the strength gives", min=0.0
    )
    style_weight: float = param(
        1.0, help="expert: β, multiplies the style share the strength gives", min=0.0
    )
    tv_weight: float = param(
        0.0, help="weight of total variation (smoothness); 0 = off, as in Gatys", min=0.0
    )
    style_blend: tuple[float, ...] | None = param(
        None, help="weight of each painting, normalised to sum 1; none = equal", min=0.0
    )
    style_scale: float = param(
        1.0, help="painting size relative to the output (smaller = larger strokes)", min=0.0
    )
    color: ColorMode = param(
        "painting",
        help="painting: the painting's colours; paste: the photo's colours pasted on the "
        "result (Gatys et al. 2016); luminance: only the luminance is stylised, against the "
        "painting's luminance matched to the photo's, so the photo keeps its colours "
        "(Gatys et al. 2017)",
    )
    region_strengths: tuple[float, ...] | None = param(
        None,
        help="with masks: the strength of each masked region, in the masks' order (none: "
        "strength everywhere)",
        min=0.0,
        max=1.0,
    )
    max_memory: str | None = param(
        None,
        help="memory budget of the run, e.g. 6G or 4500M: scales that would not fit are "
        "tiled (exactly), then L-BFGS's history shrinks (none: 80 % of the available RAM or "
        "of the GPU's free memory)",
    )
    tile: int | None = param(
        None,
        help="force tiles of this side (a multiple of 16) at every scale larger than it, and "
        "in the one-pass networks; none tiles only what the budget needs",
        min=16,
        unit="px",
    )
    working_size: int | None = param(
        None,
        help="arbitrary: long side the network paints at, then resized to size; its strokes "
        f"are fixed in pixels, so smaller is bolder (none: {DEFAULT_WORKING_SIZE}, or size if "
        "smaller)",
        min=MIN_SIDE,
        unit="px",
    )

    def __post_init__(self) -> None:
        check_params("", self)
        _check(
            len(self.steps) in (1, self.scales),
            f"steps: give one count or one per scale ({self.scales}), got {list(self.steps)}",
        )
        _check(self.style_scale > 0, f"style_scale: must be positive, got {self.style_scale}")
        if self.max_memory is not None:
            parse_size(self.max_memory)
        for name in ("content_layers", "style_layers"):
            _check(bool(getattr(self, name)), f"{name}: give at least one layer")
        _check(
            self.style_layer_weights is None
            or len(self.style_layer_weights) == len(self.style_layers),
            "style_layer_weights: give one weight per style layer",
        )

    def region_strength(self, region: int, regions: int) -> float:
        """The strength of the ``region``-th of ``regions`` masked regions.

        Raises:
            ConfigError: ``region_strengths`` does not give one strength per region.
        """
        if self.region_strengths is None:
            return self.strength
        if len(self.region_strengths) != regions:
            raise ConfigError(
                f"region_strengths: give {regions} strength(s), one per mask, got "
                f"{list(self.region_strengths)}"
            )
        return self.region_strengths[region]

    def blend_weights(self, count: int) -> tuple[float, ...]:
        """The weight of each of ``count`` paintings, normalised to sum 1.

        Raises:
            ConfigError: Not one non-negative weight per painting, or all zero.
        """
        weights = self.style_blend or (1.0,) * count
        if len(weights) != count or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ConfigError(
                f"style_blend: give {count} non-negative weight(s), one per style image, "
                f"got {list(weights)}"
            )
        return tuple(w / sum(weights) for w in weights)

    def painting_size(self) -> int:
        """Long side the paintings are loaded at. The optimisation sizes them to the output, so
        its strokes follow the output; the one-pass predictor sees a 256 px square whatever the
        output (:data:`ONE_PASS_PAINTING_SIZE`)."""
        reference = self.size if self.method == "optimise" else ONE_PASS_PAINTING_SIZE
        return max(MIN_SIDE, round(reference * self.style_scale))

    def network_size(self) -> int:
        """The long side the one-pass network paints at (see :attr:`working_size`)."""
        return min(self.size, self.working_size or DEFAULT_WORKING_SIZE)

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


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


#: Named configurations. All start at half size: from a quarter, relu4_2 is too coarse to
#: hold the photo (the README's coarse-to-fine section has the figures).
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


#: The settings a preset decides (the others are the same in every preset): a front end shows
#: them empty, meaning "the preset's".
PRESET_FIELDS: tuple[str, ...] = ("scales", "steps")


@dataclass(frozen=True)
class PresetParams:
    """The preset knob, declared once: ``--preset``, the app's radio and its API parameter."""

    preset: str = param(
        DEFAULT_PRESET,
        help=f"named settings that the other options change ({describe_presets()})",
        choices=tuple(PRESETS),
    )


#: The preset knob's spec for every front end.
PRESET: ParamSpec = param_specs(PresetParams)[0]


@dataclass(frozen=True)
class PreserveColorParams:
    """``--preserve-color``, the name the colour paste had before ``color`` had three modes:
    kept so scripts and manifests that use it go on working."""

    preserve_color: bool | None = param(
        None, help="the same as color=paste: the photo's colours pasted on the result"
    )


#: The old colour switch's spec, for the front ends that offered it.
PRESERVE_COLOR: ParamSpec = param_specs(PreserveColorParams)[0]


def configure(
    preset_name: str = DEFAULT_PRESET, values: Mapping[str, Any] | None = None
) -> TransferConfig:
    """A preset with a front end's settings on top: the one translation every front end uses.

    Values may be text (a CLI option, an app text box) or typed (a slider, a checkbox group,
    JSON); ``None``, empty text and an empty list mean "the preset's". One rule reconciles
    steps and scales: several step counts set the number of scales, and scales given without
    steps keep the preset's finest-scale count for every scale.

    Raises:
        ConfigError: Unknown preset or setting, or a value outside its allowed set.

    >>> configure("fast", {"steps": "30,20,10"}).scales
    3
    >>> configure("fast", {"scales": 3, "size": "256"}).steps
    (40,)
    >>> configure(values={"preserve_color": True}).color
    'paste'
    """
    base = preset(preset_name)
    values = dict(values or {})
    old_switch = {key: values.pop(key) for key in ("preserve_color", "preserve-color")
                  if key in values}
    paste = parse_values("", PreserveColorParams, old_switch).get("preserve_color", False)
    given = parse_values("", TransferConfig, values)
    if paste:
        if given.get("color", "paste") != "paste":
            raise ConfigError(f"preserve_color: means color=paste, not color={given['color']}")
        given["color"] = "paste"
    if len(given.get("steps", ())) > 1 and "scales" not in given:
        given["scales"] = len(given["steps"])
    if "scales" in given and "steps" not in given:
        given["steps"] = base.steps[-1:]
    return base.replace(**given)
