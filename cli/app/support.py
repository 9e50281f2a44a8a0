"""Small pieces every tab of the web app uses: error translation, safe uploads, PNG results.

Uploads reach the handlers only as paths inside Gradio's upload cache (Gradio refuses any
other path at preprocessing); they are opened with the core's pixel cap before decoding.
"""

from __future__ import annotations

import contextlib
import re
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import gradio as gr
import torch
from PIL import Image, UnidentifiedImageError

from styletools import images
from styletools.errors import ImageError, StyletoolsError
from styletools.loading import load_image_tensor

#: An absolute server path (POSIX, or Windows with a drive letter) inside a message; group 1
#: is its last part, the file's own name. Gradio keeps an upload's name as that last part.
_SERVER_PATH = re.compile(r"""(?<![\w.])(?:[A-Za-z]:)?[/\\](?:[^/\\\s'"]+[/\\])+([^/\\\s'":;,]+)""")


def public_message(error: StyletoolsError) -> str:
    """The error as one line for the artist, naming files by their own name only.

    Uploads live in Gradio's cache (``/tmp/gradio/<hash>/photo.jpg``): the artist knows
    ``photo.jpg``, and the server's folders are nobody else's business. An
    :class:`ImageError` names its file's base name; any other absolute path left in a
    message (a tool quoting its folder parameter) is cut to its last part.

    >>> public_message(ImageError("/tmp/gradio/0a1b/truncated.jpg", "truncated image data"))
    'truncated.jpg: truncated image data'
    >>> public_message(StyletoolsError("/srv/gradio/ab/paintings: needs a painting"))
    'paintings: needs a painting'
    """
    text = f"{error.path.name}: {error.reason}" if isinstance(error, ImageError) else str(error)
    return " ".join(_SERVER_PATH.sub(r"\1", text).split())


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a :class:`StyletoolsError` to the artist as a one-line ``gr.Error``.

    The message names files by their base name only (see :func:`public_message`). Anything
    else is a bug and keeps its traceback in the server log. Works in plain functions and in
    generators alike (wrap the body in ``with user_errors():``).
    """
    try:
        yield
    except StyletoolsError as error:
        raise gr.Error(public_message(error), title="Cannot do that") from None


def upload_image(label: str, *, sources: list[str], elem_id: str, height: int) -> gr.Image:
    """An image input handing its handler the uploaded file's path, with readable errors.

    Gradio opens every uploaded image header while preprocessing; a file that is not an
    image (or a decompression bomb) would otherwise surface as a bare "Error". The
    component's ``preprocess`` is wrapped on the instance: a ``gr.Image`` subclass would make
    Gradio write a ``.pyi`` stub into our source tree.
    """
    image = gr.Image(label=label, sources=sources, type="filepath", image_mode=None,
                     elem_id=elem_id, height=height)
    plain = image.preprocess

    def preprocess(payload: Any) -> Any:
        with upload_errors(getattr(payload, "orig_name", None) or "upload"):
            return plain(payload)

    image.preprocess = preprocess  # type: ignore[method-assign]
    return image


@contextlib.contextmanager
def upload_errors(name: str) -> Iterator[None]:
    """Turn a failure to read the upload ``name`` while Gradio preprocesses it into one line.

    Preprocessing runs before any handler, so :func:`user_errors` cannot see these failures;
    without this they surface as a bare "Error".
    """
    title = "Cannot read the upload"
    try:
        yield
    except Image.DecompressionBombError:
        raise gr.Error(f"{name}: too many pixels", title=title) from None
    except ImageError as error:
        raise gr.Error(public_message(error), title=title) from None
    except (UnidentifiedImageError, OSError):
        reason = "not an image, or a format Pillow cannot read"
        raise gr.Error(f"{name}: {reason}", title=title) from None


def check_header(source: str | Path | BinaryIO, *, max_pixels: int, name: str) -> None:
    """Refuse an image over the pixel cap from its header, before anything decodes it.

    Raises:
        ImageError: More pixels than ``max_pixels``.
        UnidentifiedImageError: Not an image.
    """
    with warnings.catch_warnings():
        # Our cap is stricter than Pillow's bomb warning; check_pixels gives the message.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(source) as image:
            images.check_pixels(image.size, max_pixels=max_pixels, name=name)


def require(path: str | None, what: str) -> str:
    """The upload path, or a clear error saying which image is missing."""
    if not path:
        raise ImageError(what, "no image given; upload one first")
    return path


def load_upload(path: str, *, long_side: int | None, max_pixels: int) -> torch.Tensor:
    """Open an uploaded image as ``(1, 3, H, W)`` in [0, 1], resized to ``long_side`` if given.

    Raises:
        ImageError: Not an image, or more pixels than ``max_pixels``.
    """
    if long_side is None:
        return images.to_tensor(images.open_image(path, max_pixels=max_pixels))
    return load_image_tensor(path, long_side, max_pixels=max_pixels)


def save_png(image: torch.Tensor | Image.Image, folder: Path, stem: str) -> Path:
    """Write a full-resolution PNG (lossless, unlike the WebP previews) for download."""
    picture = images.to_pil(image) if isinstance(image, torch.Tensor) else image
    return images.save_image(picture, folder / f"{stem}-{uuid.uuid4().hex[:8]}.png", fmt="PNG")


def session_of(request: gr.Request | None) -> str:
    """Gradio's session hash (one per page load or API client); ``"-"`` when unknown."""
    return (request.session_hash if request is not None else None) or "-"
