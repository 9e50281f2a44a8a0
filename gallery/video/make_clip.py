"""The video gallery clip: opencv-doc's walkers painted frame by frame and with temporal
consistency, side by side with the input, and the warping error of each.

Usage:
    .venv/bin/python gallery/video/make_clip.py          # writes gallery/video/before_after.mp4

Three panels, left to right: the input, ``--temporal 0`` (each frame on its own) and the
default ``--temporal``, each ``--size`` px wide, painted with The Starry Night by
``styletools.video.runner.stylize_video`` (the ``styletools video`` command's own code).
Prints the warping error (Lai et al. 2018, DIS flow on the input frames) of both paintings as
JSON; gallery/video/README.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from styletools.config import TransferConfig
from styletools.methods import Networks
from styletools.video.metrics import estimated_flows, warping_error
from styletools.video.reading import probe, read_frames
from styletools.video.runner import output_size, resize_frame, stylize_video
from styletools.video.settings import DEFAULT_TEMPORAL, VideoSettings
from styletools.video.writing import write_video

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "gallery" / "examples" / "video" / "vtest_40.avi"
PAINTING = ROOT / "gallery" / "examples" / "style" / "starry_night.jpg"
OUTPUT = ROOT / "gallery" / "video" / "before_after.mp4"


def _labelled(frame: np.ndarray, label: str) -> np.ndarray:
    picture = Image.fromarray(frame)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 8 + 6 * len(label), 16), fill=(0, 0, 0))
    draw.text((4, 3), label, fill=(255, 255, 255))
    return np.asarray(picture)


def _error(frames: list[np.ndarray], flows: tuple[list, list]) -> float:
    tensors = [torch.from_numpy(np.array(f)).permute(2, 0, 1)[None].float() / 255
               for f in frames]
    return warping_error(tensors, *flows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    networks, config = Networks(device="cpu"), TransferConfig(size=args.size)
    inputs = list(read_frames(CLIP))
    shape = output_size(inputs[0].shape[1], inputs[0].shape[0], args.size)
    inputs = [resize_frame(frame, shape) for frame in inputs]
    flows = estimated_flows(inputs)
    panels, figures = [inputs], {}
    with tempfile.TemporaryDirectory() as folder:
        for temporal in (0.0, DEFAULT_TEMPORAL):
            target = Path(folder) / f"temporal_{round(temporal * 100)}"
            stylize_video(CLIP, target, [PAINTING], config, VideoSettings(temporal=temporal),
                          networks=networks)
            panels.append(list(read_frames(target)))
            figures[f"temporal {temporal:g}"] = _error(panels[-1], flows)
    labels = ["input", *(f"{name}: warping error {error:.2e}" for name, error in figures.items())]
    frames = [np.concatenate([_labelled(panel[t], label) for panel, label in
                              zip(panels, labels, strict=True)], axis=1)
              for t in range(len(inputs))]
    write_video(frames, args.output, probe(CLIP).fps)
    print(json.dumps({"output": str(args.output.relative_to(ROOT)), "size": args.size,
                      "frames": len(frames), "warping_error": figures,
                      "bytes": args.output.stat().st_size}, indent=1))



if __name__ == "__main__":
    main()
