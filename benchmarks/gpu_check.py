"""Fast mode and the one-pass network on a CUDA machine, in one command; prints JSON.

Usage:
    python benchmarks/gpu_check.py           # CUDA: 2000 steps, 256 px, batch 8, bf16 autocast,
                                             # then inference at 1024 px (under 8 minutes)
    python benchmarks/gpu_check.py --toy     # a few steps at toy sizes (automatic without CUDA)

It trains on the bundled photos with the bundled painting through the same
``styletools.fast.train.train`` as ``styletools train-style``, writes the model to a
temporary folder, and reports the training time, steps per second, the loss at the start and
the end, and the median seconds of one 1024 px inference in fp32 and under bf16 autocast.
Then it times the arbitrary-style network (Ghiasi et al., ``styletools.arbitrary``) on a
batch of 16 photos at 1024 px in bf16 weights: seconds per batch and images per second.
Last, a 4096 px optimisation at one scale (3 steps): seconds per step and
``torch.cuda.max_memory_allocated`` beside the planner's estimate (``styletools.memory``).
Without CUDA (or with ``--toy``) the same code runs at toy sizes (64 px for 4 training steps,
a batch of 2 at 128 px in fp32, a 192 px transfer), so the script is known to work before a
GPU is there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

#: The full check's settings, and the toy run's.
FULL = {"size": 256, "steps": 2000, "batch": 8, "width": 32, "inference_size": 1024,
        "one_pass_batch": 16, "big_size": 4096, "big_steps": 3}
TOY = {"size": 64, "steps": 4, "batch": 2, "width": 8, "inference_size": 128,
       "one_pass_batch": 2, "big_size": 192, "big_steps": 2}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_inference(
    net: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor, *, autocast: bool,
    repeats: int,
) -> float:
    """Median seconds of one forward pass (after a warm-up), synchronised on CUDA."""
    device = image.device
    context = torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast)
    times = []
    with torch.no_grad(), context:
        net(image)
        for _ in range(repeats):
            _sync(device)
            start = time.perf_counter()
            net(image)
            _sync(device)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_one_pass(sizes: dict[str, int], device: torch.device, repeats: int) -> dict[str, object]:
    """The arbitrary-style transformer on a batch of photos: bf16 weights on CUDA."""
    from styletools.arbitrary import load_arbitrary, predict_style
    from styletools.examples import EXAMPLES_DIR, example_images
    from styletools.loading import load_image_tensor

    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    networks = load_arbitrary(device, dtype)
    painting = load_image_tensor(EXAMPLES_DIR / "style" / "starry_night.jpg", 512)
    embedding = predict_style(networks.predictor, painting).to(device, dtype)
    photo = load_image_tensor(example_images("content")[0], sizes["inference_size"])
    batch = photo.repeat(sizes["one_pass_batch"], 1, 1, 1).to(device, dtype)
    embeddings = embedding.expand(batch.shape[0], -1)

    def forward(images: torch.Tensor) -> torch.Tensor:
        return networks.transformer(images, embeddings)

    seconds = time_inference(forward, batch, autocast=False, repeats=repeats)
    return {"dtype": str(dtype), "batch_shape": list(batch.shape), "seconds_per_batch": seconds,
            "images_per_second": batch.shape[0] / seconds}


def time_big_transfer(sizes: dict[str, int], device: torch.device) -> dict[str, object]:
    """A print-size optimisation at one scale: seconds per step, the peak memory torch
    allocated, and the planner's estimate of it (the issue asks for ±30 %)."""
    from styletools.backbone import Backbone
    from styletools.config import TransferConfig
    from styletools.engine import stylize
    from styletools.examples import EXAMPLES_DIR, example_images
    from styletools.loading import load_inputs
    from styletools.memory import plan_transfer

    config = TransferConfig(size=sizes["big_size"], scales=1, steps=(sizes["big_steps"],),
                            seed=0, device=str(device))
    photo, paintings = load_inputs(example_images("content")[0],
                                   [EXAMPLES_DIR / "style" / "starry_night.jpg"], config)
    backbone = Backbone(device=str(device))
    plan = plan_transfer(tuple(photo.shape[-2:]), config, device=str(device))
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    stamps: list[float] = []
    started = time.perf_counter()
    stylize(photo, paintings, config, backbone=backbone,
            on_progress=lambda p: stamps.append(time.perf_counter()))
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return {
        "shape": list(photo.shape), "plan": plan.scales[-1].describe(),
        "seconds": time.perf_counter() - started,
        "seconds_per_step_after_first": (stamps[-1] - stamps[0]) / max(len(stamps) - 1, 1),
        "max_memory_allocated_gb": None if peak is None else peak / 2**30,
        "estimate_gb": plan.peak / 2**30,
        "estimate_error": None if peak is None else plan.peak / peak - 1,
    }


def run(toy: bool) -> dict[str, object]:
    """Train with the chosen settings, then time inference; the JSON record."""
    from styletools.examples import EXAMPLES_DIR, example_images
    from styletools.fast.settings import TrainConfig
    from styletools.fast.train import train
    from styletools.loading import load_image_tensor

    cuda = torch.cuda.is_available()
    sizes = TOY if toy or not cuda else FULL
    device = torch.device("cuda" if cuda else "cpu")
    torch.backends.cudnn.benchmark = True
    config = TrainConfig(
        size=sizes["size"], steps=sizes["steps"], batch=sizes["batch"], width=sizes["width"],
        device=str(device), precision="bf16" if cuda else "fp32",
    )  # fmt: skip
    stamps: list[float] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        result = train(
            EXAMPLES_DIR / "style" / "starry_night.jpg", example_images("content"),
            Path(folder) / "check.stm", config, on_progress=lambda p: stamps.append(p.elapsed),
        )  # fmt: skip
    train_seconds = time.perf_counter() - started
    net = result.model.net.to(device)
    photo = load_image_tensor(example_images("content")[0], sizes["inference_size"]).to(device)
    repeats = 10 if cuda else 2
    return {
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "toy": sizes is TOY,
        "settings": {**sizes, "precision": config.precision},
        "train_seconds_with_setup": train_seconds,
        "steps_per_second": (len(stamps) - 1) / (stamps[-1] - stamps[0]),
        "loss_first_last": [result.losses[0], result.losses[-1]],
        "inference_shape": list(photo.shape),
        "inference_seconds_fp32": time_inference(net, photo, autocast=False, repeats=repeats),
        "inference_seconds_bf16": (
            time_inference(net, photo, autocast=True, repeats=repeats) if cuda else None
        ),
        "arbitrary": time_one_pass(sizes, device, repeats),
        "big_transfer": time_big_transfer(sizes, device),
        "total_seconds": time.perf_counter() - started,
    }


def main() -> None:
    """Parse ``--toy`` and print the record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--toy", action="store_true", help="toy sizes (automatic without CUDA)")
    print(json.dumps(run(parser.parse_args().toy), indent=2))


if __name__ == "__main__":
    main()
