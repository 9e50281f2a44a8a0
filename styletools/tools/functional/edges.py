"""Edge filters as ``torch.nn.functional.conv2d`` on a batch: the course's convolution examples.

As in the course (and every deep-learning library), "convolution" here is cross-correlation:
the kernel is not flipped. The vertical-edge kernel has columns ``[1, 0, -1]``, so a bright
region on the left of a dark one gives a positive response; the ``x`` kernels of Sobel,
Scharr and Prewitt share that sign, and their ``y`` kernels are the transposes.

Output size per side follows the course's formula ``floor((n + 2p - f) / s) + 1`` with
``f = 3``, ``p = 1`` for the "same" paddings (``zero``, ``reflect``, ``replicate``) and
``p = 0`` for ``none``.

Degenerate sizes have a defined result or one clear error, never a torch crash:

* ``reflect`` mirrors a neighbour, so it needs a side of at least 2 px. On a 1 px side
  (a 1x1 photo, a 1 px line) that side is padded with ``replicate`` instead: the only
  extension of a single pixel is the pixel itself, which is also what scipy's half-sample
  ``reflect`` gives. Each axis is decided alone, so a 1x7 strip still reflects along its 7 px.
* A ``stride`` larger than the image follows the formula: the kernel fits once, so that side of
  the output is 1 px (the response at the top-left position).
* ``none`` on a side under 3 px leaves no position where the kernel fits (the formula gives 0
  or less): :func:`convolve` raises :class:`~styletools.errors.ToolError` naming the size,
  rather than returning an empty image that no front end could save.

Shape:
    images: ``(N, 3, H, W)`` float -> response ``(N, C, H', W')`` float, unscaled, where
    ``C`` is 1 for ``color="gray"`` and 3 for ``color="rgb"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import torch
import torch.nn.functional as nnf

from styletools.errors import ConfigError, ToolError
from styletools.tools.registry import check_images

Kernel = tuple[tuple[float, ...], ...]
_T = TypeVar("_T")


def _transpose(kernel: Kernel) -> Kernel:
    return tuple(zip(*kernel, strict=True))


VERTICAL: Kernel = ((1, 0, -1), (1, 0, -1), (1, 0, -1))
SOBEL_X: Kernel = ((1, 0, -1), (2, 0, -2), (1, 0, -1))
SCHARR_X: Kernel = ((3, 0, -3), (10, 0, -10), (3, 0, -3))
LAPLACIAN: Kernel = ((0, 1, 0), (1, -4, 1), (0, 1, 0))

#: Filter name -> (x kernel, y kernel or None for single-kernel filters).
FILTERS: dict[str, tuple[Kernel, Kernel | None]] = {
    "vertical": (VERTICAL, None),
    "horizontal": (_transpose(VERTICAL), None),
    "sobel": (SOBEL_X, _transpose(SOBEL_X)),
    "scharr": (SCHARR_X, _transpose(SCHARR_X)),
    "prewitt": (VERTICAL, _transpose(VERTICAL)),
    "laplacian": (LAPLACIAN, None),
}
#: ITU-R BT.601 luma weights, as ``torchvision``'s ``rgb_to_grayscale``.
LUMA = (0.299, 0.587, 0.114)
#: Smallest side ``reflect`` padding can mirror; below it that side is replicated instead.
MIN_REFLECT_SIDE = 2
#: Padding name -> ``torch.nn.functional.pad`` mode (``None``: no padding, "valid").
PADDINGS: dict[str, str | None] = {
    "zero": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "none": None,
}
#: Colour mode -> channels filtered: the luminance, or each of R, G, B.
CHANNELS = {"gray": 1, "rgb": 3}
#: Direction -> index of the kernel in a :data:`FILTERS` pair (``None``: both, as magnitude).
DIRECTIONS: dict[str, int | None] = {"x": 0, "y": 1, "magnitude": None}


def choose(table: Mapping[str, _T], key: str, what: str) -> _T:
    """Look ``key`` up in ``table``; the error names the argument and the allowed keys.

    Raises:
        ConfigError: ``key`` is not in ``table``.
    """
    if key not in table:
        raise ConfigError(f"{what}={key!r} is not allowed; expected one of {', '.join(table)}")
    return table[key]


def gain(name: str) -> float:
    """Largest response of a filter's x kernel to a [0, 1] step edge: its positive weights.

    >>> gain("sobel"), gain("scharr")
    (4.0, 16.0)
    """
    kernel = choose(FILTERS, name, "filter")[0]
    return float(sum(weight for row in kernel for weight in row if weight > 0))


def output_size(size: int, *, padding: str, stride: int, kernel: int = 3) -> int:
    """The course's ``floor((n + 2p - f) / s) + 1`` for one side.

    >>> output_size(6, padding="none", stride=1), output_size(7, padding="zero", stride=2)
    (4, 4)
    """
    pad = 0 if choose(PADDINGS, padding, "padding") is None else (kernel - 1) // 2
    return (size + 2 * pad - kernel) // stride + 1


def check_fits(height: int, width: int, *, padding: str, stride: int) -> None:
    """Check that the 3x3 kernel fits at least once, so the output has a pixel on each side.

    Only ``padding="none"`` can fail: the "same" paddings add a pixel on each border, so
    even a 1 px side has 3 px to cover.

    Raises:
        ToolError: An output side would be 0 px; the message gives the image's width x height.

    >>> check_fits(2, 2, padding="zero", stride=1)
    >>> check_fits(2, 2, padding="none", stride=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    styletools.errors.ToolError: padding='none' needs ... got 2x2 px (width x height); ...
    """
    sides = (output_size(side, padding=padding, stride=stride) for side in (height, width))
    if min(sides) < 1:
        raise ToolError(
            f"padding={padding!r} needs an image of at least 3x3 px (the kernel must fit once),"
            f" got {width}x{height} px (width x height); use padding reflect, replicate or zero"
        )


def pad(images: torch.Tensor, mode: str) -> torch.Tensor:
    """Add one pixel on every border with ``mode``, replicating a side too short to reflect.

    Args:
        images: ``(N, C, H, W)``.
        mode: A :func:`torch.nn.functional.pad` mode: ``constant``, ``reflect``, ``replicate``.

    Returns:
        ``(N, C, H + 2, W + 2)``.

    >>> pad(torch.tensor([[[[1.0, 2.0]]]]), "reflect")[0, 0]
    tensor([[2., 1., 2., 1.],
            [2., 1., 2., 1.],
            [2., 1., 2., 1.]])
    """
    height, width = images.shape[-2:]
    if mode != "reflect" or min(height, width) >= MIN_REFLECT_SIDE:
        return nnf.pad(images, (1, 1, 1, 1), mode=mode)

    # torch's reflect needs pad < side. Reflect and replicate are per-axis index maps, so
    # padding the axes one after the other in different modes is exact.
    def mode_for(side: int) -> str:
        return mode if side >= MIN_REFLECT_SIDE else "replicate"

    images = nnf.pad(images, (1, 1, 0, 0), mode=mode_for(width))
    return nnf.pad(images, (0, 0, 1, 1), mode=mode_for(height))


def convolve(
    images: torch.Tensor,
    kernel: Kernel,
    *,
    color: str = "gray",
    padding: str = "reflect",
    stride: int = 1,
) -> torch.Tensor:
    """Cross-correlate a batch with one 3x3 kernel.

    Args:
        images: ``(N, 3, H, W)`` float.
        kernel: 3x3 weights, rows top to bottom.
        color: ``gray`` filters the luminance; ``rgb`` filters each channel.
        padding: ``zero``, ``reflect``, ``replicate`` (same size at stride 1) or ``none``.
            ``reflect`` replicates a 1 px side (see :func:`pad`).
        stride: Step of the kernel, >= 1; larger than the image gives a 1 px side.

    Returns:
        ``(N, 1, H', W')`` for gray, ``(N, 3, H', W')`` for rgb, unscaled; ``H', W' >= 1``.

    Raises:
        ConfigError: Unknown ``color`` or ``padding``, or ``stride < 1``.
        ToolError: ``padding="none"`` on an image under 3 px on a side (see :func:`check_fits`).

    >>> convolve(torch.zeros(2, 3, 6, 6), VERTICAL, padding="none").shape
    torch.Size([2, 1, 4, 4])
    """
    check_images(images)
    mode = choose(PADDINGS, padding, "padding")
    channels = choose(CHANNELS, color, "color")
    if stride < 1:
        raise ConfigError(f"stride={stride!r} is not allowed; expected an integer >= 1")
    check_fits(*images.shape[-2:], padding=padding, stride=stride)
    if color == "gray":
        luma = torch.tensor(LUMA, dtype=images.dtype, device=images.device)
        images = (images * luma.view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
    if mode is not None:
        images = pad(images, mode)
    weight = torch.tensor(kernel, dtype=images.dtype, device=images.device)
    weight = weight.expand(channels, 1, 3, 3)
    return nnf.conv2d(images, weight, stride=stride, groups=channels)


def edge_response(
    images: torch.Tensor,
    name: str,
    *,
    direction: str = "x",
    color: str = "gray",
    padding: str = "reflect",
    stride: int = 1,
) -> torch.Tensor:
    """Raw response of a named filter: one direction, or the gradient magnitude.

    Args:
        images: ``(N, 3, H, W)`` float.
        name: A key of :data:`FILTERS`.
        direction: ``x``, ``y`` or ``magnitude`` (``sqrt(x**2 + y**2)``); single-kernel
            filters (``vertical``, ``horizontal``, ``laplacian``) accept only ``x``.
        color, padding, stride: See :func:`convolve`.

    Returns:
        ``(N, C, H', W')`` unscaled (a Sobel x response to a 0 -> 1 step is 4).

    Raises:
        ConfigError: Unknown filter or direction, or a direction the filter lacks.
    """
    kernels = choose(FILTERS, name, "filter")
    index = choose(DIRECTIONS, direction, "direction")
    if kernels[1] is None and direction != "x":
        raise ConfigError(f"filter {name!r} has a single kernel; direction must be 'x'")

    def respond(kernel: Kernel) -> torch.Tensor:
        return convolve(images, kernel, color=color, padding=padding, stride=stride)

    if index is None:
        return torch.hypot(respond(kernels[0]), respond(kernels[1]))
    return respond(kernels[index])


#: How a raw response becomes an image in [0, 1] (``scale`` is the filter's :func:`gain`).
DISPLAYS = {
    "signed": lambda response, scale: 0.5 + response / (2 * scale),
    "absolute": lambda response, scale: response.abs() / scale,
}


def edges(
    images: torch.Tensor,
    name: str,
    *,
    direction: str = "x",
    color: str = "gray",
    display: str = "absolute",
    padding: str = "reflect",
    stride: int = 1,
) -> torch.Tensor:
    """A named edge filter as an RGB image in [0, 1].

    The response is divided by the filter's :func:`gain`; ``signed`` maps zero to mid-grey
    (0.5), ``absolute`` maps zero to black. A magnitude is never negative, so ``signed``
    and ``absolute`` displays differ only for the ``x`` and ``y`` directions. Gray responses are
    repeated on the three channels.

    Args:
        images: ``(N, 3, H, W)`` float in [0, 1].
        name, direction, color, padding, stride: See :func:`edge_response`.
        display: ``signed`` or ``absolute``.

    Returns:
        ``(N, 3, H', W')`` float in [0, 1], dtype and device of ``images``.

    >>> edges(torch.rand(2, 3, 8, 8), "sobel", direction="magnitude").shape
    torch.Size([2, 3, 8, 8])
    """
    mapping = choose(DISPLAYS, display, "display")
    response = edge_response(
        images, name, direction=direction, color=color, padding=padding, stride=stride
    )
    if direction == "magnitude":
        mapping = DISPLAYS["absolute"]
    image = mapping(response, gain(name)).clamp(0.0, 1.0)
    return image.expand(-1, 3, -1, -1).contiguous()
