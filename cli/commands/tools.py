"""``styletools tools [PATTERN]``: the registered tools, their parameters, broken plugins."""

from __future__ import annotations

from typing import Annotated

import typer

from styletools.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add the ``tools`` command."""
    app.command("tools")(list_tools)


def list_tools(
    pattern: Annotated[str, typer.Argument(help="Name or fnmatch pattern, e.g. 'edge*'.")] = "*",
) -> None:
    """List the registered tools, their parameters, and plugins that failed to load."""
    from styletools.tools import default_registry

    registry = default_registry()
    names = registry.list(pattern)
    if not names:
        raise ConfigError(f"no tool matches {pattern!r}; known: {', '.join(registry.list())}")
    for name in names:
        tool = registry.get(name)
        random = " (random)" if tool.random else ""
        typer.echo(f"{name}  [{tool.family}]{random}  {tool.summary}")
        for spec in tool.specs():
            typer.echo(f"    {spec.flag:<16} {spec.describe()}")
    for broken in registry.broken:
        typer.echo(f"broken plugin {broken.name}: {broken.reason}", err=True)
