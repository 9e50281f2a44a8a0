"""The oneDNN conv + ReLU path against torch's eager convolution and autograd."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
from torch import nn

from styletools import onednn
from styletools.vgg import Features
from styletools.weights import PREPROCESSING

pytestmark = pytest.mark.skipif(
    not onednn.usable(torch.zeros(1)), reason="this torch build has no oneDNN"
)


def _eager_value_and_grad(conv: nn.Conv2d, images: torch.Tensor, upstream: torch.Tensor):
    images = images.clone().requires_grad_(True)
    out = torch.relu(conv(images))
    (out * upstream).sum().backward()
    return out.detach(), images.grad


@pytest.mark.parametrize(("channels_in", "channels_out"), [(3, 16), (16, 8)])
def test_packed_conv_relu_matches_eager_value_and_input_gradient(
    generator, channels_in, channels_out
):
    conv = nn.Conv2d(channels_in, channels_out, kernel_size=3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator))
        conv.bias.copy_(torch.randn(channels_out, generator=generator))
    images = torch.randn(2, channels_in, 9, 13, generator=generator).contiguous(
        memory_format=torch.channels_last
    )
    upstream = torch.randn(2, channels_out, 9, 13, generator=generator)
    expected, expected_grad = _eager_value_and_grad(conv, images, upstream)

    ours_in = images.clone().requires_grad_(True)
    ours = onednn.PackedConv(conv).conv_relu(ours_in)
    (ours * upstream).sum().backward()

    assert (expected > 0).any() and (expected == 0).any()  # the ReLU clipped something
    torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(ours_in.grad, expected_grad, rtol=1e-5, atol=1e-4)


def test_features_take_the_same_values_and_gradients_on_either_path(
    vgg_weights, generator, monkeypatch
):
    def run() -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        net = Features(
            vgg_weights.state, ("relu1_1", "relu3_1"), preprocess=PREPROCESSING["caffe"].module()
        )
        image = torch.rand(1, 3, 20, 28, generator=torch.Generator().manual_seed(1))
        image.requires_grad_(True)
        acts = net(image)
        (acts["relu1_1"].mean() + acts["relu3_1"].pow(2).mean()).backward()
        return {name: act.detach() for name, act in acts.items()}, image.grad

    packed, packed_grad = run()
    monkeypatch.setattr(onednn, "usable", lambda images: False)
    eager, eager_grad = run()
    # float32 sums in another order: agree to 1e-5 of each tensor's largest value.
    for name in eager:
        scale = eager[name].abs().max()
        torch.testing.assert_close(packed[name], eager[name], rtol=0, atol=1e-5 * scale)
    scale = eager_grad.abs().max()
    torch.testing.assert_close(packed_grad, eager_grad, rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize(
    "images",
    [torch.zeros(1, 3, 4, 4, dtype=torch.float64), torch.zeros(1, 3, 4, 4, device="meta")],
    ids=["float64", "not-cpu"],
)
def test_other_dtypes_and_devices_take_the_eager_path(images):
    assert not onednn.usable(images)


def test_features_still_pickle_and_copy_after_a_cpu_pass(vgg_weights):
    net = Features(vgg_weights.state, ("relu1_1",), preprocess=PREPROCESSING["caffe"].module())
    image = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    expected = net(image)["relu1_1"]
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        torch.testing.assert_close(clone(image)["relu1_1"], expected)


def test_weights_that_learn_take_the_eager_path(vgg_weights):
    # The packed copies would not follow the weights' updates or give them gradients.
    net = Features(vgg_weights.state, ("relu1_1",), preprocess=PREPROCESSING["caffe"].module())
    net.requires_grad_(True)
    net(torch.rand(1, 3, 8, 8))["relu1_1"].sum().backward()
    assert net.body[0].weight.grad is not None
