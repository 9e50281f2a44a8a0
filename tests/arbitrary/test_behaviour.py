"""Behaviour of the networks and the facade: any size, batches, dtypes, strength, blending."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from styletools.arbitrary import (
    blend_styles,
    mix_embeddings,
    predict_style,
    style_mix,
    stylize,
    stylize_26,
)
from styletools.errors import ConfigError, ShapeError

ODD_SIZES = [(1, 1), (2, 3), (17, 33), (101, 64)]


def smooth_photo(seed: int, height: int, width: int, batch: int = 1) -> torch.Tensor:
    """``(N, 3, H, W)`` smooth random blobs in [0, 1]: photo-like structure at any size."""
    coarse = torch.rand(batch, 3, 6, 8, generator=torch.Generator().manual_seed(seed))
    return F.interpolate(coarse, size=(height, width), mode="bicubic").clamp(0, 1)


@pytest.fixture(scope="module")
def embedding(networks, paintings) -> torch.Tensor:
    """Starry Night's embedding, ``(1, 100)``."""
    return predict_style(networks.predictor, paintings["starry_night"])


# ---------------------------------------------------------------------- sizes, batches, dtypes


@pytest.mark.parametrize(("height", "width"), ODD_SIZES)
def test_transformer_keeps_any_size(networks, embedding, height, width):
    out = stylize(networks.transformer, smooth_photo(0, height, width), embedding)
    assert out.shape == (1, 3, height, width)
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize(("height", "width"), ODD_SIZES)
def test_multistyle26_keeps_any_size(multistyle, height, width):
    out = stylize_26(multistyle, smooth_photo(1, height, width), 7)
    assert out.shape == (1, 3, height, width)
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize(("height", "width"), ODD_SIZES)
def test_predictor_runs_at_any_size(networks, height, width):
    with torch.inference_mode():
        embedding = networks.predictor(smooth_photo(2, height, width))
    assert embedding.shape == (1, 100) and torch.isfinite(embedding).all()


def test_a_batch_equals_its_images_one_by_one(networks, multistyle, paintings):
    photos = smooth_photo(3, 40, 52, batch=3)
    embeddings = predict_style(networks.predictor, list(paintings.values())[:3])
    with torch.inference_mode():
        batched = networks.transformer(photos, embeddings)
        single = torch.cat(
            [
                networks.transformer(p[None], e[None])
                for p, e in zip(photos, embeddings, strict=True)
            ]
        )
        batched_26 = multistyle(photos, style_mix(4))
        single_26 = torch.cat([multistyle(p[None], style_mix(4)) for p in photos])
        one_by_one = torch.cat([networks.predictor(p[None]) for p in photos])
        assert torch.allclose(networks.predictor(photos), one_by_one, atol=1e-4)
    torch.testing.assert_close(batched, single, atol=1e-4, rtol=0)
    torch.testing.assert_close(batched_26, single_26, atol=1e-4, rtol=0)


def test_bfloat16_networks_stay_close_to_float32(networks, multistyle, embedding):
    photo = smooth_photo(4, 48, 64)
    transformer = copy.deepcopy(networks.transformer).to(torch.bfloat16)
    with torch.inference_mode():
        out = transformer(photo.bfloat16(), embedding.bfloat16())
    assert out.dtype == torch.bfloat16 and out.shape == photo.shape
    reference = stylize(networks.transformer, photo, embedding)
    assert (out.float() - reference).abs().mean() < 0.02  # measured 0.003
    out_26 = stylize_26(copy.deepcopy(multistyle).to(torch.bfloat16), photo, 7)
    assert out_26.dtype == torch.float32  # the photo's dtype
    assert (out_26 - stylize_26(multistyle, photo, 7)).abs().mean() < 0.02  # measured 0.002
    predictor = copy.deepcopy(networks.predictor).to(torch.bfloat16)
    ours, reference = predict_style(predictor, photo), predict_style(networks.predictor, photo)
    assert F.cosine_similarity(ours, reference).item() > 0.99  # measured 0.999


# ---------------------------------------------------------------------- strength and blending


def test_strength_zero_is_the_photo_s_own_embedding(networks, embedding):
    photo = smooth_photo(5, 56, 40)
    own = predict_style(networks.predictor, photo)
    at_zero = stylize(networks.transformer, photo, embedding, 0.0, predictor=networks.predictor)
    torch.testing.assert_close(at_zero, stylize(networks.transformer, photo, own))


