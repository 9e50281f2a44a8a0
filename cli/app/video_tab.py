"""The Video tab: upload a clip, pick paintings, get it back painted without flicker.

The same declarations as everywhere: the transfer settings the one-pass method reads
(:class:`~styletools.config.TransferConfig`) and the video's own
(:class:`~styletools.video.settings.VideoSettings`), one control each, named as the field.
:data:`SHOWN` and :data:`HIDDEN` list every field once. The clip is capped in duration and
size (:data:`~styletools.video.settings.APP_MAX_SECONDS`,
:data:`~styletools.video.settings.APP_MAX_SIZE`), and the tab says so.

API endpoint: ``/video`` (clip, styles, settings by name) -> (MP4 path, status line).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr
from styletools_cli.app.context import DEVICE_QUEUE, AppContext
from styletools_cli.app.support import require, user_errors
from styletools_cli.app.widgets import REQUIRED, Component, endpoint_signature, widget

from styletools.config import TransferConfig, configure
from styletools.errors import ConfigError
from styletools.params import param_specs, parse_values
from styletools.video.settings import APP_MAX_SECONDS, APP_MAX_SIZE, VideoSettings

#: Settings shown, in order: the painting's, then the video's.
SHOWN: tuple[str, ...] = ("strength", "size", "color", "style_blend", "working_size",
                          "temporal")
_OPTIMISE_ONLY = "the optimisation's (the app paints video in one pass only)"
_SERVER = "the server's"
#: Settings the tab does not offer, and why.
HIDDEN: dict[str, str] = {
    "method": "one pass: the optimisation takes minutes a frame, too long to wait for in a page",
    "model": "a path on the server; the app takes uploads only",
    "later_steps": _OPTIMISE_ONLY,
    "max_seconds": f"the app's cap, {APP_MAX_SECONDS:g} s",
    "fps": "a clip keeps its own frame rate",
    "device": _SERVER, "weights": _SERVER, "seed": "one pass draws nothing",
    "region_strengths": "video takes no masks",
    **{name: _OPTIMISE_ONLY for name in (
        "scales", "steps", "optimizer", "learning_rate", "init", "pooling", "content_layers",
        "style_layers", "style_layer_weights", "content_weight", "style_weight", "tv_weight",
        "style_scale", "max_memory", "tile", "padding")},
}  # fmt: skip
SPECS = {spec.name: spec for spec in (*param_specs(TransferConfig), *param_specs(VideoSettings))}
_VIDEO_FIELDS = {spec.name for spec in param_specs(VideoSettings)}
CAPS = (f"Clips are cut at **{APP_MAX_SECONDS:g} s** and painted at most **{APP_MAX_SIZE} px** "
        "on the long side; the frame rate and the sound are kept. Longer or larger clips: "
        "`styletools video` on the command line.")


def _control(name: str) -> Component:
    value = min(APP_MAX_SIZE, SPECS[name].default) if name == "size" else ...
    control = widget(SPECS[name], value=value, elem_id=f"video-{name}")
    if name == "size":
        control.maximum = APP_MAX_SIZE
    return control


class VideoTab:
    """Builds the tab and answers its event; holds only the shared :class:`AppContext`."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def run(self, clip: str | None, styles: list[tuple[str, str | None]] | None,
            settings: Mapping[str, Any], progress: gr.Progress) -> tuple[str, str]:
        """Paint ``clip`` with ``styles``; returns the MP4's path and a status line."""
        from styletools.video.runner import VideoProgress, stylize_video

        with user_errors():
            video_values = {k: v for k, v in settings.items() if k in _VIDEO_FIELDS}
            config, video = self._settings(settings, video_values)
            if not styles:
                raise ConfigError("styles: add a painting")
            target = self.context.output_dir / f"styletools-video-{uuid.uuid4().hex[:8]}.mp4"

            def report(state: VideoProgress) -> None:
                progress((state.done, state.total), desc=f"{state.fps:.1f} frames/s",
                         unit="frames")

            started = time.perf_counter()
            result = stylize_video(Path(require(clip, "clip")), target,
                                   [Path(path) for path, _ in styles], config, video,
                                   networks=self.context.networks, on_progress=report)
        return str(result.path), (f"{result.frames} frames at {float(result.fps):.3g} fps in "
                                  f"{time.perf_counter() - started:.1f} s")

    @staticmethod
    def _settings(settings: Mapping[str, Any], video_values: Mapping[str, Any]
                  ) -> tuple[TransferConfig, VideoSettings]:
        """The widgets' values, under the caps."""
        transfer = {k: v for k, v in settings.items() if k not in video_values}
        config = configure(values={**transfer, "method": "arbitrary"})
        video = VideoSettings(**parse_values("video", VideoSettings, video_values),
                              max_seconds=APP_MAX_SECONDS)
        return config.replace(size=min(config.size, APP_MAX_SIZE)), video

    def endpoint(self) -> Any:
        """:meth:`run` with one parameter per shown setting, by name (the API's names)."""
        signature = endpoint_signature({"clip": REQUIRED, "styles": REQUIRED}, SHOWN)
        progress_parameter = signature.parameters["clip"].replace(
            name="progress", default=gr.Progress())
        signature = signature.replace(parameters=[*signature.parameters.values(),
                                                  progress_parameter])

        def video(*args: Any, **kwargs: Any) -> tuple[str, str]:
            bound = signature.bind(*args, **kwargs).arguments
            settings = {name: bound.get(name) for name in SHOWN}
            return self.run(bound["clip"], bound.get("styles"), settings,
                            bound.get("progress") or gr.Progress())

        video.__signature__ = signature  # type: ignore[attr-defined]
        return video


def build_video_tab(tab: VideoTab) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its event."""
    with gr.Row():
        with gr.Column(scale=1):
            gr.Markdown(CAPS, elem_id="video-caps")
            clip = gr.Video(label="Clip (mp4, webm, mov, gif)", sources=["upload"],
                            elem_id="video-clip")
            styles = gr.Gallery(label="Paintings (style)", type="filepath", interactive=True,
                                file_types=["image"], columns=4, height=160,
                                elem_id="video-styles")
            controls = [_control(name) for name in SHOWN]
            run = gr.Button("Paint the clip", variant="primary", elem_id="run-video")
        with gr.Column(scale=1):
            result = gr.Video(label="Painted clip", interactive=False, elem_id="video-result")
            status = gr.Markdown("", elem_id="video-status")
    run.click(tab.endpoint(), inputs=[clip, styles, *controls], outputs=[result, status],
              api_name="video", concurrency_limit=tab.context.limits.heavy_jobs,
              concurrency_id=DEVICE_QUEUE)
