"""``styletools batch SRC DEST``: augment or stylise a whole dataset, resumably.

The front end only translates: options -> :class:`~styletools.batch.BatchSettings` ->
:func:`~styletools.batch.make_plan` -> :func:`~styletools.batch.run_plan` on the engine that
``--engine`` names (:func:`~styletools.batch.make_engine`), and draws the
records that come back as a rich progress bar and a summary table. The core is imported
inside the command so that ``styletools --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from styletools.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from styletools.batch import BatchSettings, Engine, OutputRecord, PipelineFile, Plan
    from styletools.batch.run import RecordCallback
    from styletools.tools import ToolRegistry

#: Exit status after Ctrl-C, as shells report a SIGINT death.
INTERRUPTED = 130

Src = Annotated[Path | None, typer.Argument(
    help="Input folder (with --replay: the output folder, default the manifest's).",
    show_default=False)]
Dest = Annotated[Path | None, typer.Argument(
    help="Output folder; must not overlap SRC.", show_default=False)]
Ops = Annotated[str | None, typer.Option(
    help="Steps, e.g. 'flip;crop:scale=0.6-1.0;rotate:degrees=-15-15'.")]
PipelineOption = Annotated[Path | None, typer.Option(
    "--pipeline", help="Pipeline file (.yaml/.json): steps, and defaults for seed and copies.")]
Copies = Annotated[int | None, typer.Option(
    help="Outputs per input (default: the pipeline file's, else 1).")]
Seed = Annotated[int | None, typer.Option(
    help="Run seed (default: the pipeline file's, else 0).")]
Workers = Annotated[int | None, typer.Option(
    help="Workers: local processes (default 1; each uses cores/workers torch threads), or "
    "Ray tasks/actors at once (default: every CPU of the cluster).", show_default=False)]
EngineName = Annotated[str, typer.Option(
    "--engine", help="Where the work runs: local (process pool) or ray (Ray Data, "
    "this machine or a cluster; pip install 'styletools\\[ray]').")]
RayAddress = Annotated[str | None, typer.Option(
    help="Ray cluster to join: auto, HOST:6379 or ray://HOST:10001 (default: $RAY_ADDRESS, "
    "else a new local Ray on this machine).", show_default=False)]
GpusPerWorker = Annotated[float | None, typer.Option(
    help="GPUs per style-tool actor with --engine ray (default 0); the actor runs on it.",
    show_default=False)]
Device = Annotated[str, typer.Option(
    help="Torch device for tensor work: cpu, auto, cuda, cuda:N, mps.")]
Format = Annotated[str, typer.Option(
    "--format", help="Output format: same (PNG when the input's cannot hold RGB), "
    "jpg, png, webp, tif, bmp.")]
Quality = Annotated[int | None, typer.Option(
    help="Encoder quality 1-100 for JPEG/WebP outputs (default: Pillow's).")]
MaxPixels = Annotated[int | None, typer.Option(
    help="Refuse inputs with more pixels (default 40 MP).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan; write nothing.")]
AllowFailures = Annotated[bool, typer.Option(
    "--allow-failures", help="Exit 0 even if some files failed.")]
MaskPattern = Annotated[str | None, typer.Option(
    help="Each input's mask file, relative to the input's folder, from the input's "
    "{stem}, {name} and {suffix}: e.g. '{stem}_mask.png', or '../masks/{stem}.png' beside "
    "an images folder. Style steps keep the input where it is black; images matching it "
    "are masks, not inputs; an input without its mask fails.", show_default=False)]
MaskOptional = Annotated[bool, typer.Option(
    "--mask-optional", help="With --mask-pattern: stylise an input whose mask file is "
    "missing whole, instead of failing it.")]
Replay = Annotated[Path | None, typer.Option(
    "--replay", help="Remake the outputs of MANIFEST from its recorded parameters.")]


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command."""
    app.command("batch", no_args_is_help=True)(batch)


def batch(
    src: Src = None,
    dest: Dest = None,
    ops: Ops = None,
    pipeline: PipelineOption = None,
    copies: Copies = None,
    seed: Seed = None,
    workers: Workers = None,
    engine_name: EngineName = "local",
    ray_address: RayAddress = None,
    gpus_per_worker: GpusPerWorker = None,
    device: Device = "cpu",
    output_format: Format = "same",
    quality: Quality = None,
    max_pixels: MaxPixels = None,
    mask_pattern: MaskPattern = None,
    mask_optional: MaskOptional = False,
    dry_run: DryRun = False,
    allow_failures: AllowFailures = False,
    replay_manifest: Replay = None,
) -> None:
    """Write COPIES augmented or stylised variants of every image under SRC into DEST.

    Running the same command again resumes: only missing or damaged outputs are made.
    """
    from styletools.batch import BatchSettings, make_engine, parse_format
    from styletools.devices import resolve_device
    from styletools.images import DEFAULT_MAX_PIXELS
    from styletools.tools import default_registry

    # Option names are the engine's field names; None leaves the engine's default.
    engine = make_engine(engine_name, {"workers": workers, "ray_address": ray_address,
                                       "gpus_per_worker": gpus_per_worker})
    registry = default_registry()
    cap = max_pixels or DEFAULT_MAX_PIXELS
    where = str(resolve_device(device))
    with _interruptible():
        if replay_manifest is not None:
            failed = _replay(replay_manifest, src, dest, registry, engine, where, cap)
        else:
            declared = _pipeline(ops, pipeline, registry)
            # Command-line values win over the pipeline file's, which win over the defaults.
            settings = BatchSettings(
                declared.steps, seed=_first(seed, declared.seed, 0),
                copies=_first(copies, declared.copies, 1), fmt=parse_format(output_format),
                quality=quality, device=where, max_pixels=cap,
                mask_pattern=mask_pattern, mask_optional=mask_optional,
            )
            failed = _batch(_folders(src, dest), settings, engine, dry_run)
    if failed and not allow_failures:
        raise typer.Exit(code=1)


