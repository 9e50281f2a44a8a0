"""Training settings, kept free of torch so the command line shows them in ``--help`` at once.

What ran is what was recorded: a :class:`TrainConfig` is plain data, and a checkpoint stores
the fields that decide the weights so a resume with other settings is refused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from styletools.config import STRENGTH
from styletools.errors import ConfigError

#: Johnson's channel width of the first layer; the encoder doubles it twice.
DEFAULT_WIDTH = 32
DEFAULT_RESIDUAL_BLOCKS = 5
#: ``auto`` is bf16 on CUDA where supported, else fp32; bf16 and fp16 are CUDA-only.
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: The VGG19 weights of the loss (the same default as the optimisation's).
DEFAULT_WEIGHTS = "vgg19"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a trained network.

    Attributes:
        size: Side of the square training crops, px (Johnson: 256).
        steps: Optimiser steps in all (a resumed run counts the steps already taken).
        batch: Crops per step.
        strength: How much painting, in [0, 1]; the same knob as the optimisation's.
        width: The network's first-layer channels (Johnson: 32; 16 trains ~3× faster).
        residual_blocks: Residual blocks of the network (Johnson: 5).
        learning_rate: Adam's step size (Johnson: 1e-3).
        seed: Seed of the initial weights, the photo order and the crops.
        style_size: Long side of the painting for its Gram matrices; None = ``size``. The
            painting's strokes are learned at this scale relative to the crops.
        device: ``auto``, ``cpu``, ``cuda[:N]`` or ``mps``.
        precision: ``auto`` (bf16 on CUDA where supported, else fp32), ``fp32``, ``bf16``
            or ``fp16`` (autocast; CUDA only).
        weights: VGG19 weights id or file of the loss network.
        checkpoint_every: Write a checkpoint every N steps (0 = never).
    """

    size: int = 256
    steps: int = 4000
    batch: int = 4
    strength: float = STRENGTH.default
    width: int = DEFAULT_WIDTH
    residual_blocks: int = DEFAULT_RESIDUAL_BLOCKS
    learning_rate: float = 1e-3
    seed: int = 0
    style_size: int | None = None
    device: str = "auto"
    precision: str = "auto"
    weights: str = DEFAULT_WEIGHTS
    checkpoint_every: int = 0

    def __post_init__(self) -> None:
        checks = {
            "size": (self.size >= 16, "must be at least 16 px"),
            "steps": (self.steps >= 1, "must be at least 1"),
            "batch": (self.batch >= 1, "must be at least 1"),
            "strength": (0.0 <= self.strength <= 1.0, "must be in [0, 1]"),
            "width": (self.width >= 1, "must be at least 1"),
            "residual_blocks": (self.residual_blocks >= 0, "must be >= 0"),
            "learning_rate": (self.learning_rate > 0, "must be positive"),
            "precision": (self.precision in PRECISIONS, f"choose from {', '.join(PRECISIONS)}"),
            "checkpoint_every": (self.checkpoint_every >= 0, "must be >= 0 (0 = off)"),
        }
        for name, (ok, rule) in checks.items():
            if not ok:
                raise ConfigError(f"{name}: {rule}, got {getattr(self, name)!r}")

    def identity(self) -> dict[str, object]:
        """The settings a resumed run must share with the checkpoint (all that change the
        weights, except ``steps``, which may be raised to train on)."""
        ignored = {"steps", "device", "checkpoint_every"}
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ignored}


def checkpoint_path(output: Path) -> Path:
    """Where the checkpoints of a run writing ``output`` go: ``starry.stm.ckpt``."""
    return output.with_name(output.name + ".ckpt")
