"""``styletools transfer CONTENT STYLE…``: the main job, with a live progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from styletools.config import (
    OPTIMIZERS,
    PRESETS,
    STRENGTH,
    TransferConfig,
    describe_presets,
    parse_numbers,
    preset,
)
from styletools.errors import ConfigError, ImageError, OutputExistsError

if TYPE_CHECKING:
    from PIL import Image

    from styletools.engine import TransferProgress, TransferResult


def _floats(text: str | None, option: str) -> tuple[float, ...] | None:
    return None if text is None else tuple(map(float, parse_numbers(text, float, option)))


def _names(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(part.strip() for part in text.split(",") if part.strip())


def _steps(text: str | None) -> tuple[int, ...] | None:
    return None if text is None else tuple(map(int, parse_numbers(text, int, "--steps")))


def build_config(base: str, changes: dict[str, object]) -> TransferConfig:
    """The preset with every option the user gave (None means "keep the preset's")."""
    given = {key: value for key, value in changes.items() if value is not None}
    if "scales" in given and "steps" not in given:
        # A preset's per-scale steps no longer fit; keep its finest-scale count for all.
        given["steps"] = preset(base).steps[-1:]
    return preset(base).replace(**given)


def default_output(content: Path) -> Path:
    """``photo.jpg`` -> ``photo_stylized.png`` beside it."""
    return content.with_name(f"{content.stem}_stylized.png")


class FrameWriter:
    """Writes every N-th step's image to a folder, atomically, for making videos."""

    def __init__(self, folder: Path, every: int) -> None:
        self.folder, self.every = folder, every

    def __call__(self, progress: TransferProgress) -> None:
        from styletools.images import save_image, to_pil

        if progress.step % self.every == 0:
            name = f"scale{progress.scale}_step{progress.step:04d}.png"
            save_image(to_pil(progress.image), self.folder / name, overwrite=True)


