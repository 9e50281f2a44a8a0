"""Style transfer speed, side by side with pastiche 1.6.0, printed as JSON.

Usage:
    python benchmarks/transfer_bench.py                 # per-step + peak + RSS + end-to-end
    python benchmarks/transfer_bench.py --only step     # just the per-step comparison
    python benchmarks/transfer_bench.py --pastiche-steps 1000   # pastiche's full default run

Both programs get the same photo, painting, weights (pastiche's own codebook file), size,
layers (content relu4_2; style relu1_1…relu5_1) and optimiser (L-BFGS, one evaluation per
step). Per step, pastiche runs in its own process and its steps alternate with ours, so a
drifting load on a shared machine hits both alike; it runs twice, as shipped and with the
allocator setting our command makes (styletools.allocator), so the gain of each is visible.
Final images are judged by styletools.quality (edges, SSIM and VGG distance to the photo;
Gram and colour distance to the painting), never by either program's own cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from styletools.allocator import LARGEST_KEPT, keep_freed_memory

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "gallery/examples/content/leuven.jpg"
STYLE = ROOT / "gallery/examples/style/starry_night.jpg"
DEEPEST = "relu5_1"


def vgg_pass_gflop(height: int, width: int) -> float:
    """FLOPs of one forward + input-gradient backward through VGG19 up to relu5_1.

    Frozen weights need no weight gradient, so the backward costs about one forward.
    """
    from styletools.vgg import CONVS, LAYER_NAMES

    flops, h, w = 0.0, height, width
    for (_, cin, cout), relu in zip(CONVS, LAYER_NAMES, strict=True):
        if relu.endswith("_1") and relu != "relu1_1":
            h, w = h // 2, w // 2
        flops += 2 * 9 * cin * cout * h * w
        if relu == DEEPEST:
            break
    return 2 * flops / 1e9


def conv_peak_gflops(repeats: int = 5) -> float:
    """Best 3x3 conv2d throughput of this machine (channels_last, the layout we use)."""
    best = 0.0
    for channels, side in ((256, 64), (128, 128), (512, 32)):
        x = torch.rand(1, channels, side, side).contiguous(memory_format=torch.channels_last)
        w = torch.rand(channels, channels, 3, 3).contiguous(memory_format=torch.channels_last)
        F.conv2d(x, w, padding=1)
        start = time.perf_counter()
        for _ in range(repeats):
            F.conv2d(x, w, padding=1)
        seconds = (time.perf_counter() - start) / repeats
        best = max(best, 2 * 9 * channels * channels * side * side / seconds / 1e9)
    return best


#: A pastiche process that takes one L-BFGS step per line read and answers its seconds.
_PASTICHE_STEPPER = """
import sys, time
from pastiche.pastiche import PasticheArtist
artist = PasticheArtist(sys.argv[1], [sys.argv[2]], size=int(sys.argv[3]), device="cpu")
artist.draw()
print("ready", flush=True)
for _ in sys.stdin:
    start = time.perf_counter()
    artist.draw()
    print(time.perf_counter() - start, flush=True)
"""

#: glibc told to keep freed blocks, as styletools.allocator does, for the "same allocator" run.
_KEEP_FREED_MEMORY = {
    "MALLOC_ARENA_MAX": "1",
    "MALLOC_MMAP_THRESHOLD_": str(LARGEST_KEPT),
    "MALLOC_TRIM_THRESHOLD_": "2147483647",
}


class PasticheStepper:
    """pastiche 1.6.0 in its own process, stepped on request, so its steps can alternate with
    ours (drifting load on a shared machine then hits both alike) and it runs on its own
    allocator settings, as its command does.
    """

    def __init__(self, size: int, *, keep_freed_memory: bool = False) -> None:
        env = {**os.environ, **(_KEEP_FREED_MEMORY if keep_freed_memory else {})}
        command = [sys.executable, "-c", _PASTICHE_STEPPER, str(CONTENT), str(STYLE), str(size)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout is not None and self.process.stdout.readline() == "ready\n"
        self.times: list[float] = []

    def step(self) -> None:
        """One timed pastiche step (``draw()``), recorded in :attr:`times`."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("step\n")
        self.process.stdin.flush()
        self.times.append(float(self.process.stdout.readline()))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def alternate_steps(
    size: int, steps: int, peers: list[PasticheStepper]
) -> tuple[list[float], tuple[int, int]]:
    """Our seconds per L-BFGS step at one scale, each step followed by one step of each peer.

    Our step is the time from the end of one progress callback to the start of the next: the
    whole engine step (closure, optimiser update, best-image bookkeeping), peers excluded. The
    first step warms up and is dropped, as pastiche's first ``draw()`` is.
    """
    from styletools.backbone import Backbone
    from styletools.config import TransferConfig
    from styletools.engine import stylize
    from styletools.loading import load_image_tensor

    config = TransferConfig(size=size, scales=1, steps=(steps + 1,), seed=0, device="cpu")
    ours: list[float] = []
    resumed = [time.perf_counter()]

    def after_step(_: object) -> None:
        ours.append(time.perf_counter() - resumed[0])
        if len(ours) > 1:
            for peer in peers:
                peer.step()
        resumed[0] = time.perf_counter()

    content = load_image_tensor(CONTENT, size)
    stylize(
        content,
        [load_image_tensor(STYLE, size)],
        config,
        backbone=Backbone(device="cpu"),
        on_progress=after_step,
    )
    return ours[1:], tuple(content.shape[-2:])


