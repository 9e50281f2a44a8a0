"""``styletools transfer CONTENT STYLE…``: the main job, with a live progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from styletools_cli.options import with_options

from styletools.config import (
    DEFAULT_PRESET,
    PRESERVE_COLOR,
    PRESET,
    TransferConfig,
    configure,
)
from styletools.errors import ConfigError, ImageError, OutputExistsError
from styletools.params import param_specs

if TYPE_CHECKING:
    from PIL import Image

    from styletools.engine import TileProgress, TransferProgress, TransferResult
    from styletools.memory import TransferPlan


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
    config: TransferConfig, content: Path, styles: list[Path], masks: list[Path],
    save_every: int, output: Path,
) -> TransferResult:
    from styletools_cli.progress import progress_bar

    from styletools.loading import load_inputs
    from styletools.masks import open_masks
    from styletools.methods import Networks, run_transfer

    # Inputs first: a typo in a path should fail before a network is loaded.
    content_tensor, style_tensors = load_inputs(content, styles, config)
    mask_tensors = None
    if masks:
        mask_tensors, notes = open_masks(masks, len(styles), content_tensor.shape[-2:])
        for note in notes:
            typer.echo(f"note: {note}", err=True)
    networks = Networks(config.weights, config.device)
    if config.method == "arbitrary":  # one pass: nothing to show progress of
        return run_transfer(content_tensor, style_tensors, config, networks=networks,
                            masks=mask_tensors)
    frames = (
        FrameWriter(output.with_name(f"{output.stem}_frames"), save_every) if save_every else None
    )
    total = sum(config.steps_per_scale())
    with progress_bar(networks.backbone().device.type, total, status="loading") as bar:
        left = ["?"]

        def report(progress: TransferProgress) -> None:
            # Steps at the finer scale cost more, so the engine's own estimate is shown.
            left[0] = f"~{progress.eta:.0f}s left"
            bar.update(
                advance=1,
                description=f"scale {progress.scale}/{progress.scales} "
                f"{progress.size[1]}x{progress.size[0]}",
                status=f"J={progress.cost:.4g} (content {progress.content_cost:.3g}, "
                f"style {progress.style_cost:.3g}) {left[0]}",
            )
            if frames is not None:
                frames(progress)

        def report_tile(tile: TileProgress) -> None:
            # A step of a big output takes minutes: say where in it the run is.
            stage = "gathering Gram matrices" if tile.stage == 1 else "back-propagating"
            bar.update(status=f"step {tile.step}/{tile.steps}: tile {tile.tile}/{tile.tiles}, "
                       f"{stage} {left[0]}")

        return run_transfer(content_tensor, style_tensors, config, networks=networks,
                            on_progress=report, on_tile=report_tile, masks=mask_tensors)


def _plan(config: TransferConfig, content: Path, styles: list[Path], masks: int = 0,
          pace: float | None = None) -> TransferPlan:
    """The transfer's plan from the photo's header alone: a run that cannot fit its budget is
    refused here, before anything is loaded or printed."""
    from styletools.devices import resolve_device
    from styletools.images import open_image
    from styletools.memory import CPU_SECONDS_PER_PIXEL_STEP, plan_transfer

    width, height = open_image(content).size
    scale = config.size / max(width, height)
    return plan_transfer((round(height * scale), round(width * scale)), config,
                         device=str(resolve_device(config.device)), paintings=len(styles),
                         regions=masks, seconds_per_pixel_step=pace or CPU_SECONDS_PER_PIXEL_STEP)


def _dry_run(config: TransferConfig, content: Path, styles: list[Path], masks: int) -> None:
    """Print the plan (scales, tiles, optimiser, peak memory, time at this device's pace)."""
    from styletools.methods import Networks
    from styletools.pace import measure_pace

    _plan(config, content, styles, masks)  # an over-budget run is refused before VGG19 loads
    pace = measure_pace(Networks(config.weights, config.device).backbone())
    typer.echo(_plan(config, content, styles, masks, pace).describe())


def _with_model(
    content: Path, styles: list[Path], model: Path | None, config: TransferConfig
) -> Image.Image:
    """Fast mode: one pass of a trained network, through the fast-stylize tool's own code."""
    from styletools.devices import resolve_device
    from styletools.images import to_pil
    from styletools.loading import load_image_tensor
    from styletools.tools.fast_stylize import FastStylize

    if model is None or styles:
        raise ConfigError(
            "transfer: give a painting to optimise with, or --model MODEL.stm, not "
            + ("both" if styles else "neither")
        )
    tool = FastStylize(FastStylize.Params(model=model, max_memory=config.max_memory,
                                          tile=config.tile))
    photo = load_image_tensor(content, config.size).to(resolve_device(config.device))
    return to_pil(tool(photo))


#: Settings the command leaves out (none: every setting of a transfer is an option here).
HIDDEN: tuple[str, ...] = ()


@with_options([PRESET, *(s for s in param_specs(TransferConfig) if s.name not in HIDDEN),
               PRESERVE_COLOR])
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
    mask: Annotated[
        list[Path] | None,
        typer.Option(
            "--mask",
            help="Where a painting goes: one mask image per painting, in order (white: the "
            "painting, black: not, grey: partly; a transparent layer's alpha). What no mask "
            "covers keeps the photo.",
        ),
    ] = None,
    save_every: Annotated[
        int, typer.Option(help="Write every N-th step to OUTPUT_frames/ (0 = off).")
    ] = 0,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the plan (scales, tiles, optimiser, estimated peak memory and time) "
            "and exit without optimising.",
        ),
    ] = False,
    settings: dict[str, Any] | None = None,
) -> None:
    """Stylise CONTENT with the STYLES paintings; writes a PNG and prints its path.

    Every setting not given keeps the preset's value.
    """
    styles, masks = list(styles or []), list(mask or [])
    settings = dict(settings or {})
    target = output or default_output(content)
    config = configure(settings.pop("preset") or DEFAULT_PRESET, settings)
    if dry_run:
        _dry_run(config, content, styles, len(masks))
        return
    if target.exists() and not overwrite:
        raise OutputExistsError(target)
    if any(target.resolve() == p.resolve() for p in (content, *styles, *masks)):
        raise ImageError(target, "is one of the inputs; refusing to overwrite it")
    if masks and (model is not None or not styles):
        raise ConfigError("mask: masks place paintings; --model paints one style everywhere")
    if model is not None or not styles:
        image = _with_model(content, styles, model, config)
        from styletools.images import save_image

        typer.echo(str(save_image(image, target, overwrite=overwrite, inputs=(content, model))))
        return
    if config.method == "optimise":
        _plan(config, content, styles, len(masks))
    if config.seed is None:
        from styletools.seeds import new_seed

        config = config.replace(seed=new_seed())
    typer.echo(f"seed: {config.seed}", err=True)
    result = _run(config, content, styles, masks, save_every, target)
    from styletools.images import save_image, to_pil

    save_image(to_pil(result.image), target, overwrite=overwrite,
               inputs=(content, *styles, *masks))
    typer.echo(str(target))


def register(app: typer.Typer) -> None:
    """Add the ``transfer`` command."""
    app.command(no_args_is_help=True)(transfer)
