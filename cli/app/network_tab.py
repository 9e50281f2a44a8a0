"""The Inside the network tab: one VGG19 layer's feature maps and its Gram matrix.

API endpoint: ``/inspect_layer``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import torch
from styletools_cli.app.context import DEVICE_QUEUE, AppContext
from styletools_cli.app.support import load_upload, require, upload_image, user_errors

from styletools import images
from styletools.inspect import feature_grid, gram_heatmap
from styletools.losses import gram_matrix
from styletools.vgg_layers import LAYER_CHANNELS, LAYER_NAMES

EXPLANATION = """
**What the network sees.** Each tile is one channel of the chosen layer — a detector for
some pattern — brightest where the pattern is present. Early layers (`relu1_*`) react to
edges and colours, deep ones (`relu4_*`, `relu5_*`) to textures and object parts.

**What "style" means here.** The Gram matrix counts, over the whole image, how strongly
each pair of channels fires *together*. It forgets *where* things are and keeps *which
patterns co-occur*: that is the style the transfer copies from the painting.
"""


class NetworkTab:
    """Answers the tab's event with the app's loaded network."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def inspect_layer(
        self, image: str | None, layer: str = "relu3_1", channels: float = 16, size: float = 256
    ) -> tuple[Any, Any, str]:
        """Feature maps and Gram matrix of ``layer`` for ``image`` resized to ``size`` px.

        Returns:
            (feature-map grid, Gram heat map, one line of figures).
        """
        with user_errors():
            path = require(image, "image")
            cap = self.context.limits.max_pixels
            picture = load_upload(path, long_side=int(size), max_pixels=cap)
            backbone = self.context.networks.backbone()
            with torch.no_grad():
                acts = backbone.features([layer])(picture.to(backbone.device))[layer]
                gram = gram_matrix(acts)
        grid = images.to_pil(feature_grid(acts, int(channels)))
        heat = images.to_pil(gram_heatmap(gram))
        height, width = acts.shape[-2:]
        line = (f"`{layer}`: {LAYER_CHANNELS[layer]} channels of {width}×{height} positions; "
                f"Gram matrix {LAYER_CHANNELS[layer]}×{LAYER_CHANNELS[layer]}")
        return grid, heat, line


def build_network_tab(tab: NetworkTab) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its endpoint."""
    with gr.Row():
        with gr.Column(scale=1):
            image = upload_image("Image", sources=["upload", "clipboard"],
                                 elem_id="network-image", height=260)
            layer = gr.Dropdown(list(LAYER_NAMES), value="relu3_1", label="VGG19 layer")
            channels = gr.Slider(1, 64, value=16, step=1, label="Strongest channels shown")
            size = gr.Slider(64, 512, value=256, step=32, label="Image size (long side, px)")
            button = gr.Button("Look inside", variant="primary", elem_id="run-network")
            gr.Markdown(EXPLANATION)
        with gr.Column(scale=2):
            grid = gr.Image(label="Feature maps", interactive=False)
            heat = gr.Image(label="Gram matrix (style)", interactive=False)
            line = gr.Markdown()
    button.click(
        tab.inspect_layer, inputs=[image, layer, channels, size], outputs=[grid, heat, line],
        api_name="inspect_layer", concurrency_id=DEVICE_QUEUE,
        concurrency_limit=tab.context.limits.heavy_jobs,
    )
