"""The strength knob: one declaration reaches every front end, and it acts on the picture.

The picture tests judge outputs by edge correlation with the photo
(:func:`styletools.quality.edge_correlation`), a metric the optimiser never optimises.
"""

from __future__ import annotations

import typing

import pytest
import torch

from styletools.config import STRENGTH, TransferConfig, preset, strength_weights
from styletools.errors import ConfigError
from styletools.quality import edge_correlation


def test_strength_weights_sum_to_one_and_move_towards_style():
    strengths = [0.0, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
    shares = [strength_weights(s) for s in strengths]
    assert all(c + w == pytest.approx(1.0) for c, w in shares)
    style = [w for _, w in shares]
    assert style == sorted(style) and len(set(style)) == len(style)
    assert shares[0] == (1.0, 0.0)  # strength 0: no style term at all


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_strength_outside_zero_one_is_a_config_error(value):
    with pytest.raises(ConfigError, match=r"strength: must be in \[0, 1\]"):
        TransferConfig(strength=value)


def test_config_default_is_the_declared_default():
    assert preset("balanced").strength == STRENGTH.default
    assert (STRENGTH.min, STRENGTH.max) == (0.0, 1.0)


def test_style_tools_take_strength_from_the_one_declaration():
    from styletools.tools import default_registry

    registry = default_registry(plugins=False)
    for name in ("stylize", "random-style"):
        (spec,) = [s for s in registry.get(name).specs() if s.name == "strength"]
        assert spec == STRENGTH


def test_cli_strength_option_is_built_from_the_declaration():
    from styletools_cli.transfer_command import transfer

    option = typing.get_type_hints(transfer, include_extras=True)["strength"].__metadata__[0]
    assert (option.min, option.max) == (STRENGTH.min, STRENGTH.max)
    assert option.help == STRENGTH.describe()


def _edges(backbone, content_path, style_path, size: int, strength: float) -> float:
    from styletools.engine import load_inputs, stylize

    config = preset("fast").replace(size=size, seed=0, device="cpu", strength=strength)
    photo, paintings = load_inputs(content_path, [style_path], config)
    result = stylize(photo, paintings, config, backbone=backbone)
    return edge_correlation(result.image, photo)


@pytest.fixture(scope="module")
def sweep(backbone, content_path, style_paths) -> dict[tuple[int, float], float]:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    runs = [(96, 0.1), (96, STRENGTH.default), (96, 1.0), (128, STRENGTH.default)]
    return {run: _edges(backbone, content_path, style_paths[0], *run) for run in runs}


@pytest.mark.slow
def test_edge_correlation_falls_monotonically_with_strength(sweep):
    low, middle, high = (sweep[(96, s)] for s in (0.1, STRENGTH.default, 1.0))
    assert low > middle > high
    assert low >= 0.6 and high <= 0.35


@pytest.mark.slow
def test_same_strength_looks_the_same_at_two_sizes(sweep):
    assert abs(sweep[(96, STRENGTH.default)] - sweep[(128, STRENGTH.default)]) <= 0.08
