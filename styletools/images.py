"""Safe image I/O: the only way images enter or leave the core.

Opening normalises everything a camera, a scanner or the web produces (EXIF rotation, CMYK,
palettes, 16-bit, grayscale, alpha) to 8-bit RGB and refuses decompression bombs before
decoding. Saving is atomic, never replaces an input and keeps an existing file unless asked.

Shape:
    Tensors are float32 ``(N, 3, H, W)`` in [0, 1], RGB.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from styletools.errors import ImageError, OutputExistsError

if TYPE_CHECKING:
    import torch

#: Default pixel cap: 40 MP holds any camera photo yet stays far below Pillow's 89 MP bomb
#: limit, which would let a single upload take gigabytes once decoded to float tensors.
DEFAULT_MAX_PIXELS = 40_000_000
WHITE = (255, 255, 255)
#: Modes whose values run to 65535 (16-bit greys, and the 32-bit ints Pillow reads them as).
SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_SRGB = ImageCms.createProfile("sRGB")


def open_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = WHITE,
) -> Image.Image:
    """Open any image Pillow reads as an upright 8-bit RGB image.

    Args:
        path: The file to read.
        max_pixels: Refuse images with more pixels than this, before decoding them.
        background: Colour that transparent pixels are composited on.

    Returns:
        A fully decoded ``RGB`` image, EXIF orientation applied.

    Raises:
        ImageError: The file is missing, not an image, truncated, unsupported or too large.
    """
    return normalize_image(open_decoded(path, max_pixels=max_pixels), background=background)


def open_decoded(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open and fully decode an image in its own mode (a mask keeps its alpha and its 16 bits),
    with the same checks and one-line errors as :func:`open_image`."""
    path = Path(path)
    if path.is_dir():
        raise ImageError(path, "is a folder, not an image file")
    try:
        with warnings.catch_warnings():
            # Our cap is stricter than Pillow's bomb warning; the check below gives the message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                check_pixels(image.size, max_pixels=max_pixels, name=path)
                image.load()
                return ImageOps.exif_transpose(image)
    except FileNotFoundError:
        raise ImageError(path, "no such file") from None
    except PermissionError:
        raise ImageError(path, "permission denied") from None
    except Image.DecompressionBombError:
        raise ImageError(path, f"too many pixels (over the cap of {max_pixels:,})") from None
    except UnidentifiedImageError:
        raise ImageError(path, "not an image, or a format Pillow cannot read") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(path, f"truncated or corrupt image data ({error})") from None


def check_pixels(size: tuple[int, int], *, max_pixels: int, name: str | Path) -> None:
    """Refuse an image whose ``(width, height)`` exceeds the pixel cap.

    Raises:
        ImageError: The image has more than ``max_pixels`` pixels.
    """
    width, height = size
    if width * height > max_pixels:
        raise ImageError(
            name,
            f"{width}x{height} = {width * height:,} pixels is over the cap of {max_pixels:,}",
        )


def normalize_image(image: Image.Image, *, background: tuple[int, int, int] = WHITE) -> Image.Image:
    """Turn a decoded image of any mode into upright 8-bit sRGB.

    Pillow's own ``convert("RGB")`` clips 16-bit data to 255 and ignores colour profiles,
    so those cases are handled here explicitly.
    """
    image = ImageOps.exif_transpose(image)
    if image.mode in SIXTEEN_BIT_MODES:
        image = _sixteen_bit_to_l(image)
    image = _to_srgb(image)
    if image.mode == "P" or image.mode == "PA":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    if image.mode == "F":
        array = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255.0
        image = Image.fromarray(np.round(array).astype(np.uint8), mode="L")
    return image.convert("RGB")


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    """Scale 16-bit grayscale to 8 bits (65535 -> 255) instead of clipping it."""
    array = np.asarray(image, dtype=np.float64)
    return Image.fromarray(np.round(np.clip(array, 0, 65535) / 257.0).astype(np.uint8), mode="L")


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile (CMYK scans, wide-gamut photos) so colours stay true."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "CMYK"):
        return image.convert("RGB") if image.mode == "CMYK" else image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError):
        # A broken profile should not make a readable image unreadable.
        return image.convert("RGB")


