"""``styletools weights``: which weight sets exist, where they come from, are they intact."""

from __future__ import annotations

from typing import Annotated

import typer


def weights(
    download: Annotated[
        str | None,
        typer.Option(
            help="Fetch a torchvision weights id into the torch hub cache (needs internet)."
        ),
    ] = None,
) -> None:
    """List the known weights (VGG19, the one-pass networks), whether each is on this machine,
    and verify checksums."""
    from rich.console import Console
    from rich.table import Table

    from styletools.errors import WeightsError
    from styletools.weights import load_manifest, verified_path

    manifest = load_manifest()
    if download is not None:
        if download not in manifest:
            raise WeightsError(f"unknown weights {download!r}: use one of {', '.join(manifest)}")
        verified_path(manifest[download], download=True)
    table = Table("id", "source", "status", "preprocessing", "license")
    details = []
    for entry in manifest.values():
        try:
            status, detail = "[green]ok, sha256 verified[/]", str(verified_path(entry))
        except WeightsError as error:
            status, detail = "[red]unavailable[/]", str(error)
        source = f"{entry.package}=={entry.version}" if entry.source == "package" else entry.enum
        table.add_row(
            entry.id,
            f"{entry.source}: {source}",
            status,
            entry.preprocessing,
            entry.license.split(";")[0],
        )
        details.append(f"{entry.id}: {detail}\n  {entry.attribution}")
    console = Console()
    console.print(table)
    console.print("\n".join(details), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``weights`` command."""
    app.command()(weights)
