"""Images per second of the tool suite, side by side with direct torchvision and Pillow.

    python benchmarks/tools_bench.py [--size 512] [--images 32] [--repeats 5] [--device cpu]

Prints one JSON object:

* ``edges``: each edge tool through the registry (``tool.make_params`` + ``tool.apply``)
  against the functional kernel called directly, on one batch;
* ``pipeline``: flip + crop + rotate + colour shift on single images, three ways — the
  registry tools, the same ops written directly with ``torchvision.transforms.v2``, and
  Pillow — and the registry's overhead over direct torchvision in percent.

Best of ``--repeats`` runs, after one warm-up run.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2

from styletools.tools import ToolRegistry, default_registry
from styletools.tools.functional import edges as edge_kernels

PIPELINE = (
    ("flip", {}),
    ("crop", {"scale": "0.5-1.0"}),
    ("rotate", {"degrees": "-15-15"}),
    ("color-shift", {"sigma": "0.05"}),
)


def best_rates(
    runs: dict[str, Callable[[], object]], count: int, repeats: int, device: torch.device
) -> dict[str, float]:
    """Images per second of each run: the fastest of ``repeats`` timings over ``count`` images.

    The runs are interleaved within each repeat, so a busy machine slows them alike.
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm-up
    for _ in range(repeats):
        for name, run in runs.items():
            _sync(device)
            start = time.perf_counter()
            run()
            _sync(device)
            times[name].append(time.perf_counter() - start)
    return {f"{name}_ips": round(count / min(spent), 2) for name, spent in times.items()}


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

        runs = {"registry": via_registry, "functional": direct}
        results[name] = best_rates(runs, len(batch), repeats, batch.device)
    return results


def registry_pipeline(registry: ToolRegistry, images: list[torch.Tensor]) -> Callable[[], None]:
    """Flip + crop + rotate + colour shift through the registry, one image at a time."""
    tools = [registry.create(name, values) for name, values in PIPELINE]
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        for image in images:
            for tool in tools:
                image = tool.apply(image, tool.make_params(image, generator=generator))

    return run


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
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    batch = torch.rand(args.images, 3, args.size, args.size, device=device)
    singles = list(batch.split(1))
    pillows = [Image.fromarray((np.random.default_rng(i).random((args.size, args.size, 3))
                                * 255).astype(np.uint8)) for i in range(args.images)]
    registry = default_registry(plugins=False)
    runs = {
        "registry": registry_pipeline(registry, singles),
        "torchvision": torchvision_pipeline(singles, args.size),
        "pillow": pillow_pipeline(pillows, args.size),
    }
    rates: dict[str, float] = best_rates(runs, args.images, args.repeats, device)
    rates["registry_overhead_percent"] = round(
        100 * (rates["torchvision_ips"] / rates["registry_ips"] - 1), 2
    )
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
