"""How much memory a transfer needs, and the plan that keeps it within a budget.

A transfer's memory is a few copies of the image (the photo, the optimised image, its
gradient, the best image so far), the optimiser's state (L-BFGS keeps two image-sized vectors
per step of history), the content targets, and the working set of one forward and backward
pass of VGG19, which is the largest part and follows the pixels the pass sees. Tiling
(:mod:`styletools.tiling`) bounds that last part by the tile; the image-sized parts stay.
The constants below were measured on this project's CPU (peak RSS, README "Big outputs");
``benchmarks/bigsize_bench.py`` checks the estimate against the measured peak.

Torch-free, so ``--dry-run`` and the app can plan before loading anything.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from styletools.errors import ConfigError
from styletools.tiling import GRID, margin_for, spans

if TYPE_CHECKING:
    from styletools.config import TransferConfig

#: A gibibyte: budgets are read and printed in powers of 1024 (``6G`` is 6 GiB).
GB = 2**30
#: Bytes of one float32 RGB pixel: one image-sized copy per pixel.
IMAGE_BYTES = 12
#: Image-sized copies besides the optimiser's: the photo, the image being optimised, its
#: gradient, the best image seen, a snapshot for the progress callback and the next scale's
#: upsampling.
IMAGE_COPIES = 6
#: L-BFGS's image-sized vectors besides its history: the flat gradient, the direction, the
#: previous gradient and two temporaries of the two-loop recursion.
LBFGS_COPIES = 5
#: Adam's state: two moments per pixel value.
ADAM_COPIES = 2
#: The content targets: relu4_2 has 512 channels on an 8 px grid, 8 floats per pixel.
CONTENT_TARGET_BYTES = 32
#: The working set of one forward and backward pass of VGG19 to relu5_1, per pixel it sees
#: (activations kept for the backward pass, pooling indices, gradients in flight).
PASS_BYTES_PER_PIXEL = 1750
#: The same for a tile of a tiled pass: more per pixel, since the Gram matrices of the core
#: are taken from a copy of it and each sliced layer gets a whole gradient map.
TILE_PASS_BYTES_PER_PIXEL = 2350
#: What each masked region adds to a pass, per pixel it sees: the style layers' features
#: weighted by its mask, kept for the backward pass, and its mask at every layer. Measured:
#: two regions added 0.26 GB to a 1024x768 step (peak RSS 3.52 -> 3.78 GB), 160 per pixel
#: each (the layer sizes alone suggested 520).
REGION_BYTES_PER_PIXEL = 160
#: The working set of a forward pass without gradients (pass 1 of a tiled step: the Gram
#: matrices), per pixel it sees: a layer's input and output at a time.
GATHER_BYTES_PER_PIXEL = 600
#: The process before any image: Python, torch, the decoded VGG19 (CPU); on a GPU only the
#: weights count (``torch.cuda.max_memory_allocated``).
PROCESS_BYTES = {"cpu": 1280 * 2**20, "gpu": 100 * 2**20}
#: Seconds per pixel and step of an untiled step on this project's CPU (2 cores, fp32); a
#: tile adds its margins and a second forward pass (pass 1 gathers the Gram matrices).
CPU_SECONDS_PER_PIXEL_STEP = 10.5e-6
#: L-BFGS's history unless the budget asks for less (as in torch's default).
FULL_HISTORY = 100
#: Curvature pairs past which L-BFGS barely gains (scipy keeps 10): a shorter history is
#: preferred to smaller tiles only below it.
GOOD_HISTORY = 20
#: Fewest curvature pairs worth keeping L-BFGS for; below, Adam's two moments are cheaper.
MIN_HISTORY = 5
#: Smallest tile worth a longer history: below it the margins (96 px a side) more than
#: double the pixels a pass reads.
EFFICIENT_TILE = 512
#: Smallest tile core tried: below it the margins cost more than the core.
MIN_TILE = 128
#: Share of the available memory a transfer may take when no budget is given.
SAFE_SHARE = 0.8
#: What the heap kept by :func:`styletools.allocator.keep_freed_memory` adds to a whole
#: (untiled) scale's peak on a CPU: its holes between blocks of different sizes. Measured at
#: 1024 px, 25 steps: 3.75 GiB kept against 3.21 GiB when the free pages go back after each
#: step (+17 %; the gallery's 2048 px run, whose 1024 px scale was planned at 4.4 GiB, peaked
#: at 5.48). Giving them back costs 9 % of a step, so a scale does it only where the kept
#: heap could pass the budget.
KEPT_HEAP_SHARE = 0.25

_SIZE_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str, *, option: str = "max_memory") -> int:
    """``6G``, ``6GB``, ``6GiB``, ``4500M`` or a number of bytes, in bytes (powers of 1024).

    >>> parse_size("6G"), parse_size("512m"), parse_size("1.5GiB"), parse_size("1024")
    (6442450944, 536870912, 1610612736, 1024)
    """
    match = _SIZE_TEXT.match(text)
    if not match:
        raise ConfigError(f"{option}: {text!r} is not a memory size; write e.g. 6G or 4500M")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_size(size: float) -> str:
    """Bytes in GB or MB with one decimal, as the plan prints them.

    >>> format_size(7.9e9), format_size(300 * 2**20)
    ('7.4 GB', '300 MB')
    """
    if size >= 2**30:
        return f"{size / 2**30:.1f} GB"
    return f"{size / 2**20:.0f} MB"


def format_duration(seconds: float) -> str:
    """Seconds as the plan prints them: ``45 s``, ``12 min``, ``3.5 h``.

    >>> format_duration(45.2), format_duration(725), format_duration(12600)
    ('45 s', '12 min', '3.5 h')
    """
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 6000:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def available_memory(device: str) -> int:
    """Bytes free for a new transfer: the GPU's free memory, else the RAM the kernel says
    is available (``MemAvailable``, which counts reclaimable caches)."""
    if device.startswith("cuda"):
        import torch

        free, _ = torch.cuda.mem_get_info(torch.device(device))
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            fields = dict(line.split(":", 1) for line in info)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # not Linux: the physical memory
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def budget_bytes(max_memory: str | None, device: str) -> int:
    """The budget: ``max_memory`` if given, else a safe share of what is available."""
    if max_memory is not None:
        return parse_size(max_memory)
    return int(SAFE_SHARE * available_memory(device))


@dataclass(frozen=True)
class ScalePlan:
    """How one scale runs: its size, tiles, optimiser and estimated peak memory and time."""

    height: int
    width: int
    steps: int
    tile: int | None
    tiles: int
    gather_tile: int | None
    optimizer: str
    history: int
    peak: int
    seconds: float
    #: Give the heap's free pages back after each step (see :data:`KEPT_HEAP_SHARE`).
    release_each_step: bool = False

    def describe(self) -> str:
        """One line: ``1024x683, 60 steps, 4 tiles of 512 px, lbfgs (history 60) …``."""
        tiling = f"{self.tiles} tiles of {self.tile} px" if self.tile else "untiled"
        if self.tile:
            gather = f"tiles of {self.gather_tile} px" if self.gather_tile else "one piece"
            tiling += f" (Gram pass in {gather})"
        optimiser = (
            f"lbfgs (history {self.history})" if self.optimizer == "lbfgs" else self.optimizer
        )
        return (
            f"{self.width}x{self.height}, {self.steps} steps, {tiling}, {optimiser}, "
            f"peak memory ≈ {format_size(self.peak)}, ≈ {format_duration(self.seconds)}"
        )


@dataclass(frozen=True)
class TransferPlan:
    """Every scale's plan, the budget it was made for, and why anything changed."""

    scales: tuple[ScalePlan, ...]
    budget: int
    notes: tuple[str, ...]

    @property
    def peak(self) -> int:
        """The whole run's estimated peak: the largest scale's."""
        return max(scale.peak for scale in self.scales)

    @property
    def seconds(self) -> float:
        return sum(scale.seconds for scale in self.scales)

    def describe(self) -> str:
        """The plan as ``--dry-run`` prints it, the peak on a line of its own."""
        lines = [f"scale {k}/{len(self.scales)}: {s.describe()}" for k, s in
                 enumerate(self.scales, 1)]
        lines += [*self.notes, f"peak memory ≈ {format_size(self.peak)} "
                  f"(budget {format_size(self.budget)})", f"time ≈ {format_duration(self.seconds)}"]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Scale:
    """What the estimate needs to know about one scale."""

    height: int
    width: int
    steps: int
    margin: int
    gpu: bool
    #: Image-sized copies of the paintings (loaded at the output size times style_scale).
    paintings: float
    #: Masked regions (0: no masks, the whole image against one blended target).
    regions: int = 0

    @property
    def pixels(self) -> int:
        return self.height * self.width

    def tiles(self, tile: int | None) -> tuple[int, int, int]:
        """(tiles, pixels the largest tile reads, pixels all tiles read) for ``tile`` px cores."""
        if tile is None or tile >= max(self.height, self.width):
            return 1, self.pixels, self.pixels
        rows = [s.stop - s.start for s in spans(self.height, tile, self.margin)]
        cols = [s.stop - s.start for s in spans(self.width, tile, self.margin)]
        return len(rows) * len(cols), max(rows) * max(cols), sum(rows) * sum(cols)

    def state(self, optimizer: str, history: int) -> int:
        """Bytes that live through the scale: process, image copies, optimiser, targets."""
        copies = IMAGE_COPIES + self.paintings + (
            LBFGS_COPIES + 2 * min(history, self.steps) if optimizer == "lbfgs" else ADAM_COPIES
        )
        return PROCESS_BYTES["gpu" if self.gpu else "cpu"] + round(
            (copies * IMAGE_BYTES + CONTENT_TARGET_BYTES) * self.pixels
        )

    def peak(self, tile: int | None, gather: int | None, optimizer: str, history: int) -> int:
        """The state plus the larger of the two passes' working sets."""
        per_pixel = PASS_BYTES_PER_PIXEL if tile is None else TILE_PASS_BYTES_PER_PIXEL
        per_pixel += REGION_BYTES_PER_PIXEL * self.regions
        return self.state(optimizer, history) + max(
            per_pixel * self.tiles(tile)[1],
            GATHER_BYTES_PER_PIXEL * self.tiles(gather)[1] if tile is not None else 0,
        )

    def gather_tile(self, tile: int | None, optimizer: str, history: int, budget: int
                    ) -> int | None:
        """The largest tile of pass 1 that fits beside the state (pass 1 and 2 alternate)."""
        if tile is None:
            return None
        spare = budget - self.state(optimizer, history)
        return next((side for side in _candidate_tiles(self, None)
                     if GATHER_BYTES_PER_PIXEL * self.tiles(side)[1] <= spare), tile)

    def seconds(self, tile: int | None, gather: int | None, seconds_per_pixel_step: float
                ) -> float:
        """Untiled: a forward and backward pass over the pixels. Tiled: pass 2 over every
        tile's pixels, margins included, plus pass 1, a forward pass (half a step)."""
        _, _, read = self.tiles(tile)
        if tile is not None:
            read += self.tiles(gather)[2] / 2
        return self.steps * read * seconds_per_pixel_step


