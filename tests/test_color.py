"""Colour conversions against Python's colorsys, and colour matching against numpy statistics."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
import torch

from styletools.color import keep_luminance, match_color, rgb_to_yiq, yiq_to_rgb


def colorsys_yiq(images: torch.Tensor) -> torch.Tensor:
    """YIQ per pixel with the standard library (its NTSC coefficients are rounded to 0.01)."""
    rgb = images[0].permute(1, 2, 0).reshape(-1, 3).double().numpy()
    yiq = np.array([colorsys.rgb_to_yiq(*pixel) for pixel in rgb])
    return torch.from_numpy(yiq.T.reshape(images.shape[1:])).unsqueeze(0).float()


@pytest.fixture
def picture(generator) -> torch.Tensor:
    return torch.rand(1, 3, 5, 6, generator=generator)


def test_rgb_to_yiq_agrees_with_colorsys(picture):
    # colorsys rounds the NTSC matrix to two decimals: agreement to 0.01 is all it can show.
    torch.testing.assert_close(rgb_to_yiq(picture), colorsys_yiq(picture), atol=1e-2, rtol=0)


@pytest.mark.parametrize("level", [0.0, 0.25, 1.0])
def test_gray_has_its_level_as_luminance_and_no_chroma(level):
    yiq = rgb_to_yiq(torch.full((1, 3, 2, 2), level))
    torch.testing.assert_close(yiq[:, 0], torch.full((1, 2, 2), level))
    torch.testing.assert_close(yiq[:, 1:], torch.zeros(1, 2, 2, 2), atol=1e-6, rtol=0)


def test_yiq_to_rgb_inverts_rgb_to_yiq(picture):
    torch.testing.assert_close(yiq_to_rgb(rgb_to_yiq(picture)), picture, atol=1e-5, rtol=0)


def test_keep_luminance_takes_luminance_from_generated_and_chroma_from_content(generator):
    # Mid-range colours so that the recombined image stays in gamut (no clamping).
    content = 0.35 + 0.3 * torch.rand(1, 3, 4, 4, generator=generator)
    generated = 0.35 + 0.3 * torch.rand(1, 3, 4, 4, generator=generator)
    out = colorsys_yiq(keep_luminance(generated, content))
    torch.testing.assert_close(out[:, 0], colorsys_yiq(generated)[:, 0], atol=2e-2, rtol=0)
    torch.testing.assert_close(out[:, 1:], colorsys_yiq(content)[:, 1:], atol=2e-2, rtol=0)
    exact = rgb_to_yiq(keep_luminance(generated, content))
    torch.testing.assert_close(exact[:, 0], rgb_to_yiq(generated)[:, 0], atol=1e-5, rtol=0)
    torch.testing.assert_close(exact[:, 1:], rgb_to_yiq(content)[:, 1:], atol=1e-5, rtol=0)


def test_keep_luminance_resizes_content_to_the_generated_size():
    content = torch.tensor([0.6, 0.4, 0.3]).view(1, 3, 1, 1).expand(1, 3, 8, 8).contiguous()
    generated = torch.full((1, 3, 4, 4), 0.5)
    out = keep_luminance(generated, content)
    assert out.shape == (1, 3, 4, 4)
    yiq = rgb_to_yiq(out)
    torch.testing.assert_close(yiq[:, 0], torch.full((1, 4, 4), 0.5), atol=1e-5, rtol=0)
    torch.testing.assert_close(
        yiq[:, 1:], rgb_to_yiq(content)[:, 1:, :4, :4], atol=1e-5, rtol=0
    )


def test_match_color_gives_the_reference_mean_and_covariance(generator):
    # Gaussian clouds with small spread: the matched values stay inside [0, 1] (no clamping).
    source = 0.5 + 0.04 * torch.randn(1, 3, 16, 16, generator=generator)
    mixing = torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0]])
    cloud = torch.einsum("ij,njhw->nihw", mixing, torch.randn(1, 3, 16, 16, generator=generator))
    reference = torch.tensor([0.6, 0.4, 0.3]).view(1, 3, 1, 1) + 0.03 * cloud
    matched = match_color(source, reference)
    assert matched.shape == source.shape
    assert matched.dtype == source.dtype
    got, want = matched.reshape(3, -1).double().numpy(), reference.reshape(3, -1).double().numpy()
    np.testing.assert_allclose(got.mean(axis=1), want.mean(axis=1), atol=1e-5)
    np.testing.assert_allclose(np.cov(got), np.cov(want), atol=1e-6)
