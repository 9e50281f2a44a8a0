"""Images per second of the tool suite, side by side with direct torchvision and Pillow.

    python benchmarks/tools_bench.py [--size 512] [--images 32] [--repeats 5] [--device cpu]

Prints one JSON object:

* ``edges``: each edge tool through the registry (``tool.make_params`` + ``tool.apply``)
  against the functional kernel called directly, on one batch;
* ``pipeline``: flip + crop + rotate + colour shift on single images, four ways:
  the registry tools (drawing their parameters and applying them); the same kernels of
  ``torchvision.transforms.v2.functional`` called directly with the very parameters the
  registry drew, so both do identical pixel work and the difference is the registry layer;
  the random ``torchvision.transforms.v2`` classes in a ``Compose`` (their own draws); and
  Pillow. ``registry_overhead_percent`` is the median over repeats of registry time /
  direct time - 1, each pair timed back to back, in alternating order.

Rates are the best of ``--repeats`` runs, after one warm-up run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterator

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as tvf

from styletools.tools import ToolRegistry, default_registry
from styletools.tools.functional import edges as edge_kernels

PIPELINE = (
    ("flip", {}),
    ("crop", {"scale": "0.5-1.0"}),
    ("rotate", {"degrees": "-15-15"}),
    ("color-shift", {"sigma": "0.05"}),
)


def interleaved_times(
    runs: dict[str, Callable[[], object]], repeats: int, device: torch.device
) -> dict[str, list[float]]:
    """Seconds of each run in each repeat, the runs interleaved (order reversed every other
    repeat) so a busy machine, and the cache each run leaves behind, hit them alike.
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm-up
    for repeat in range(repeats):
        order = list(runs.items())
        for name, run in order if repeat % 2 == 0 else reversed(order):
            _sync(device)
            start = time.perf_counter()
            run()
            _sync(device)
            times[name].append(time.perf_counter() - start)
    return times


def best_rates(times: dict[str, list[float]], count: int) -> dict[str, float]:
    """Images per second of each run: its fastest repeat over ``count`` images."""
    return {f"{name}_ips": round(count / min(spent), 2) for name, spent in times.items()}


def overhead_percent(slower: list[float], faster: list[float]) -> float:
    """Median of the per-repeat time ratios, as a percentage over 1."""
    ratios = [a / b for a, b in zip(slower, faster, strict=True)]
    return round(100 * (statistics.median(ratios) - 1), 2)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_edges(registry: ToolRegistry, batch: torch.Tensor, repeats: int) -> dict[str, object]:
    """Registry edge tools vs their functional kernel, on the whole batch at once."""
    results: dict[str, object] = {}
    generator = torch.Generator()
    for name in registry.list(family="edges"):
        tool = registry.create(name)
        options = {"direction": getattr(tool.params, "direction", "x")} | vars(tool.params)

        def via_registry(tool=tool) -> torch.Tensor:
            return tool.apply(batch, tool.make_params(batch, generator=generator))

        def direct(tool=tool, options=options) -> torch.Tensor:
            return edge_kernels.edges(batch, tool.filter, **options)

        times = interleaved_times(
            {"registry": via_registry, "functional": direct}, repeats, batch.device
        )
        results[name] = best_rates(times, len(batch)) | {
            "registry_overhead_percent": overhead_percent(times["registry"], times["functional"])
        }
    return results


def run_registry(tools: list, images: list[torch.Tensor]) -> Iterator[tuple[torch.Tensor, list]]:
    """Flip + crop + rotate + colour shift through the registry, one image at a time.

    The generator is seeded afresh on every call, so every run draws the same parameters.

    Yields:
        Each image's output and the parameters each tool drew for it (a generator, so a timed
        run keeps no output alive, as the functional run keeps none).
    """
    generator = torch.Generator().manual_seed(0)
    for image in images:
        steps = []
        for tool in tools:
            params = tool.make_params(image, generator=generator)
            image = tool.apply(image, params)
            steps.append(params[0])
        yield image, steps


