"""How the app is served, declared once: ``styletools app``'s options are generated from it.

Kept free of gradio and torch, so ``styletools --help`` lists these options at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from styletools.config import DEFAULT_WEIGHTS, TransferConfig
from styletools.errors import ConfigError
from styletools.params import check_params, declared, param, param_specs

_TRANSFER = {spec.name: spec for spec in param_specs(TransferConfig)}


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``user:password`` -> ``(user, password)``.

    Raises:
        ConfigError: No colon, or an empty user or password.

    >>> parse_auth("ada:lovelace")
    ('ada', 'lovelace')
    """
    if text is None:
        return None
    user, colon, password = text.partition(":")
    if not (colon and user and password):
        raise ConfigError("--auth: expected USER:PASSWORD, both non-empty")
    return user, password


@dataclass(frozen=True)
class ServeSettings:
    """The server's settings: where it listens, who may open it, what one visitor may take."""

    host: str = param(
        "127.0.0.1", help="interface to bind; loopback unless you share: 0.0.0.0 shares on "
        "your network"
    )
    port: int = param(7860, help="TCP port", min=1, max=65535)
    share: bool = param(False, help="also open a public gradio.live link")
    auth: str | None = param(None, help="require USER:PASSWORD to open the app")
    weights: str = param(DEFAULT_WEIGHTS, help="VGG19 weights id or file")
    device: str = param("auto", help="auto (cuda, then mps, then cpu), cpu, cuda[:N] or mps")
    jobs: int = param(1, help="heavy jobs (transfers) run at once; others queue", min=1)
    max_upload_mb: float = param(25.0, help="largest upload", min=0.1, unit="MB")
    max_megapixels: float = param(40.0, help="largest image", min=0.01, unit="MP")
    max_memory: str | None = declared(_TRANSFER["max_memory"])

    def __post_init__(self) -> None:
        check_params("app", self)
        parse_auth(self.auth)

    def credentials(self) -> tuple[str, str] | None:
        """``(user, password)`` required to open the app, or None."""
        return parse_auth(self.auth)
