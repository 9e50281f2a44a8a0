"""The web app for artists: style transfer with a live preview, the tool suite, and a look
inside the network. A thin front end: widgets become a core call, results are shown.

Build it with an explicit :class:`~styletools_cli.app.context.AppContext` (the loaded network
and the tools, created once) and serve it with :func:`launch_app`::

    context = build_context()
    launch_app(build_app(context), context, ServeSettings(port=7860))

API endpoints, usable with ``gradio_client``: ``/transfer``, ``/stop``, ``/new_seed``,
``/inspect_layer`` and one ``/tool_<name>`` per registered tool.
"""

from __future__ import annotations

import gradio as gr
from styletools_cli.app.context import PAINTINGS_FOLDER, AppContext
from styletools_cli.app.network_tab import NetworkTab, build_network_tab
from styletools_cli.app.settings import ServeSettings
from styletools_cli.app.tools_tab import build_tools_tab
from styletools_cli.app.transfer_tab import TransferTab, build_transfer_tab
from styletools_cli.app.video_tab import VideoTab, build_video_tab

TITLE = "styletools — paint a photo in the style of a painting"


#: Most jobs waiting in the queue; more are refused until it drains.
QUEUE_SIZE = 64


def build_app(context: AppContext) -> gr.Blocks:
    """The Blocks app with its four tabs, every function exposed under a stable API name."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        gr.Markdown(f"## {TITLE}")
        with gr.Tab("Style transfer", id="transfer"):
            build_transfer_tab(TransferTab(context))
        with gr.Tab("Tools", id="tools"):
            build_tools_tab(context)
        with gr.Tab("Video", id="video"):
            build_video_tab(VideoTab(context))
        with gr.Tab("Inside the network", id="network"):
            build_network_tab(NetworkTab(context))
    return blocks


def launch_app(
    blocks: gr.Blocks, context: AppContext, options: ServeSettings
) -> tuple[str, str | None]:
    """Serve ``blocks`` without blocking; returns the local URL and the public one if shared.

    Only the app's own paintings are served besides Gradio's upload cache; uploads larger
    than ``context.limits.max_file_size`` are refused by Gradio before they reach a handler.
    """
    blocks.queue(default_concurrency_limit=context.limits.heavy_jobs, max_size=QUEUE_SIZE)
    _, local_url, share_url = blocks.launch(
        server_name=options.host,
        server_port=options.port,
        share=options.share,
        auth=options.credentials(),
        inbrowser=False,
        prevent_thread_lock=True,
        quiet=True,
        max_file_size=context.limits.max_file_size,
        allowed_paths=[str(PAINTINGS_FOLDER)] if context.paintings else [],
        ssr_mode=False,
        footer_links=["api"],
    )
    return local_url, share_url
