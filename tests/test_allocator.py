"""The allocator setting: freed tensor memory is reused instead of faulted in again."""

from __future__ import annotations

import subprocess
import sys

import pytest

# A "step" that allocates two 64 MiB tensors and frees them, repeated like an optimiser loop;
# prints the page faults of the last step, once the heap has settled.
_PROBE = """
import resource, sys, torch
from styletools.allocator import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "keep" else None
for _ in range(10):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    image = torch.ones(16 * 2**20)
    grad = image * 2
    del image, grad
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _last_step_faults(mode: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True
    )
    took, faults = done.stdout.split()
    return took, int(faults)


@pytest.mark.skipif(sys.platform != "linux", reason="a glibc setting")
def test_a_repeated_step_reuses_memory_without_page_faults() -> None:
    took, kept = _last_step_faults("keep")
    _, default = _last_step_faults("default")
    assert took == "True"
    # 2 × 64 MiB is 32 768 pages of 4 KiB: glibc's default maps them afresh every step.
    assert default > 30_000
    assert kept < 1_000
