"""Edge-filter tools: the course's convolution examples, one registered class per filter.

Every filter shares one parameter set (:class:`EdgeParams`); the gradient pairs (Sobel,
Scharr, Prewitt) add a ``direction``. The kernels are in
:mod:`styletools.tools.functional.edges`; these tools are deterministic.

Every image size has a defined result or one clear error (see :class:`EdgeFilter`).

Shape:
    ``(N, 3, H, W)`` float in [0, 1] -> ``(N, 3, H', W')`` float in [0, 1], with
    ``H' = floor((H + 2p - 3) / stride) + 1`` (``p = 1``, or 0 for ``padding=none``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import torch

from styletools.params import param
from styletools.tools.functional import edges as F
from styletools.tools.registry import SampleParams, Tool


@dataclass(frozen=True)
class EdgeParams:
    """Options of every edge filter."""

    color: str = param("gray", help="filter the luminance (gray) or each channel (rgb)",
                       choices=tuple(F.CHANNELS))
    display: str = param("absolute", help="signed: zero is mid-grey; absolute: zero is black",
                         choices=tuple(F.DISPLAYS))
    padding: str = param("reflect", help="border handling (reflect replicates a 1 px side); "
                         "'none' shrinks the output by 2 px and needs 3x3 px",
                         choices=tuple(F.PADDINGS))
    stride: int = param(1, help="step of the kernel; output side floor((n+2p-3)/s)+1",
                        min=1, max=16)


@dataclass(frozen=True)
class GradientParams(EdgeParams):
    """Options of a filter with an x and a y kernel."""

    direction: str = param("magnitude", help="x (vertical edges), y (horizontal edges) "
                           "or magnitude sqrt(x^2+y^2)", choices=tuple(F.DIRECTIONS))


class EdgeFilter(Tool):
    """Base of the edge tools: applies :func:`~styletools.tools.functional.edges.edges`.

    Degenerate sizes, decided once in the kernel for every edge tool (so a 1x1 photo or a
    1 px line never reaches torch's padding error):

    * ``padding=reflect`` on a 1 px side pads that side with ``replicate``, since there is no
      neighbour to mirror; the other side still reflects. A 1x1 image gives a flat response:
      black with ``display=absolute``, mid-grey with ``signed``.
    * ``stride`` larger than the image gives a 1 px side, as the course's formula says
      (the kernel fits once, at the top-left).
    * ``padding=none`` on an image under 3 px on a side is refused with a
      :class:`~styletools.errors.ToolError` giving the size: the kernel fits nowhere, and an
      empty image is not a result anyone can save. Other paddings take any size.
    """

    family = "edges"
    filter: ClassVar[str] = ""
    Params: ClassVar[type] = EdgeParams

    def transform(self, images: torch.Tensor, params: Sequence[SampleParams]) -> torch.Tensor:
        options = vars(self.params) | {"direction": getattr(self.params, "direction", "x")}
        return F.edges(images, self.filter, **options)


class VerticalEdges(EdgeFilter):
    """The course's vertical-edge kernel: columns ``[1, 0, -1]``."""

    name = "vertical-edges"
    summary = "Vertical edges: 3x3 kernel with columns [1, 0, -1] (bright left -> positive)."
    filter = "vertical"


class HorizontalEdges(EdgeFilter):
    """The transpose of the vertical kernel: rows ``[1, 1, 1]``, 0, ``[-1, -1, -1]``."""

    name = "horizontal-edges"
    summary = "Horizontal edges: the transposed vertical kernel (bright top -> positive)."
    filter = "horizontal"


class Laplacian(EdgeFilter):
    """The 4-neighbour Laplacian ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``."""

    name = "laplacian"
    summary = "Laplacian: 4-neighbour second derivative, edges in every direction."
    filter = "laplacian"


class Sobel(EdgeFilter):
    """Sobel: ``[1, 0, -1]`` derivative smoothed with ``[1, 2, 1]``."""

    name = "sobel"
    summary = "Sobel gradient: x, y or magnitude (derivative smoothed with [1, 2, 1])."
    filter = "sobel"
    Params = GradientParams


class Scharr(EdgeFilter):
    """Scharr: ``[1, 0, -1]`` derivative smoothed with ``[3, 10, 3]``."""

    name = "scharr"
    summary = "Scharr gradient: x, y or magnitude (better rotation symmetry than Sobel)."
    filter = "scharr"
    Params = GradientParams


class Prewitt(EdgeFilter):
    """Prewitt: ``[1, 0, -1]`` derivative averaged with ``[1, 1, 1]``."""

    name = "prewitt"
    summary = "Prewitt gradient: x, y or magnitude (derivative averaged with [1, 1, 1])."
    filter = "prewitt"
    Params = GradientParams


TOOLS: tuple[type[Tool], ...] = (VerticalEdges, HorizontalEdges, Sobel, Scharr, Prewitt, Laplacian)
