"""The Style transfer tab: the settings declared in the core -> ``configure`` -> ``stylize``,
with a live preview.

Every control is generated from :class:`~styletools.config.TransferConfig`'s declarations
(and the preset's), named as the field, so the API parameters are the CLI's options with
``_`` for ``-``. :data:`MAIN`, :data:`ADVANCED` and :data:`HIDDEN` list every setting once.

API endpoints (stable names): ``/transfer`` (streams; a client gets the final outputs),
``/stop`` (ends this session's run, keeping the best image so far) and ``/new_seed``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import gradio as gr
from gradio.components.image_editor import EditorValue
from PIL import Image
from styletools_cli.app.context import DEVICE_QUEUE, AppContext
from styletools_cli.app.masks_input import (
    FEATHER,
    RegionParams,
    canvas_photo,
    editor_masks,
    region_editor,
    region_layers,
)
from styletools_cli.app.preview import LiveTransfer, result_line, status_line
from styletools_cli.app.support import (
    load_upload,
    require,
    save_png,
    session_of,
    upload_image,
    user_errors,
)
from styletools_cli.app.widgets import REQUIRED, Component, endpoint_signature, widget

from styletools import images
from styletools.config import PRESET, PRESET_FIELDS, TransferConfig, configure
from styletools.engine import TransferResult
from styletools.errors import ConfigError
from styletools.loading import load_paintings
from styletools.memory import (
    MemoryBudgetError,
    budget_bytes,
    format_duration,
    format_size,
    largest_size,
    plan_transfer,
)
from styletools.params import param_specs, parse_params
from styletools.seeds import new_seed

#: Settings shown above the fold, in order (the preset comes first).
MAIN: tuple[str, ...] = ("method", "strength", "size", "color", "style_blend", "seed")
#: Settings in the Advanced accordion, in order.
ADVANCED: tuple[str, ...] = (
    "content_layers", "style_layers", "optimizer", "learning_rate", "steps", "scales",
    "tv_weight", "content_weight", "style_weight", "style_layer_weights", "style_scale",
    "pooling", "padding", "working_size",
)  # fmt: skip
#: Settings beside the region editor (they only matter with painted regions).
REGIONS: tuple[str, ...] = ("region_strengths",)
#: Settings the app does not offer, and why.
HIDDEN: dict[str, str] = {
    "init": "a path on the server; the app takes uploads only",
    "device": "the server's, chosen by `styletools app --device`",
    "weights": "the server's, chosen by `styletools app --weights`",
    "max_memory": "the server's budget, set by `styletools app --max-memory`",
    "tile": "chosen by the server's budget (the CLI's --tile forces one)",
}
SPECS = {spec.name: spec for spec in (PRESET, *param_specs(TransferConfig))}
SHOWN: tuple[str, ...] = (PRESET.name, *MAIN, *ADVANCED, *REGIONS)
#: The endpoints' inputs before the settings: the images, and how painted regions are read.
LEADING: dict[str, Any] = {"content": REQUIRED, "styles": REQUIRED, "regions": None,
                           FEATHER.name: FEATHER.default}
#: The settings the estimate reads (the rest do not change memory or time).
PLANNED: tuple[str, ...] = (PRESET.name, "method", "size", "steps", "scales", "optimizer",
                            "working_size")
#: Shape assumed for the estimate before a photo is uploaded (4:3).
DEFAULT_ASPECT = (3, 4)
#: What Refine changes: the optimisation, started from the one-pass preview.
REFINE: dict[str, str] = {"method": "optimise", "init": "arbitrary"}
#: What the preview changes: one pass, whatever the method chosen.
PREVIEW: dict[str, str] = {"method": "arbitrary"}


#: Initial values other than the declared default: a fresh seed on every page load, shown so
#: the artist can note it (Gradio calls a callable value at each load).
INITIAL: dict[str, Any] = {"seed": new_seed}


def _control(name: str) -> Component:
    spec = SPECS[name]
    value = None if name in PRESET_FIELDS else INITIAL.get(name, ...)
    control = widget(spec, value=value, elem_id=name)
    if name in PRESET_FIELDS:
        control.placeholder = "empty: the preset's"
    return control


class TransferTab:
    """Builds the tab and answers its events; holds only the shared :class:`AppContext`."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    # --- handlers (each one is also an API endpoint) -----------------------------------------

    def run(
        self,
        content: str | None,
        styles: list[tuple[str, str | None]] | None,
        settings: Mapping[str, Any],
        request: gr.Request | None = None,
        *,
        regions: EditorValue | None = None,
        feather: float | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stylise ``content`` with ``styles``; yields previews, then the result.

        ``settings`` maps each setting to its widget value; empty means the preset's.
        ``regions`` is the region editor's value: its layers, one per painting in order, say
        where each painting goes (see :func:`~styletools_cli.app.masks_input.editor_masks`);
        ``feather`` softens their edges.

        Yields:
            (preview image, status line, (before, after) pair, PNG path, seed used).
        """
        with user_errors():
            config = self.config_for(settings)
            radius = parse_params("", RegionParams, {FEATHER.name: feather}).feather
            yield from self._stream(require(content, "photo"), styles or [], config, request,
                                    regions=regions, radius=radius)

    def config_for(self, settings: Mapping[str, Any]) -> TransferConfig:
        """The widgets' values on their preset, within the server's memory budget."""
        values = dict(settings)
        config = configure(values.pop(PRESET.name, None) or PRESET.default, values)
        return config.replace(max_memory=self.context.limits.max_memory)

    def estimate(self, content: str | None, *values: Any) -> str:
        """The plan's peak memory and time for the settings shown, before the run (one line;
        a size over the budget says so and what fits)."""
        try:
            config = self.config_for(dict(zip(PLANNED, values, strict=True)))
            if config.method != "optimise":
                return f"One pass at {config.network_size()} px: under a second per image."
            shape = _photo_shape(content, config.size)
            device = str(self.context.networks.backbone().device)
            plan = plan_transfer(shape, config, device=device)
        except MemoryBudgetError as error:
            return f"**Over the memory budget:** {str(error).removeprefix('max_memory: ')}"
        except ConfigError as error:
            return f"Estimate unavailable: {error}"
        tiles = sum(scale.tiles > 1 for scale in plan.scales)
        tiling = f", {tiles} scale(s) in exact tiles" if tiles else ""
        return (f"Estimate: peak memory ≈ {format_size(plan.peak)} of the "
                f"{format_size(plan.budget)} budget{tiling}, ≈ {format_duration(plan.seconds)}"
                f" on this server.")

    def _stream(
        self,
        content_path: str,
        styles: list[tuple[str, str | None]],
        config: TransferConfig,
        request: gr.Request | None,
        *,
        regions: EditorValue | None,
        radius: float,
    ) -> Iterator[tuple[Any, ...]]:
        cap = self.context.limits.max_pixels
        if not styles:
            raise ConfigError("styles: add a painting (upload one or click the gallery)")
        content = load_upload(content_path, long_side=config.size, max_pixels=cap)
        paintings = load_paintings([path for path, _ in styles], config, max_pixels=cap)
        masks = editor_masks(regions, len(paintings), tuple(content.shape[-2:]), radius=radius)
        session = session_of(request)
        stop = self.context.stops.arm(session)
        live = LiveTransfer(content, paintings, config, networks=self.context.networks,
                            stop=stop, masks=masks, workers=self.context.workers)
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

    def show_photo(self, content: str | None) -> EditorValue | None:
        """The region editor paints over the photo: a new photo is its background (a light
        copy, see :func:`~styletools_cli.app.masks_input.canvas_photo`), with fresh layers
        (strokes made on another photo would not fit this one)."""
        if not content:
            return None
        with user_errors():
            photo = canvas_photo(content, max_pixels=self.context.limits.max_pixels)
        return {"background": photo, "layers": [], "composite": photo}

    def match_layers(self, styles: list[tuple[str, str | None]] | None) -> dict[str, Any]:
        """One editor layer per painting, in order (changing the paintings resets them)."""
        return gr.update(layers=region_layers(styles))

    def show_blend(self, styles: list[tuple[str, str | None]] | None) -> dict[str, Any]:
        """Blend weights only make sense with two or more styles."""
        return gr.update(visible=len(styles or []) > 1)

    def endpoint(
        self, overrides: Mapping[str, Any] | None = None, *, wait_for_inputs: bool = False
    ) -> Any:
        """:meth:`run` as a generator function whose parameters are the shown settings, by
        name (Gradio reads an endpoint's API from its signature), with ``overrides`` on top.
        Before the settings come the images and the regions: an API client sends ``regions``
        as ``{"background": None, "layers": [one mask image per painting], "composite":
        None}`` (a mask is white where its painting goes, or a stroke on a transparent
        sheet), and ``feather`` to soften their edges.

        With ``wait_for_inputs`` it leaves the outputs as they are until there is a photo and
        a painting: a slider the artist moves first must not raise an error.
        """
        signature = endpoint_signature(LEADING, SHOWN, request=True)

        def transfer(*args: Any, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
            bound = signature.bind(*args, **kwargs).arguments
            if wait_for_inputs and not (bound["content"] and bound.get("styles")):
                yield (gr.skip(),) * 5
                return
            settings = {name: bound.get(name) for name in SHOWN} | dict(overrides or {})
            yield from self.run(bound["content"], bound.get("styles"), settings,
                                bound.get("request"), regions=bound.get("regions"),
                                feather=bound.get(FEATHER.name))

        transfer.__signature__ = signature  # type: ignore[attr-defined]
        transfer.__annotations__ = {"request": gr.Request | None}
        return transfer


def _photo_shape(content: str | None, size: int) -> tuple[int, int]:
    """(height, width) of the photo at ``size`` on its long side (4:3 before an upload)."""
    height, width = DEFAULT_ASPECT
    if content:
        with Image.open(content) as photo:  # the header only: no pixels are decoded
            width, height = photo.size
    scale = size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


# --- layout -----------------------------------------------------------------------------------


def _images(tab: TransferTab) -> tuple[gr.Image, gr.Gallery, gr.Gallery | None]:
    content = upload_image("Photo (content)", sources=["upload", "clipboard", "webcam"],
                           elem_id="content-image", height=320)
    styles = gr.Gallery(
        label="Paintings (style) — upload one or more", type="filepath", interactive=True,
        file_types=["image"], columns=4, height=200, elem_id="style-images",
    )
    shipped = None
    if tab.context.paintings:
        shipped = gr.Gallery(
            value=[(str(p), p.stem.replace("_", " ")) for p in tab.context.paintings],
            label="…or click a painting to add it", interactive=False, allow_preview=False,
            columns=7, height=140, elem_id="painting-gallery",
        )
    return content, styles, shipped


def _regions(tab: TransferTab) -> tuple[gr.ImageEditor, Component, dict[str, Component]]:
    """The region editor, its feather slider and the per-region settings, in an accordion
    (a plain transfer needs none of it)."""
    with gr.Accordion("Regions: paint where each painting goes (optional)", open=False,
                      elem_id="regions"):
        gr.Markdown(
            "Paint on layer 1 where painting 1 goes, on layer 2 where painting 2 goes, and so "
            "on; what no layer covers keeps the photo, and nothing painted means the whole "
            "photo. The brush is white (full or half strength), the eraser takes paint off. "
            "The brush has no soft edge of its own: the **feather** slider is the soft brush, "
            "blurring the painted edges. The preview follows each stroke. Changing the "
            "paintings resets the layers."
        )
        editor = region_editor(max_pixels=tab.context.limits.max_pixels, elem_id="region-editor")
        feather = widget(FEATHER, elem_id=FEATHER.name)
        controls = {name: _control(name) for name in REGIONS}
    return editor, feather, controls


def _controls() -> tuple[dict[str, Component], gr.Button]:
    controls = {name: _control(name) for name in (PRESET.name, *MAIN)}
    controls["style_blend"].visible = False
    dice = gr.Button("New seed", size="sm")
    with gr.Accordion("Advanced", open=False, elem_id="advanced"):
        controls.update({name: _control(name) for name in ADVANCED})
    return controls, dice


def _results() -> list[Component]:
    preview = gr.Image(label="Live preview", format="jpeg", interactive=False, height=420,
                       elem_id="result-image")
    status = gr.Markdown("Upload a photo and a painting, then press **Stylise**.",
                         elem_id="transfer-status")
    compare = gr.ImageSlider(label="Before / after", interactive=False, elem_id="before-after")
    download = gr.DownloadButton("Download full-resolution PNG", elem_id="download-png")
    return [preview, status, compare, download]


def _offer_sizes(tab: TransferTab, size: Component) -> None:
    """Say in the size box how large an output the server's budget allows (a 4:3 photo, the
    default preset); a larger size is refused before the run, with the estimate."""
    config = tab.config_for({})
    device = str(tab.context.networks.backbone().device)
    budget = budget_bytes(config.max_memory, device)
    largest = largest_size(_photo_shape(None, config.size), config, device=device,
                           budget=budget)
    size.info = f"{size.info}; up to about {largest} px within this server's memory budget"


def build_transfer_tab(tab: TransferTab) -> dict[str, Component]:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events; returns the
    setting controls by name."""
    with gr.Row():
        with gr.Column(scale=1):
            content, styles, shipped = _images(tab)
            editor, feather, region_controls = _regions(tab)
            controls, dice = _controls()
            controls.update(region_controls)
            _offer_sizes(tab, controls["size"])
            plan = gr.Markdown(tab.estimate(None, *(None,) * len(PLANNED)),
                               elem_id="transfer-plan")
            with gr.Row():
                run = gr.Button("Stylise", variant="primary", elem_id="run-transfer")
                refine = gr.Button("Refine (optimise from the preview)", elem_id="refine")
                stop = gr.Button("Stop", variant="stop", elem_id="stop-transfer")
        with gr.Column(scale=1):
            outputs = _results()
    inputs = [content, styles, editor, feather, *(controls[name] for name in SHOWN)]
    results = [*outputs, controls["seed"]]
    for button, overrides, name in ((run, None, "transfer"), (refine, REFINE, "refine")):
        button.click(
            tab.endpoint(overrides), inputs=inputs, outputs=results, api_name=name,
            concurrency_limit=tab.context.limits.heavy_jobs, concurrency_id=DEVICE_QUEUE,
        )
    # The one-pass preview follows the slider as it moves, a new painting, the feather and
    # each brush stroke; the latest position wins, and it queues apart from the optimisations.
    # Strokes are followed by the editor's input event, which fires once per stroke, at its
    # end; its change event would need an apply listener, and then every stroke would post
    # the whole canvas to the editor's in-memory blob store (where a superseded one stays).
    previewed = ((controls["strength"].change, "public"), (styles.change, "private"),
                 (feather.change, "private"), (editor.input, "private"))
    for listen, visibility in previewed:
        listen(
            tab.endpoint(PREVIEW, wait_for_inputs=True), inputs=inputs, outputs=results,
            trigger_mode="always_last",
            api_name="preview", api_visibility=visibility, concurrency_id="preview",
            concurrency_limit=1,
        )
    for trigger in (content, *(controls[name] for name in PLANNED)):
        trigger.change(tab.estimate, inputs=[content, *(controls[name] for name in PLANNED)],
                       outputs=plan, api_visibility="private", queue=False)
    stop.click(tab.stop, outputs=outputs[1], api_name="stop", queue=False)
    dice.click(tab.new_seed, outputs=controls["seed"], api_name="new_seed", queue=False)
    styles.change(tab.show_blend, inputs=styles, outputs=controls["style_blend"],
                  api_visibility="private", queue=False)
    styles.change(tab.match_layers, inputs=styles, outputs=editor, api_visibility="private",
                  queue=False)
    content.change(tab.show_photo, inputs=content, outputs=editor, api_visibility="private",
                   queue=False)
    if shipped is not None:
        shipped.select(tab.add_painting, inputs=styles, outputs=styles, api_visibility="private")
    return controls
