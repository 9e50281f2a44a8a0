"""Neural style transfer (Gatys et al. 2015): optimise an image so its VGG19 activations
match the content photo's and its Gram matrices match the painting's.

Departures from the plain algorithm, all for speed on modest hardware:
    * coarse-to-fine: most steps run at low resolution, the full size only refines (from the
      coarse result with the photo's finer detail added back, see upsample_with_detail);
    * targets (content activations, blended style Grams) are computed once per scale;
    * the network is frozen, cut after the deepest layer used, and runs channels_last.

Shape:
    Images are float32 ``(1, 3, H, W)`` RGB in [0, 1].
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from styletools import images
from styletools.allocator import release_freed_memory
from styletools.backbone import Backbone
from styletools.color import keep_luminance, luminance_image, match_color, match_luminance
from styletools.config import MIN_SIDE, TransferConfig, detail_share
from styletools.devices import resolve_device
from styletools.errors import ConfigError, ShapeError
from styletools.masks import check_masks, is_empty, resize_mask
from styletools.memory import ScalePlan, TransferPlan, plan_transfer
from styletools.objective import Costs, Objective
from styletools.seeds import new_seed
from styletools.vgg import Features, check_layers


@dataclass(frozen=True)
class TransferProgress:
    """One optimiser step, as reported to a front end's callback.

    ``image`` is the live ``(1, 3, H, W)`` tensor being optimised: read it, never modify it.
    """

    scale: int
    scales: int
    step: int
    steps: int
    size: tuple[int, int]
    content_cost: float
    style_cost: float
    tv_cost: float
    cost: float
    elapsed: float
    eta: float
    image: torch.Tensor = field(repr=False)


@dataclass(frozen=True)
class TransferResult:
    """The stylised image (on the CPU), the seed used and how the run ended."""

    image: torch.Tensor
    seed: int
    cost: float
    elapsed: float
    stopped: bool


ProgressCallback = Callable[[TransferProgress], None]


@dataclass(frozen=True)
class TileProgress:
    """A tile about to run within a step of a tiled scale: a step of a big output takes
    minutes, so a front end shows where in it the run is. Pass 1 gathers the Gram matrices,
    pass 2 back-propagates."""

    scale: int
    step: int
    steps: int
    stage: int
    tile: int
    tiles: int


TileCallback = Callable[[TileProgress], None]


@dataclass(frozen=True)
class _Hooks:
    """The run's plan and the caller's callbacks."""

    plan: TransferPlan
    on_progress: ProgressCallback | None = None
    should_stop: Callable[[], bool] | None = None
    on_tile: TileCallback | None = None


def _make_optimizer(image: torch.Tensor, config: TransferConfig, plan: ScalePlan
                    ) -> torch.optim.Optimizer:
    # L-BFGS with one iteration per call keeps its curvature history across calls, so each
    # call is one forward+backward and we can report, save and stop between steps. The plan
    # sizes its history (or picks Adam) to the memory budget.
    factories: dict[str, Callable[[], torch.optim.Optimizer]] = {
        "lbfgs": lambda: torch.optim.LBFGS(
            [image], lr=1.0, max_iter=1, history_size=max(plan.history, 1),
            tolerance_grad=-1, tolerance_change=-1,
        ),
        "adam": lambda: torch.optim.Adam([image], lr=config.learning_rate),
    }
    return factories[plan.optimizer]()


#: Mean change per pixel value of L-BFGS's first step. torch caps that step's L1 norm at 1,
#: which over a whole image (~10⁶ values) is ~10⁻⁶ per value: float32 noise, so the first
#: curvature pair is garbage and a later step overshoots by orders of magnitude (seen: 3.6e8
#: -> 5.6e11). Optimising u = κ·image with κ = 1/(FIRST_STEP·N) makes that step a visible one;
#: the quasi-Newton steps after it do not depend on κ.
LBFGS_FIRST_STEP = 3e-2


class _Variable:
    """The optimised tensor: the image in units chosen for the optimiser (see above)."""

    def __init__(self, image: torch.Tensor, optimizer: str) -> None:
        self.kappa = 1.0 / (LBFGS_FIRST_STEP * image.numel()) if optimizer == "lbfgs" else 1.0
        # L-BFGS flattens gradients with .view(-1): the tensor must be contiguous (a tensor
        # from to_tensor is an HWC permute). In pixel units the scale's starting image is
        # taken over, not copied (the caller replaces it with the result).
        scaled = image.detach() if self.kappa == 1.0 else image.detach().mul(self.kappa)
        variable = scaled.contiguous(memory_format=torch.contiguous_format)
        self.tensor = variable.requires_grad_(True)

    def current(self) -> torch.Tensor:
        """The image to evaluate, without a copy where the units are pixels (Adam): at print
        sizes each copy is hundreds of MB."""
        return self.tensor.detach() if self.kappa == 1.0 else self.snapshot()

    def snapshot(self) -> torch.Tensor:
        """A detached copy of the image."""
        return self.tensor.detach() / self.kappa

    def clamp_(self) -> None:
        """Keep pixels in [0, 1] (after Adam steps; L-BFGS needs its iterates untouched)."""
        with torch.no_grad():
            self.tensor.clamp_(0.0, self.kappa)


@dataclass
class _ScaleRun:
    """Mutable bookkeeping of one scale: the best image seen and its cost."""

    best_cost: float = math.inf
    best_image: torch.Tensor | None = None
    last: Costs | None = None
    last_cost: float = math.inf
    grad_scale: float | None = None
    steps_done: int = 0


def _step(
    optimizer: torch.optim.Optimizer, objective: Objective, variable: _Variable, run: _ScaleRun
) -> None:
    """One optimiser step; records the cost of the image as it was before the update."""

    def closure() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        costs, image_grad = objective.cost_and_gradient(variable.current())
        variable.tensor.grad = image_grad.div_(variable.kappa)
        run.last, run.last_cost = costs, float(costs.total)
        if run.last_cost < run.best_cost:
            run.best_cost, run.best_image = run.last_cost, variable.snapshot()
        grad = variable.tensor.grad
        if not isinstance(optimizer, torch.optim.LBFGS) or grad is None:
            return costs.total
        # L-BFGS without a line search falls back to a raw gradient step (t = 1) whenever it
        # has no curvature pair yet; with gradients of ~1e7 that jumps to inf. One fixed scale
        # per run (first |g|_1 -> 1) makes that step as small as its first one.
        if run.grad_scale is None:
            run.grad_scale = 1.0 / max(float(grad.abs().sum()), 1e-30)
        grad.mul_(run.grad_scale)
        return costs.total * run.grad_scale

    optimizer.step(closure)
    if isinstance(optimizer, torch.optim.Adam):
        variable.clamp_()


@dataclass(frozen=True)
class _Clock:
    """Turns steps done into an ETA: the plan's estimate of each step, scaled by how fast
    this scale's steps have actually gone (tiled steps cost more per pixel)."""

    start: float
    plan: TransferPlan

    def eta(self, scale: int, step: int, scale_start: float) -> float:
        planned = self.plan.scales[scale]
        per_step = planned.seconds / max(planned.steps, 1)
        speed = (time.perf_counter() - scale_start) / max(per_step * step, 1e-12)
        remaining = (planned.steps - step) * per_step + sum(
            later.seconds for later in self.plan.scales[scale + 1 :]
        )
        return speed * remaining


