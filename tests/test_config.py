"""Transfer settings: validation, presets and the coarse-to-fine schedule."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from styletools.config import (
    PRESET_FIELDS,
    PRESETS,
    TransferConfig,
    configure,
    describe_presets,
    preset,
)
from styletools.errors import ConfigError


def test_presets_fast_balanced_high_exist_and_differ():
    assert set(PRESETS) == {"fast", "balanced", "high"}
    fast, balanced, high = PRESETS["fast"], PRESETS["balanced"], PRESETS["high"]
    assert len({fast, balanced, high}) == 3
    # More work from fast to high: total steps grow.
    assert sum(fast.steps_per_scale()) < sum(balanced.steps_per_scale())
    assert sum(balanced.steps_per_scale()) < sum(high.steps_per_scale())


@pytest.mark.parametrize("name", ["fast", "balanced", "high"])
def test_preset_returns_the_named_config(name):
    assert preset(name) is PRESETS[name]
    assert name in describe_presets()


def test_presets_differ_only_in_the_fields_they_declare():
    # Front ends show PRESET_FIELDS empty ("the preset's") and every other field filled in.
    for config in PRESETS.values():
        changed = {f.name for f in dataclasses.fields(config)
                   if getattr(config, f.name) != getattr(TransferConfig(), f.name)}
        assert changed <= set(PRESET_FIELDS)


def test_balanced_is_the_dataclass_default():
    assert preset("balanced") == TransferConfig()


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ConfigError, match="'turbo'; choose from fast, balanced, high"):
        preset("turbo")


@pytest.mark.parametrize(
    ("size", "scales", "expected"),
    [
        (512, 1, (512,)),
        (512, 3, (128, 256, 512)),
        (512, 4, (64, 128, 256, 512)),
        (512, 5, (64, 128, 256, 512)),  # 32 px would be below the 64 px floor
        (100, 3, (64, 100)),  # 50 and 25 both become 64
        (48, 3, (48,)),  # smaller than the floor: a single scale at the size itself
        (129, 2, (64, 129)),
    ],
)
def test_scale_sizes_halve_down_to_64_px(size, scales, expected):
    assert TransferConfig(size=size, scales=scales, steps=(1,)).scale_sizes() == expected


@pytest.mark.parametrize(
    ("size", "scales", "steps", "expected"),
    [
        (512, 3, (30, 20, 10), (30, 20, 10)),
        (512, 3, (7,), (7, 7, 7)),
        (100, 3, (30, 20, 10), (20, 10)),  # the coarsest scale merged away: finest counts kept
        (48, 3, (30, 20, 10), (10,)),
    ],
)
def test_steps_per_scale_matches_scale_sizes(size, scales, steps, expected):
    config = TransferConfig(size=size, scales=scales, steps=steps)
    assert config.steps_per_scale() == expected
    assert len(config.steps_per_scale()) == len(config.scale_sizes())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"size": 15}, r"size=15 is not allowed; expected an integer in \[16, inf\] px"),
        ({"scales": 0, "steps": (1,)}, r"scales=0 is not allowed; expected an integer in \[1"),
        ({"scales": 2, "steps": (1, 2, 3)}, r"steps: give one count or one per scale \(2\)"),
        ({"steps": (-1,)}, "steps='-1' is not allowed"),
        ({"optimizer": "sgd"}, "optimizer='sgd' is not allowed; expected one of lbfgs, adam"),
        ({"style_scale": 0.0}, "style_scale: must be positive"),
        ({"content_weight": -1.0}, "content_weight=-1.0 is not allowed"),
        ({"style_weight": -1.0}, "style_weight=-1.0 is not allowed"),
        ({"tv_weight": -0.1}, "tv_weight=-0.1 is not allowed"),
        ({"learning_rate": -0.1}, "learning_rate=-0.1 is not allowed"),
        ({"content_layers": ("relu9_9",)}, "content_layers='relu9_9' is not allowed; expected "
                                            "each one of relu1_1"),
        ({"style_layers": ()}, "style_layers: give at least one layer"),
        ({"style_layer_weights": (1.0, 2.0)}, "style_layer_weights: give one weight"),
    ],
)
def test_invalid_settings_are_config_errors(changes, message):
    with pytest.raises(ConfigError, match=message):
        TransferConfig(**changes)


def test_replace_changes_a_copy_and_validates_again():
    base = TransferConfig()
    changed = base.replace(size=64, scales=1, steps=(3,))
    assert (changed.size, changed.scales, changed.steps) == (64, 1, (3,))
    assert base.size == 512
    with pytest.raises(ConfigError, match="size"):
        base.replace(size=8)


def test_config_is_frozen_and_hashable():
    config = TransferConfig()
    with pytest.raises(AttributeError):
        config.size = 10  # type: ignore[misc]
    assert hash(config) == hash(TransferConfig())


def test_config_module_does_not_import_torch():
    code = "import sys, styletools.config; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("values", "scales", "steps"),
    [
        ({}, 2, (80, 40)),  # the preset as it is
        ({"steps": "30"}, 2, (30,)),  # one count for the preset's scales
        ({"steps": "150, 100 60"}, 3, (150, 100, 60)),  # several counts set the scales
        ({"scales": 3}, 3, (40,)),  # scales alone keep the preset's finest count
        ({"scales": "1", "steps": "5"}, 1, (5,)),
        ({"steps": "", "scales": None}, 2, (80, 40)),  # empty means the preset's
    ],
)
def test_configure_reconciles_steps_and_scales_by_one_rule(values, scales, steps):
    config = configure("fast", values)
    assert (config.scales, config.steps) == (scales, steps)


def test_configure_takes_text_and_typed_values_alike():
    text = configure("balanced", {"size": "256", "content_layers": "relu3_1, relu4_2",
                                  "style_blend": "2,1", "color": "paste"})
    typed = configure("balanced", {"size": 256.0, "content_layers": ["relu3_1", "relu4_2"],
                                   "style_blend": (2.0, 1.0), "preserve_color": True})
    assert text == typed
    assert (text.size, text.content_layers, text.style_blend) == (
        256, ("relu3_1", "relu4_2"), (2.0, 1.0))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"steps": "1.5"}, "steps='1.5' is not allowed; expected whole numbers"),
        ({"style_blend": "two, one"}, "style_blend='two, one' is not allowed; expected numbers"),
        ({"colour": "1"}, "unknown parameter 'colour'; known parameters: method, size"),
    ],
)
def test_configure_names_the_setting_in_its_error(values, message):
    with pytest.raises(ConfigError, match=message):
        configure("balanced", values)
