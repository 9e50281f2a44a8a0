"""Device choice: auto picks the best available; a named device must exist."""

from __future__ import annotations

import pytest
import torch

from styletools import devices
from styletools.devices import resolve_device
from styletools.errors import ConfigError


@pytest.fixture
def cpu_only(monkeypatch):
    """A machine without CUDA or MPS, whatever this one has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)


@pytest.fixture
def one_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)


def test_auto_is_the_cpu_here():
    if torch.cuda.is_available() or devices._mps_available():
        pytest.skip("this machine has an accelerator")
    assert resolve_device("auto") == torch.device("cpu")


@pytest.mark.usefixtures("cpu_only")
def test_auto_falls_back_to_the_cpu():
    assert resolve_device() == torch.device("cpu")


@pytest.mark.usefixtures("one_gpu")
def test_auto_prefers_cuda():
    assert resolve_device("auto") == torch.device("cuda")


def test_auto_prefers_mps_over_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")


def test_cpu_is_always_available():
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.usefixtures("cpu_only")
@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_unavailable_device_is_a_config_error(name):
    with pytest.raises(ConfigError, match=f"'{name}' is not available"):
        resolve_device(name)


@pytest.mark.usefixtures("one_gpu")
def test_cuda_index_beyond_the_device_count_is_refused():
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ConfigError, match="not available"):
        resolve_device("cuda:1")


@pytest.mark.parametrize("name", ["bogus", "", "cuda:x"])
def test_malformed_device_lists_the_choices(name):
    with pytest.raises(ConfigError, match="use auto, cpu, cuda, cuda:N or mps"):
        resolve_device(name)