def pastiche_seconds_per_step(size: int, steps: int) -> float:
    """Median seconds per pastiche ``draw()`` (one L-BFGS step), after one warm-up step."""
    stepper = PasticheStepper(size)
    for _ in range(steps):
        stepper.step()
    stepper.close()
    return statistics.median(stepper.times)


def median_ratio(ours: list[float], theirs: list[float]) -> float:
    """Median of step-by-step ratios: each pair ran back to back, under the same load."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def per_step(sizes: list[int], steps: int, peak: float) -> list[dict[str, object]]:
    """Ours, pastiche as shipped and pastiche with our allocator setting, step for step."""
    rows = []
    for size in sizes:
        shipped, same_allocator = (
            PasticheStepper(size),
            PasticheStepper(size, keep_freed_memory=True),
        )
        ours, shape = alternate_steps(size, steps, [shipped, same_allocator])
        for peer in (shipped, same_allocator):
            peer.close()
        gflop, ours_s = vgg_pass_gflop(*shape), statistics.median(ours)
        rows.append(
            {
                "size": list(shape),
                "steps_timed": steps,
                "gflop_per_step": round(gflop, 1),
                "pastiche_s_per_step": round(statistics.median(shipped.times), 3),
                "styletools_s_per_step": round(ours_s, 3),
                "ratio_styletools_over_pastiche": round(median_ratio(ours, shipped.times), 3),
                "pastiche_same_allocator_s_per_step": round(
                    statistics.median(same_allocator.times), 3
                ),
                "ratio_styletools_over_pastiche_same_allocator": round(
                    median_ratio(ours, same_allocator.times), 3
                ),
                "styletools_gflops": round(gflop / ours_s, 1),
                "styletools_fraction_of_peak": round(gflop / ours_s / peak, 3),
                "pastiche_fraction_of_peak": round(
                    gflop / statistics.median(shipped.times) / peak, 3
                ),
            }
        )
    return rows


def quality(path: Path) -> dict[str, float]:
    """Score an output with :mod:`styletools.quality`: metrics neither program optimises.

    A cost under one tool's objective does not compare two tools (each J sizes its terms its
    own way), so both outputs are judged on edges, SSIM and VGG distances to the photo, and
    Gram and colour distances to the painting, at the output's own size.
    """
    from styletools.backbone import Backbone
    from styletools.images import open_image, to_tensor
    from styletools.loading import load_image_tensor
    from styletools.quality import QualityMeter

    image = to_tensor(open_image(path))
    side = max(image.shape[-2:])
    photo, painting = load_image_tensor(CONTENT, side), load_image_tensor(STYLE, side)
    scores = QualityMeter(Backbone(device="cpu"))(image, photo, painting).as_dict()
    return {name: round(value, 4) for name, value in scores.items()}


def run_cli(size: int, output: Path, *extra: str) -> tuple[float, float]:
    """Run ``python -m styletools transfer`` as a user would.

    Returns:
        Wall seconds and the process's own peak RSS in GiB (reported by the child at exit,
        so no earlier child, such as pastiche, can inflate it).
    """
    probe = (
        "import atexit, resource, runpy, sys; sys.argv = sys.argv[1:]; "
        "atexit.register(lambda: print('PEAK_RSS_KB', resource.getrusage("
        "resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
        "runpy.run_module('styletools', run_name='__main__')"
    )
    command = [sys.executable, "-c", probe, "styletools", "transfer", str(CONTENT), str(STYLE)]
    command += ["--size", str(size), "--seed", "0", "--device", "cpu", "-o", str(output)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--overwrite", *extra], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    peak_kb = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_KB")
    )
    return wall, peak_kb / 2**20


def run_ours_default(size: int, out: Path) -> float:
    """Wall time of ``styletools transfer`` at the default preset."""
    return run_cli(size, out)[0]


def run_pastiche(size: int, steps: int, out: Path) -> float:
    """Wall time of pastiche's own CLI (its defaults, 1000 steps unless told otherwise)."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pastiche",
            "--device",
            "cpu",
            "--size",
            str(size),
            "--num-steps",
            str(steps),
            "--no-verbose",
            "-c",
            str(CONTENT),
            "-s",
            str(STYLE),
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