def _candidate_tiles(scale: _Scale, forced: int | None) -> list[int | None]:
    """Untiled first, then cores from large to small (each halving the area)."""
    if forced is not None:
        return [max(GRID, forced - forced % GRID)]
    side, tiles = max(scale.height, scale.width), [None]
    while (side := side // 2 - (side // 2) % GRID) >= MIN_TILE:
        tiles.append(side)
    return tiles


def _plan_scale(
    scale: _Scale, config: TransferConfig, budget: int, seconds_per_pixel_step: float
) -> tuple[ScalePlan | None, str | None]:
    """The fastest way to run a scale within the budget, or (None, None) if none fits.

    L-BFGS's history is the largest image-sized cost, and past :data:`GOOD_HISTORY` steps it
    barely helps, while a tile adds its margins and a pass. So: the largest tile (untiled
    first, down to :data:`EFFICIENT_TILE`) that keeps a good history; else the largest that
    keeps :data:`MIN_HISTORY` steps; else Adam, whose state is two copies.
    """
    needed = min(FULL_HISTORY, max(scale.steps, 1))
    tiles = _candidate_tiles(scale, config.tile)

    # Steps of history that fit beside each tile's pass (two image copies a step).
    fitting = {
        tile: min(needed, max(-1, (budget - scale.peak(tile, tile, "lbfgs", 0))
                              // (2 * IMAGE_BYTES * scale.pixels)))
        for tile in tiles
    }
    choices: list[tuple[int | None, str, int, str | None]] = []
    if config.optimizer == "lbfgs":
        choices += [(tile, "lbfgs", kept, None) for tile, kept in fitting.items()
                    if kept >= min(needed, GOOD_HISTORY)
                    and (tile is None or tile >= EFFICIENT_TILE or config.tile is not None)]
        choices += [(tile, "lbfgs", kept, None) for tile, kept in fitting.items()
                    if kept >= min(needed, MIN_HISTORY)]
        choices += [(tile, "adam", 0, (
            f"switched to Adam: {MIN_HISTORY} steps of L-BFGS history "
            f"({format_size(2 * MIN_HISTORY * IMAGE_BYTES * scale.pixels)}) do not fit the "
            "budget")) for tile in tiles]
    else:
        choices += [(tile, config.optimizer, 0, None) for tile in tiles]
    for tile, optimizer, history, note in choices:
        gather = scale.gather_tile(tile, optimizer, history, budget)
        peak = scale.peak(tile, gather, optimizer, history)
        if peak > budget:
            continue
        count, _, _ = scale.tiles(tile)
        if optimizer == "lbfgs" and history < needed:
            note = (f"L-BFGS keeps {history} steps of history, not {needed}: two image copies "
                    "per step would not fit the budget")
        # Tiled passes give the free pages back after each tile already (objective.py).
        release = count == 1 and not scale.gpu and peak * (1 + KEPT_HEAP_SHARE) > budget
        if release:
            note = "; ".join(filter(None, [note, "the heap's free pages go back after each "
                                           "step (about 9 % slower): kept, they could pass "
                                           "the budget"]))
        plan = ScalePlan(
            scale.height, scale.width, scale.steps, tile if count > 1 else None, count,
            gather if count > 1 else None, optimizer, history, peak,
            scale.seconds(tile if count > 1 else None, gather, seconds_per_pixel_step),
            release,
        )
        return plan, note
    return None, None


class MemoryBudgetError(ConfigError):
    """The transfer cannot fit the memory budget at any tile size."""


def plan_transfer(
    content_shape: tuple[int, int],
    config: TransferConfig,
    *,
    device: str = "cpu",
    budget: int | None = None,
    paintings: int = 1,
    regions: int = 0,
    seconds_per_pixel_step: float = CPU_SECONDS_PER_PIXEL_STEP,
) -> TransferPlan:
    """Plan every scale of a transfer of a ``(height, width)`` photo within the budget;
    ``regions`` counts the masks (0: none).

    Raises:
        MemoryBudgetError: Even the smallest tile does not fit; one line with the estimate
            and the budget, before any work.
    """
    budget = budget if budget is not None else budget_bytes(config.max_memory, device)
    height, width = content_shape
    margin = margin_for((*config.content_layers, *config.style_layers))
    plans, notes, refusals = [], [], []
    for size, steps in zip(config.scale_sizes(), config.steps_per_scale(), strict=True):
        scale = size / max(height, width)
        shape = _Scale(max(1, round(height * scale)), max(1, round(width * scale)), steps,
                       margin, gpu=not device.startswith(("cpu", "mps")),
                       paintings=paintings * config.style_scale**2, regions=regions)
        plan, note = _plan_scale(shape, config, budget, seconds_per_pixel_step)
        if plan is None:
            smallest = _candidate_tiles(shape, config.tile)[-1]
            refusals.append((shape, smallest, shape.peak(smallest, smallest, "adam", 0)))
            continue
        plans.append(plan)
        if note:
            notes.append(f"scale {len(plans)}: {note}")
    if refusals:  # the finest scale that does not fit says it all
        shape, smallest, need = refusals[-1]
        raise MemoryBudgetError(
            f"max_memory: a {shape.width}x{shape.height} px scale needs about "
            f"{format_size(need)} even in tiles of {smallest or max(shape.height, shape.width)} "
            f"px, over the budget of {format_size(budget)} (raise --max-memory or lower --size)"
        )
    return TransferPlan(tuple(plans), budget, tuple(notes))


def largest_size(
    content_shape: tuple[int, int], config: TransferConfig, *, device: str, budget: int
) -> int:
    """The largest output long side that fits the budget (for the app's size slider)."""
    low, high = config.scale_sizes()[0], 1 << 16
    while high - low > GRID:
        middle = (low + high) // 2
        try:
            plan_transfer(content_shape, config.replace(size=middle), device=device,
                          budget=budget)
            low = middle
        except MemoryBudgetError:
            high = middle
    return low - low % GRID
