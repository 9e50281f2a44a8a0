r"""Throughput of ``styletools batch``: against a plain loop, and the Ray engine against the pool.

``--only peer``: both sides read the same folder of 512 px JPEGs, apply flip + random resized
crop + rotation + a colour change, and write JPEGs. The peer is the loop an ML engineer would
write by hand: Pillow decode -> ``v2.Compose`` on a uint8 tensor -> Pillow encode, no
manifest, no atomic write, no hashing. Reports images per second for the peer, the batch with
one worker (in-process, torch on every core), one worker held to one torch thread, and two
workers (process pool, start-up included).

``--only engines``: the Ray Data engine against the local process pool at the same worker
count, on the same augmentations and on style transfer (``stylize``, few steps, small
images). Ray's start-up is reported apart: ``ray.init`` of a local Ray sized to the machine,
the first run's extra time (its worker processes import torch), and each warm run's time to
its first record (pool fork or Ray's planning, scheduling and actor start). The goal figure
is the steady-state rate: records per second between the deliveries that pass 20 % and 80 %
of a run's records. Both engines hand records back a block at a time (a pool chunk, a Ray
block), so the window opens and closes on whole deliveries and counts the records that
arrived in between; the first and last fifth (start, and the tail where a worker idles) stay
out. Whole-run images/s, plan to last manifest line, is reported beside it.

The sides run in interleaved rounds; each ratio is the median over rounds of same-round
pairs, so a drifting load hits both sides alike. Prints one JSON object.

    .venv/bin/python benchmarks/batch_bench.py --images 400 --rounds 3
    .venv/bin/python benchmarks/batch_bench.py --only engines --images 3600 --size 256 \
        --style-images 24 --style-size 96
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import torch
from PIL import Image

from styletools.batch import BatchSettings, Engine, LocalEngine, make_plan, parse_ops, run_plan
from styletools.batch.executor import usable_cores
from styletools.tools import default_registry

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "gallery" / "examples" / "content"
OPS = "flip;crop:scale=0.6-1.0;rotate:degrees=-15-15;color-shift:sigma=0.05"
#: Style transfer as a batch: few steps on small images, so a round takes a minute, not hours.
STYLE_OPS = "stylize:steps=8"
PEER = ("v2.RandomHorizontalFlip, v2.RandomResizedCrop(scale=(0.6, 1)), "
        "v2.RandomRotation(15), v2.ColorJitter(brightness=0.2, contrast=0.2)")


def make_images(folder: Path, count: int, size: int) -> None:
    """Write ``count`` ``size`` px JPEG crops of the example photos into two class folders."""
    photos = [Image.open(path).convert("RGB") for path in sorted(PHOTOS.glob("*.[jp][pn]g"))]
    generator = torch.Generator().manual_seed(0)
    for index in range(count):
        photo = photos[index % len(photos)]
        scale = size / min(photo.size)
        if scale > 1:
            photo = photo.resize((round(photo.width * scale) + 1, round(photo.height * scale) + 1))
        left = int(torch.randint(0, photo.width - size + 1, (), generator=generator))
        top = int(torch.randint(0, photo.height - size + 1, (), generator=generator))
        path = folder / f"class{index % 2}" / f"img{index:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        photo.crop((left, top, left + size, top + size)).save(path, quality=90)


def plain_loop(src: Path, dest: Path, size: int) -> float:
    """The peer: decode, transform with torchvision v2, encode. Returns seconds."""
    from torchvision.transforms import v2

    transform = v2.Compose([
        v2.PILToTensor(),
        v2.RandomHorizontalFlip(),
        v2.RandomResizedCrop(size, scale=(0.6, 1.0), antialias=True),
        v2.RandomRotation(15),
        v2.ColorJitter(brightness=0.2, contrast=0.2),
        v2.ToPILImage(),
    ])
    torch.manual_seed(0)
    start = time.perf_counter()
    for path in sorted(src.rglob("*.jpg")):
        out = dest / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            transform(image.convert("RGB")).save(out, quality=75)
    return time.perf_counter() - start


def batch_run(src: Path, dest: Path, workers: int) -> float:
    """``styletools batch`` with ``workers``, from plan to the last manifest line. Seconds."""
    steps = parse_ops(OPS, default_registry())
    start = time.perf_counter()
    result = run_plan(make_plan(src, dest, BatchSettings(steps, seed=0)), workers=workers)
    if result.failed or result.written == 0:
        raise SystemExit(f"batch failed: {result.failed[:1]}")
    return time.perf_counter() - start


def one_round(root: Path, size: int, cores: int) -> dict[str, float]:
    """Seconds of each side once; outputs go to fresh folders, removed afterwards."""
    src = root / "src"
    seconds = {"plain_loop": plain_loop(src, root / "plain", size)}
    seconds["batch_1_worker"] = batch_run(src, root / "one", 1)
    torch.set_num_threads(1)  # a worker held to one core, to show how the pool itself scales
    seconds["batch_1_worker_1_thread"] = batch_run(src, root / "one-thread", 1)
    torch.set_num_threads(cores)
    seconds["batch_2_workers"] = batch_run(src, root / "two", 2)
    for name in ("plain", "one", "one-thread", "two"):
        shutil.rmtree(root / name)
    return seconds


def median_ratio(rounds: list[dict[str, float]], faster: str, slower: str) -> float:
    """Median over rounds of the speed-up of ``faster`` over ``slower`` (same-round pairs)."""
    return round(statistics.median(r[slower] / r[faster] for r in rounds), 3)


#: Records closer together than this arrived in one delivery (one chunk or Ray block).
DELIVERY_GAP_S = 0.005
#: The steady-state window, as shares of a run's records.
STEADY_WINDOW = (0.2, 0.8)


def delivery_end(stamps: list[float], index: int) -> int:
    """Index of the last record of the delivery holding record ``index``.

    >>> delivery_end([0.0, 1.0, 1.001, 1.002, 2.0], 1), delivery_end([0.0, 1.0], 0)
    (3, 0)
    """
    while index + 1 < len(stamps) and stamps[index + 1] - stamps[index] < DELIVERY_GAP_S:
        index += 1
    return index


def steady_rate(stamps: list[float]) -> float:
    """Records per second between the deliveries that pass the :data:`STEADY_WINDOW` shares.

    >>> steady_rate([0.0, 0.0, 5.0, 5.0, 6.0, 6.0, 7.0, 7.0, 8.0, 8.0, 20.0, 20.0])
    2.0
    """
    low, high = (delivery_end(stamps, math.ceil(share * len(stamps)) - 1)
                 for share in STEADY_WINDOW)
    if high == low:
        raise SystemExit("too few deliveries for a steady-state window: use more images")
    return (high - low) / (stamps[high] - stamps[low])


def timed_run(src: Path, ops: str, engine: Engine) -> dict[str, float]:
    """One run of ``src`` into a fresh DEST (removed afterwards).

    Returns:
        ``seconds`` from the plan to the last manifest line, ``first_record_s``, and
        ``steady_images_per_s`` (see :func:`steady_rate`).
    """
    dest = src.parent / "out"
    stamps: list[float] = []
    steps = parse_ops(ops, default_registry())
    start = time.perf_counter()
    result = run_plan(make_plan(src, dest, BatchSettings(steps, seed=0)), engine=engine,
                      on_record=lambda record: stamps.append(time.perf_counter()))
    seconds = time.perf_counter() - start
    if result.failed or result.written == 0:
        raise SystemExit(f"batch failed: {result.failed[:1]}")
    shutil.rmtree(dest)
    return {"seconds": seconds, "first_record_s": stamps[0] - start,
            "steady_images_per_s": steady_rate(stamps)}


def compare_engines(
    src: Path, ops: str, engines: dict[str, Engine], rounds: int
) -> dict[str, object]:
    """Interleaved rounds of every engine on one folder, after one untimed cold run each."""
    count = len(list(src.rglob("*.jpg")))
    cold = {name: timed_run(src, ops, engine)["seconds"] for name, engine in engines.items()}
    runs = [{name: timed_run(src, ops, engine) for name, engine in engines.items()}
            for _ in range(rounds)]

    def median(values: Iterable[float]) -> float:
        return round(statistics.median(values), 3)

    def per_engine(figure: str) -> dict[str, float]:
        return {name: median(run[name][figure] for run in runs) for name in engines}

    steady = [run["ray"]["steady_images_per_s"] / run["local"]["steady_images_per_s"]
              for run in runs]
    whole = [run["local"]["seconds"] / run["ray"]["seconds"] for run in runs]
    return {
        "pipeline": ops,
        "steady_images_per_s_median": per_engine("steady_images_per_s"),
        "ray_vs_local_steady_ratio": median(steady),
        "ray_vs_local_steady_ratios": [round(ratio, 3) for ratio in steady],
        "whole_run_images_per_s_median": {name: median(count / run[name]["seconds"]
                                                       for run in runs) for name in engines},
        "ray_vs_local_whole_run_ratio": median(whole),
        "run_first_record_s_median": per_engine("first_record_s"),
        "ray_first_run_extra_s": round(
            cold["ray"] - statistics.median(run["ray"]["seconds"] for run in runs), 2),
    }


def engines_report(root: Path, args: argparse.Namespace) -> dict[str, object]:
    """The Ray engine against the local pool at the same worker count (``--only engines``)."""
    import ray

    from styletools.batch.ray_engine import RayEngine, local_ray_options

    start = time.perf_counter()
    ray.init(**local_ray_options(usable_cores()), include_dashboard=False,
             logging_level="warning")
    ray_init_s = time.perf_counter() - start
    try:
        engines: dict[str, Engine] = {"local": LocalEngine(args.workers),
                                      "ray": RayEngine(workers=args.workers)}
        augment = compare_engines(root / "src", OPS, engines, args.rounds)
        style = compare_engines(root / "style-src", STYLE_OPS, engines, max(1, args.rounds - 1))
    finally:
        ray.shutdown()
    return {
        "workers": args.workers, "ray_version": ray.__version__,
        "ray_init_s": round(ray_init_s, 2),
        "augment": {"images": args.images, "size_px": args.size, **augment},
        "style": {"images": args.style_images, "size_px": args.style_size, **style},
        "targets": {"augment_ray_vs_local_steady_ratio": 0.85,
                    "style_ray_vs_local_steady_ratio": 0.95},
    }


def peer_report(root: Path, args: argparse.Namespace, cores: int) -> dict[str, object]:
    """The batch against the plain loop (``--only peer``)."""
    # Warm caches (file pages, lazy imports) once, untimed, so no side pays for them.
    plain_loop(root / "src", root / "warm", args.size)
    shutil.rmtree(root / "warm")
    rounds = [one_round(root, args.size, cores) for _ in range(args.rounds)]
    rates = {
        name: round(args.images / statistics.median(r[name] for r in rounds), 2)
        for name in rounds[0]
    }
    return {
        "torch_threads": cores, "pipeline": OPS, "peer": PEER,
        "images_per_second_median": rates,
        "batch_1_worker_vs_plain_loop": median_ratio(rounds, "batch_1_worker", "plain_loop"),
        "batch_2_workers_vs_1_worker": median_ratio(rounds, "batch_2_workers", "batch_1_worker"),
        "batch_2_workers_vs_1_worker_1_thread": median_ratio(
            rounds, "batch_2_workers", "batch_1_worker_1_thread"
        ),
        "targets": {"batch_1_worker_vs_plain_loop": 0.9, "batch_2_workers_vs_1_worker": 1.7},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400, help="number of JPEGs")
    parser.add_argument("--size", type=int, default=512, help="side of the square JPEGs, px")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all sides")
    parser.add_argument("--only", choices=("peer", "engines"), help="one comparison only")
    parser.add_argument("--workers", type=int, default=usable_cores(),
                        help="workers of both engines (default: the usable cores)")
    parser.add_argument("--style-images", type=int, default=12, help="images of the style runs")
    parser.add_argument("--style-size", type=int, default=128, help="their side, px")
    args = parser.parse_args()
    cores = usable_cores()
    torch.set_num_threads(cores)
    report: dict[str, object] = {"images": args.images, "size_px": args.size, "cores": cores,
                                 "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as temp:
        root = Path(temp)
        make_images(root / "src", args.images, args.size)
        make_images(root / "style-src", args.style_images, args.style_size)
        if args.only != "engines":
            report["peer"] = peer_report(root, args, cores)
        if args.only != "peer":
            report["engines"] = engines_report(root, args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