def _run(
    config: TransferConfig, content: Path, styles: list[Path], save_every: int, output: Path
) -> TransferResult:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from styletools.engine import Backbone, load_inputs, stylize

    # Inputs first: a typo in a path should fail before the network is loaded.
    content_tensor, style_tensors = load_inputs(content, styles, config)
    backbone = Backbone(config.weights, device=config.device)
    total = sum(config.steps_per_scale())
    frames = (
        FrameWriter(output.with_name(f"{output.stem}_frames"), save_every) if save_every else None
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(f"{backbone.device.type}", total=total, status="loading")

        def report(progress: TransferProgress) -> None:
            bar.update(
                task,
                advance=1,
                description=f"scale {progress.scale}/{progress.scales} "
                f"{progress.size[1]}x{progress.size[0]}",
                status=f"J={progress.cost:.4g} (content {progress.content_cost:.3g}, "
                f"style {progress.style_cost:.3g}) ~{progress.eta:.0f}s left",
            )
            if frames is not None:
                frames(progress)

        return stylize(content_tensor, style_tensors, config, backbone=backbone, on_progress=report)


def _with_model(
    content: Path, styles: list[Path], model: Path | None, size: int, device: str | None
) -> Image.Image:
    """Fast mode: one pass of a trained network, through the fast-stylize tool's own code."""
    from styletools.devices import resolve_device
    from styletools.engine import load_image_tensor
    from styletools.images import to_pil
    from styletools.tools.fast_stylize import FastStylize

    if model is None or styles:
        raise ConfigError(
            "transfer: give a painting to optimise with, or --model MODEL.stm, not "
            + ("both" if styles else "neither")
        )
    tool = FastStylize(FastStylize.Params(model=model))
    photo = load_image_tensor(content, size).to(resolve_device(device or "auto"))
    return to_pil(tool(photo))


def transfer(
    content: Annotated[Path, typer.Argument(help="The photo whose content is kept.")],
    styles: Annotated[
        list[Path] | None,
        typer.Argument(help="One or more paintings whose style is taken (none with --model)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Output file (default: CONTENT_stylized.png beside the content)."
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    model: Annotated[
        Path | None,
        typer.Option(
            help="A model from `styletools train-style`: one pass instead of an optimisation "
            "(uses --size and --device; the optimisation's options do not apply)."
        ),
    ] = None,
    preset_name: Annotated[
        str, typer.Option("--preset", help=f"Named settings: {describe_presets()}.")
    ] = "balanced",
    size: Annotated[
        int | None, typer.Option(help="Long side of the output in px (preset default: 512).")
    ] = None,
    steps: Annotated[
        str | None,
        typer.Option(
            help="Steps per scale: one number for all, or one per scale (coarse first), "
            "e.g. 150,100,60."
        ),
    ] = None,
    scales: Annotated[
        int | None,
        typer.Option(help="Coarse-to-fine scales, each half the next (1 = single scale)."),
    ] = None,
    optimizer: Annotated[
        str | None, typer.Option(help=f"Optimiser: {' | '.join(OPTIMIZERS)}.")
    ] = None,
    init: Annotated[
        str | None, typer.Option(help="Start from: content | noise | PATH of an image.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed; the same seed repeats a CPU run bit for bit.")
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="auto (cuda, mps, cpu) | cpu | cuda[:N] | mps.")
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="Weights id (see `styletools weights`) or a .pth/.h5 file.")
    ] = None,
    strength: Annotated[
        float | None,
        typer.Option(help=STRENGTH.describe(), min=STRENGTH.min, max=STRENGTH.max),
    ] = None,
    content_weight: Annotated[
        float | None, typer.Option(help="Expert: α, multiplies the content share (default 1).")
    ] = None,
    style_weight: Annotated[
        float | None, typer.Option(help="Expert: β, multiplies the style share (default 1).")
    ] = None,
    tv_weight: Annotated[
        float | None, typer.Option(help="Weight of total variation (smoothness); 0 = off.")
    ] = None,
    content_layers: Annotated[
        str | None, typer.Option(help="Comma-separated, e.g. relu4_2.")
    ] = None,
    style_layers: Annotated[
        str | None,
        typer.Option(help="Comma-separated, e.g. relu1_1,relu2_1,relu3_1,relu4_1,relu5_1."),
    ] = None,
    style_layer_weights: Annotated[
        str | None,
        typer.Option(help="λ per style layer, comma-separated (normalised; default: equal)."),
    ] = None,
    style_blend: Annotated[
        str | None, typer.Option(help="Weight of each style image, e.g. 0.7,0.3.")
    ] = None,
    style_scale: Annotated[
        float | None,
        typer.Option(help="Style image size relative to the output (smaller = larger strokes)."),
    ] = None,
    preserve_color: Annotated[
        bool,
        typer.Option(
            "--preserve-color", help="Keep the content's colours; take only the style's luminance."
        ),
    ] = False,
    pooling: Annotated[str | None, typer.Option(help="max | avg.")] = None,
    save_every: Annotated[
        int, typer.Option(help="Write every N-th step to OUTPUT_frames/ (0 = off).")
    ] = 0,
) -> None:
    """Stylise CONTENT with the STYLES paintings; writes a PNG and prints its path."""
    styles = list(styles or [])
    target = output or default_output(content)
    if target.exists() and not overwrite:
        raise OutputExistsError(target)
    if any(target.resolve() == p.resolve() for p in (content, *styles)):
        raise ImageError(target, "is one of the inputs; refusing to overwrite it")
    if model is not None or not styles:
        image = _with_model(content, styles, model, size or preset("balanced").size, device)
        from styletools.images import save_image

        typer.echo(str(save_image(image, target, overwrite=overwrite, inputs=(content, model))))
        return
    if preset_name not in PRESETS:
        preset(preset_name)  # raises the one-line error listing the presets
    config = build_config(
        preset_name,
        {
            "size": size,
            "steps": _steps(steps),
            "scales": scales,
            "optimizer": optimizer,
            "init": init,
            "seed": seed,
            "device": device,
            "weights": weights,
            "strength": strength,
            "content_weight": content_weight,
            "style_weight": style_weight,
            "tv_weight": tv_weight,
            "content_layers": _names(content_layers),
            "style_layers": _names(style_layers),
            "style_layer_weights": _floats(style_layer_weights, "--style-layer-weights"),
            "style_blend": _floats(style_blend, "--style-blend"),
            "style_scale": style_scale,
            "preserve_color": preserve_color or None,
            "pooling": pooling,
        },
    )
    if config.seed is None:
        from styletools.engine import new_seed

        config = config.replace(seed=new_seed())
    typer.echo(f"seed: {config.seed}", err=True)
    result = _run(config, content, styles, save_every, target)
    from styletools.images import save_image, to_pil

    save_image(to_pil(result.image), target, overwrite=overwrite, inputs=(content, *styles))
    typer.echo(str(target))


def register(app: typer.Typer) -> None:
    """Add the ``transfer`` command."""
    app.command(no_args_is_help=True)(transfer)
