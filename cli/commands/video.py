"""``styletools video IN OUT --style painting.jpg``: stylise a clip without flicker."""

from __future__ import annotations

from contextlib import ExitStack
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
from styletools.params import param_specs, parse_params
from styletools.video.settings import VideoSettings

if TYPE_CHECKING:
    from styletools.video.runner import VideoResult

#: Transfer settings the command leaves out, and why: the video's own ``--method`` (which adds
#: ``model``) picks the method, and the optimisation's start is the warped previous frame.
HIDDEN: dict[str, str] = {
    "method": "video's --method (arbitrary, model, optimise) decides it",
    "init": "each frame after the first starts from the warped previous output",
    "region_strengths": "video takes no masks",
}
TRANSFER_SPECS = tuple(s for s in param_specs(TransferConfig) if s.name not in HIDDEN)
VIDEO_SPECS = param_specs(VideoSettings)
_VIDEO_NAMES = {spec.name for spec in VIDEO_SPECS}


def _run(source: Path, target: Path, styles: list[Path], config: TransferConfig,
         settings: VideoSettings, overwrite: bool) -> VideoResult:
    from styletools_cli.progress import Bar, progress_bar

    from styletools.video.runner import VideoProgress, stylize_video

    with ExitStack() as stack:
        bars: list[Bar] = []

        def report(progress: VideoProgress) -> None:
            # The bar starts with the first frame, when the total (after a cap) is known.
            if not bars:
                total = progress.total or progress.done
                bars.append(stack.enter_context(progress_bar("frames", total)))
                bars[0].update(completed=progress.resumed)
            left = f", ~{progress.eta:.0f}s left" if progress.eta is not None else ""
            resumed = f", {progress.resumed} resumed" if progress.resumed else ""
            bars[0].update(completed=progress.done,
                           status=f"{progress.fps:.2f} frames/s{left}{resumed}")

        return stylize_video(source, target, styles, config, settings, on_progress=report,
                             overwrite=overwrite)


@with_options([PRESET, *TRANSFER_SPECS, PRESERVE_COLOR, *VIDEO_SPECS])
def video(
    source: Annotated[Path, typer.Argument(help="A video (mp4, webm, mov, gif…) or a folder of "
                                           "frames.")],
    target: Annotated[Path, typer.Argument(help="The video to write (its suffix picks the "
                                           "format) or a folder for PNG frames.")],
    style: Annotated[
        list[Path] | None,
        typer.Option("--style", help="A painting; repeat to blend several (--style-blend)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    settings: dict[str, Any] | None = None,
) -> None:
    """Stylise every frame of SOURCE with the paintings, without flicker; writes TARGET.

    The frame rate and the audio are kept. Each frame takes the previous output, warped by
    optical flow, where nothing occluded it (--temporal; 0 paints each frame on its own).
    A killed run resumes from its frames when run again with the same arguments.
    """
    settings = dict(settings or {})
    video_values = {name: settings.pop(name) for name in _VIDEO_NAMES}
    video_settings = parse_params("video", VideoSettings, video_values)
    config = configure(settings.pop("preset") or DEFAULT_PRESET, settings)
    result = _run(source, target, list(style or []), config, video_settings, overwrite)
    if result.seed is not None and video_settings.method == "optimise":
        typer.echo(f"seed: {result.seed}", err=True)
    typer.echo(f"{result.frames} frames at {float(result.fps):.3g} fps"
               f" ({result.resumed} resumed) in {result.seconds:.1f} s", err=True)
    typer.echo(str(result.path))


def register(app: typer.Typer) -> None:
    """Add the ``video`` command."""
    app.command(no_args_is_help=True)(video)
