"""The Style transfer tab: widgets -> :class:`TransferConfig` -> ``stylize`` with a live preview.

API endpoints (stable names): ``/transfer`` (streams; a client gets the final outputs),
``/stop`` (ends this session's run, keeping the best image so far) and ``/new_seed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
from styletools_cli.app_context import AppContext
from styletools_cli.app_preview import LiveTransfer, result_line, status_line
from styletools_cli.app_support import (
    load_upload,
    require,
    save_png,
    session_of,
    user_errors,
)

from styletools import images
from styletools.config import STRENGTH, TransferConfig, parse_numbers, preset
from styletools.engine import TransferResult, new_seed
from styletools.errors import ConfigError

DEFAULT = preset("balanced")
@dataclass(frozen=True)
class TransferSettings:
    """The tab's widget values, as received (see :meth:`TransferTab.run` for their meaning)."""

    strength: float
    size: float
    quality: str
    preserve_colors: bool
    blend: str | None
    seed: float | None
    content_layers: list[str]
    style_layers: list[str]
    optimizer: str
    steps: str | None
    tv_weight: float

    def config(self) -> TransferConfig:
        """Translate into a config: the quality preset, then every control on top of it."""
        base = preset(self.quality)
        steps = parse_numbers(self.steps, int, "steps") or base.steps
        return base.replace(
            size=int(self.size),
            scales=len(steps) if len(steps) > 1 else base.scales,
            steps=steps,
            strength=float(self.strength),
            preserve_color=bool(self.preserve_colors),
            style_blend=parse_numbers(self.blend, float, "style blend") or None,
            seed=None if self.seed is None else int(self.seed),
            content_layers=tuple(self.content_layers),
            style_layers=tuple(self.style_layers),
            optimizer=self.optimizer,
            tv_weight=float(self.tv_weight or 0.0),
        )


class TransferTab:
    """Builds the tab and answers its events; holds only the shared :class:`AppContext`."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    # --- handlers (each one is also an API endpoint) -----------------------------------------

    def run(  # noqa: PLR0913 - one parameter per control: this signature *is* the public API
        self,
        content: str | None,
        styles: list[tuple[str, str | None]] | None,
        strength: float = STRENGTH.default,
        size: float = DEFAULT.size,
        quality: str = "balanced",
        preserve_colors: bool = False,
        blend: str | None = None,
        seed: float | None = None,
        content_layers: list[str] | None = None,
        style_layers: list[str] | None = None,
        optimizer: str = DEFAULT.optimizer,
        steps: str | None = None,
        tv_weight: float = 0.0,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stylise ``content`` with ``styles``; yields previews, then the result.

        Yields:
            (preview image, status line, (before, after) pair, PNG path, seed used).
        """
        settings = TransferSettings(
            strength, size, quality, preserve_colors, blend, seed,
            list(content_layers or DEFAULT.content_layers),
            list(style_layers or DEFAULT.style_layers), optimizer, steps, tv_weight,
        )
        with user_errors():
            yield from self._stream(require(content, "photo"), styles or [], settings, request)

    def _stream(
        self,
        content_path: str,
        styles: list[tuple[str, str | None]],
        settings: TransferSettings,
        request: gr.Request | None,
    ) -> Iterator[tuple[Any, ...]]:
        config, cap = settings.config(), self.context.limits.max_pixels
        if not styles:
            raise ConfigError("styles: add a painting (upload one or click the gallery)")
        content = load_upload(content_path, long_side=config.size, max_pixels=cap)
        style_images = [load_upload(p, long_side=config.size, max_pixels=cap) for p, _ in styles]
        session = session_of(request)
        stop = self.context.stops.arm(session)
        live = LiveTransfer(content, style_images, config, backbone=self.context.backbone,
                            stop=stop, workers=self.context.workers)
        try:
            for item in live:
                if isinstance(item, TransferResult):
                    yield self._finish(item, content)
                else:
                    preview = images.to_pil(item.image)
                    yield preview, status_line(item), gr.skip(), gr.skip(), gr.skip()
        finally:
            self.context.stops.release(session, stop)

    def _finish(self, result: TransferResult, content: Any) -> tuple[Any, ...]:
        after = images.to_pil(result.image)
        before = images.to_pil(content).resize(after.size)
        path = save_png(after, self.context.output_dir, f"styletools-{result.seed}")
        return after, result_line(result), (before, after), str(path), result.seed

    def stop(self, request: gr.Request | None = None) -> str:
        """Stop this session's running transfer; the best image so far becomes the result."""
        stopped = self.context.stops.stop(session_of(request))
        return "Stopping…" if stopped else "Nothing is running."

    def new_seed(self) -> int:
        """A fresh random seed (the seed decides noise initialisation and any randomness)."""
        return new_seed()

    def add_painting(
        self, styles: list[tuple[str, str | None]] | None, event: gr.SelectData
    ) -> list[str]:
        """Append the clicked shipped painting to the style images (by index, never a path)."""
        chosen = self.context.paintings[event.index]
        return [path for path, _ in styles or []] + [str(chosen)]

    def show_blend(self, styles: list[tuple[str, str | None]] | None) -> dict[str, Any]:
        """Blend weights only make sense with two or more styles."""
        return gr.update(visible=len(styles or []) > 1)
