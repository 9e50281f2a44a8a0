"""Typer options generated from the core's declarations, so a setting is declared once.

A command lists the fields it offers; :func:`with_options` adds one ``--field-name`` option
per field to its signature, with the declaration's help, allowed set and default, and hands
the values to the command as one mapping for the core to parse
(:func:`styletools.params.parse_values`). Bad values thus get the core's one-line error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import typer

from styletools.params import ParamSpec

Command = TypeVar("Command", bound=Callable[..., Any])

_METAVARS = {
    "int": "INTEGER",
    "float": "NUMBER",
    "str": "TEXT",
    "path": "PATH",
    "range": "LOW-HIGH",
    "ints": "N[,N...]",
    "floats": "X[,X...]",
    "names": "NAME[,NAME...]",
}


def spec_option(spec: ParamSpec, *, panel: str | None = None) -> inspect.Parameter:
    """One keyword parameter carrying the Typer option for ``spec``; unset means ``None``.

    Booleans get ``--name/--no-name``; everything else is read as text and parsed by the core.
    """
    if spec.kind == "bool":
        decls = f"{spec.flag}/--no-{spec.flag[2:]}"
        info = typer.Option(decls, help=spec.describe(), show_default=False,
                            rich_help_panel=panel)
        annotation: object = Annotated[bool | None, info]
    else:
        metavar = "|".join(spec.choices) if spec.choices and spec.kind == "str" else None
        info = typer.Option(spec.flag, help=spec.describe(), show_default=False,
                            metavar=metavar or _METAVARS[spec.kind], rich_help_panel=panel)
        annotation = Annotated[str | None, info]
    return inspect.Parameter(
        spec.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def with_options(
    specs: Iterable[ParamSpec], *, into: str = "settings", panel: str | None = None
) -> Callable[[Command], Command]:
    """Add one option per spec to a Typer command, delivered as the mapping ``into``.

    The command declares ``into`` as its last parameter; it receives ``{field: value}`` with
    ``None`` for each option the user did not give.
    """
    generated = [spec_option(spec, panel=panel) for spec in specs]

    def decorate(command: Command) -> Command:
        own = inspect.signature(command, eval_str=True)
        kept = [p for p in own.parameters.values() if p.name != into]
        names = [p.name for p in generated]

        @functools.wraps(command)
        def run(**values: Any) -> Any:
            settings = {name: values.pop(name) for name in names}
            return command(**values, **{into: settings})

        parameters = [*kept, *generated]
        run.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        return run  # type: ignore[return-value]

    return decorate
