"""Fixtures of the fast-mode tests: synthetic photos, the bundled painting, tiny settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from styletools.examples import EXAMPLES_DIR
from styletools.fast.model_file import FastModel, ModelInfo, save_model
from styletools.fast.network import TransformerNet
from styletools.fast.settings import TrainConfig
from styletools.images import save_image, to_pil

#: A narrow network on small crops: a step costs ~0.1 s on 2 cores.
TINY = TrainConfig(size=32, steps=4, batch=1, width=4, residual_blocks=1, device="cpu")


def smooth_photo(seed: int, height: int, width: int) -> torch.Tensor:
    """A ``(1, 3, H, W)`` image of smooth random blobs: photo-like structure at any size."""
    coarse = torch.rand(1, 3, 6, 8, generator=torch.Generator().manual_seed(seed))
    return F.interpolate(coarse, size=(height, width), mode="bicubic").clamp(0, 1)


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of four small photos of different sizes and formats, one in a subfolder."""
    folder = tmp_path_factory.mktemp("photos")
    sizes = {"a.png": (48, 64), "b.jpg": (70, 50), "nested/c.png": (40, 40), "d.webp": (90, 60)}
    for seed, (name, (height, width)) in enumerate(sizes.items()):
        save_image(to_pil(smooth_photo(seed, height, width)), folder / name)
    return folder


@pytest.fixture(scope="session")
def painting() -> Path:
    """The bundled Starry Night."""
    return EXAMPLES_DIR / "style" / "starry_night.jpg"


#: The record of the hand-made models below.
INFO = ModelInfo(
    width=4, residual_blocks=1, painting="starry_night.jpg", painting_sha256="ab" * 32,
    strength=0.5, size=32, steps=4, batch=1, photos=4, seed=0, styletools_version="0.1.0",
    vgg_weights="vgg19", vgg_license="CC BY 4.0", vgg_attribution="Simonyan & Zisserman",
)  # fmt: skip


def tiny_network(seed: int = 3) -> TransformerNet:
    """An untrained narrow network with seeded weights: any fixed function will do."""
    torch.manual_seed(seed)
    return TransformerNet(INFO.width, INFO.residual_blocks).eval()


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model file of :func:`tiny_network`."""
    path = tmp_path_factory.mktemp("model") / "tiny.stm"
    save_model(FastModel(tiny_network(), INFO), path)
    return path
