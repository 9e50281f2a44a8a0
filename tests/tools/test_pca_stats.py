"""Dataset PCA statistics: agree with numpy on the pooled pixels, survive a JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from styletools.errors import ConfigError, ImageError, OutputExistsError
from styletools.tools.pca_stats import (
    compute_pca_stats,
    image_files,
    load_pca_stats,
    save_pca_stats,
)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    for index, size in enumerate([(8, 6), (5, 7)]):
        array = rng.integers(0, 256, size=(*size, 3), dtype=np.uint8)
        Image.fromarray(array).save(tmp_path / f"im{index}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_matches_numpy_covariance(folder):
    files = image_files(folder)
    assert [path.name for path in files] == ["im0.png", "im1.png"]
    stats = compute_pca_stats(files)
    pixels = np.concatenate([np.asarray(Image.open(p)).reshape(-1, 3) / 255.0 for p in files])
    values = np.linalg.eigvalsh(np.cov(pixels.T))[::-1]
    np.testing.assert_allclose(stats.eigenvalues, values, atol=1e-10)
    np.testing.assert_allclose(stats.mean, pixels.mean(axis=0), atol=1e-10)
    assert (stats.images, stats.pixels) == (2, 48 + 35)


def test_round_trip_and_refusals(folder, tmp_path):
    stats = compute_pca_stats(image_files(folder))
    path = save_pca_stats(stats, tmp_path / "out" / "stats.json")
    assert load_pca_stats(path) == stats
    with pytest.raises(OutputExistsError):
        save_pca_stats(stats, path)
    (tmp_path / "bad.json").write_text('{"eigenvalues": [1]}')
    with pytest.raises(ConfigError, match="not PCA statistics"):
        load_pca_stats(tmp_path / "bad.json")


def test_empty_folder_is_an_image_error(tmp_path):
    with pytest.raises(ImageError, match="holds no image files"):
        image_files(tmp_path)
