"""The gallery's print-size output: a 2048 px transfer at the default settings, a preview, 1:1
crops where tiles meet, and the run's record (time, peak memory, plan) in the README.

A run at print size takes over an hour on this project's 2-core CPU, far too long for a
``make_gallery.py`` section, so the transfer is the plain command a user runs, timed by GNU
time, and this script lays out and records what it wrote (run both in one shell: the record
takes the thread count from this process, which has the transfer's default):

    /usr/bin/time -v -o big.time styletools transfer gallery/examples/content/leuven.jpg \\
        gallery/examples/style/starry_night.jpg --size 2048 --max-memory 5G --seed 0 -o big.png
    python gallery/big_output.py big.png --time-log big.time

The crops are centred where four tile cores of the finest scale meet (the plan of the same
settings says where), so a seam, if the tiles were not exact, would cross the middle of each.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import record
from make_gallery import GALLERY_DIR, write
from PIL import Image
from sheets import Tile, compose, pixel_sha256

from styletools.config import TransferConfig
from styletools.images import open_image
from styletools.memory import TransferPlan, plan_transfer

CONTENT = "gallery/examples/content/leuven.jpg"
STYLE = "gallery/examples/style/starry_night.jpg"
SIZE, BUDGET, SEED = 2048, "5G", 0
TRANSFER = (f"styletools transfer {CONTENT} {STYLE} --size {SIZE} --max-memory {BUDGET} "
            f"--seed {SEED}")
#: Side of each 1:1 crop, in output pixels.
CROP = 320
#: Lines either side of a line compared with it by the seam measure.
NEIGHBOURS = 3
PREVIEW, CROPS = "big_2048.jpg", "big_2048_crops.jpg"


def plan() -> TransferPlan:
    """The plan of :data:`TRANSFER`, made as the command makes it (from the photo's header)."""
    width, height = open_image(GALLERY_DIR.parent / CONTENT).size
    scale = SIZE / max(width, height)
    config = TransferConfig(size=SIZE, max_memory=BUDGET, seed=SEED)
    return plan_transfer((round(height * scale), round(width * scale)), config, device="cpu")


def seam_crops(image: Image.Image, tile: int, count: int = 3) -> list[Tile]:
    """``count`` crops of :data:`CROP` px centred on corners where tile cores meet."""
    corners = [(x, y) for y in range(tile, image.height, tile)
               for x in range(tile, image.width, tile)]
    step = max(1, len(corners) // count)
    crops = []
    for x, y in corners[::step][:count]:
        box = (x - CROP // 2, y - CROP // 2, x + CROP // 2, y + CROP // 2)
        crops.append(Tile(image.crop(box), f"1:1 where four tiles meet ({x}, {y})"))
    return crops


def seam_ratios(pixels: np.ndarray, lines: Sequence[int]) -> list[float]:
    """How much each line between columns ``k - 1`` and ``k`` stands out from its neighbours.

    A seam is a step: the mean change across it exceeds the changes across the lines beside
    it. Each ratio is the mean absolute difference across line ``k`` divided by the mean over
    :data:`NEIGHBOURS` lines either side, so ~1 is no seam whatever the picture's texture.
    Rows: pass the transposed image.
    """
    steps = np.abs(np.diff(pixels.astype(np.float64), axis=1)).mean(axis=(0, 2))
    ratios = []
    for k in lines:
        beside = [*steps[k - 1 - NEIGHBOURS : k - 1], *steps[k : k + NEIGHBOURS]]
        ratios.append(float(steps[k - 1] / np.mean(beside)))
    return ratios


def seams(image: Image.Image, tile: int) -> dict[str, float]:
    """The worst seam ratio over the tile borders, and over lines half a tile away (control)."""
    pixels = np.asarray(image.convert("RGB"))
    worst = {}
    for name, offset in (("tile_borders", 0), ("control", tile // 2)):
        ratios = []
        for array in (pixels, pixels.transpose(1, 0, 2)):
            lines = [k for k in range(tile + offset, array.shape[1] - NEIGHBOURS, tile)]
            ratios += seam_ratios(array, lines)
        worst[name] = round(max(ratios), 3)
    return worst


def time_log(path: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB of 2**30 bytes, as the plan counts) from GNU time's
    ``-v`` report."""
    text = path.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if wall is None or rss is None:
        sys.exit(f"{path}: not a GNU time -v report (no wall time or peak RSS line)")
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(wall[1].split(":"))))
    return seconds, int(rss[1]) / 2**20


def print_size_record(image: Image.Image, seconds: float, peak_gb: float) -> dict[str, Any]:
    """What the README says of the run: commands, time, memory against the plan, seams."""
    made = plan()
    finest = made.scales[-1]
    assert finest.tile, f"{BUDGET} no longer tiles the finest scale: the crops need a new rule"
    return {
        "preview": PREVIEW,
        "crops": CROPS,
        "command": f"/usr/bin/time -v -o big.time {TRANSFER} -o big.png",
        "layout_command": "python gallery/big_output.py big.png --time-log big.time",
        "size": [image.width, image.height],
        "seconds": round(seconds, 1),
        "peak_rss_gb": round(peak_gb, 2),
        "budget": BUDGET,
        "plan": made.describe().splitlines(),
        "planned_peak_gb": round(made.peak / 2**30, 2),
        "tile": finest.tile,
        "seams": {**seams(image, finest.tile), "neighbours": NEIGHBOURS},
        "sha256": pixel_sha256(image),
        "machine": record.machine(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="the PNG the transfer wrote")
    parser.add_argument("--time-log", type=Path, required=True,
                        help="GNU time's -v report of the transfer (/usr/bin/time -v -o FILE)")
    parser.add_argument("--out", type=Path, default=GALLERY_DIR,
                        help="the gallery folder (default gallery/)")
    args = parser.parse_args(argv)
    seconds, peak_gb = time_log(args.time_log)
    with Image.open(args.output) as opened:
        image = opened.convert("RGB")
    entry = print_size_record(image, seconds, peak_gb)
    label = f"{image.width}x{image.height} px, default settings, {seconds / 60:.0f} min on a " \
            f"{entry['machine']['threads']}-thread CPU, peak {peak_gb:.1f} GB"
    compose([[Tile(image, label)]]).save(args.out / PREVIEW, quality=88)
    compose([seam_crops(image, entry["tile"])], max_side=3 * CROP + 4 * 8).save(
        args.out / CROPS, quality=92)
    record.write_print_size(args.out / record.PRINT_SIZE_NAME, entry)
    write(args.out, [])  # re-render the README with the new record
    print(f"wrote {PREVIEW}, {CROPS} and {record.PRINT_SIZE_NAME} in {args.out}; "
          f"seams {entry['seams']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
