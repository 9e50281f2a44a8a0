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
and the first run's extra time (its worker processes import torch). Then both engines run
whole batches in a warm session, and images/s is the whole run, plan to last manifest line;
the time each run takes to its first record (pool fork, actor start, Ray's scheduling) is
reported beside it. (A slope between half and full runs, tried to cancel per-run costs, was
too noisy on a shared 2-core machine; record times favour Ray's larger blocks.)

The sides run in interleaved rounds; each ratio is the median over rounds of same-round
pairs, so a drifting load hits both sides alike. Prints one JSON object.

    .venv/bin/python benchmarks/batch_bench.py --images 400 --rounds 3
    .venv/bin/python benchmarks/batch_bench.py --only engines --images 400 --size 256 \
        --style-images 8 --style-size 64
"""

from __future__ import annotations

import argparse
import json
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


def timed_run(src: Path, ops: str, engine: Engine) -> tuple[float, float]:
    """One run of ``src`` into a fresh DEST (removed afterwards).

    Returns:
        ``(seconds, seconds to the first record)``, from the plan to the last manifest line.
    """
    dest = src.parent / "out"
    stamps: list[float] = []
    steps = parse_ops(ops, default_registry())
    start = time.perf_counter()
    result = run_plan(make_plan(src, dest, BatchSettings(steps, seed=0)), engine=engine,
                      on_record=lambda record: stamps.append(time.perf_counter()))
    if result.failed or result.written == 0:
        raise SystemExit(f"batch failed: {result.failed[:1]}")
    shutil.rmtree(dest)
    return time.perf_counter() - start, stamps[0] - start


def compare_engines(
    src: Path, ops: str, engines: dict[str, Engine], rounds: int
) -> dict[str, object]:
    """Interleaved rounds of every engine on one folder, after one untimed cold run each."""
    count = len(list(src.rglob("*.jpg")))
    cold = {name: timed_run(src, ops, engine)[0] for name, engine in engines.items()}
    runs = [{name: timed_run(src, ops, engine) for name, engine in engines.items()}
            for _ in range(rounds)]

    def median(values: Iterable[float]) -> float:
        return round(statistics.median(values), 3)

    ratios = [run["local"][0] / run["ray"][0] for run in runs]
    return {
        "pipeline": ops,
        "warm_images_per_s_median": {name: median(count / run[name][0] for run in runs)
                                     for name in engines},
        "run_first_record_s_median": {name: median(run[name][1] for run in runs)
                                      for name in engines},
        "ray_vs_local_ratio": median(ratios),
        "ray_vs_local_ratios": [round(ratio, 3) for ratio in ratios],
        "ray_first_run_extra_s": round(cold["ray"] - median(run["ray"][0] for run in runs), 2),
    }


def engines_report(root: Path, args: argparse.Namespace) -> dict[str, object]:
    """The Ray engine against the local pool at the same worker count (``--only engines``)."""
    import ray

    from styletools.batch.ray_engine import RayEngine

    start = time.perf_counter()
    ray.init(address="local", num_cpus=usable_cores(), include_dashboard=False,
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
        "targets": {"augment_ray_vs_local_ratio": 0.85, "style_ray_vs_local_ratio": 0.95},
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
