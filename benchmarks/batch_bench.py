"""Throughput of ``styletools batch`` against a plain Pillow + torchvision.transforms.v2 loop.

Both sides read the same folder of 512 px JPEGs, apply flip + random resized crop + rotation
+ a colour change, and write JPEGs. The peer is the loop an ML engineer would write by hand:
Pillow decode -> ``v2.Compose`` on a uint8 tensor -> Pillow encode, no manifest, no atomic
write, no hashing. Prints one JSON object with images per second for the peer, the batch with
one worker (in-process, torch on every core), one worker held to one torch thread, and two
workers (process pool, start-up included). The sides run in interleaved rounds; each ratio is
the median over rounds of same-round pairs, so a drifting load hits both sides alike.

    .venv/bin/python benchmarks/batch_bench.py --images 400 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from styletools.batch import BatchSettings, make_plan, parse_ops, run_plan
from styletools.batch.executor import usable_cores
from styletools.tools import default_registry

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "gallery" / "examples" / "content"
OPS = "flip;crop:scale=0.6-1.0;rotate:degrees=-15-15;color-shift:sigma=0.05"
PEER = ("v2.RandomHorizontalFlip, v2.RandomResizedCrop(scale=(0.6, 1)), "
        "v2.RandomRotation(15), v2.ColorJitter(brightness=0.2, contrast=0.2)")


def make_images(folder: Path, count: int, size: int) -> None:
    """Write ``count`` ``size`` px JPEG crops of the example photos into two class folders."""
    photos = [Image.open(path).convert("RGB") for path in sorted(PHOTOS.glob("*.jpg"))]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400, help="number of JPEGs")
    parser.add_argument("--size", type=int, default=512, help="side of the square JPEGs, px")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all sides")
    args = parser.parse_args()
    cores = usable_cores()
    torch.set_num_threads(cores)
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as temp:
        root = Path(temp)
        make_images(root / "src", args.images, args.size)
        # Warm caches (file pages, lazy imports) once, untimed, so no side pays for them.
        plain_loop(root / "src", root / "warm", args.size)
        shutil.rmtree(root / "warm")
        rounds = [one_round(root, args.size, cores) for _ in range(args.rounds)]
    rates = {
        name: round(args.images / statistics.median(r[name] for r in rounds), 2)
        for name in rounds[0]
    }
    print(json.dumps({
        "images": args.images, "size_px": args.size, "cores": cores, "rounds": args.rounds,
        "torch_threads": cores, "pipeline": OPS, "peer": PEER,
        "images_per_second_median": rates,
        "batch_1_worker_vs_plain_loop": median_ratio(rounds, "batch_1_worker", "plain_loop"),
        "batch_2_workers_vs_1_worker": median_ratio(rounds, "batch_2_workers", "batch_1_worker"),
        "batch_2_workers_vs_1_worker_1_thread": median_ratio(
            rounds, "batch_2_workers", "batch_1_worker_1_thread"
        ),
        "targets": {"batch_1_worker_vs_plain_loop": 0.9, "batch_2_workers_vs_1_worker": 1.7},
    }, indent=2))


if __name__ == "__main__":
    main()
