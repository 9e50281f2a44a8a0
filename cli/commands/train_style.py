"""``styletools train-style PAINTING --photos DIR -o MODEL.stm``: fast mode's training."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from styletools_cli.options import with_options

from styletools.errors import ImageError, OutputExistsError
from styletools.fast.settings import TrainConfig
from styletools.params import param_specs, parse_params

if TYPE_CHECKING:
    from styletools.fast.train import TrainProgress, TrainResult

def _run(painting: Path, photos: list[Path], output: Path, config: TrainConfig, resume: bool):
    from styletools_cli.progress import progress_bar

    from styletools.fast.train import train

    with progress_bar("training", config.steps, status="loading") as bar:
        log_every = max(1, config.steps // 20)

        def report(progress: TrainProgress) -> None:
            for line in progress.skipped:
                bar.console.print(f"skipped {line}")
            saved = " (checkpoint saved)" if progress.checkpoint else ""
            status = (
                f"loss {progress.loss:.4g} (content {progress.content:.3g}, "
                f"style {progress.style:.3g}){saved}"
            )
            bar.update(completed=progress.step, status=status)
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


#: Training settings the command leaves out (none: every one is an option here).
HIDDEN: tuple[str, ...] = ()


@with_options(spec for spec in param_specs(TrainConfig) if spec.name not in HIDDEN)
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
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from MODEL.stm.ckpt, bit for bit on CPU.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing model file.")] = False,
    settings: dict[str, Any] | None = None,
) -> None:
    """Train a network that paints like PAINTING in one pass; writes MODEL.stm.

    Use it with `styletools transfer PHOTO --model MODEL.stm` or the fast-stylize tool.
    """
    if output.exists() and not (overwrite or resume):
        raise OutputExistsError(output)
    if output.resolve() in {p.resolve() for p in (painting, *photos)}:
        raise ImageError(output, "is one of the inputs; refusing to overwrite it")
    config = parse_params("train-style", TrainConfig, settings)
    _summary(_run(painting, photos, output, config, resume))


def register(app: typer.Typer) -> None:
    """Add the ``train-style`` command."""
    app.command("train-style", no_args_is_help=True)(train_style)
