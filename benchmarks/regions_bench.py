"""Regional transfer (masks) and the colour modes on the quality set, printed as JSON.

Usage:
    python benchmarks/regions_bench.py                 # 16 pairs, 256 px, fast (hours here)
    python benchmarks/regions_bench.py --size 128      # the recorded run (2-3 h here)
    python benchmarks/regions_bench.py --photos leuven --paintings starry_night graffiti \
        --size 64                                      # a look at the code paths (minutes)

The set is the quality benchmark's (``quality_bench.PHOTOS`` × ``PAINTINGS``, its size rule:
the photo's long side is ``--size``, the painting at the config's painting size). No figure
is the optimiser's cost:

* **kept region**: one painting on the left half (a hard half-image mask), the right half
  uncovered, so the core keeps it as the photo. On that half: edge correlation with the photo
  (:func:`styletools.quality.edge_correlation`, goal >= 0.9) and colour distance to the photo
  (:func:`styletools.quality.sliced_wasserstein`, the quality benchmark's ``color_distance``,
  goal <= 0.02).
* **stylised region**: the Gram distance to the painting on the left half (:class:`RegionGrams`,
  at the quality benchmark's ``relu1_2 … relu5_2``, which the optimiser does not match), against
  an unmasked run's on the same half: goal within 10 % (a lower figure passes too).
* **two paintings**: each photo with two different paintings, left half / right half, the 16
  pairs arranged so each appears once; a region passes when it is closer by Gram distance to
  its own painting than to the other one. Goal: all.
* **colour modes**: ``color=paste`` against ``color=luminance`` (and the default ``painting``,
  the unmasked run above): colour distance to the photo and edge correlation on the whole image.

Every run is seeded (0) and made afresh: no cache, so a changed or patched core can never be
scored through an old output (the report's ``core_sha256`` names the code that ran). Rows go
to stderr as they are measured; the report goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from quality_bench import PAINTINGS, PHOTOS, example

from styletools.backbone import Backbone
from styletools.config import TransferConfig, preset
from styletools.engine import stylize
from styletools.loading import load_inputs
from styletools.quality import STYLE_LAYERS, edge_correlation, sliced_wasserstein

Grams = dict[str, torch.Tensor]
#: The core's modules whose code decides a masked transfer's pixels (hashed into the report).
CORE_MODULES = ("objective.py", "engine.py", "masks.py", "losses.py", "color.py", "config.py")


@dataclass(frozen=True)
class Goal:
    """A goal of issue 24, met when every row passes; rows are judged one by one."""

    target: str
    passes: Callable[[float], bool]
    higher_is_better: bool


GOALS: dict[str, Goal] = {
    "kept_edge_correlation": Goal(">= 0.9 on the kept half", lambda v: v >= 0.9, True),
    "kept_color_distance": Goal("<= 0.02 on the kept half", lambda v: v <= 0.02, False),
    "stylised_gram_ratio": Goal(
        "masked / unmasked Gram distance to the painting on the painted half <= 1.10",
        lambda v: v <= 1.10, False),
    "own_over_other_gram_distance": Goal(
        "two paintings: each region's Gram distance to its own painting / to the other < 1",
        lambda v: v < 1.0, False),
}  # fmt: skip


def layer_stride(layer: str) -> int:
    """Pixels between positions of a VGG19 layer: ``reluB_n`` follows B - 1 poolings.

    Written here rather than taken from the core, so the benchmark's mask rule is its own.

    >>> layer_stride("relu1_2"), layer_stride("relu5_2")
    (1, 16)
    """
    block = int(layer.removeprefix("relu").split("_")[0])
    return 2 ** (block - 1)


class RegionGrams:
    """Gram matrices of a region: the mask averaged over each position's stride×stride block
    (floored, like VGG19's poolings), features weighted by it, and the Gram matrix divided by
    the sum of squared mask weights (Gatys et al. 2017). Without a mask it is the quality
    benchmark's plain Gram matrix, so distances compare with its ``gram_distance``.

    Args:
        backbone: VGG19, loaded once.
    """

    def __init__(self, backbone: Backbone) -> None:
        self.device = backbone.device
        self.features = backbone.features(STYLE_LAYERS)

    @torch.no_grad()
    def __call__(self, image: torch.Tensor, mask: torch.Tensor | None = None) -> Grams:
        """Per layer ``(C, C)``; ``image`` ``(1, 3, H, W)``, ``mask`` ``(1, 1, H, W)`` in [0, 1]."""
        acts = self.features(image.to(self.device))
        grams = {}
        for name, act in acts.items():
            act = act.float()
            if mask is None:
                weights = torch.ones_like(act[:, :1])
            else:
                stride = layer_stride(name)
                weights = F.avg_pool2d(mask.to(act), stride) if stride > 1 else mask.to(act)
            flat = (act * weights).flatten(2)[0]
            grams[name] = flat @ flat.T / weights.pow(2).sum().clamp_min(1e-12)
        return grams


def gram_distance(grams: Grams, target: Grams) -> float:
    """Mean over layers of the relative Frobenius distance ‖G - T‖ / ‖T‖ (0 = the texture)."""
    return statistics.fmean(
        float((grams[k] - target[k]).norm() / target[k].norm().clamp_min(1e-12)) for k in target
    )


def halves(height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Hard left-half and right-half masks, ``(1, 1, H, W)`` each, covering the image once."""
    left = torch.zeros(1, 1, height, width)
    left[..., : width // 2] = 1.0
    return left, 1.0 - left


def right_half(image: torch.Tensor) -> torch.Tensor:
    """The columns the right-half mask selects (``halves``' split)."""
    return image[..., image.shape[-1] // 2 :]


@dataclass
class Bench:
    """One backbone, one config, and the transfers of the set."""

    backbone: Backbone
    config: TransferConfig

    def __post_init__(self) -> None:
        self.grams = RegionGrams(self.backbone)
        self.paintings: dict[str, Grams] = {}

    def inputs(self, photo: str, paintings: Sequence[str]) -> tuple[torch.Tensor, list]:
        """The photo and paintings by the quality benchmark's size rule."""
        return load_inputs(
            example("content", photo), [example("style", name) for name in paintings], self.config
        )

    def painting_grams(self, name: str) -> Grams:
        """A painting's whole Gram matrices (computed once per painting)."""
        if name not in self.paintings:
            _, (painting,) = self.inputs(PHOTOS[0], [name])
            self.paintings[name] = self.grams(painting)
        return self.paintings[name]

    def transfer(
        self,
        photo: torch.Tensor,
        paintings: Sequence[torch.Tensor],
        masks: Sequence[torch.Tensor] | None = None,
        color: str = "painting",
    ) -> tuple[torch.Tensor, float]:
        """One seeded run in colour mode ``color``, and its wall time."""
        start = time.perf_counter()
        result = stylize(
            photo, paintings, self.config.replace(color=color), backbone=self.backbone, masks=masks
        )
        return result.image, round(time.perf_counter() - start, 1)


def log(row: Mapping[str, object]) -> dict[str, object]:
    """Show a row on stderr as soon as it is measured (a long run can be watched)."""
    print(json.dumps(row), file=sys.stderr, flush=True)
    return dict(row)


def half_rows(bench: Bench, photo_name: str, painting_name: str) -> tuple[dict, torch.Tensor]:
    """Kept and stylised halves of one pair, and the unmasked output (the colour rows reuse it)."""
    photo, paintings = bench.inputs(photo_name, [painting_name])
    left, _ = halves(*photo.shape[-2:])
    plain, plain_s = bench.transfer(photo, paintings)
    masked, masked_s = bench.transfer(photo, paintings, [left])
    target = bench.painting_grams(painting_name)
    masked_gram = gram_distance(bench.grams(masked, left), target)
    plain_gram = gram_distance(bench.grams(plain, left), target)
    kept, photo_kept = right_half(masked), right_half(photo)
    return log({
        "photo": photo_name, "painting": painting_name,
        "kept_edge_correlation": round(edge_correlation(kept, photo_kept), 4),
        "kept_color_distance": round(sliced_wasserstein(kept, photo_kept), 4),
        "unmasked_kept_edge_correlation": round(edge_correlation(right_half(plain), photo_kept), 4),
        "unmasked_kept_color_distance": round(sliced_wasserstein(right_half(plain), photo_kept), 4),
        "stylised_gram_distance": round(masked_gram, 4),
        "unmasked_gram_distance": round(plain_gram, 4),
        "stylised_gram_ratio": round(masked_gram / plain_gram, 4),
        "seconds": [plain_s, masked_s],
    }), plain  # fmt: skip


def arrangement(photos: Sequence[str], paintings: Sequence[str]) -> list[tuple[str, str, str]]:
    """(photo, left painting, right painting): paintings rotated by the photo's index and
    paired off, so every photo-painting pair appears once, on either side, with changing
    partners.

    >>> arrangement(["a", "b"], ["p", "q", "r", "s"])[2:]
    [('b', 'q', 'r'), ('b', 's', 'p')]
    """
    out = []
    for index, photo in enumerate(photos):
        shift = index % len(paintings)
        turned = [*paintings[shift:], *paintings[:shift]]
        out += [(photo, left, right) for left, right in zip(turned[::2], turned[1::2], strict=True)]
    return out


def two_painting_rows(bench: Bench, photo_name: str, left_name: str, right_name: str) -> list[dict]:
    """Both regions of one two-painting run: Gram distance to their own painting and the other."""
    photo, paintings = bench.inputs(photo_name, [left_name, right_name])
    masks = halves(*photo.shape[-2:])
    output, seconds = bench.transfer(photo, paintings, masks)
    names = (left_name, right_name)
    rows = []
    for side, mask, own, other in zip(("left", "right"), masks, names, names[::-1], strict=True):
        grams = bench.grams(output, mask)
        own_d = gram_distance(grams, bench.painting_grams(own))
        other_d = gram_distance(grams, bench.painting_grams(other))
        rows.append(
            log(
                {
                    "photo": photo_name,
                    "side": side,
                    "painting": own,
                    "other": other,
                    "own_gram_distance": round(own_d, 4),
                    "other_gram_distance": round(other_d, 4),
                    "own_over_other_gram_distance": round(own_d / other_d, 4),
                    "seconds": seconds,
                }
            )
        )
    return rows


def colour_rows(
    bench: Bench, photo_name: str, painting_name: str, plain: torch.Tensor
) -> list[dict]:
    """The three colour modes of one pair on the whole image (``painting`` is ``plain``)."""
    photo, paintings = bench.inputs(photo_name, [painting_name])
    target = bench.painting_grams(painting_name)
    rows = []
    for mode in ("painting", "paste", "luminance"):
        output, seconds = (
            (plain, None) if mode == "painting" else bench.transfer(photo, paintings, color=mode)
        )
        rows.append(log({
            "photo": photo_name, "painting": painting_name, "color": mode,
            "color_distance_to_photo": round(sliced_wasserstein(output, photo), 4),
            "edge_correlation": round(edge_correlation(output, photo), 4),
            "gram_distance": round(gram_distance(bench.grams(output), target), 4),
            "seconds": seconds,
        }))  # fmt: skip
    return rows


def goal(name: str, values: Sequence[float]) -> dict[str, object]:
    """One goal with its worst and mean row, the share of rows passing, and met or missed."""
    rule = GOALS[name]
    passing = sum(rule.passes(value) for value in values)
    worst = min(values) if rule.higher_is_better else max(values)
    return {"goal": name, "target": rule.target, "worst": round(worst, 4),
            "mean": round(statistics.fmean(values), 4), "passing": f"{passing}/{len(values)}",
            "fraction_passing": round(passing / len(values), 4),
            "met": passing == len(values)}  # fmt: skip


def colour_summary(rows: Sequence[dict]) -> dict[str, object]:
    """Means per colour mode, and on how many pairs luminance keeps the photo's colours better."""
    by_mode: dict[str, list[dict]] = {}
    for row in rows:
        by_mode.setdefault(str(row["color"]), []).append(row)
    means = {
        mode: {
            key: round(statistics.fmean(r[key] for r in group), 4)
            for key in ("color_distance_to_photo", "edge_correlation", "gram_distance")
        }
        for mode, group in by_mode.items()
    }
    pairs = zip(by_mode["paste"], by_mode["luminance"], strict=True)
    closer = sum(
        lum["color_distance_to_photo"] < paste["color_distance_to_photo"] for paste, lum in pairs
    )
    return {
        "mean_by_mode": means,
        "luminance_closer_in_colour_than_paste": f"{closer}/{len(by_mode['paste'])}",
    }


def measure(bench: Bench, photos: Sequence[str], paintings: Sequence[str]) -> dict[str, object]:
    """Every section on photos × paintings: the rows and the summary.

    Run by two-painting run, each followed by the other sections on its two pairs, so the
    rows logged so far cover every goal when a long run is stopped early.
    """
    halves_rows, colours, two = [], [], []
    for photo, *pair in arrangement(photos, paintings):
        two += two_painting_rows(bench, photo, *pair)
        for painting in pair:
            row, plain = half_rows(bench, photo, painting)
            halves_rows.append(row)
            colours += colour_rows(bench, photo, painting, plain)
    goals = [
        goal(key, [row[key] for row in halves_rows])
        for key in ("kept_edge_correlation", "kept_color_distance", "stylised_gram_ratio")
    ]
    goals.append(
        goal("own_over_other_gram_distance", [row["own_over_other_gram_distance"] for row in two])
    )
    return {
        "goals": goals,
        "colour_modes": colour_summary(colours),
        "rows": {"halves": halves_rows, "two_paintings": two, "colour_modes": colours},
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--paintings`` must be even in number (two per two-painting run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=PHOTOS)
    parser.add_argument("--paintings", nargs="+", default=PAINTINGS)
    parser.add_argument(
        "--size",
        type=int,
        default=256,
        help="long side (the quality set's smallest; larger is hours here)",
    )
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if len(args.paintings) % 2:
        parser.error(f"--paintings: give an even number, got {len(args.paintings)}")
    return args


def core_sha256() -> str:
    """A hash of the imported core's modules that decide a masked transfer's pixels: the
    figures belong to that code, whichever checkout (or patched copy) ran."""
    import hashlib

    import styletools

    digest = hashlib.sha256()
    for module in CORE_MODULES:
        digest.update((Path(styletools.__file__).parent / module).read_bytes())
    return digest.hexdigest()[:12]


def main(argv: Sequence[str] | None = None) -> None:
    from styletools.allocator import keep_freed_memory

    args = parse_args(argv)
    keep_freed_memory()  # as the styletools command does
    config = preset(args.preset).replace(size=args.size, seed=0, device=args.device)
    bench = Bench(Backbone(device=args.device), config)
    start = time.perf_counter()
    report = measure(bench, args.photos, args.paintings)
    settings = {
        "photos": list(args.photos), "paintings": list(args.paintings), "size": args.size,
        "preset": args.preset, "steps": list(config.steps_per_scale()),
        "strength": config.strength, "seed": 0,
        "core_sha256": core_sha256(),
        "device": args.device, "torch_threads": torch.get_num_threads(),
        "minutes": round((time.perf_counter() - start) / 60, 1),
        "color_distance": "sliced Wasserstein-1 of RGB values (quality_bench's color_distance)",
        "gram_layers": list(STYLE_LAYERS),
    }  # fmt: skip
    print(json.dumps({"set": settings, **report}, indent=1))


if __name__ == "__main__":
    main()
