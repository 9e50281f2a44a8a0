"""VGG19's layer table: names, channels and convolutions, without torch.

Kept apart from :mod:`styletools.vgg` so the configuration can declare its layer choices
(and the CLI list them in ``--help``) without loading torch.
"""

from __future__ import annotations

#: VGG19's convolutions in order: (block, index in block, output channels).
_BLOCKS: tuple[tuple[int, int, int], ...] = (
    (1, 2, 64),
    (2, 2, 128),
    (3, 4, 256),
    (4, 4, 512),
    (5, 4, 512),
)


def _conv_table() -> tuple[tuple[str, int, int], ...]:
    table, channels = [], 3
    for block, count, width in _BLOCKS:
        for index in range(1, count + 1):
            table.append((f"conv{block}_{index}", channels, width))
            channels = width
    return tuple(table)


#: (name, in_channels, out_channels) of the 16 convolutions, e.g. ("conv3_1", 128, 256).
CONVS: tuple[tuple[str, int, int], ...] = _conv_table()
#: Every layer a user can name: relu1_1 … relu5_4, in network order.
LAYER_NAMES: tuple[str, ...] = tuple(name.replace("conv", "relu") for name, _, _ in CONVS)
#: Channels of each ReLU layer, e.g. LAYER_CHANNELS["relu3_1"] == 256.
LAYER_CHANNELS: dict[str, int] = {
    name: c for name, (_, _, c) in zip(LAYER_NAMES, CONVS, strict=True)
}

__all__ = ["CONVS", "LAYER_CHANNELS", "LAYER_NAMES"]
