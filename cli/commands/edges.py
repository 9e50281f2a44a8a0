"""``styletools edges IMAGE --filter sobel``: a shortcut for the edge tools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from styletools_cli.commands.apply import Output, Overwrite, run_tool

from styletools.errors import ConfigError

if TYPE_CHECKING:
    from styletools.tools import ToolRegistry


def register(app: typer.Typer) -> None:
    """Add the ``edges`` command."""
    app.command("edges")(edges)


def edges(
    image: Annotated[Path, typer.Argument(help="Input image.")],
    filter_name: Annotated[
        str, typer.Option("--filter", "-f", help="Edge tool: sobel, scharr, prewitt, laplacian, "
                          "vertical, horizontal (see styletools tools --help).")
    ] = "sobel",
    direction: Annotated[
        str | None, typer.Option(help="x, y or magnitude (gradient filters).")
    ] = None,
    color: Annotated[str | None, typer.Option(help="gray or rgb.")] = None,
    signed: Annotated[bool, typer.Option("--signed", help="Map zero to mid-grey.")] = False,
    output: Output = None,
    overwrite: Overwrite = False,
) -> None:
    """Shortcut for an edge filter: styletools edges IMAGE --filter sobel [-o OUT]."""
    from styletools.tools import default_registry

    registry = default_registry()
    tool_class = registry.get(_edge_tool_name(registry, filter_name))
    values = {"direction": direction, "color": color, "display": "signed" if signed else None}
    tool = tool_class.from_values({key: value for key, value in values.items() if value})
    for path in run_tool(tool, [image], output=output, seed=0, overwrite=overwrite,
                         device="cpu"):
        typer.echo(path)


def _edge_tool_name(registry: ToolRegistry, name: str) -> str:
    """Accept ``sobel`` as well as the short ``vertical`` for ``vertical-edges``."""
    known = registry.list(family="edges")
    for candidate in (name, f"{name}-edges"):
        if candidate in known:
            return candidate
    raise ConfigError(f"--filter={name!r} is not allowed; expected one of {', '.join(known)}")
