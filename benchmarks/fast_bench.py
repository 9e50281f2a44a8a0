"""Fast mode against the optimisation, side by side in one run, printed as JSON.

Usage:
    python benchmarks/fast_bench.py                        # everything (the README's figures)
    python benchmarks/fast_bench.py --only inference throughput
    python benchmarks/fast_bench.py --model starry.stm --painting starry.jpg --photos a.jpg b.jpg

Four measurements:

* inference: seconds per image at 256, 512 and 1024 px (long side) for the model, and for
  the ``balanced`` preset's optimisation at the sizes in ``--optimise-sizes`` (512 by
  default: each such run takes minutes). Sides alternate (model, optimisation, model) on
  each photo, and the speed-up is the median over photos of optimisation seconds / the mean
  of the two model timings around it, so a drifting load hits both alike;
* throughput: batched inference of Johnson's network (width 32) and of the model's, in
  GFLOP/s (convolutions counted from the layers by ``conv_flops``) and as a share of the
  best 3x3 convolution throughput measured in the same run (``transfer_bench``'s probe);
* training: steps per second of ``styletools.fast.train`` at the issue's settings (256 px,
  batch 4, width 32) and at the bundled model's (first step excluded);
* quality: ``styletools.quality`` scores of both outputs on photos the model never saw
  (edge correlation and Gram distance, with the others recorded).

The bundled model was trained on chelsea, leuven and rocket (and tests/data/classes); the
other bundled photos are held out and used here by default.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
#: Photos the bundled model was trained on (see styletools/fast/models/README.md).
TRAINED_ON = frozenset({"chelsea.png", "leuven.jpg", "rocket.jpg"})


def held_out_photos() -> list[Path]:
    """The bundled example photos the bundled model never saw."""
    from styletools.examples import example_images

    return [path for path in example_images("content") if path.name not in TRAINED_ON]


def seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def optimise(
    photo: Path, painting: Path, size: int, strength: float, backbone: object
) -> tuple[float, torch.Tensor]:
    """The ``balanced`` preset on one photo: (seconds, image), inputs loaded untimed."""
    from styletools.config import preset
    from styletools.engine import stylize
    from styletools.loading import load_inputs

    config = preset("balanced").replace(size=size, seed=0, strength=strength, device="cpu")
    content, styles = load_inputs(photo, [painting], config)
    start = time.perf_counter()
    result = stylize(content, styles, config, backbone=backbone)  # type: ignore[arg-type]
    return time.perf_counter() - start, result.image


def inference(args: argparse.Namespace, model: object, backbone: object) -> dict[str, object]:
    """Seconds per image of the model at each size, and of the optimisation where asked."""
    from styletools.loading import load_image_tensor
    from styletools.tools.fast_stylize import run_network

    net, report, outputs = model.net, {}, {}  # type: ignore[attr-defined]
    for size in args.sizes:
        fast, ratios, slow = [], [], []
        for photo in args.photos:
            image = load_image_tensor(photo, size)
            before = seconds(lambda image=image: run_network(net, image), args.repeats)
            fast.append(before)
            if size not in args.optimise_sizes:
                continue
            took, optimised = optimise(photo, args.painting, size, model.info.strength, backbone)  # type: ignore[attr-defined]
            after = seconds(lambda image=image: run_network(net, image), args.repeats)
            fast.append(after)
            slow.append(took)
            ratios.append(took / ((before + after) / 2))
            outputs[(photo.name, size)] = (run_network(net, image), optimised, image)
        report[str(size)] = {
            "model_seconds": statistics.median(fast),
            "optimisation_seconds": statistics.median(slow) if slow else None,
            "speedup_median": statistics.median(ratios) if ratios else None,
            "speedups": ratios,
        }
    return {"per_size": report, "outputs": outputs}


def throughput(args: argparse.Namespace, model: object) -> dict[str, object]:
    """Batched inference GFLOP/s against the best 3x3 convolution rate of this machine."""
    from transfer_bench import conv_peak_gflops

    from styletools.fast.network import TransformerNet, conv_flops
    from styletools.tools.fast_stylize import run_network

    peaks = [conv_peak_gflops()]
    report = {}
    for width in sorted({32, model.info.width}):  # type: ignore[attr-defined]
        net = TransformerNet(width).eval()
        batch = torch.rand(args.batch, 3, 256, 256, generator=torch.Generator().manual_seed(0))
        took = seconds(lambda net=net, batch=batch: run_network(net, batch), args.repeats)
        gflops = conv_flops(net, 256, 256) * args.batch / took / 1e9
        report[f"width{width}"] = {
            "gflop_per_image": conv_flops(net, 256, 256) / 1e9,
            "seconds_per_batch": took,
            "gflops": gflops,
        }
        peaks.append(conv_peak_gflops())
    peak = max(peaks)
    for entry in report.values():
        entry["share_of_peak"] = entry["gflops"] / peak
    return {"batch": args.batch, "side": 256, "conv_peak_gflops": peak, "networks": report}


def training(args: argparse.Namespace, model: object, backbone: object) -> dict[str, object]:
    """Steps per second at the issue's settings and at the model's own, first step excluded."""
    from styletools.examples import example_images
    from styletools.fast.settings import TrainConfig
    from styletools.fast.train import train

    info = model.info  # type: ignore[attr-defined]
    settings = {
        "issue (256 px, batch 4, width 32)": TrainConfig(size=256, batch=4, width=32),
        f"model ({info.size} px, batch {info.batch}, width {info.width})": TrainConfig(
            size=info.size, batch=info.batch, width=info.width, style_size=2 * info.size
        ),
    }
    report = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, config in settings.items():
            stamps: list[float] = []
            config = TrainConfig(**{**config.__dict__, "steps": args.train_steps, "device": "cpu"})
            train(args.painting, example_images("content"), Path(folder) / "m.stm", config,
                  backbone=backbone, on_progress=lambda p, s=stamps: s.append(p.elapsed))  # type: ignore[arg-type]  # fmt: skip
            rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
            report[name] = {"steps_per_second": rate, "seconds_per_step": 1 / rate}
    return report


def quality(outputs: dict, painting: Path, backbone: object) -> dict[str, object]:
    """Quality of both outputs on each held-out photo; medians of the differences/ratios."""
    from styletools.loading import load_image_tensor
    from styletools.quality import QualityMeter

    meter = QualityMeter(backbone)
    rows, edge_gaps, gram_ratios = {}, [], []
    for (name, size), (fast, optimised, photo) in outputs.items():
        art = load_image_tensor(painting, size)
        ours, theirs = meter(fast, photo, art), meter(optimised, photo, art)
        edge_gaps.append(theirs.edge_correlation - ours.edge_correlation)
        gram_ratios.append(ours.gram_distance / theirs.gram_distance)
        rows[f"{name}@{size}"] = {"model": ours.as_dict(), "optimisation": theirs.as_dict()}
    return {
        "photos": rows,
        "edge_correlation_gap_median": statistics.median(edge_gaps) if edge_gaps else None,
        "gram_distance_ratio_median": statistics.median(gram_ratios) if gram_ratios else None,
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    from styletools.examples import EXAMPLES_DIR
    from styletools.tools.fast_stylize import BUNDLED_MODEL

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=BUNDLED_MODEL)
    parser.add_argument("--painting", type=Path, default=EXAMPLES_DIR / "style/starry_night.jpg")
    parser.add_argument("--photos", type=Path, nargs="+", default=None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--optimise-sizes", type=int, nargs="*", default=[512])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--train-steps", type=int, default=4)
    parser.add_argument(
        "--only", nargs="+", default=["inference", "throughput", "training", "quality"],
        choices=["inference", "throughput", "training", "quality"],
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.photos = args.photos or held_out_photos()
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the measurements asked for and print one JSON object."""
    from styletools.allocator import keep_freed_memory
    from styletools.backbone import Backbone
    from styletools.fast.model_file import describe, load_model

    keep_freed_memory()  # the command's allocator setting, for both sides alike
    args = parse(argv)
    model, backbone = load_model(args.model), Backbone(device="cpu")
    report: dict[str, object] = {
        "machine": {"threads": torch.get_num_threads(), "torch": torch.__version__},
        "model": describe(model.info),
        "photos": [p.name for p in args.photos],
    }
    if "inference" in args.only or "quality" in args.only:
        measured = inference(args, model, backbone)
        report["inference"] = measured["per_size"]
        if "quality" in args.only:
            report["quality"] = quality(measured["outputs"], args.painting, backbone)
    if "throughput" in args.only:
        report["throughput"] = throughput(args, model)
    if "training" in args.only:
        report["training"] = training(args, model, backbone)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
