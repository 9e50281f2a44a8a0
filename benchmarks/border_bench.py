"""Do our outputs darken (or lighten) at the border? Luminance of the outer pixels, as JSON.

Usage:
    python benchmarks/border_bench.py                       # the 16 pairs, 512 px, default
    python benchmarks/border_bench.py --size 256 --pairs 4  # a quick look
    python benchmarks/border_bench.py --padding zeros       # VGG19's padding as trained

VGG19 pads every convolution with zeros, so near the border its features see black beyond the
image, and the optimiser may paint that darkness in (crowsonkb's style-transfer-pytorch pads
the first convolution by replication for this reason). Per pair: the mean luminance (Y of
YIQ, in [0, 1]) of the outer ``--band`` px minus the photo's there, against the same shift
over the interior: the border's own shift is the difference. Measured on the bundled photos
and paintings of the quality benchmark, never with the optimiser's cost.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
from pathlib import Path

import torch

from styletools.backbone import Backbone
from styletools.color import rgb_to_yiq
from styletools.config import configure
from styletools.engine import stylize
from styletools.loading import load_inputs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "gallery" / "examples"
PHOTOS = ("leuven", "astronaut", "chelsea", "rocket")
PAINTINGS = ("starry_night", "graffiti", "harlequin_mosaic", "van_gogh_bedroom")


def _path(folder: str, stem: str) -> Path:
    return next((EXAMPLES / folder).glob(f"{stem}.*"))


def border_shift(result: torch.Tensor, photo: torch.Tensor, band: int) -> dict[str, float]:
    """Luminance shift of the outer ``band`` px and of the interior, output minus photo."""
    shift = rgb_to_yiq(result)[:, 0] - rgb_to_yiq(photo)[:, 0]
    inner = torch.zeros_like(shift, dtype=torch.bool)
    inner[..., band:-band, band:-band] = True
    outer = shift[~inner].mean().item()
    interior = shift[inner].mean().item()
    return {"outer": round(outer, 4), "interior": round(interior, 4),
            "border_minus_interior": round(outer - interior, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--preset", default="balanced")
    parser.add_argument("--steps", default=None, help="steps per scale (default: the preset's)")
    parser.add_argument("--padding", default=None, help="zeros or replicate (default: ours)")
    parser.add_argument("--band", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=16)
    args = parser.parse_args()
    backbone = Backbone(device="cpu")
    config = configure(args.preset, {"size": args.size, "seed": 0, "steps": args.steps,
                                     "padding": args.padding})
    rows = []
    for photo_name, painting_name in itertools.islice(
        itertools.product(PHOTOS, PAINTINGS), args.pairs
    ):
        photo, paintings = load_inputs(_path("content", photo_name),
                                       [_path("style", painting_name)], config)
        result = stylize(photo, paintings, config, backbone=backbone).image
        rows.append({"pair": f"{photo_name}+{painting_name}",
                     **border_shift(result, photo, args.band)})
        print(json.dumps(rows[-1]), flush=True)
    shifts = [row["border_minus_interior"] for row in rows]
    print(json.dumps({
        "size": args.size, "preset": args.preset, "band": args.band,
        "steps": list(config.steps_per_scale()), "padding": config.padding,
        "pairs": len(rows),
        "median_border_minus_interior": round(statistics.median(shifts), 4),
        "mean_border_minus_interior": round(statistics.fmean(shifts), 4),
        "in_255ths": round(255 * statistics.fmean(shifts), 2),
        "darker_pairs": sum(s < 0 for s in shifts),
    }, indent=2))


if __name__ == "__main__":
    main()
