"""The region editor's value -> the core's masks, with real PIL layers as Gradio hands them."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pytest
import torch
from gradio.components.image_editor import EditorData
from gradio.data_classes import FileData
from PIL import Image, ImageDraw
from styletools_cli.app.masks_input import editor_masks, layer_names, region_editor

from styletools.errors import ConfigError

#: The photo's (height, width) at the working size in these tests.
SIZE = (30, 40)


def _layer(width: int = 40, height: int = 30, box: tuple[int, int, int, int] | None = None,
           alpha: int = 255) -> Image.Image:
    """A transparent RGBA sheet with a red stroke (a rectangle) of the given opacity."""
    sheet = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if box is not None:
        ImageDraw.Draw(sheet).rectangle(box, fill=(204, 50, 50, alpha))
    return sheet


def _value(*layers: Image.Image) -> dict[str, object]:
    photo = Image.new("RGBA", (40, 30), (90, 120, 150, 255))
    return {"background": photo, "layers": list(layers), "composite": photo}


def test_alpha_strokes_are_the_masks_whatever_the_brush_colour():
    left = _layer(box=(0, 0, 19, 29))  # the left half, opaque red
    faint = _layer(box=(30, 0, 39, 29), alpha=128)  # the right quarter, half transparent
    first, second = editor_masks(_value(left, faint), 2, SIZE)
    assert first.shape == second.shape == (1, 1, *SIZE)
    assert torch.all(first[..., :20] == 1) and torch.all(first[..., 20:] == 0)
    assert torch.allclose(second[..., 30:], torch.tensor(128 / 255))
    assert torch.all(second[..., :30] == 0)


def test_an_empty_layer_beside_a_painted_one_takes_no_region():
    painted, empty = editor_masks(_value(_layer(box=(0, 0, 9, 9)), _layer()), 2, SIZE)
    assert painted.sum() == 100 and not empty.any()


@pytest.mark.parametrize(
    "value", [None, {"background": None, "layers": [], "composite": None}, _value(_layer())]
)
def test_nothing_painted_means_no_masks(value):
    assert editor_masks(value, 1, SIZE) is None


def test_layers_of_another_size_are_resized_to_the_photo():
    # The editor paints on the full-size photo; the transfer runs at the working size.
    (mask,) = editor_masks(_value(_layer(400, 300, box=(0, 0, 199, 299))), 1, SIZE)
    assert mask.shape == (1, 1, *SIZE)
    assert torch.all(mask[..., :19] > 0.99) and torch.all(mask[..., 21:] < 0.01)


def test_an_opaque_grey_mask_reads_by_its_grey_level():
    # What an API client may send: white where the painting goes, no transparency.
    grey = Image.new("L", (40, 30), 0)
    grey.paste(255, (0, 0, 20, 30))
    (mask,) = editor_masks(_value(grey.convert("RGBA")), 1, SIZE)
    assert torch.all(mask[..., :20] == 1) and torch.all(mask[..., 20:] == 0)


def test_a_count_mismatch_is_one_line():
    with pytest.raises(ConfigError) as caught:
        editor_masks(_value(_layer(box=(0, 0, 9, 9))), 2, SIZE)
    message = str(caught.value)
    assert "1 mask(s) for 2 painting(s)" in message and "\n" not in message


def test_feather_softens_the_painted_edge_only():
    stroke = _value(_layer(box=(0, 0, 19, 29)))
    (hard,) = editor_masks(stroke, 1, SIZE)
    (soft,) = editor_masks(stroke, 1, SIZE, radius=4.0)
    row = soft[0, 0, 15]
    assert 0 < row[19] < 1 and 0 < row[20] < 1  # the seam is a ramp now
    assert row[0] == 1 and row[-1] == 0  # far from the edge nothing moves
    assert torch.all(row[:-1] >= row[1:])  # and it falls monotonically
    assert not torch.equal(hard, soft)


def test_one_layer_per_painting():
    assert layer_names(None) == ["Painting 1"]
    assert layer_names([("a.jpg", None), ("b.jpg", None)]) == ["Painting 1", "Painting 2"]


def test_the_editor_refuses_a_layer_over_the_pixel_cap_before_decoding(tmp_path):
    big = tmp_path / "layer.png"
    Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(big)  # 200 px > the 100 px cap
    editor = region_editor(max_pixels=100, elem_id="regions")
    payload = EditorData(background=None, layers=[FileData(path=str(big))], composite=None)
    with pytest.raises(gr.Error, match=r"regions: 20x10 = 200 pixels is over the cap of 100"):
        editor.preprocess(payload)


def test_the_editor_hands_small_layers_through(tmp_path):
    small = tmp_path / "layer.png"
    _layer(10, 5, box=(0, 0, 4, 4)).save(small)
    editor = region_editor(max_pixels=100, elem_id="regions")
    value = editor.preprocess(EditorData(layers=[FileData(path=str(small))]))
    (mask,) = editor_masks(value, 1, (5, 10))
    assert np.count_nonzero(mask.numpy()) == 25
