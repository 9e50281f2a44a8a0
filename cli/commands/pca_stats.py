"""``styletools pca-stats FOLDER``: a dataset's colour statistics for the pca-color tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from styletools_cli.commands.apply import Overwrite

from styletools.config import MIN_SIDE


def register(app: typer.Typer) -> None:
    """Add the ``pca-stats`` command."""
    app.command("pca-stats")(pca_stats)


def pca_stats(
    folder: Annotated[Path, typer.Argument(help="Folder of images (searched recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")] = Path(
        "pca-stats.json"
    ),
    long_side: Annotated[
        int, typer.Option(min=MIN_SIDE, help="Reduce images to this long side before counting.")
    ] = 256,
    overwrite: Overwrite = False,
) -> None:
    """Compute a dataset's RGB principal components for 'apply pca-color --stats FILE'."""
    from styletools.tools.pca_stats import compute_pca_stats, image_files, save_pca_stats

    stats = compute_pca_stats(image_files(folder), long_side=long_side)
    typer.echo(save_pca_stats(stats, output, overwrite=overwrite))
    values = ", ".join(f"{value:.6f}" for value in stats.eigenvalues)
    typer.echo(f"{stats.images} images, eigenvalues {values}")
