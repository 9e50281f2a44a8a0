"""Big outputs: peak memory and time per megapixel-step, untiled and in exact tiles, as JSON.

Usage:
    python benchmarks/bigsize_bench.py                          # 512-2048 px, then 4096, 8192
    python benchmarks/bigsize_bench.py --sizes 512 1024 2048    # the estimate's check only
    python benchmarks/bigsize_bench.py --big 4096 --big-budget 6G
    python benchmarks/bigsize_bench.py --only pace --sizes 1024 2048 --repeats 3
    python benchmarks/bigsize_bench.py --only heap --sizes 1024 --steps 25

Each run is its own process (``python -m styletools``'s allocator setting included), at one
scale, so its peak is the finest scale's; the child reports its own peak RSS
(``resource.ru_maxrss``) and each step's time. Per size: untiled, and tiled with the tile the
planner picks for ``--budget`` (or half the long side when the untiled run fits), run
alternately (``--repeats``) so a drifting load hits both; the tiled-to-untiled time ratio is
the median of the paired ratios. Then 4096 and 8192 px with ``--big-steps`` steps under
``--big-budget``. Each result carries the planner's estimate beside the measurement and the
issue's goals as booleans. ``--only pace`` times a tiled step against an untiled one in
the same process, alternating, and reports the median of the paired ratios: the fairest
measure of what tiling costs on a shared machine. ``--only heap`` runs a whole scale with a
roomy budget and with one 10 % over its plan, where the engine gives the heap's free pages back
after each step: what the kept heap costs in memory, and what giving it back costs in time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "gallery/examples/content/leuven.jpg"
STYLE = ROOT / "gallery/examples/style/starry_night.jpg"

#: The child: one transfer at one scale; prints the step times, plan and peak RSS as JSON.
CHILD = """
import json, resource, sys, time
from styletools.allocator import keep_freed_memory
keep_freed_memory()
from styletools.config import TransferConfig
from styletools.engine import stylize
from styletools.loading import load_inputs
from styletools.memory import plan_transfer
config = TransferConfig(**json.loads(sys.argv[1]))
photo, paintings = load_inputs(sys.argv[2], [sys.argv[3]], config)
plan = plan_transfer(tuple(photo.shape[-2:]), config, device="cpu")
times, last = [], [time.perf_counter()]
def step(progress):
    now = time.perf_counter(); times.append(now - last[0]); last[0] = now
start = time.perf_counter()
stylize(photo, paintings, config, on_progress=step)
print(json.dumps({"steps": times, "wall": time.perf_counter() - start,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "estimate": plan.peak, "tiles": plan.scales[-1].tiles,
                  "tile": plan.scales[-1].tile, "optimizer": plan.scales[-1].optimizer,
                  "history": plan.scales[-1].history,
                  "release_each_step": plan.scales[-1].release_each_step,
                  "pixels": plan.scales[-1].height * plan.scales[-1].width}))
"""


def run(size: int, steps: int, **settings: Any) -> dict[str, Any]:
    config = {"size": size, "scales": 1, "steps": [steps], "seed": 0, "device": "cpu",
              **settings}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config), str(CONTENT), str(STYLE)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode:  # refused (or failed): the last line of its error says why
        return {"refused": done.stderr.strip().splitlines()[-1], "pixels": None}
    result = json.loads(done.stdout.splitlines()[-1])
    # The first step also warms the allocator and oneDNN's kernels: the rest are the pace.
    pace = statistics.median(result["steps"][1:] or result["steps"])
    result["seconds_per_mp_step"] = round(pace / (result["pixels"] / 1e6), 3)
    result["estimate_error"] = round(result["estimate"] / result["peak_rss"] - 1, 3)
    result["peak_rss_gb"] = round(result["peak_rss"] / 2**30, 2)
    result["estimate_gb"] = round(result["estimate"] / 2**30, 2)
    del result["steps"], result["peak_rss"], result["estimate"]
    return result


#: Paired step times in one process: the untiled and the tiled objective's value and
#: gradient alternate on the same image, so a drifting load hits both alike.
PAIRED = """
import json, statistics, sys, time
from styletools.allocator import keep_freed_memory
keep_freed_memory()
from styletools.backbone import Backbone
from styletools.config import TransferConfig
from styletools.loading import load_inputs
from styletools.memory import plan_transfer
size, tile, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
config = TransferConfig(size=size, scales=1, steps=(3,))
photo, paintings = load_inputs(sys.argv[4], [sys.argv[5]], config)
from styletools.objective import Objective
features = Backbone(device="cpu").features((*config.content_layers, *config.style_layers))
plan = plan_transfer(tuple(photo.shape[-2:]), config.replace(tile=tile), device="cpu")
whole = Objective(features, photo, paintings, (1.0,), config)
tiled = Objective(features, photo, paintings, (1.0,), config, tile=tile,
                  gather_tile=plan.scales[0].gather_tile)
ratios = []
for objective in (whole, tiled):
    objective.cost_and_gradient(photo)  # warm the kernels for every tile shape
for _ in range(repeats):
    times = []
    for objective in (whole, tiled):
        start = time.perf_counter(); objective.cost_and_gradient(photo)
        times.append(time.perf_counter() - start)
    ratios.append(times[1] / times[0])