def _optimise_scale(
    image: torch.Tensor,
    objective: Objective,
    scale: int,
    clock: _Clock,
    hooks: _Hooks,
) -> tuple[torch.Tensor, bool]:
    """Run one scale's steps; returns the optimised image (the picture is the objective's
    ``compose`` of it) and whether the user stopped the run."""
    on_progress, should_stop = hooks.on_progress, hooks.should_stop
    plan = hooks.plan.scales[scale]
    variable = _Variable(image, plan.optimizer)
    optimizer, run, scale_start = (
        _make_optimizer(variable.tensor, objective.config, plan),
        _ScaleRun(),
        time.perf_counter(),
    )
    steps = plan.steps
    if hooks.on_tile is not None:
        report = hooks.on_tile
        objective.on_tile = lambda stage, tile, tiles: report(
            TileProgress(scale + 1, run.steps_done + 1, steps, stage, tile, tiles)
        )
    for step in range(1, steps + 1):
        _step(optimizer, objective, variable, run)
        if plan.release_each_step:
            release_freed_memory()
        run.steps_done = step
        if not math.isfinite(run.last_cost):
            break  # diverged: fall back to the best image seen
        if on_progress is not None:
            picture = objective.compose(variable.snapshot())
            on_progress(_progress(run.last, picture, scale, step, clock, scale_start))
        if should_stop is not None and should_stop():
            return _best(run, variable.snapshot()), True
    return _final(run, variable.snapshot(), objective), False


