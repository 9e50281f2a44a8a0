"""Regional control: masks of any mode, guided Gram matrices, kept regions, colour modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from styletools.color import luminance_image, match_luminance, rgb_to_yiq
from styletools.config import TransferConfig, configure
from styletools.engine import scale_to_long_side, stylize
from styletools.errors import ConfigError, ImageError
from styletools.loading import load_image_tensor
from styletools.masks import composite, keep_weight, layer_view, open_mask, open_masks
from styletools.objective import Objective

# --- reading masks ----------------------------------------------------------------------------


def _ramp(width: int = 40, height: int = 30) -> np.ndarray:
    """A left-to-right ramp from 0 to 1: a soft mask with a known value at every pixel."""
    return np.tile(np.linspace(0.0, 1.0, width), (height, 1))


@pytest.mark.parametrize(
    ("mode", "make"),
    [
        ("L", lambda r: Image.fromarray(np.round(r * 255).astype(np.uint8))),
        ("1", lambda r: Image.fromarray(r > 0.5).convert("1")),
        ("I;16", lambda r: Image.fromarray(np.round(r * 65535).astype(np.uint16))),
        ("RGB", lambda r: Image.fromarray(np.round(r * 255).astype(np.uint8)).convert("RGB")),
        (
            "RGBA",  # an editor's layer: a red brush on a transparent sheet, the alpha is the mask
            lambda r: Image.fromarray(
                np.dstack([np.full(r.shape, 255), np.zeros(r.shape), np.zeros(r.shape),
                           np.round(r * 255)]).astype(np.uint8)),
        ),
    ],
)
def test_masks_of_every_mode_read_their_values(tmp_path, mode, make):
    ramp = _ramp()
    path = tmp_path / f"mask_{mode.replace(';', '')}.png"
    make(ramp).save(path)
    mask, note = open_mask(path, (30, 40))
    assert note is None and mask.shape == (1, 1, 30, 40) and mask.dtype == torch.float32
    expected = (ramp > 0.5).astype(np.float32) if mode == "1" else ramp
    tolerance = 1 / 65535 if mode == "I;16" else 0.5 / 255 + 1e-6
    assert np.abs(mask[0, 0].numpy() - expected).max() <= tolerance


def test_sixteen_bit_masks_keep_their_precision(tmp_path):
    """A step smaller than 1/255 survives: 8 bits would round both values to the same one."""
    values = np.array([[30000, 30100]], dtype=np.uint16).repeat(4, 0)
    Image.fromarray(values).save(tmp_path / "m.png")
    mask, _ = open_mask(tmp_path / "m.png", (4, 2))
    assert float(mask[0, 0, 0, 1] - mask[0, 0, 0, 0]) == pytest.approx(100 / 65535, rel=1e-3)


def test_an_odd_sized_mask_is_resized_with_a_note(tmp_path):
    Image.fromarray(np.full((7, 13), 255, np.uint8)).save(tmp_path / "odd.png")
    mask, note = open_mask(tmp_path / "odd.png", (31, 45))
    assert mask.shape == (1, 1, 31, 45) and float(mask.min()) == 1.0
    assert "odd.png: a 13x7 px mask, resized to the photo's 45x31 px" in note
    assert "stretched" in note  # 13:7 is not 45:31


def test_a_file_that_is_not_an_image_is_one_line(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    with pytest.raises(ImageError) as error:
        open_mask(bad, (8, 8))
    assert str(error.value) == f"{bad}: not an image, or a format Pillow cannot read"


def test_a_mask_count_that_does_not_match_is_one_line(tmp_path):
    Image.new("L", (4, 4), 255).save(tmp_path / "m.png")
    with pytest.raises(ConfigError, match=r"^mask: 1 mask\(s\) for 2 painting\(s\); give one"):
        open_masks([tmp_path / "m.png"], 2, (4, 4))


# --- the pieces of the guided Gram matrix -------------------------------------------------------


def test_a_layer_sees_the_mean_of_its_blocks():
    mask = torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.5], [1.0, 0.0, 0.0, 1.0, 0.5]])[None, None]
    torch.testing.assert_close(layer_view(mask, 2), torch.tensor([[[[0.5, 0.75]]]]))
    assert layer_view(mask, 1) is mask


def test_what_no_mask_covers_keeps_the_photo():
    a, b = torch.tensor([[[[1.0, 0.3, 0.0, 0.6]]]]), torch.tensor([[[[0.0, 0.2, 0.0, 0.6]]]])
    torch.testing.assert_close(keep_weight([a, b]), torch.tensor([[[[0.0, 0.5, 1.0, 0.0]]]]))
    assert keep_weight([torch.ones(1, 1, 2, 2)]) is None


def test_composite_is_the_photo_outside_the_masks_and_the_picture_inside():
    photo, picture = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    mask = torch.tensor([[[[0.0, 1.0], [0.25, 0.5]]]])
    torch.testing.assert_close(composite(photo, [picture], [mask]), mask.expand(1, 3, 2, 2))


# --- the objective ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def images64(content_path, style_paths):
    """A 64x48 photo and two 64 px paintings, float64."""
    photo = load_image_tensor(content_path, 64).double()
    return photo, [load_image_tensor(path, 64).double() for path in style_paths]


def _soft_halves(shape: torch.Size) -> tuple[torch.Tensor, torch.Tensor]:
    """Left and right masks of a photo, feathered over the middle fifth."""
    width = shape[-1]
    ramp = ((torch.arange(width, dtype=torch.float64) - 0.4 * width) / (0.2 * width)).clamp(0, 1)
    right = ramp.expand(1, 1, shape[-2], width).clone()
    return 1.0 - right, right


def test_guided_gram_matches_an_independent_formula(double_features, images64):
    """G = Σ_p m_p² a_p a_pᵀ / Σ_p m_p² at every layer, written out with einsum."""
    photo, paintings = images64
    masks = _soft_halves(photo.shape)
    objective = Objective(double_features, photo, paintings, (0.5, 0.5), TransferConfig(size=64),
                          masks=masks)
    acts = double_features(photo)
    for region, mask in zip(objective.regions, masks, strict=True):
        for name in objective.config.style_layers:
            stride = photo.shape[-1] // acts[name].shape[-1]
            weights = torch.nn.functional.avg_pool2d(mask, stride)[0, 0]
            expected = torch.einsum("chw,dhw,hw->cd", acts[name][0], acts[name][0], weights**2)
            expected = expected / weights.pow(2).sum()
            got = objective._guided_gram(acts[name], region, name, photo.shape)
            torch.testing.assert_close(got[0], expected, rtol=1e-9, atol=1e-12)


def test_guided_gram_term_passes_a_float64_gradient_check(double_features, images64):
    """Autograd's gradient of J (two soft regions, the kept band, content) against central
    differences along random directions."""
    photo, paintings = images64
    photo = photo[..., :32, :32]
    config = TransferConfig(size=32, style_layers=("relu1_1", "relu2_1", "relu3_1"))
    left, right = _soft_halves(photo.shape)
    objective = Objective(double_features, photo, paintings, (0.5, 0.5), config,
                          masks=[left * 0.9, right * 0.8])
    generator = torch.Generator().manual_seed(3)
    image = (photo + 0.05 * torch.rand(photo.shape, generator=generator, dtype=torch.float64))
    _, gradient = objective.cost_and_gradient(image)
    for _ in range(3):
        direction = torch.randn(photo.shape, generator=generator, dtype=torch.float64)
        step = 1e-6  # small enough not to cross a ReLU or max-pool kink
        plus = float(objective.cost(image + step * direction).total)
        minus = float(objective.cost(image - step * direction).total)
        numeric = (plus - minus) / (2 * step)
        assert float((gradient * direction).sum()) == pytest.approx(numeric, rel=1e-6)


def test_each_of_two_regions_gets_the_gradient_of_its_own_painting(double_features, images64):
    """The bug of the one fork we know: the second mask got no gradient. Here each hard half
    is pulled by its own painting only: replacing the second painting changes the gradient
    inside the second half and leaves the first half's, beyond the reach of the layers
    (relu3_1 sees 13 px), exactly as it was."""
    photo, (starry, bedroom) = images64
    config = TransferConfig(size=64, style_layers=("relu1_1", "relu2_1", "relu3_1"))
    half = torch.zeros(1, 1, *photo.shape[-2:], dtype=torch.float64)
    half[..., : photo.shape[-1] // 2] = 1.0
    masks = [half, 1.0 - half]
    image = photo + 0.02

    def gradient(second: torch.Tensor) -> torch.Tensor:
        objective = Objective(double_features, photo, [starry, second], (0.5, 0.5), config,
                              masks=masks)
        return objective.cost_and_gradient(image)[1]

    with_bedroom, with_starry = gradient(bedroom), gradient(starry)
    right = (..., slice(None), slice(48, None))
    left = (..., slice(None), slice(None, 16))
    assert float(with_bedroom[right].abs().sum()) > 0.0
    change = (with_bedroom - with_starry).abs()
    assert float(change[right].sum()) > 0.05 * float(with_bedroom[right].abs().sum())
    assert float(change[left].max()) == 0.0


def test_tiled_masked_gradient_equals_the_untiled_one(double_features, content_path,
                                                      style_paths):
    """Masks in exact tiles (issue 23): float64, 4 tiles of 128 px at 256 px."""
    photo = load_image_tensor(content_path, 256).double()
    paintings = [load_image_tensor(path, 128).double() for path in style_paths]
    masks = _soft_halves(photo.shape)
    config = TransferConfig(size=256, strength=0.6)
    whole = Objective(double_features, photo, paintings, (0.5, 0.5), config, masks=masks)
    tiled = Objective(double_features, photo, paintings, (0.5, 0.5), config, masks=masks,
                      tile=128, gather_tile=128)
    image = (photo + 0.05).clamp(0, 1)
    (want_costs, want), (got_costs, got) = (whole.cost_and_gradient(image),
                                            tiled.cost_and_gradient(image))
    assert len(tiled._tiles(image, 128)) == 4
    assert float((got - want).norm() / want.norm()) <= 1e-6
    assert float(got_costs.total) == pytest.approx(float(want_costs.total), rel=1e-9)


def test_a_region_too_small_for_the_deepest_layer_is_one_line(double_features, images64):
    photo, paintings = images64
    dot = torch.zeros(1, 1, *photo.shape[-2:], dtype=torch.float64)
    dot[..., 0, 0] = 1.0  # one pixel: relu5_1 averages 16x16 blocks, so it sees 1/256
    tiny_dot = dot * 1e-300
    with pytest.raises(ConfigError, match="mask 1: its region is too small"):
        Objective(double_features, photo, paintings[:1], (1.0,), TransferConfig(size=64),
                  masks=[tiny_dot])


# --- whole transfers ---------------------------------------------------------------------------


def _tiny(**changes: object) -> TransferConfig:
    return TransferConfig(size=96, scales=2, steps=(12, 6), seed=0, **changes)


@pytest.fixture(scope="module")
def inputs(content_path, style_paths):
    config = _tiny()
    photo = load_image_tensor(content_path, config.size)
    return photo, [load_image_tensor(p, config.painting_size()) for p in style_paths]


def test_an_all_zero_mask_returns_the_photo(backbone, inputs):
    photo, paintings = inputs
    result = stylize(photo, paintings[:1], _tiny(), backbone=backbone,
                     masks=[torch.zeros(1, 1, 5, 7)])
    assert torch.equal(result.image, scale_to_long_side(photo, 96).clamp(0, 1))


def test_an_all_one_mask_is_the_unmasked_run(backbone, inputs):
    photo, paintings = inputs
    plain = stylize(photo, paintings[:1], _tiny(), backbone=backbone)
    masked = stylize(photo, paintings[:1], _tiny(), backbone=backbone,
                     masks=[torch.ones(1, 1, 3, 3)])
    assert torch.equal(plain.image, masked.image)


def test_a_half_mask_keeps_the_other_half_and_paints_its_own(backbone, inputs):
    photo, paintings = inputs
    mask = torch.zeros(1, 1, *photo.shape[-2:])
    mask[..., photo.shape[-1] // 2 :] = 1.0
    result = stylize(photo, paintings[:1], _tiny(), backbone=backbone, masks=[mask]).image
    plain = stylize(photo, paintings[:1], _tiny(), backbone=backbone).image
    kept, painted = (..., slice(None), slice(None, 48)), (..., slice(None), slice(56, None))
    assert torch.equal(result[kept], photo[kept])  # no mask there: exactly the photo
    assert float((result - photo)[painted].abs().mean()) > 0.5 * float(
        (plain - photo)[painted].abs().mean()
    )


def test_region_strength_zero_keeps_that_region(backbone, inputs):
    photo, paintings = inputs
    left = torch.zeros(1, 1, *photo.shape[-2:])
    left[..., : photo.shape[-1] // 2] = 1.0
    config = _tiny(region_strengths=(0.0, 0.8))
    result = stylize(photo, paintings, config, backbone=backbone, masks=[left, 1 - left]).image
    strong = (..., slice(None), slice(60, None))
    assert float((result - photo)[strong].abs().mean()) > 0.05
    with pytest.raises(ConfigError, match="region_strengths: give 2 strength"):
        stylize(photo, paintings, _tiny(region_strengths=(0.5,)), backbone=backbone,
                masks=[left, 1 - left])


# --- colour modes ------------------------------------------------------------------------------


def test_luminance_matching_takes_the_photos_mean_and_spread(inputs):
    photo, (painting, _) = inputs
    matched = match_luminance(painting, photo)
    assert torch.equal(matched[:, 0], matched[:, 1]) and torch.equal(matched[:, 1], matched[:, 2])
    photo_y = rgb_to_yiq(photo)[:, 0]
    assert float(matched[:, 0].mean()) == pytest.approx(float(photo_y.mean()), abs=0.01)
    assert float(matched[:, 0].std()) == pytest.approx(float(photo_y.std()), rel=0.05)
    grey = luminance_image(photo)
    torch.testing.assert_close(rgb_to_yiq(grey)[:, 0], photo_y.clamp(0, 1), atol=1e-5, rtol=0)


@pytest.mark.parametrize("mode", ["paste", "luminance"])
def test_colour_modes_keep_the_photos_chroma(backbone, inputs, mode):
    photo, paintings = inputs
    result = stylize(photo, paintings[:1], _tiny(color=mode), backbone=backbone).image
    plain = stylize(photo, paintings[:1], _tiny(), backbone=backbone).image
    chroma = rgb_to_yiq(scale_to_long_side(photo, 96))[:, 1:]

    def chroma_error(image: torch.Tensor) -> float:
        return float((rgb_to_yiq(image)[:, 1:] - chroma).abs().mean())

    assert chroma_error(result) < 0.01 < chroma_error(plain)


def test_luminance_mode_differs_from_the_paste(backbone, inputs):
    photo, paintings = inputs
    paste = stylize(photo, paintings[:1], _tiny(color="paste"), backbone=backbone).image
    luminance = stylize(photo, paintings[:1], _tiny(color="luminance"), backbone=backbone).image
    assert float((paste - luminance).abs().mean()) > 0.005


def test_preserve_color_still_means_the_paste():
    assert configure(values={"preserve_color": True}).color == "paste"
    assert configure(values={"preserve-color": "yes", "color": "paste"}).color == "paste"
    assert configure(values={"preserve_color": False}).color == "painting"
    with pytest.raises(ConfigError, match="preserve_color: means color=paste, not "
                                          "color=luminance"):
        configure(values={"preserve_color": True, "color": "luminance"})
