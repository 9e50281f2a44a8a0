"""Pick the compute device: the best available unless the user names one."""

from __future__ import annotations

import torch

from styletools.errors import ConfigError


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """Turn ``auto``, ``cpu``, ``cuda``, ``cuda:1`` or ``mps`` into an available device.

    ``auto`` prefers CUDA, then Apple's MPS, then the CPU; no code path assumes a GPU.

    Raises:
        ConfigError: The device is malformed or not available on this machine.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if _mps_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"device: unknown {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count(),
        "mps": _mps_available(),
    }
    if not available.get(device.type, False):
        raise ConfigError(f"device: {name!r} is not available on this machine")
    return device