CACHE = ROOT / "benchmarks/.cache"


def pastiche_reference(size: int, steps: int) -> tuple[Path, float, bool]:
    """pastiche's output and wall time, cached: its default run takes about an hour here.

    Returns:
        The image, the wall seconds it took when it was made, and whether it came from cache.
    """
    import importlib.metadata

    stem = f"pastiche-{importlib.metadata.version('pastiche')}-{size}px-{steps}steps"
    image, record = CACHE / f"{stem}.png", CACHE / f"{stem}.json"
    if image.exists() and record.exists():
        return image, json.loads(record.read_text())["wall_s"], True
    CACHE.mkdir(parents=True, exist_ok=True)
    wall = run_pastiche(size, steps, image)
    record.write_text(json.dumps({"wall_s": wall, "made": time.strftime("%Y-%m-%d %H:%M")}))
    return image, wall, False


def end_to_end(
    size: int, pastiche_steps: int, per_step_pastiche: float, workdir: Path
) -> dict[str, object]:
    """Our default preset vs pastiche's default run at the same output size, same evaluator.

    pastiche's default wall time is its per-step time, measured in this run beside ours,
    times its step count: its cached reference image may have been made on a busier machine.
    """
    ours_out = workdir / "styletools.png"
    ours_s = run_ours_default(size, ours_out)
    theirs_out, theirs_s, cached = pastiche_reference(size, pastiche_steps)
    default_s = per_step_pastiche * 1000
    return {
        "size": size,
        "styletools_preset": "balanced",
        "styletools_wall_s": round(ours_s, 1),
        "pastiche_s_per_step_this_run": round(per_step_pastiche, 3),
        "pastiche_default_wall_s": round(default_s, 1),
        "pastiche_default_wall_s_basis": "1000 steps x s/step measured in this run",
        "time_ratio_styletools_over_pastiche_default": round(ours_s / default_s, 3),
        "pastiche_reference_steps": pastiche_steps,
        "pastiche_reference_wall_s": round(theirs_s, 1),
        "pastiche_reference_from_cache": cached,
        "styletools_quality": quality(ours_out),
        "pastiche_quality": quality(theirs_out),
    }


def peak_rss_gib(size: int) -> float:
    """Peak resident memory of ``styletools transfer`` at ``size`` px, default preset.

    The coarse scales run 2 steps (they are small); the full-size scale runs the preset's
    count, so L-BFGS's history (the part of memory that grows) is as large as in a real run.
    """
    from styletools.config import preset

    balanced = preset("balanced")
    steps = ",".join(["2"] * (balanced.scales - 1) + [str(balanced.steps[-1])])
    with tempfile.TemporaryDirectory() as tmp:
        return run_cli(size, Path(tmp) / "out.png", "--steps", steps)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("step", "e2e", "rss"), help="Run one part only.")
    parser.add_argument("--sizes", default="256,512", help="Sizes for the per-step comparison.")
    parser.add_argument("--steps", type=int, default=8, help="Timed steps per program and size.")
    parser.add_argument("--size", type=int, default=512, help="Output size of the end-to-end run.")
    parser.add_argument(
        "--pastiche-steps", type=int, default=1000, help="pastiche steps in the end-to-end run."
    )
    parser.add_argument("--rss-size", type=int, default=1024)
    args = parser.parse_args()
    keep_freed_memory()  # as the styletools command does
    report: dict[str, object] = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
    }
    peak = conv_peak_gflops()
    report["conv_peak_gflops"] = round(peak, 1)
    if args.only in (None, "step"):
        report["per_step"] = per_step([int(s) for s in args.sizes.split(",")], args.steps, peak)
    if args.only in (None, "rss"):
        report["peak_rss_gib"] = {str(args.rss_size): round(peak_rss_gib(args.rss_size), 2)}
    if args.only in (None, "e2e"):
        per_step_512 = pastiche_seconds_per_step(args.size, args.steps)
        with tempfile.TemporaryDirectory() as tmp:
            report["end_to_end"] = end_to_end(
                args.size, args.pastiche_steps, per_step_512, Path(tmp)
            )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
