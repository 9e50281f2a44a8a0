"""A dataset's RGB principal components, for AlexNet-style PCA colour augmentation.

``styletools pca-stats DIR -o stats.json`` computes them once over a folder of images; the
``pca-color`` tool reads the file through its ``stats`` parameter.

The JSON file holds ``eigenvalues`` (3, descending), ``eigenvectors`` (3x3, column ``i``
belongs to eigenvalue ``i``), ``mean`` (RGB), and the ``images`` and ``pixels`` counted, all
for RGB values in [0, 1].
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from PIL import Image

from styletools.errors import ConfigError, ImageError, OutputExistsError
from styletools.images import atomic_write, open_image, resize_long_side, to_tensor
from styletools.tools.functional.augment import pca_basis

#: Long side images are reduced to before counting: the statistics hardly change.
DEFAULT_LONG_SIDE = 256


@dataclass(frozen=True)
class PcaStats:
    """Principal components of a dataset's RGB values.

    Attributes:
        eigenvalues: Three eigenvalues, descending.
        eigenvectors: 3x3 rows of a matrix whose column ``i`` is eigenvector ``i``.
        mean: Mean RGB value.
        images: Number of images counted.
        pixels: Number of pixels counted.
    """

    eigenvalues: tuple[float, ...]
    eigenvectors: tuple[tuple[float, ...], ...]
    mean: tuple[float, ...]
    images: int
    pixels: int

    def tensors(self) -> dict[str, torch.Tensor]:
        """``eigenvalues`` ``(3,)`` and ``eigenvectors`` ``(3, 3)`` as float64 tensors."""
        return {
            "eigenvalues": torch.tensor(self.eigenvalues, dtype=torch.float64),
            "eigenvectors": torch.tensor(self.eigenvectors, dtype=torch.float64),
        }


def image_files(folder: str | Path) -> list[Path]:
    """Files under ``folder`` (recursively) whose suffix Pillow reads, sorted.

    Raises:
        ImageError: ``folder`` is not a folder or holds no image.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageError(folder, "no such folder")
    readable = Image.registered_extensions().items()
    suffixes = {suffix for suffix, fmt in readable if fmt in Image.OPEN}
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    if not files:
        raise ImageError(folder, "holds no image files")
    return files


def compute_pca_stats(
    paths: Iterable[str | Path], *, long_side: int = DEFAULT_LONG_SIDE
) -> PcaStats:
    """PCA of the RGB values of all pixels of all images, streamed one image at a time.

    Args:
        paths: Image files.
        long_side: Each image is reduced to this long side first (never enlarged).

    Returns:
        The statistics.

    Raises:
        ImageError: An image cannot be read, or ``paths`` is empty.
    """
    total = torch.zeros(3, dtype=torch.float64)
    outer = torch.zeros(3, 3, dtype=torch.float64)
    count = images = 0
    for path in paths:
        image = open_image(path)
        image = resize_long_side(image, min(long_side, max(image.size)))
        pixels = to_tensor(image)[0].flatten(1).to(torch.float64)
        total += pixels.sum(dim=1)
        outer += pixels @ pixels.T
        count, images = count + pixels.shape[1], images + 1
    if images == 0:
        raise ImageError(".", "no images to compute PCA statistics from")
    mean = total / count
    covariance = (outer - count * torch.outer(mean, mean)) / max(count - 1, 1)
    values, vectors = pca_basis(covariance)
    return PcaStats(
        eigenvalues=tuple(values.tolist()),
        eigenvectors=tuple(tuple(row) for row in vectors.tolist()),
        mean=tuple(mean.tolist()),
        images=images,
        pixels=count,
    )


def save_pca_stats(stats: PcaStats, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write statistics as JSON, atomically.

    Raises:
        ImageError: The file exists (and not ``overwrite``) or cannot be written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    text = json.dumps(asdict(stats), indent=2) + "\n"
    atomic_write(path, lambda handle: handle.write(text.encode()))
    return path


def load_pca_stats(path: str | Path) -> PcaStats:
    """Read statistics written by :func:`save_pca_stats`.

    Raises:
        ConfigError: The file is missing or not valid statistics.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        stats = PcaStats(
            eigenvalues=tuple(map(float, data["eigenvalues"])),
            eigenvectors=tuple(tuple(map(float, row)) for row in data["eigenvectors"]),
            mean=tuple(map(float, data["mean"])),
            images=int(data["images"]),
            pixels=int(data["pixels"]),
        )
    except FileNotFoundError:
        raise ConfigError(f"pca-color: stats file {path}: no such file") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"pca-color: stats file {path}: not PCA statistics ({error})") from None
    if len(stats.eigenvalues) != 3 or [len(row) for row in stats.eigenvectors] != [3, 3, 3]:
        raise ConfigError(f"pca-color: stats file {path}: expected 3 eigenvalues and 3x3 vectors")
    return stats
