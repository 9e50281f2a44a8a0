"""The Tools tab, generated from the registry: one widget per declared parameter.

Every tool gets a parameter panel built from its :class:`ParamSpec` records and its own API
endpoint, ``/tool_<name>`` (``-`` becomes ``_``: ``/tool_sobel``, ``/tool_color_shift``).
Random tools report the parameters they drew and the seed, so a result can be reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import torch
from styletools_cli.app.context import DEVICE_QUEUE, AppContext
from styletools_cli.app.support import load_upload, require, upload_image, user_errors
from styletools_cli.app.widgets import REQUIRED, endpoint_signature, widget

from styletools import images
from styletools.seeds import new_seed
from styletools.tools import Tool
from styletools.tools.registry import naming_image

Component = gr.components.Component
#: Tools of these families run the network, so they queue with the transfers.
HEAVY_FAMILIES = frozenset({"style"})


class ToolRunner:
    """Applies one tool to an uploaded image from its panel's widget values.

    Its call signature is ``(image, seed, <one parameter per declared tool parameter>)``,
    published through ``__signature__`` so the API endpoint has named parameters.

    Args:
        context: The app's shared context (registry, limits).
        tool: The tool class.
        image: The tab's image input.
        seed: The tab's seed input.
        widgets: Parameter name -> widget, in declaration order.
    """

    def __init__(
        self, context: AppContext, tool: type[Tool], image: Component, seed: Component,
        widgets: dict[str, Component],
    ) -> None:
        self.context, self.tool = context, tool
        self.image, self.seed, self.widgets = image, seed, widgets
        self.__signature__ = endpoint_signature({"image": REQUIRED, "seed": 0}, list(widgets))

    def inputs(self) -> list[Component]:
        """The components, in the order of the call signature."""
        return [self.image, self.seed, *self.widgets.values()]

    def __call__(
        self, image: str | None, seed: float | None, *values: Any
    ) -> tuple[Any, dict[str, Any]]:
        """Apply the tool; empty values mean the tool's defaults. Returns (image, record).

        A refusal (a bad value, a file that is not an image, a size the tool cannot take) is a
        one-line ``gr.Error`` naming the upload by its own name, never its server path.
        """
        with user_errors():
            path = require(image, "image")
            named = zip(self.widgets, values, strict=True)
            given = {name: value for name, value in named if value not in (None, "")}
            tool = self.context.registry.create(self.tool.name, given)
            picture = load_upload(path, long_side=None, max_pixels=self.context.limits.max_pixels)
            seed = int(seed) if seed is not None else new_seed()
            with naming_image(tool.name, Path(path).name):
                drawn = tool.make_params(picture, generator=torch.Generator().manual_seed(seed))
                output = tool.apply(picture, drawn)
        record = {"tool": tool.name, "config": tool.config(), "seed": seed, "drawn": drawn[0]}
        return images.to_pil(output), record


@dataclass(frozen=True)
class ToolPanel:
    """One tool's panel in the layout, with its runner and Apply button."""

    group: gr.Group
    runner: ToolRunner
    button: gr.Button


def _panel(
    context: AppContext, tool: type[Tool], inputs: tuple[Component, Component], *, visible: bool
) -> ToolPanel:
    """One tool's panel: summary, parameter widgets and its Apply button (API endpoint)."""
    with gr.Group(visible=visible) as group:
        gr.Markdown(f"**{tool.name}** — {tool.summary}" + (" *(random)*" if tool.random else ""))
        widgets = {spec.name: widget(spec) for spec in tool.specs()}
        button = gr.Button(f"Apply {tool.name}", variant="primary", elem_id=f"apply-{tool.name}")
    return ToolPanel(group, ToolRunner(context, tool, *inputs, widgets), button)


def _wire(context: AppContext, panel: ToolPanel, outputs: list[Component]) -> None:
    runner, limits = panel.runner, context.limits
    heavy = runner.tool.family in HEAVY_FAMILIES
    panel.button.click(
        runner, inputs=runner.inputs(), outputs=outputs,
        api_name=f"tool_{runner.tool.name.replace('-', '_')}",
        concurrency_id=DEVICE_QUEUE if heavy else "tools",
        concurrency_limit=limits.heavy_jobs if heavy else limits.tool_jobs,
    )


def build_tools_tab(context: AppContext) -> None:
    """Lay out the Tools tab inside the current ``gr.Tab`` and wire one endpoint per tool."""
    names = context.registry.list()
    with gr.Row():
        with gr.Column():
            image = upload_image("Image", sources=["upload", "clipboard"], elem_id="tool-image",
                                 height=280)
            choice = gr.Dropdown(names, value=names[0] if names else None, label="Tool")
            seed = gr.Number(value=0, precision=0, label="Seed (random tools)")
            panels = [_panel(context, context.registry.get(name), (image, seed), visible=i == 0)
                      for i, name in enumerate(names)]
        with gr.Column():
            result = gr.Image(label="Result", format="png", interactive=False,
                              elem_id="tool-result")
            record = gr.JSON(label="What was applied (tool, parameters, seed, drawn values)")
    for panel in panels:
        _wire(context, panel, [result, record])
    choice.change(
        lambda chosen: [gr.update(visible=p.runner.tool.name == chosen) for p in panels],
        inputs=choice, outputs=[p.group for p in panels], api_visibility="private", queue=False,
    )