def test_strength_one_is_the_painting_s_embedding(networks, embedding):
    photo = smooth_photo(6, 56, 40)
    direct = networks.transformer(photo, embedding)
    at_one = stylize(networks.transformer, photo, embedding, 1.0, predictor=networks.predictor)
    torch.testing.assert_close(at_one, direct)


def test_strength_between_mixes_the_embeddings_linearly(networks, embedding):
    photo = smooth_photo(7, 32, 32)
    own = predict_style(networks.predictor, photo)
    halfway = stylize(networks.transformer, photo, embedding, 0.5, predictor=networks.predictor)
    expected = stylize(networks.transformer, photo, 0.5 * own + 0.5 * embedding)
    torch.testing.assert_close(halfway, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("strength", [-0.1, 1.5])
def test_strength_outside_0_1_is_refused(networks, embedding, strength):
    with pytest.raises(ConfigError, match="strength"):
        stylize(networks.transformer, smooth_photo(8, 8, 8), embedding, strength)


def test_strength_below_one_needs_the_predictor(networks, embedding):
    with pytest.raises(ConfigError, match="predictor"):
        stylize(networks.transformer, smooth_photo(8, 8, 8), embedding, 0.5)


def test_blending_weights_are_normalised(networks, paintings):
    embeddings = predict_style(networks.predictor, list(paintings.values()))
    torch.testing.assert_close(blend_styles(embeddings, [0, 3, 0, 0]), embeddings[1:2])
    torch.testing.assert_close(blend_styles(embeddings), embeddings.mean(0, keepdim=True))
    torch.testing.assert_close(
        blend_styles(embeddings[:2], [1, 3]), mix_embeddings(embeddings[:1], embeddings[1:2], 0.75)
    )


@pytest.mark.parametrize("weights", [[1, -1], [0, 0], [1, 2, 3]])
def test_bad_blending_weights_are_refused(weights):
    with pytest.raises(ConfigError, match="style weights"):
        blend_styles(torch.zeros(2, 100), weights)


@pytest.mark.parametrize("styles", [26, -1, {3: -1.0}, {3: 0.0}])
def test_bad_style_mixes_are_refused(styles):
    with pytest.raises(ConfigError, match="styles"):
        style_mix(styles)


def test_a_one_hot_mix_is_that_style_and_mixes_are_normalised():
    assert style_mix(5).tolist() == [float(i == 5) for i in range(26)]
    assert style_mix({1: 2.0, 2: 2.0})[[1, 2]].tolist() == [0.5, 0.5]


def test_predictor_crops_and_resizes_any_painting_to_256(networks):
    wide = smooth_photo(9, 300, 500)
    centre = wide[..., :, 100:400]
    torch.testing.assert_close(
        predict_style(networks.predictor, wide), predict_style(networks.predictor, centre)
    )
    assert predict_style(networks.predictor, [wide[0], centre]).shape == (2, 100)


# ---------------------------------------------------------------------- shapes and devices


@pytest.mark.parametrize("shape", [(3, 8, 8), (1, 4, 8, 8), (1, 3, 0, 8)])
def test_bad_image_shapes_are_refused(networks, embedding, shape):
    with pytest.raises(ShapeError):
        networks.transformer(torch.zeros(shape), embedding)


@pytest.mark.parametrize("shape", [(100,), (2, 100), (1, 99)])
def test_bad_embedding_shapes_are_refused(networks, shape):
    with pytest.raises(ShapeError, match="style"):
        networks.transformer(torch.zeros(3, 3, 8, 8), torch.zeros(shape))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_the_cpu(networks, multistyle, embedding):
    photo = smooth_photo(10, 64, 96)
    cpu = stylize(networks.transformer, photo, embedding)
    gpu = stylize(copy.deepcopy(networks.transformer).cuda(), photo.cuda(), embedding.cuda())
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-3, rtol=0)
    cpu_26 = stylize_26(multistyle, photo, 7)
    gpu_26 = stylize_26(copy.deepcopy(multistyle).cuda(), photo.cuda(), 7)
    torch.testing.assert_close(gpu_26.cpu(), cpu_26, atol=1e-3, rtol=0)
