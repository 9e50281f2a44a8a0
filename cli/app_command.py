"""``styletools app``: serve the web app for artists on this machine.

Gradio and torch are imported inside the command, so ``styletools --help`` stays fast.
"""

from __future__ import annotations

import os
import threading
from typing import Annotated

import typer

from styletools.errors import ConfigError

#: The app talks to nobody: no usage analytics, no version check, no Hub telemetry.
OFFLINE_ENVIRONMENT = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``user:password`` -> ``(user, password)``.

    Raises:
        ConfigError: No colon, or an empty user or password.
    """
    if text is None:
        return None
    user, colon, password = text.partition(":")
    if not (colon and user and password):
        raise ConfigError("--auth: expected USER:PASSWORD, both non-empty")
    return user, password


def app_command(
    host: Annotated[
        str, typer.Option(help="Interface to bind; 0.0.0.0 shares on your network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7860,
    share: Annotated[bool, typer.Option(help="Also open a public gradio.live link.")] = False,
    auth: Annotated[str | None, typer.Option(help="Require USER:PASSWORD to open the app.")] = None,
    weights: Annotated[str, typer.Option(help="Weights id or file.")] = "vgg19",
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:1, mps …")] = "auto",
    jobs: Annotated[
        int, typer.Option(min=1, help="Heavy jobs (transfers) run at once; others queue.")
    ] = 1,
    max_upload_mb: Annotated[float, typer.Option(min=0.1, help="Largest upload, in MB.")] = 25.0,
    max_megapixels: Annotated[
        float, typer.Option(min=0.01, help="Largest image, in megapixels.")
    ] = 40.0,
) -> None:
    """Start the web app and print its address; stop it with Ctrl+C."""
    os.environ.update(OFFLINE_ENVIRONMENT)  # before gradio is imported
    from styletools_cli.app import ServeOptions, build_app, launch_app
    from styletools_cli.app_context import AppLimits, build_context

    limits = AppLimits(
        max_file_size=int(max_upload_mb * 1024 * 1024),
        max_pixels=int(max_megapixels * 1_000_000),
        heavy_jobs=jobs,
    )
    context = build_context(weights=weights, device=device, limits=limits)
    options = ServeOptions(host=host, port=port, share=share, auth=parse_auth(auth))
    url, public_url = launch_app(build_app(context), context, options)
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
