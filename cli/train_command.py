"""``styletools train-style PAINTING --photos DIR -o MODEL.stm``: fast mode's training."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from styletools.config import STRENGTH
from styletools.errors import ImageError, OutputExistsError
from styletools.fast.settings import PRECISIONS, TrainConfig

if TYPE_CHECKING:
    from styletools.fast.train import TrainProgress, TrainResult

DEFAULTS = TrainConfig()


def _run(painting: Path, photos: list[Path], output: Path, config: TrainConfig, resume: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from styletools.fast.train import train

    # Steps cost the same all along, so rich's own remaining-time estimate fits here.
    columns = (
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("training", total=config.steps, status="loading")
        log_every = max(1, config.steps // 20)

        def report(progress: TrainProgress) -> None:
            for line in progress.skipped:
                bar.console.print(f"skipped {line}")
            saved = " (checkpoint saved)" if progress.checkpoint else ""
            status = (
                f"loss {progress.loss:.4g} (content {progress.content:.3g}, "
                f"style {progress.style:.3g}){saved}"
            )
            bar.update(task, completed=progress.step, status=status)
            if not bar.console.is_terminal and (saved or progress.step % log_every == 0):
                # A log file gets no live bar: one line per checkpoint and per 5 %.
                bar.console.print(
                    f"step {progress.step}/{progress.steps} {status}, ~{progress.eta:.0f}s left"
                )

        return train(painting, photos, output, config, resume=resume, on_progress=report)


def _summary(result: TrainResult) -> None:
    from styletools.fast.model_file import describe

    for name, reason in result.skipped.items():
        typer.echo(f"skipped {name}: {reason}", err=True)
    typer.echo(f"trained in {result.seconds:.0f} s: {describe(result.model.info)}", err=True)
    typer.echo(str(result.path))


def train_style(
    painting: Annotated[Path, typer.Argument(help="The painting whose style is learned.")],
    photos: Annotated[
        list[Path],
        typer.Option(
            "--photos",
            help="Training photos: a folder (searched recursively) or a file; repeat for more.",
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The model file to write (.stm).")],
    size: Annotated[int, typer.Option(help="Side of the square training crops, px.")] = (
        DEFAULTS.size
    ),
    steps: Annotated[int, typer.Option(help="Training steps in all.")] = DEFAULTS.steps,
    batch: Annotated[int, typer.Option(help="Crops per step.")] = DEFAULTS.batch,
    strength: Annotated[float, typer.Option(help=STRENGTH.help)] = STRENGTH.default,
    width: Annotated[
        int, typer.Option(help="Network width (Johnson: 32; 16 is ~3x cheaper).")
    ] = DEFAULTS.width,
    style_size: Annotated[
        int | None,
        typer.Option(help="Long side of the painting for its style, px (default: --size)."),
    ] = None,
    learning_rate: Annotated[float, typer.Option(help="Adam's step size.")] = (
        DEFAULTS.learning_rate
    ),
    seed: Annotated[
        int, typer.Option(help="Seed of the weights, photo order and crops.")
    ] = DEFAULTS.seed,
    device: Annotated[
        str, typer.Option(help="auto (cuda, mps, cpu) | cpu | cuda[:N] | mps.")
    ] = DEFAULTS.device,
    precision: Annotated[
        str, typer.Option(help=f"{' | '.join(PRECISIONS)}; bf16/fp16 autocast on CUDA only.")
    ] = DEFAULTS.precision,
    weights: Annotated[
        str, typer.Option(help="VGG19 weights of the loss (see `styletools weights`).")
    ] = DEFAULTS.weights,
    checkpoint_every: Annotated[
        int, typer.Option(help="Save a checkpoint (MODEL.stm.ckpt) every N steps; 0 = off.")
    ] = DEFAULTS.checkpoint_every,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from MODEL.stm.ckpt, bit for bit on CPU.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing model file.")] = False,
) -> None:
    """Train a network that paints like PAINTING in one pass; writes MODEL.stm.

    Use it with `styletools transfer PHOTO --model MODEL.stm` or the fast-stylize tool.
    """
    if output.exists() and not (overwrite or resume):
        raise OutputExistsError(output)
    if output.resolve() in {p.resolve() for p in (painting, *photos)}:
        raise ImageError(output, "is one of the inputs; refusing to overwrite it")
    config = TrainConfig(
        size=size, steps=steps, batch=batch, strength=strength, width=width,
        style_size=style_size, learning_rate=learning_rate, seed=seed, device=device,
        precision=precision, weights=weights, checkpoint_every=checkpoint_every,
    )  # fmt: skip
    _summary(_run(painting, photos, output, config, resume))


def register(app: typer.Typer) -> None:
    """Add the ``train-style`` command."""
    app.command("train-style", no_args_is_help=True)(train_style)
