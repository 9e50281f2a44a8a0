"""Optical flow between input frames: OpenCV's DIS (Kroeger et al. 2016), on the CPU.

DIS is in every OpenCV wheel, needs no weights, and takes a few milliseconds a pair at 384 px
(learned flows such as RAFT need a weights download). Flows are computed on the input frames,
never on the stylised ones, whose strokes would read as motion.

Shape:
    Frames ``(H, W, 3)`` uint8 RGB; a flow is ``(1, 2, H, W)`` float32, channel 0 the x and
    channel 1 the y displacement in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

#: DIS's presets by name; ``medium`` was within 0.3 px of the exact flow on the synthetic pans
#: at 5 ms a pair (384x288, one core), where ``fast`` was several times further off.
PRESETS = {"ultrafast": 0, "fast": 1, "medium": 2}


@dataclass(frozen=True)
class FlowPair:
    """The two flows between consecutive frames, each in its own frame's coordinates.

    Attributes:
        backward: From frame t to t-1: frame t at ``x`` shows what frame t-1 shows at
            ``x + backward(x)``; it warps the previous output onto frame t.
        forward: From frame t-1 to t, for the forward-backward consistency check.
    """

    backward: torch.Tensor
    forward: torch.Tensor


def gray(frame: np.ndarray) -> np.ndarray:
    """The luma DIS works on: ``(H, W, 3)`` uint8 RGB to ``(H, W)`` uint8."""
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)


@dataclass
class FlowEstimator:
    """DIS flow between two grey frames, with its own OpenCV object (not thread-safe).

    Args:
        preset: One of :data:`PRESETS`.
    """

    preset: str = "medium"
    _dis: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import cv2

        self._dis = cv2.DISOpticalFlow_create(PRESETS[self.preset])

    def flow(self, source: np.ndarray, target: np.ndarray) -> torch.Tensor:
        """Flow from ``source`` to ``target``: ``source(x) ≈ target(x + flow(x))``.

        Args:
            source: ``(H, W)`` uint8 grey frame.
            target: ``(H, W)`` uint8 grey frame of the same size.

        Returns:
            ``(1, 2, H, W)`` float32.
        """
        flow = self._dis.calc(source, target, None)  # type: ignore[attr-defined]
        return torch.from_numpy(flow).permute(2, 0, 1).unsqueeze(0).contiguous()

    def pair(self, previous: np.ndarray, current: np.ndarray) -> FlowPair:
        """Both flows between consecutive grey frames (see :class:`FlowPair`)."""
        return FlowPair(self.flow(current, previous), self.flow(previous, current))
