"""``styletools apply TOOL IMAGE…``: any registered tool on images.

Options of ``apply`` are generated from each tool's ``Params`` declaration: any
``--name value`` after the tool name is parsed and range-checked by the registry, so a tool
added to the registry (or by a plugin) is usable here without touching this file. The core is
imported inside the commands so that ``styletools --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from styletools.errors import ConfigError

if TYPE_CHECKING:
    from styletools.tools import ParamSpec, Tool

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}

Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output file (one image) or folder (several images)."),
]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace existing outputs.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the random draws.")]
Device = Annotated[str, typer.Option(
    "--device", help="auto (cuda, then mps, then cpu), cpu, cuda[:N] or mps.")]


def register(app: typer.Typer) -> None:
    """Add the ``apply`` command."""
    app.command("apply", context_settings=_EXTRA)(apply_tool)


def apply_tool(
    ctx: typer.Context,
    tool_name: Annotated[str, typer.Argument(metavar="TOOL", help="Tool name (styletools tools).")],
    output: Output = None,
    seed: Seed = 0,
    overwrite: Overwrite = False,
    device: Device = "cpu",
) -> None:
    """Apply any tool: styletools apply TOOL IMAGE... [--PARAM VALUE]... [--seed N] -o OUT.

    Tool parameters are listed by 'styletools tools TOOL'.
    """
    from styletools.tools import default_registry

    tool_class = default_registry().get(tool_name)
    images, values = split_tool_args(ctx.args, tool_class.specs())
    tool = tool_class.from_values(values)
    for path in run_tool(tool, images, output=output, seed=seed, overwrite=overwrite,
                         device=device):
        typer.echo(path)


def split_tool_args(
    args: list[str], specs: tuple[ParamSpec, ...]
) -> tuple[list[Path], dict[str, str]]:
    """Separate image paths from ``--name value`` / ``--name=value`` tool parameters.

    A boolean parameter given without a value means ``true``.

    Raises:
        ConfigError: A short option, or an option without a value.
    """
    kinds = {spec.name: spec.kind for spec in specs}
    images: list[Path] = []
    values: dict[str, str] = {}
    position = 0
    while position < len(args):
        token, position = args[position], position + 1
        if not token.startswith("-") or token == "-":
            images.append(Path(token))
            continue
        if not token.startswith("--"):
            raise ConfigError(f"unknown option {token!r}; tool parameters are --name value")
        name, sep, value = token[2:].partition("=")
        if not sep:
            value, position = _option_value(args, position, name, kinds.get(name.replace("-", "_")))
        values[name] = value
    if not images:
        raise ConfigError("no input image given")
    return images, values


def _option_value(args: list[str], position: int, name: str, kind: str | None) -> tuple[str, int]:
    """The value after ``--name`` and the next position; ``true`` for a bare boolean flag."""
    following = args[position] if position < len(args) else None
    if kind == "bool" and (following is None or following.startswith("--")):
        return "true", position
    if following is None:
        raise ConfigError(f"option --{name} needs a value")
    return following, position + 1


def run_tool(
    tool: Tool,
    images: list[Path],
    *,
    output: Path | None,
    seed: int,
    overwrite: bool,
    device: str,
) -> list[Path]:
    """Open, apply and save each image; one generator seeded once draws for all of them.

    Returns:
        The paths written.

    Raises:
        ImageError: An input cannot be read or an output cannot be written.
        ToolError: The tool refuses an image (e.g. its size); the message names the file
            and the tool.
    """
    import torch

    from styletools.devices import resolve_device
    from styletools.images import open_image, save_image, to_pil, to_tensor
    from styletools.tools.registry import naming_image

    generator = torch.Generator().manual_seed(seed)
    written = []
    for path in images:
        batch = to_tensor(open_image(path)).to(resolve_device(device))
        with naming_image(tool.name, str(path)):
            result = tool(batch, generator=generator)
        target = output_path(path, output, suffix=tool.name, several=len(images) > 1)
        written.append(save_image(to_pil(result), target, overwrite=overwrite, inputs=images))
    return written


def output_path(source: Path, output: Path | None, *, suffix: str, several: bool) -> Path:
    """Where the result for ``source`` goes.

    Without ``output``: beside the input, as ``<stem>-<suffix>.png``. With several inputs,
    ``output`` is a folder that receives ``<stem>-<suffix>.png``; with one, it is the file.
    """
    name = f"{source.stem}-{suffix}.png"
    if output is None:
        return source.with_name(name)
    return output / name if several or output.is_dir() else output