def _best(run: _ScaleRun, image: torch.Tensor) -> torch.Tensor:
    return run.best_image if run.best_image is not None else image.detach()


def _final(run: _ScaleRun, image: torch.Tensor, objective: Objective) -> torch.Tensor:
    """The image after the last update, unless it is worse than the best one evaluated.

    The last update is never evaluated by the optimiser itself, and L-BFGS without a line
    search can overshoot (or diverge) on it.
    """
    cost = float(objective.cost(image.detach()).total)
    return image.detach() if cost <= run.best_cost else _best(run, image)


def _progress(
    costs: Costs | None, image: torch.Tensor, scale: int, step: int, clock: _Clock, started: float
) -> TransferProgress:
    assert costs is not None  # set by the closure of the step just taken
    return TransferProgress(
        scale=scale + 1,
        scales=len(clock.plan.scales),
        step=step,
        steps=clock.plan.scales[scale].steps,
        size=(image.shape[-2], image.shape[-1]),
        content_cost=float(costs.content),
        style_cost=float(costs.style),
        tv_cost=float(costs.tv),
        cost=float(costs.total.detach()),
        elapsed=time.perf_counter() - clock.start,
        eta=clock.eta(scale, step, started),
        image=image,
    )


def scale_to_long_side(image: torch.Tensor, long_side: int) -> torch.Tensor:
    """Resize ``(N, 3, H, W)`` so its long side is ``long_side`` (antialiased bicubic)."""
    height, width = image.shape[-2:]
    scale = long_side / max(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    if size == (height, width):
        return image
    return F.interpolate(
        image, size=size, mode="bicubic", antialias=True, align_corners=False
    ).clamp(0, 1)


def upsample_with_detail(
    image: torch.Tensor, coarse_photo: torch.Tensor, fine_photo: torch.Tensor, share: float = 1.0
) -> torch.Tensor:
    """The coarse scale's result at the next size, with the photo's finer detail added back.

    A plain upsampling starts the finer scale blurred, and relu4_2 barely sees the detail it
    lost, so a short run never brings it back. Adding the photo's own upsampling residual (a
    Laplacian-pyramid level) starts the scale from the photo's detail, which the style term
    then repaints (the README's coarse-to-fine section has the figures).
    ``share`` scales the residual: strengths near 1 want the photo's layout, not its detail
    (:func:`styletools.config.detail_share`).
    """
    size = fine_photo.shape[-2:]

    def upsample(tensor: torch.Tensor) -> torch.Tensor:
        return F.interpolate(tensor, size=size, mode="bicubic", align_corners=False)

    return (upsample(image) + share * (fine_photo - upsample(coarse_photo))).clamp(0, 1)


def _initial_image(
    config: TransferConfig, content: torch.Tensor, generator: torch.Generator,
    start: torch.Tensor | None,
) -> torch.Tensor:
    """The starting point: the content, uniform noise (the course's random G), the one-pass
    result (``start``) or a file."""
    if config.init == "content":
        return content.clone()
    if config.init == "noise":
        noise = torch.rand(content.shape, generator=generator)
        return noise.to(content.device)
    if config.init == "arbitrary":
        if start is None:
            raise ConfigError("init: arbitrary starts from the one-pass result; run it through "
                              "styletools.methods.run_transfer")
        picture = start.to(content.device)
    else:
        picture = images.to_tensor(images.open_image(config.init)).to(content.device)
    return F.interpolate(picture, size=content.shape[-2:], mode="bicubic", antialias=True).clamp(
        0, 1
    )


def check_image(name: str, tensor: torch.Tensor) -> None:
    if tensor.dim() != 4 or tensor.shape[:2] != (1, 3):
        raise ShapeError(name, "(1, 3, H, W)", tuple(tensor.shape))


def _check_proportions(content: torch.Tensor, config: TransferConfig) -> None:
    """Refuse an image so thin that its short side falls under :data:`MIN_SIDE` when scaled.

    The long side is set by the config, so a 3x500 strip becomes a sliver with nothing left
    to pool; it is refused with the image's own size rather than crashing inside VGG19.
    """
    height, width = content.shape[-2:]
    short = min(height, width) * config.scale_sizes()[0] / max(height, width)
    if short < MIN_SIDE:
        raise ConfigError(
            f"content: a {width}x{height} px image is too thin to stylise: at "
            f"{config.scale_sizes()[0]} px its short side is {short:.1f} px and VGG19 needs "
            f"{MIN_SIDE} (use a larger size or a less elongated image)"
        )


def stylize(  # noqa: PLR0913 - keyword-only inputs and callbacks of the one entry point
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    config: TransferConfig,
    *,
    backbone: Backbone | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    start: torch.Tensor | None = None,
    extra_cost: Callable[[torch.Tensor], torch.Tensor] | None = None,
    on_tile: TileCallback | None = None,
    masks: Sequence[torch.Tensor] | None = None,
) -> TransferResult:
    """Optimise an image, coarse to fine, so it has ``content``'s content and ``styles``' style.

    Args:
        content: ``(1, 3, H, W)`` in [0, 1]; the output has its aspect ratio and
            ``config.size`` as its long side.
        styles: One or more ``(1, 3, H', W')`` style images.
        config: All settings; see :class:`TransferConfig`.
        backbone: Loaded network to reuse; built from ``config`` when omitted.
        on_progress: Called after every step with a :class:`TransferProgress`.
        should_stop: Polled after every step; returning True ends the run early with the
            best image so far.
        start: The image to start from with ``init=arbitrary`` (the one-pass result).
        extra_cost: A term of the caller's added to J at the finest scale only: a 0-dim
            tensor of the ``(1, 3, H, W)`` image at the output size (video's temporal cost).
        on_tile: Called before each tile of a tiled step (see :class:`TileProgress`).
        masks: One ``(1, 1, H, W)`` mask in [0, 1] per painting, any size (resized to each
            scale): each painting goes where its mask is, and what no mask covers keeps the
            photo (see :class:`~styletools.objective.Objective`).

    Returns:
        The result on the CPU, with the seed used.

    Raises:
        ShapeError: An image is not ``(1, 3, H, W)``.
        ConfigError: Bad layers, blend weights, device or init.
        MemoryBudgetError: The run cannot fit ``config.max_memory`` (or the memory
            available) at any tile size; raised before any work.
    """
    check_image("content", content)
    _check_proportions(content, config)
    for style in styles:
        check_image("style", style)
    check_layers(config.content_layers, option="content_layers")
    check_layers(config.style_layers, option="style_layers")
    blend = config.blend_weights(len(styles))
    if masks is not None:
        check_masks(masks, len(styles))
        if config.style_blend is not None:
            raise ConfigError("style_blend: with masks each painting has its own region; set "
                              "region_strengths instead")
    seed = config.seed if config.seed is not None else new_seed()
    if _photo_is_the_optimum(config, masks):  # before the backbone: no VGG19 to load for the photo
        photo = scale_to_long_side(content.cpu(), config.size).clamp(0, 1)
        return TransferResult(photo, seed, 0.0, 0.0, False)
    device = backbone.device if backbone is not None else resolve_device(config.device)
    # Before any work: a run that cannot fit its budget is refused here, in one line.
    plan = plan_transfer((content.shape[-2], content.shape[-1]), config, device=str(device),
                         paintings=len(styles), regions=len(masks or ()))
    backbone = backbone or Backbone(config.weights, device=config.device)
    features = backbone.features(
        (*config.content_layers, *config.style_layers), pooling=config.pooling,
        padding=config.padding,
    )
    content = scale_to_long_side(content.to(backbone.device), config.size)
    photo = content
    styles = [style.to(backbone.device) for style in styles]
    if config.color == "paste":
        styles = [match_color(style, content) for style in styles]
    if config.color == "luminance":
        styles = [match_luminance(style, content) for style in styles]
        content = luminance_image(content)
    result = _coarse_to_fine(
        content, styles, blend, config, features, seed,
        _Hooks(plan, on_progress, should_stop, on_tile), (start, extra_cost, masks),
    )
    if config.color == "painting":
        return result
    image = keep_luminance(result.image.to(photo.device), photo).cpu()
    return dataclasses.replace(result, image=image)


def _photo_is_the_optimum(config: TransferConfig, masks: Sequence[torch.Tensor] | None) -> bool:
    """No style anywhere (strength 0, or masks that select nothing or only regions of
    strength 0), from the photo with no smoothing: J = 0 there already, so return the photo.

    Nothing to optimise, so the app's "0" answers at once, without loading VGG19 or
    resampling the photo through the scales.
    """
    if config.init != "content" or config.tv_weight != 0.0:
        return False
    if masks is None:
        return config.strength == 0.0
    return all(
        is_empty(mask) or config.region_strength(index, len(masks)) == 0.0
        for index, mask in enumerate(masks)
    )


def _coarse_to_fine(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    blend: tuple[float, ...],
    config: TransferConfig,
    features: Features,
    seed: int,
    hooks: _Hooks,
    caller: tuple[
        torch.Tensor | None,
        Callable[[torch.Tensor], torch.Tensor] | None,
        Sequence[torch.Tensor] | None,
    ],
) -> TransferResult:
    (start, extra_cost, masks), sizes, device = caller, config.scale_sizes(), content.device
    clock = _Clock(time.perf_counter(), hooks.plan)
    image, coarser_content, stopped = None, None, False
    for scale, size in enumerate(sizes):
        scaled_content = scale_to_long_side(content, size)
        scaled_styles = [
            scale_to_long_side(s.to(device), round(size * config.style_scale)) for s in styles
        ]
        finest = scale == len(sizes) - 1
        plan = hooks.plan.scales[scale]
        scaled_masks = None if masks is None else [
            resize_mask(mask.to(device), scaled_content.shape[-2:]) for mask in masks
        ]
        objective = Objective(features, scaled_content, scaled_styles, blend, config,
                              extra_cost if finest else None, masks=scaled_masks,
                              tile=plan.tile, gather_tile=plan.gather_tile)
        del scaled_styles  # only their Gram matrices are needed from here
        if image is None:
            generator = torch.Generator().manual_seed(seed)
            image = _initial_image(config, scaled_content, generator, start)
        else:
            image = upsample_with_detail(
                image, coarser_content, scaled_content, detail_share(config.strength)
            )
        coarser_content = scaled_content
        image, stopped = _optimise_scale(image, objective, scale, clock, hooks)
        if stopped:
            break
    final_cost = float(objective.cost(image).total)
    return TransferResult(
        objective.compose(image).detach().clamp(0, 1).cpu(),
        seed,
        final_cost,
        time.perf_counter() - clock.start,
        stopped,
    )