def _folders(src: Path | None, dest: Path | None) -> tuple[Path, Path]:
    if src is None or dest is None:
        raise ConfigError("batch: give SRC and DEST folders (or --replay MANIFEST)")
    return src, dest


def _first(*values: int | None) -> int:
    return next(value for value in values if value is not None)


def _pipeline(ops: str | None, pipeline: Path | None, registry: ToolRegistry) -> PipelineFile:
    from styletools.batch import PipelineFile, load_pipeline, parse_ops

    if (ops is None) == (pipeline is None):
        raise ConfigError("batch: give exactly one of --ops or --pipeline")
    if pipeline is not None:
        return load_pipeline(pipeline, registry)
    return PipelineFile(parse_ops(ops or "", registry))


def _batch(folders: tuple[Path, Path], settings: BatchSettings, engine: Engine, dry: bool) -> int:
    """Plan, show the plan, run it with a progress bar; return the number of failures."""
    from rich.console import Console

    from styletools.batch import count_done, make_plan, run_plan

    plan = make_plan(*folders, settings)
    done = count_done(plan)
    _show_plan(Console(), plan, done)
    if dry:
        return 0
    errors = Console(stderr=True)
    with _progress(errors, len(plan.items) - done, "batch") as on_record:
        result = run_plan(plan, engine=engine, on_record=on_record)
    rows = [("outputs planned", result.planned), ("already done", result.done_before),
            ("written now", result.written), ("failed", len(result.failed))]
    _show_summary(Console(), rows, len(result.records), result.seconds)
    return len(result.failed)


def _replay(
    manifest: Path,
    out: Path | None,
    extra: Path | None,
    registry: ToolRegistry,
    engine: Engine,
    device: str,
    max_pixels: int,
) -> int:
    """Replay a manifest; return the number of failed or different outputs."""
    from rich.console import Console

    from styletools.batch import plan_replay, replay

    if extra is not None:
        raise ConfigError("batch --replay: give at most one folder, the output folder")
    plan = plan_replay(manifest, out or manifest.parent, registry,
                       device=device, max_pixels=max_pixels)
    with _progress(Console(stderr=True), len(plan.items), "replay") as on_record:
        result = replay(plan, engine=engine, on_record=on_record)
    for name in result.different:
        Console(stderr=True).print(f"[yellow]differs[/] {name}: sha256 is not the recorded one")
    rows = [("outputs replayed", len(plan.items)), ("identical", len(plan.items)
            - len(result.different) - len(result.failed)), ("different", len(result.different)),
            ("failed", len(result.failed))]
    _show_summary(Console(), rows, len(result.records), result.seconds)
    return len(result.failed) + len(result.different)


def _show_plan(console: Console, plan: Plan, done: int) -> None:
    from rich.table import Table

    table = Table(title=f"{plan.src} -> {plan.dest}")
    table.add_column("class")
    table.add_column("inputs", justify="right")
    table.add_column("outputs", justify="right")
    for name, count in plan.inputs_per_class().items():
        table.add_row(name, str(count), str(count * plan.settings.copies))
    table.add_row("total", str(len({item.source for item in plan.items})), str(len(plan.items)),
                  style="bold")
    console.print(table)
    masks = f"; masks (not inputs): {len(plan.masks)}" if plan.settings.mask_pattern else ""
    console.print(f"already done: {done}; to make: {len(plan.items) - done}; "
                  f"ignored (not images): {len(plan.ignored)}{masks}")


@contextmanager
def _progress(console: Console, total: int, label: str) -> Iterator[RecordCallback]:
    """A progress bar (files done, failures, rate) and a callback that advances it."""
    from styletools_cli.progress import progress_bar

    with progress_bar(label, total, status="failed 0", console=console) as bar:
        failed = 0

        def advance(record: OutputRecord) -> None:
            nonlocal failed
            if record.error is not None:
                failed += 1
                bar.console.print(f"[red]failed[/] {record.source}: {record.error}")
            speed = bar.speed()
            rate = f" {speed:.1f} img/s" if speed else ""
            bar.update(advance=1, status=f"failed {failed}{rate}")

        yield advance


def _show_summary(console: Console, rows: list[tuple[str, int]], made: int, seconds: float) -> None:
    from rich.table import Table

    table = Table(title="summary", show_header=False)
    for name, value in rows:
        table.add_row(name, str(value))
    table.add_row("seconds", f"{seconds:.1f}")
    table.add_row("images/s", f"{made / seconds:.2f}" if seconds > 0 else "-")
    console.print(table)


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C ends the run with a hint; every finished output is already recorded."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("interrupted: run the same command again to resume", err=True)
        raise typer.Exit(code=INTERRUPTED) from None