print(json.dumps({"size": size, "tile": tile, "tiles": plan.scales[0].tiles,
                  "gram_pass": plan.scales[0].gather_tile or "whole",
                  "tiled_to_untiled_step": round(statistics.median(ratios), 3),
                  "ratios": [round(r, 3) for r in ratios]}))
"""


def paired_pace(size: int, tile: int, repeats: int) -> dict[str, Any]:
    """The tiled-to-untiled step time, paired in one process (see :data:`PAIRED`)."""
    done = subprocess.run(
        [sys.executable, "-c", PAIRED, str(size), str(tile), str(repeats), str(CONTENT),
         str(STYLE)], capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def tile_for(size: int, budget: str) -> int:
    """The tile the planner picks under ``budget`` at one scale, or half the long side."""
    from styletools.config import TransferConfig
    from styletools.loading import load_image_tensor
    from styletools.memory import plan_transfer

    photo = load_image_tensor(CONTENT, size)
    config = TransferConfig(size=size, scales=1, steps=(3,), max_memory=budget)
    chosen = plan_transfer(tuple(photo.shape[-2:]), config, device="cpu").scales[-1].tile
    return chosen or size // 2


def compare(size: int, steps: int, repeats: int, budget: str) -> dict[str, Any]:
    tile, untiled, tiled = tile_for(size, budget), [], []
    for _ in range(repeats):
        untiled.append(run(size, steps))
        tiled.append(run(size, steps, tile=tile))
    ratios = [t["seconds_per_mp_step"] / u["seconds_per_mp_step"]
              for u, t in zip(untiled, tiled, strict=True)]
    return {"size": size, "tile": tile, "untiled": untiled[-1], "tiled": tiled[-1],
            "tiled_to_untiled_time": round(statistics.median(ratios), 3),
            "goal_tiled_time_le_1_5x": statistics.median(ratios) <= 1.5,
            "goal_estimate_within_30pct": all(
                abs(r["estimate_error"]) <= 0.3 for r in (*untiled, *tiled))}


def kept_heap(size: int, steps: int, repeats: int) -> dict[str, Any]:
    """A whole scale with a roomy budget (the heap kept between steps) against a budget 10 %
    over its plan (the free pages given back after each step), alternating: peaks, paired
    step-time ratios, and whether the tight run kept its budget."""
    from styletools.config import TransferConfig
    from styletools.loading import load_image_tensor
    from styletools.memory import plan_transfer

    photo = load_image_tensor(CONTENT, size)
    config = TransferConfig(size=size, scales=1, steps=(steps,), max_memory="64G")
    tight = int(plan_transfer(tuple(photo.shape[-2:]), config, device="cpu").peak * 1.1)
    kept, released = [], []
    for _ in range(repeats):
        kept.append(run(size, steps, max_memory="64G"))
        released.append(run(size, steps, max_memory=str(tight)))
    ratios = [r["seconds_per_mp_step"] / k["seconds_per_mp_step"]
              for k, r in zip(kept, released, strict=True)]
    return {"size": size, "steps": steps, "kept": kept[-1], "released": released[-1],
            "tight_budget_gb": round(tight / 2**30, 2),
            "released_to_kept_step": round(statistics.median(ratios), 3),
            "goal_tight_run_within_budget": all(
                r["peak_rss_gb"] * 2**30 <= tight for r in released)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[512, 1024, 2048])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--budget", default="6G", help="the budget whose tile is compared")
    parser.add_argument("--big", type=int, nargs="*", default=[4096, 8192])
    parser.add_argument("--big-steps", type=int, default=2)
    parser.add_argument("--big-budget", default="6G")
    parser.add_argument("--only", choices=("pace", "heap"), default=None,
                        help="pace: only the paired step-time ratios at --sizes; heap: the "
                        "kept heap against its pages given back each step, whole, at --sizes")
    args = parser.parse_args()
    if args.only is not None:
        rows = [paired_pace(size, tile_for(size, args.budget), max(args.repeats, 2))
                if args.only == "pace" else kept_heap(size, args.steps, args.repeats)
                for size in args.sizes]
        print(json.dumps(rows, indent=2))
        return
    report: dict[str, Any] = {"sizes": [], "big": []}
    for size in args.sizes:
        report["sizes"].append(compare(size, args.steps, args.repeats, args.budget))
        print(json.dumps(report["sizes"][-1]), file=sys.stderr, flush=True)
    for size in args.big:
        result = {"size": size, "budget": args.big_budget,
                  **run(size, args.big_steps, max_memory=args.big_budget)}
        if "refused" not in result:
            result["goal_peak_within_budget_plus_10pct"] = (
                result["peak_rss_gb"] * 2**30 <= 1.1 * _bytes(args.big_budget))
        report["big"].append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    paces = {r["size"]: r["untiled"]["seconds_per_mp_step"] for r in report["sizes"]}
    paces |= {r["size"]: r["seconds_per_mp_step"] for r in report["big"] if "refused" not in r}
    if 1024 in paces and 4096 in paces:
        report["pace_4096_to_1024"] = round(paces[4096] / paces[1024], 3)
        report["goal_linear_within_1_3x"] = paces[4096] / paces[1024] <= 1.3
    print(json.dumps(report, indent=2))


def _bytes(text: str) -> int:
    from styletools.memory import parse_size

    return parse_size(text)


if __name__ == "__main__":
    main()
