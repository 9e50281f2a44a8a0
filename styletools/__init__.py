"""styletools: neural style transfer (Gatys et al., VGG19) and a plugin suite of image tools.

Importing the package is cheap: torch loads only when something that computes is used, so
command-line help and error paths answer instantly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["TransferConfig", "__version__", "transfer"]

if TYPE_CHECKING:
    from styletools.config import TransferConfig
    from styletools.methods import transfer


def __getattr__(name: str) -> Any:
    # Lazy exports keep `import styletools` free of torch and of file reads (PEP 562).
    if name == "__version__":
        # Declared once, in pyproject.toml; read from the installed package's metadata.
        import importlib.metadata

        return importlib.metadata.version("styletools")
    if name == "transfer":
        from styletools.methods import transfer

        return transfer
    if name == "TransferConfig":
        from styletools.config import TransferConfig

        return TransferConfig
    raise AttributeError(f"module 'styletools' has no attribute {name!r}")
