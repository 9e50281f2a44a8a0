"""Shared fixtures of the tool tests: small seeded images and generators."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def images() -> torch.Tensor:
    """A seeded batch ``(3, 3, 12, 16)`` in [0.2, 0.8] (room for shifts without clipping)."""
    generator = torch.Generator().manual_seed(1234)
    return 0.2 + 0.6 * torch.rand(3, 3, 12, 16, generator=generator)


def seeded(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)
