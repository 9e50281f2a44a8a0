"""Augmentation tools: each op does what it claims."""

from __future__ import annotations

import math

import pytest
import torch
from torchvision.transforms.v2 import functional as tvf

from styletools.tools import default_registry
from styletools.tools.functional.augment import pca_basis, rgb_covariance
from styletools.tools.pca_stats import PcaStats, save_pca_stats

REGISTRY = default_registry(plugins=False)


def _run(name, images, values=None, seed=0):
    tool = REGISTRY.create(name, values)
    drawn = tool.make_params(images, generator=torch.Generator().manual_seed(seed))
    return tool.apply(images, drawn), drawn


@pytest.mark.parametrize(("axis", "dim"), [("horizontal", -1), ("vertical", -2)])
def test_flip_is_an_exact_flip(axis, dim, images):
    assert torch.equal(_run("flip", images, {"axis": axis, "p": "1"})[0], images.flip(dim))
    assert torch.equal(_run("flip", images, {"axis": axis, "p": "0"})[0], images)


def test_crop_has_the_promised_size_and_area(images):
    out, drawn = _run("crop", images, {"size": "10", "scale": "0.5-0.8", "ratio": "0.5-2"})
    assert out.shape == (3, 3, 10, 10)
    for sample in drawn:
        area = sample["height"] * sample["width"] / (12 * 16)
        assert 0.5 - 0.1 <= area <= 0.8 + 0.1  # rounding of sides on a tiny image
        assert sample["top"] + sample["height"] <= 12 and sample["left"] + sample["width"] <= 16


def test_crop_applies_torchvision_resized_crop(images):
    out, drawn = _run("crop", images)
    expected = tvf.resized_crop(images[:1], **drawn[0], size=[12, 16], antialias=True)
    assert out.shape == images.shape and torch.equal(out[:1], expected)


def test_crop_falls_back_to_the_centre():
    tall = torch.rand(1, 3, 40, 10)
    _, [drawn] = _run("crop", tall, {"scale": "1-1", "ratio": "2-3"})
    assert drawn == {"top": 17, "left": 0, "height": 5, "width": 10}


def test_rotate_quarter_turn_is_exact():
    square = torch.rand(2, 3, 9, 9)
    out, drawn = _run("rotate", square, {"degrees": "90-90", "interpolation": "nearest"})
    assert drawn == [{"angle": 90.0}] * 2
    assert torch.equal(out, torch.rot90(square, 1, dims=(-2, -1)))


def test_rotate_draws_within_range(images):
    _, drawn = _run("rotate", images, {"degrees": "-5-10"}, seed=3)
    assert all(-5 <= sample["angle"] <= 10 for sample in drawn)


def test_shear_calls_torchvision_affine(images):
    out, drawn = _run("shear", images, {"x": "-20-20", "y": "5-5"})
    expected = tvf.affine(images[1:2], angle=0.0, translate=[0, 0], scale=1.0,
                          shear=drawn[1]["shear"], fill=None,  # zero fill, unmasked
                          interpolation=tvf.InterpolationMode.BILINEAR)
    assert drawn[1]["shear"][1] == 5.0 and torch.equal(out[1:2], expected)


def test_elastic_without_strength_is_identity(images):
    out, _ = _run("elastic", images, {"alpha": "0"})
    torch.testing.assert_close(out, images, atol=1e-5, rtol=0)


def test_elastic_field_is_replayed_from_its_seed(images):
    out, drawn = _run("elastic", images, {"alpha": "20", "sigma": "2"})
    assert not torch.allclose(out, images, atol=1e-2)
    assert torch.equal(REGISTRY.create("elastic", {"alpha": "20", "sigma": "2"}).apply(
        images, drawn), out)


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_color_shift_moves_channel_means_by_the_offsets(distribution, images):
    # Images lie in [0.2, 0.8]: offsets below 0.2 never clip.
    out, drawn = _run("color-shift", images, {"sigma": "0.05", "distribution": distribution})
    moved = (out - images).mean(dim=(2, 3))
    torch.testing.assert_close(moved, torch.tensor([s["offsets"] for s in drawn]), atol=1e-6,
                               rtol=0)
    if distribution == "uniform":
        assert all(abs(o) <= 0.05 for s in drawn for o in s["offsets"])


def test_pca_shift_lies_along_the_eigenvectors(images):
    out, drawn = _run("pca-color", images, {"sigma": "1.0"})
    values, vectors = pca_basis(rgb_covariance(images))
    shift = (out - images).to(torch.float64)
    # The same shift at every pixel ...
    torch.testing.assert_close(shift.amax(dim=(2, 3)), shift.amin(dim=(2, 3)), atol=1e-6, rtol=0)
    # ... whose coordinates in the eigenvector basis are alpha_i * lambda_i.
    coordinates = (vectors.transpose(1, 2) @ shift[:, :, 0, 0].unsqueeze(-1)).squeeze(-1)
    expected = torch.tensor([s["alphas"] for s in drawn], dtype=torch.float64) * values
    torch.testing.assert_close(coordinates, expected, atol=1e-6, rtol=0)


def test_pca_basis_is_orthonormal_and_sign_stable(images):
    values, vectors = pca_basis(rgb_covariance(images))
    identity = torch.eye(3, dtype=torch.float64).expand(3, 3, 3)
    torch.testing.assert_close(vectors.transpose(1, 2) @ vectors, identity)
    assert (values[:, :-1] >= values[:, 1:]).all()
    largest = vectors.abs().argmax(dim=1, keepdim=True)
    assert (vectors.gather(1, largest) > 0).all()


def test_pca_with_dataset_stats_uses_them(tmp_path, images):
    axis = 1 / math.sqrt(3)
    stats = PcaStats(eigenvalues=(0.2, 0.0, 0.0),
                     eigenvectors=((axis, 0.0, 0.0), (axis, 1.0, 0.0), (axis, 0.0, 1.0)),
                     mean=(0.5, 0.5, 0.5), images=1, pixels=1)
    path = save_pca_stats(stats, tmp_path / "stats.json")
    out, drawn = _run("pca-color", images, {"stats": str(path), "sigma": "0.5"})
    shift = (out - images)[:, :, 0, 0]
    expected = torch.tensor([[s["alphas"][0] * 0.2 * axis] * 3 for s in drawn])
    torch.testing.assert_close(shift, expected, atol=1e-6, rtol=0)


def test_pca_missing_stats_file_is_a_config_error(tmp_path):
    from styletools.errors import ConfigError

    with pytest.raises(ConfigError, match="no such file"):
        REGISTRY.create("pca-color", {"stats": str(tmp_path / "none.json")})
