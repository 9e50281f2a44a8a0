"""Training crops from folders of photos: random scale, crop and flip, reproducible per step.

Every random choice of step ``k`` comes from a generator seeded by ``(seed, k)``, and the
order of photos from one seeded by ``(seed, epoch)``. A step's batch is therefore a pure
function of the seed, the step and the list of photos: a resumed run draws exactly the
batches the interrupted one would have, with no generator state to carry.

Photos are read with :func:`styletools.images.open_image` (EXIF rotation, colour profiles,
pixel cap). A file that cannot be read is skipped, recorded in :attr:`PhotoFolder.skipped`
with its reason, and replaced by the next photo of the order.

Shape:
    A batch is ``(B, 3, size, size)`` float32 in [0, 1] on the CPU.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from styletools import images
from styletools.errors import ConfigError, ImageError
from styletools.examples import IMAGE_SUFFIXES

#: Photos are kept at up to this multiple of the crop side, so a crop can zoom in by up to
#: this factor (scale augmentation) without decoding the file again.
ZOOM = 1.25
#: Decoded photos kept in memory (uint8, ~0.3 MB each at 256 px): all of a small folder.
CACHE_SIZE = 512


def list_photos(sources: Sequence[Path]) -> list[Path]:
    """The image files of ``sources``: files as given, folders searched recursively (hidden
    entries skipped), in a stable order.

    Raises:
        ConfigError: A source does not exist, or there is no image file at all.
    """
    found: list[Path] = []
    for source in map(Path, sources):
        if source.is_file():
            found.append(source)
        elif source.is_dir():
            found.extend(
                sorted(
                    path
                    for path in source.rglob("*")
                    if path.suffix.lower() in IMAGE_SUFFIXES
                    and path.is_file()
                    and not any(part.startswith(".") for part in path.relative_to(source).parts)
                )
            )
        else:
            raise ConfigError(f"photos: {source} does not exist")
    if not found:
        shown = ", ".join(map(str, sources)) or "(none given)"
        raise ConfigError(f"photos: no image files in {shown}")
    return found


def seeded(seed: int, *words: object) -> torch.Generator:
    """A CPU generator seeded from ``seed`` and a purpose (``"order", epoch``): independent
    streams that never depend on how many numbers another stream drew."""
    digest = hashlib.sha256(":".join(map(str, (seed, *words))).encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)


class PhotoFolder:
    """Random training crops of photos from files and folders.

    Args:
        sources: Photo files and folders (searched recursively).
        size: Side of the square crops, px.
        seed: Seed of the order and of the crops.
        max_pixels: Photos over this are skipped (see :func:`styletools.images.open_image`).
    """

    def __init__(
        self, sources: Sequence[Path], size: int, *, seed: int,
        max_pixels: int = images.DEFAULT_MAX_PIXELS,
    ) -> None:  # fmt: skip
        self.sources = tuple(map(Path, sources))
        self.size, self.seed, self.max_pixels = size, seed, max_pixels
        self.files = list_photos(self.sources)
        #: Files that could not be read, with the reason (one line each).
        self.skipped: dict[Path, str] = {}
        self._cache: OrderedDict[Path, torch.Tensor] = OrderedDict()

    def names(self) -> list[str]:
        """The files as found: what a checkpoint records as the data."""
        return [path.as_posix() for path in self.files]

    def skipped_names(self) -> dict[str, str]:
        """The unreadable files so far, with their reasons."""
        return {path.as_posix(): reason for path, reason in self.skipped.items()}

    def batch(self, step: int, batch: int) -> torch.Tensor:
        """The crops of step ``step`` (0-based): ``(batch, 3, size, size)``.

        Raises:
            ConfigError: No photo can be read.
        """
        generator = seeded(self.seed, "crop", step)
        crops = [self._crop(self._photo(step * batch + item), generator) for item in range(batch)]
        return torch.stack(crops)

    def _photo(self, index: int) -> torch.Tensor:
        """The ``index``-th photo of the endless order (epoch by epoch), skipping bad ones."""
        count = len(self.files)
        order = torch.randperm(count, generator=seeded(self.seed, "order", index // count))
        for offset in range(count):
            path = self.files[int(order[(index + offset) % count])]
            if path not in self.skipped:
                photo = self._load(path)
                if photo is not None:
                    return photo
        raise ConfigError(f"photos: none of the {count} image files can be read")

    def _load(self, path: Path) -> torch.Tensor | None:
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        try:
            picture = images.open_image(path, max_pixels=self.max_pixels)
        except ImageError as error:
            self.skipped[path] = error.reason
            return None
        # Keep the short side at ZOOM·size: large photos shrink once, small ones stay.
        scale = round(self.size * ZOOM) / min(picture.size)
        if scale < 1:
            picture = images.resize_long_side(picture, round(max(picture.size) * scale))
        pixels = images.to_tensor(picture)[0].mul(255).round().to(torch.uint8)
        self._cache[path] = pixels
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return pixels

    def _crop(self, photo: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """A random square of side in [size, ZOOM·size] (bounded by the photo), resized to
        ``size`` and flipped left-right with probability 1/2."""
        _, height, width = photo.shape
        largest = min(height, width, round(self.size * ZOOM))
        smallest = min(self.size, largest)
        side = int(torch.randint(smallest, largest + 1, (1,), generator=generator))
        top = int(torch.randint(0, height - side + 1, (1,), generator=generator))
        left = int(torch.randint(0, width - side + 1, (1,), generator=generator))
        flip = bool(torch.rand((), generator=generator) < 0.5)
        crop = photo[:, top : top + side, left : left + side].float().div_(255.0)
        if side != self.size:
            crop = F.interpolate(
                crop[None], size=(self.size, self.size), mode="bilinear", antialias=True,
                align_corners=False,
            )[0].clamp_(0, 1)  # fmt: skip
        return crop.flip(-1) if flip else crop
