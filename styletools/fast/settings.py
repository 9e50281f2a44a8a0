"""Training settings, kept free of torch so the command line shows them in ``--help`` at once.

What ran is what was recorded: a :class:`TrainConfig` is plain data, and a checkpoint stores
the fields that decide the weights so a resume with other settings is refused.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from styletools.config import DEFAULT_WEIGHTS, MIN_SIDE, STRENGTH
from styletools.errors import ConfigError
from styletools.params import check_params, declared, param

#: Johnson's channel width of the first layer; the encoder doubles it twice.
DEFAULT_WIDTH = 32
DEFAULT_RESIDUAL_BLOCKS = 5
Precision = Literal["auto", "fp32", "bf16", "fp16"]
#: ``auto`` is bf16 on CUDA where supported, else fp32; bf16 and fp16 are CUDA-only.
PRECISIONS: tuple[str, ...] = typing.get_args(Precision)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a trained network.

    Each field is declared once (:func:`param`); ``styletools train-style``'s options are
    generated from these declarations, under the field's own name.
    """

    size: int = param(256, help="side of the square training crops (Johnson: 256)", min=MIN_SIDE,
                      unit="px")
    steps: int = param(
        4000, help="optimiser steps in all (a resumed run counts the steps taken)", min=1
    )
    batch: int = param(4, help="crops per step", min=1)
    strength: float = declared(STRENGTH)
    width: int = param(
        DEFAULT_WIDTH, help="the network's first-layer channels (Johnson: 32; 16 is ~3x cheaper)",
        min=1,
    )
    residual_blocks: int = param(
        DEFAULT_RESIDUAL_BLOCKS, help="residual blocks of the network (Johnson: 5)", min=0
    )
    learning_rate: float = param(1e-3, help="Adam's step size (Johnson: 1e-3)", min=0.0)
    seed: int = param(0, help="seed of the initial weights, the photo order and the crops")
    style_size: int | None = param(
        None, help="long side of the painting for its Gram matrices; none = size (strokes are "
        "learned at this scale relative to the crops)", min=MIN_SIDE, unit="px",
    )
    device: str = param("auto", help="auto (cuda, then mps, then cpu), cpu, cuda[:N] or mps")
    precision: Precision = param(
        "auto", help="auto (bf16 on CUDA where supported, else fp32); bf16/fp16 on CUDA only"
    )
    weights: str = param(
        DEFAULT_WEIGHTS, help="VGG19 weights of the loss (see `styletools weights`)"
    )
    checkpoint_every: int = param(
        0, help="save a checkpoint (MODEL.stm.ckpt) every N steps; 0 = off", min=0
    )

    def __post_init__(self) -> None:
        check_params("", self)
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate: must be positive, got {self.learning_rate!r}")

    def identity(self) -> dict[str, object]:
        """The settings a resumed run must share with the checkpoint (all that change the
        weights, except ``steps``, which may be raised to train on)."""
        ignored = {"steps", "device", "checkpoint_every"}
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ignored}


def checkpoint_path(output: Path) -> Path:
    """Where the checkpoints of a run writing ``output`` go: ``starry.stm.ckpt``."""
    return output.with_name(output.name + ".ckpt")