def resize_long_side(image: Image.Image, long_side: int) -> Image.Image:
    """Resize so the longer side is ``long_side`` px, keeping the aspect ratio (Lanczos)."""
    width, height = image.size
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


def to_tensor(image: Image.Image) -> torch.Tensor:
    """Convert an RGB image to a float32 ``(1, 3, H, W)`` tensor in [0, 1].

    >>> to_tensor(Image.new("RGB", (5, 4))).shape
    torch.Size([1, 3, 4, 5])
    """
    import torch

    array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def to_pil(tensor: torch.Tensor) -> Image.Image:
    """Convert a ``(1, 3, H, W)`` or ``(3, H, W)`` tensor in [0, 1] to an RGB image.

    Values outside [0, 1] are clipped, as any display would.
    """
    from styletools.errors import ShapeError

    if tensor.dim() == 4:
        if tensor.shape[0] != 1:
            raise ShapeError("tensor", "(1, 3, H, W)", tuple(tensor.shape))
        tensor = tensor[0]
    if tensor.dim() != 3 or tensor.shape[0] != 3:
        raise ShapeError("tensor", "(3, H, W)", tuple(tensor.shape))
    # One copy into (H, W, 3) order first, then in-place arithmetic: Pillow gets contiguous
    # bytes without a strided gather (~15 % of a batch's per-image conversions).
    import torch

    hwc = tensor.detach().to("cpu", torch.float32).permute(1, 2, 0)
    pixels = hwc.clone(memory_format=torch.contiguous_format)  # never the caller's memory
    pixels = pixels.clamp_(0.0, 1.0).mul_(255.0).round_().to(torch.uint8)
    return Image.fromarray(pixels.numpy(), mode="RGB")


def output_format(path: str | Path) -> str:
    """The Pillow format name for a path's suffix.

    Raises:
        ImageError: The suffix names no format Pillow can write.
    """
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None or fmt not in Image.SAVE:
        raise ImageError(path, f"unsupported output format {path.suffix or '(no suffix)'!r}")
    return fmt


def save_image(
    image: Image.Image,
    path: str | Path,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path] = (),
    quality: int | None = None,
    fmt: str | None = None,
) -> Path:
    """Write an image atomically: a reader sees the old file or the new one, never half.

    Args:
        image: The image to write.
        path: Destination; its suffix chooses the format unless ``fmt`` is given.
        overwrite: Replace an existing file.
        inputs: Files this run read; writing onto any of them is refused even with
            ``overwrite``, so a slip of the command line never destroys a source.
        quality: Encoder quality for lossy formats (JPEG, WebP).
        fmt: Pillow format name, overriding the suffix.

    Returns:
        The path written.

    Raises:
        ImageError: The path is an input, exists, has an unknown suffix or is unwritable.
    """
    path = Path(path)
    fmt = fmt or output_format(path)
    _refuse_inputs(path, inputs)
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    options = {} if quality is None else {"quality": quality}
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    atomic_write(path, lambda handle: image.save(handle, format=fmt, **options))
    return path


def _refuse_inputs(path: Path, inputs: Iterable[str | Path]) -> None:
    target = path.resolve()
    for source in inputs:
        if Path(source).resolve() == target:
            raise ImageError(path, "is one of the inputs; refusing to overwrite it")


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write a file through a temporary sibling, fsync it, then rename it into place.

    Args:
        path: Destination file; its folder is created when missing.
        write: Callable taking a binary file handle and writing the content.

    Raises:
        ImageError: The destination cannot be written (permissions, missing drive, full disk).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finally below
            dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
        )
    except OSError as error:
        raise ImageError(path, f"cannot write ({error.strerror or error})") from None
    temp = Path(handle.name)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes owner-only files; give the output the mode any other new file gets.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except OSError as error:
        raise ImageError(path, f"cannot write ({error.strerror or error})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
