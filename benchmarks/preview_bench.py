"""What the app's live preview costs: optimiser steps per second with and without it.

The peer is the plain core call, ``stylize(...)`` with no callback. The other side is exactly
what the app's ``/transfer`` endpoint does per run: :class:`LiveTransfer` (worker thread,
a snapshot copy at most every ``--interval`` seconds) while the consuming thread turns each
snapshot into a PIL image, a status line and a JPEG, as Gradio does for the preview widget.
Runs alternate between the two sides; the best of ``--repeats`` is kept for each. Prints
one JSON object; the goal is ``ratio`` (best against best) >= 0.9.

    .venv/bin/python benchmarks/preview_bench.py --size 256 --steps 40 --repeats 3
"""

from __future__ import annotations

import argparse
import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from styletools_cli.app.preview import LiveTransfer, status_line

from styletools import images
from styletools.allocator import keep_freed_memory
from styletools.backbone import Backbone
from styletools.config import preset
from styletools.engine import TransferProgress, stylize
from styletools.loading import load_image_tensor
from styletools.methods import Networks

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "gallery" / "examples" / "content" / "leuven.jpg"
STYLE = ROOT / "gallery" / "examples" / "style" / "starry_night.jpg"


def _plain(content: torch.Tensor, style: torch.Tensor, config, backbone: Backbone) -> float:
    start = time.perf_counter()
    stylize(content, [style], config, backbone=backbone)
    return time.perf_counter() - start


def _streamed(
    content: torch.Tensor, style: torch.Tensor, config, backbone: Backbone,
    workers: ThreadPoolExecutor, interval: float,
) -> tuple[float, int]:
    start, sent = time.perf_counter(), 0
    live = LiveTransfer(content, [style], config, networks=Networks.around(backbone),
                        stop=threading.Event(),
                        workers=workers, interval=interval)
    for item in live:
        if isinstance(item, TransferProgress):
            status_line(item)
            images.to_pil(item.image).save(io.BytesIO(), format="JPEG")
            sent += 1
    return time.perf_counter() - start, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="long side in px")
    parser.add_argument("--steps", type=int, default=40, help="steps (one scale)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--interval", type=float, default=0.5, help="s between previews (app)")
    args = parser.parse_args()
    keep_freed_memory()  # as the styletools command (and so the app) does
    backbone = Backbone()
    # Adam always takes every step; L-BFGS may end a run early when its cost diverges,
    # which would make the two sides do different amounts of work.
    config = preset("balanced").replace(
        size=args.size, scales=1, steps=(args.steps,), seed=0, optimizer="adam"
    )
    content = load_image_tensor(CONTENT, args.size)
    style = load_image_tensor(STYLE, args.size)
    workers = ThreadPoolExecutor(1)  # as the app's AppContext.workers: one long-lived thread
    _plain(content, style, config, backbone)  # warm-up: extractor, allocator, kernel caches
    _streamed(content, style, config, backbone, workers, args.interval)
    plain, streamed, sent = [], [], 0
    for _ in range(args.repeats):
        plain.append(_plain(content, style, config, backbone))
        elapsed, sent = _streamed(content, style, config, backbone, workers, args.interval)
        streamed.append(elapsed)
    workers.shutdown()
    without, with_preview = args.steps / min(plain), args.steps / min(streamed)
    pair_ratios = sorted(p / s for p, s in zip(plain, streamed, strict=True))
    print(json.dumps({
        "benchmark": "preview_streaming",
        "size": args.size, "steps": args.steps, "repeats": args.repeats,
        "interval_s": args.interval, "device": str(backbone.device),
        "torch_threads": torch.get_num_threads(),
        "steps_per_s_without_preview": round(without, 3),
        "steps_per_s_with_preview": round(with_preview, 3),
        "previews_per_run": sent,
        "ratio": round(with_preview / without, 3),
        "median_pair_ratio": round(pair_ratios[len(pair_ratios) // 2], 3),
    }, indent=2))


if __name__ == "__main__":
    main()
