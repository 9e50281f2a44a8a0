"""Console-script entry: says how to install the CLI extra instead of failing on an import."""

from __future__ import annotations

import sys


def run() -> None:
    """Run the ``styletools`` command, or explain the missing ``cli`` extra in one line."""
    try:
        from styletools_cli.main import app
    except ModuleNotFoundError as error:
        if error.name not in ("typer", "rich", "click"):
            raise
        sys.stderr.write(
            f"styletools: the command line needs {error.name!r}: pip install 'styletools[cli]'\n"
        )
        sys.exit(1)
    from styletools.allocator import keep_freed_memory

    keep_freed_memory()
    app()
