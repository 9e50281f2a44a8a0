"""The ``styletools`` Typer application: every command module registers itself here.

Only typer and the core's error type are imported at the top, so ``styletools --help``
answers without loading torch; commands import the core when they run.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from styletools.errors import StyletoolsError


class UserErrorGroup(TyperGroup):
    """Turns a :class:`StyletoolsError` into one line on stderr and exit code 1.

    Tracebacks are for bugs; a missing file or a bad option is the user's to fix.
    """

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StyletoolsError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(code=1) from None


app = typer.Typer(
    cls=UserErrorGroup,
    name="styletools",
    help="Neural style transfer and image tools: transfer, apply tools, batch datasets, web app.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


#: One module per command in ``commands/``, each defining ``register(app)``; a new front-end
#: command is one entry here, and the order is the order of ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "transfer",
    "weights",
    "tools",
    "apply",
    "edges",
    "pca_stats",
    "batch",
    "app",
    "train_style",
    "video",
)


def _register_commands() -> None:
    # One list of the command modules: adding a front-end command is one line here.
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"styletools_cli.commands.{name}").register(app)


_register_commands()