def apply_functional(image: torch.Tensor, steps: list[dict]) -> torch.Tensor:
    """One image through torchvision's functional kernels with the registry's parameters."""
    flip, crop, rotate, shift = steps
    if flip["flip"]:
        image = tvf.horizontal_flip(image)
    image = tvf.resized_crop(image, **crop, size=list(image.shape[-2:]), antialias=True)
    image = tvf.rotate(image, rotate["angle"], interpolation=v2.InterpolationMode.BILINEAR)
    return (image + torch.tensor(shift["offsets"]).view(1, 3, 1, 1)).clamp(0.0, 1.0)


def functional_pipeline(images: list[torch.Tensor], drawn: list[list[dict]]) -> Callable[[], None]:
    """The registry's drawn parameters applied with torchvision's functional kernels directly."""

    def run() -> None:
        for image, steps in zip(images, drawn, strict=True):
            apply_functional(image, steps)

    return run


def same_pixel_work(
    images: list[torch.Tensor], results: list[tuple[torch.Tensor, list[dict]]]
) -> bool:
    """Whether the functional kernels remake the registry's outputs exactly (checked)."""
    return all(
        torch.equal(output, apply_functional(image, steps))
        for image, (output, steps) in zip(images, results, strict=True)
    )


def torchvision_pipeline(images: list[torch.Tensor], size: int) -> Callable[[], None]:
    """The same ops with ``torchvision.transforms.v2`` directly (global RNG)."""
    sigma = 0.05

    def color_shift(image: torch.Tensor) -> torch.Tensor:
        offsets = torch.randn(1, 3, 1, 1, device=image.device) * sigma
        return (image + offsets).clamp(0.0, 1.0)

    pipeline = v2.Compose([
        v2.RandomHorizontalFlip(),
        v2.RandomResizedCrop(size, scale=(0.5, 1.0), antialias=True),
        v2.RandomRotation(15, interpolation=v2.InterpolationMode.BILINEAR),
        v2.Lambda(color_shift),
    ])

    def run() -> None:
        for image in images:
            pipeline(image)

    return run


def pillow_pipeline(images: list[Image.Image], size: int) -> Callable[[], None]:
    """The same ops with Pillow on 8-bit RGB images."""
    rng = np.random.default_rng(0)

    def one(image: Image.Image) -> Image.Image:
        if rng.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        side = int(size * np.sqrt(rng.uniform(0.5, 1.0)))
        left, top = rng.integers(0, size - side + 1, size=2)
        image = image.resize((size, size), Image.Resampling.BILINEAR,
                             box=(left, top, left + side, top + side))
        image = image.rotate(rng.uniform(-15, 15), Image.Resampling.BILINEAR)
        offsets = rng.normal(0, 0.05, size=3) * 255
        table = np.clip(np.arange(256)[None, :] + offsets[:, None], 0, 255).round()
        return image.point(table.astype(int).ravel().tolist())  # one lookup table per band

    def run() -> None:
        for image in images:
            one(image)

    return run


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    batch = torch.rand(args.images, 3, args.size, args.size, device=device)
    singles = list(batch.split(1))
    pillows = [Image.fromarray((np.random.default_rng(i).random((args.size, args.size, 3))
                                * 255).astype(np.uint8)) for i in range(args.images)]
    registry = default_registry(plugins=False)
    tools = [registry.create(name, values) for name, values in PIPELINE]
    results = list(run_registry(tools, singles))
    identical = same_pixel_work(singles, results)
    drawn = [steps for _, steps in results]
    del results  # no 32 outputs held in memory while the timed runs allocate
    runs = {
        "registry": lambda: deque(run_registry(tools, singles), maxlen=0),
        "torchvision_functional": functional_pipeline(singles, drawn),
        "torchvision_transforms": torchvision_pipeline(singles, args.size),
        "pillow": pillow_pipeline(pillows, args.size),
    }
    times = interleaved_times(runs, args.repeats, device)
    rates: dict[str, object] = dict(best_rates(times, args.images))
    rates["registry_overhead_percent"] = overhead_percent(
        times["registry"], times["torchvision_functional"]
    )
    rates["registry_and_functional_outputs_identical"] = identical
    print(json.dumps({
        "device": str(device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "image_size": args.size,
        "images": args.images,
        "edges_batch": bench_edges(registry, batch, args.repeats),
        "pipeline": {"ops": [name for name, _ in PIPELINE], **rates},
    }, indent=2))


if __name__ == "__main__":
    main()
