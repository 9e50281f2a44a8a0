"""Widgets and event wiring of the Style transfer tab (the handlers are in ``app_transfer_tab``)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from styletools_cli.app_context import DEVICE_QUEUE
from styletools_cli.app_support import upload_image
from styletools_cli.app_tools_tab import WIDGETS
from styletools_cli.app_transfer_tab import DEFAULT, TransferTab

from styletools.config import OPTIMIZERS, PRESETS, STRENGTH
from styletools.engine import new_seed
from styletools.vgg import LAYER_NAMES


@dataclass(frozen=True)
class TransferWidgets:
    """The tab's input components, in the order of :meth:`TransferTab.run`'s parameters."""

    content: gr.Image
    styles: gr.Gallery
    strength: gr.Slider
    size: gr.Slider
    quality: gr.Radio
    preserve_colors: gr.Checkbox
    blend: gr.Textbox
    seed: gr.Number
    content_layers: gr.CheckboxGroup
    style_layers: gr.CheckboxGroup
    optimizer: gr.Radio
    steps: gr.Textbox
    tv_weight: gr.Number

    def inputs(self) -> list[gr.components.Component]:
        return list(vars(self).values())


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


def _controls() -> dict[str, gr.components.Component]:
    with gr.Row():
        strength = WIDGETS[STRENGTH.kind](STRENGTH)
        size = gr.Slider(64, 2048, value=DEFAULT.size, step=16, label="Output size (long side, px)",
                         elem_id="output-size")
    with gr.Row():
        quality = gr.Radio(list(PRESETS), value="balanced", label="Quality",
                           info="More steps and scales: finer detail, longer wait",
                           elem_id="quality")
        preserve = gr.Checkbox(label="Keep the photo's colours", value=False)
    blend = gr.Textbox(label="Style blend", placeholder="e.g. 2, 1 — one weight per painting",
                       visible=False)
    with gr.Row():
        seed = gr.Number(value=new_seed(), precision=0, label="Seed", scale=3)
        dice = gr.Button("New seed", scale=1, size="sm")
    return {"strength": strength, "size": size, "quality": quality,
            "preserve_colors": preserve, "blend": blend, "seed": seed, "dice": dice}


def _advanced() -> dict[str, gr.components.Component]:
    with gr.Accordion("Advanced", open=False, elem_id="advanced"):
        content_layers = gr.CheckboxGroup(list(LAYER_NAMES), value=list(DEFAULT.content_layers),
                                          label="Content layers")
        style_layers = gr.CheckboxGroup(list(LAYER_NAMES), value=list(DEFAULT.style_layers),
                                        label="Style layers")
        with gr.Row():
            optimizer = gr.Radio(list(OPTIMIZERS), value=DEFAULT.optimizer, label="Optimiser")
            steps = gr.Textbox(label="Steps per scale", elem_id="steps",
                               placeholder="empty = quality preset; e.g. 150, 100, 60")
            tv_weight = gr.Number(value=DEFAULT.tv_weight, minimum=0,
                                  label="Smoothness (TV weight)")
    return {"content_layers": content_layers, "style_layers": style_layers,
            "optimizer": optimizer, "steps": steps, "tv_weight": tv_weight}


def _results() -> list[gr.components.Component]:
    preview = gr.Image(label="Live preview", format="jpeg", interactive=False, height=420,
                       elem_id="result-image")
    status = gr.Markdown("Upload a photo and a painting, then press **Stylise**.",
                         elem_id="transfer-status")
    compare = gr.ImageSlider(label="Before / after", interactive=False, elem_id="before-after")
    download = gr.DownloadButton("Download full-resolution PNG", elem_id="download-png")
    return [preview, status, compare, download]


def build_transfer_tab(tab: TransferTab) -> TransferWidgets:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            content, styles, shipped = _images(tab)
            controls, advanced = _controls(), _advanced()
            with gr.Row():
                run = gr.Button("Stylise", variant="primary", elem_id="run-transfer")
                stop = gr.Button("Stop", variant="stop", elem_id="stop-transfer")
        with gr.Column(scale=1):
            outputs = _results()
    dice = controls.pop("dice")
    widgets = TransferWidgets(content=content, styles=styles, **controls, **advanced)
    run.click(
        tab.run, inputs=widgets.inputs(), outputs=[*outputs, widgets.seed], api_name="transfer",
        concurrency_limit=tab.context.limits.heavy_jobs, concurrency_id=DEVICE_QUEUE,
    )
    stop.click(tab.stop, outputs=outputs[1], api_name="stop", queue=False)
    dice.click(tab.new_seed, outputs=widgets.seed, api_name="new_seed", queue=False)
    styles.change(tab.show_blend, inputs=styles, outputs=widgets.blend, api_visibility="private",
                  queue=False)
    if shipped is not None:
        shipped.select(tab.add_painting, inputs=styles, outputs=styles, api_visibility="private")
    return widgets
