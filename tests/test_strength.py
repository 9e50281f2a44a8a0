"""The strength knob: one declaration reaches every front end, and it acts on the picture.

The slow tests check the picture on small transfers; benchmarks/quality_bench.py measures it
over the whole set, with :mod:`styletools.quality`, metrics the optimiser never optimises.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from styletools.config import (
    STRENGTH,
    STRENGTH_CURVE,
    STRENGTH_REFERENCE_SIZE,
    TransferConfig,
    preset,
    strength_weights,
)
from styletools.errors import ConfigError
from styletools.fast.settings import TrainConfig
from styletools.params import param_specs


def test_strength_weights_sum_to_one_and_move_towards_style():
    strengths = [0.0, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
    shares = [strength_weights(s) for s in strengths]
    assert all(c + w == pytest.approx(1.0) for c, w in shares)
    style = [w for _, w in shares]
    assert style == sorted(style) and len(set(style)) == len(style)
    assert shares[0] == (1.0, 0.0)  # strength 0: no style term at all


def ratio(strength: float) -> float:
    content, style = strength_weights(strength)
    return content / style


def test_strength_hits_each_calibrated_ratio_and_is_geometric_between():
    for point, expected in STRENGTH_CURVE[1:]:
        assert ratio(point) == pytest.approx(expected)
    (low, low_ratio), (high, high_ratio) = STRENGTH_CURVE[1:3]
    assert ratio((low + high) / 2) == pytest.approx((low_ratio * high_ratio) ** 0.5)
    assert ratio(1e-9) == pytest.approx(STRENGTH_CURVE[0][1])


@pytest.mark.parametrize(
    ("strength", "size", "factor"), [(0.5, 512, 2), (0.3, 1024, 4), (1, 128, 0.5)]
)
def test_the_ratio_is_inversely_proportional_to_the_output_size(strength, size, factor):
    content, style = strength_weights(strength, size)
    assert content / style == pytest.approx(ratio(strength) / factor)
    assert strength_weights(strength, STRENGTH_REFERENCE_SIZE) == strength_weights(strength)


def test_each_scale_of_a_run_uses_the_output_sizes_balance(backbone, content_path, style_paths):
    # Coarse to fine: a run's half-size scale optimises the balance of its output size.
    from styletools.loading import load_inputs
    from styletools.objective import Objective

    config = preset("fast").replace(size=96, strength=0.5)
    photo, paintings = load_inputs(content_path, [style_paths[0]], config)
    features = backbone.features((*config.content_layers, *config.style_layers))
    objective = Objective(features, photo[..., ::2, ::2], paintings, (1.0,), config)
    expected = strength_weights(0.5, 96)
    assert objective.content_weight / objective.style_weight == pytest.approx(
        expected[0] / expected[1]
    )


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_strength_outside_zero_one_is_a_config_error(value):
    with pytest.raises(ConfigError, match=r"strength=.* is not allowed; expected a number in \[0"):
        TransferConfig(strength=value)


@pytest.mark.parametrize("config_class", [TransferConfig, TrainConfig])
def test_configs_take_strength_from_the_one_declaration(config_class):
    # A field redeclared by hand (another default, range or help) would differ from STRENGTH.
    (spec,) = [s for s in param_specs(config_class) if s.name == "strength"]
    assert spec == STRENGTH


def test_style_tools_take_strength_from_the_one_declaration():
    from styletools.tools import default_registry

    registry = default_registry(plugins=False)
    for name in ("stylize", "random-style"):
        (spec,) = [s for s in registry.get(name).specs() if s.name == "strength"]
        assert spec == STRENGTH


@pytest.mark.parametrize("command", ["transfer", "train_style"])
def test_cli_strength_option_is_built_from_the_declaration(command):
    module = importlib.import_module(f"styletools_cli.commands.{command}")
    function = getattr(module, command)
    option = inspect.signature(function).parameters["strength"].annotation.__metadata__[0]
    assert "--strength" in (option.default, *(option.param_decls or ()))
    assert option.help == STRENGTH.describe()


# The picture checks: real `fast` transfers (the Leuven street with The Starry Night, and the
# mosaic, the painting furthest from the photos), scored by edge correlation with the photo,
# which the optimiser never optimises.
def edges_of_transfer(backbone, photo_path, painting_path, size: int, strength: float) -> float:
    """Edge correlation with the photo of a `fast` transfer (seed 0)."""
    from styletools.engine import stylize
    from styletools.loading import load_inputs
    from styletools.quality import edge_correlation

    config = preset("fast").replace(size=size, strength=strength, seed=0)
    photo, paintings = load_inputs(photo_path, [painting_path], config)
    result = stylize(photo, paintings, config, backbone=backbone)
    return edge_correlation(result.image, photo)


@pytest.fixture(scope="module")
def edges_by_setting(backbone, content_path, style_paths):
    """Edge correlation of each (size, strength) output with the photo, computed once."""
    settings = [(96, 0.1), (96, 0.5), (96, 1.0), (128, 0.5)]
    return {s: edges_of_transfer(backbone, content_path, style_paths[0], *s) for s in settings}


@pytest.mark.slow
def test_edge_correlation_falls_with_strength_on_a_small_image(edges_by_setting):
    low, default, full = (edges_by_setting[(96, s)] for s in (0.1, 0.5, 1.0))
    assert low > default > full
    assert low >= 0.6, "strength 0.1 is a photo with a hint of the painting"
    assert full <= 0.35, "strength 1 is the painting, laid out like the photo"


@pytest.mark.slow
def test_the_same_strength_looks_the_same_at_two_sizes(edges_by_setting):
    assert abs(edges_by_setting[(96, 0.5)] - edges_by_setting[(128, 0.5)]) <= 0.08


@pytest.mark.slow
def test_the_mosaic_keeps_the_photo_at_a_hint_and_lays_it_out_at_full(backbone):
    # The harlequin mosaic is far from every photo (its Gram gap to the cat is 14x Starry
    # Night's). Under the previous Σd²/Σ|d| terms it replaced the cat at every strength
    # (edge correlation 0.17 at 0.1); relative errors give it the same range as any painting.
    from styletools.examples import EXAMPLES_DIR as EXAMPLES

    photo, mosaic = EXAMPLES / "content/chelsea.png", EXAMPLES / "style/harlequin_mosaic.png"
    assert edges_of_transfer(backbone, photo, mosaic, 96, 0.1) >= 0.6
    assert edges_of_transfer(backbone, photo, mosaic, 96, 1.0) <= 0.35
