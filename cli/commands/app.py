"""``styletools app``: serve the web app for artists on this machine.

Gradio and torch are imported inside the command, so ``styletools --help`` stays fast.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import typer
from styletools_cli.app.settings import ServeSettings
from styletools_cli.options import with_options

from styletools.params import param_specs, parse_params

#: The app talks to nobody: no usage analytics, no version check, no Hub telemetry.
OFFLINE_ENVIRONMENT = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


@with_options(param_specs(ServeSettings))
def app_command(settings: dict[str, Any] | None = None) -> None:
    """Start the web app and print its address; stop it with Ctrl+C."""
    serve = parse_params("app", ServeSettings, settings)
    os.environ.update(OFFLINE_ENVIRONMENT)  # before gradio is imported
    from styletools_cli.app.context import AppLimits, build_context
    from styletools_cli.app.server import build_app, launch_app

    limits = AppLimits(
        max_file_size=int(serve.max_upload_mb * 1024 * 1024),
        max_pixels=int(serve.max_megapixels * 1_000_000),
        heavy_jobs=serve.jobs,
        max_memory=serve.max_memory,
    )
    context = build_context(weights=serve.weights, device=serve.device, limits=limits)
    url, public_url = launch_app(build_app(context), context, serve)
    typer.echo(f"styletools app running on {url}  (Ctrl+C to stop)")
    if public_url:
        typer.echo(f"public link (anyone with it can use the app): {public_url}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        typer.echo("Stopped.")


def register(app: typer.Typer) -> None:
    """Add the ``app`` command to the ``styletools`` CLI."""
    app.command("app")(app_command)
