"""The allocator setting: freed tensor memory is reused instead of faulted in again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from styletools.allocator import LARGEST_KEPT

# A "step" that allocates two tensors of MIB MiB and frees them, repeated like an optimiser
# loop; prints the page faults of the last step, once the heap has settled.
_PROBE = """
import resource, sys, torch
from styletools.allocator import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "keep" else None
floats = int(sys.argv[2]) * 2**20 // 4
for _ in range(10):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    image = torch.ones(floats)
    grad = image * 2
    del image, grad
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _last_step_faults(mode: str, mib: int) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode, str(mib)], capture_output=True, text=True, check=True
    )
    took, faults = done.stdout.split()
    return took, int(faults)


pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a glibc setting")


def test_a_repeated_step_reuses_memory_without_page_faults() -> None:
    took, kept = _last_step_faults("keep", 48)
    _, default = _last_step_faults("default", 48)
    assert took == "True"
    # 2 × 48 MiB is 24 576 pages of 4 KiB: glibc's default maps them afresh every step.
    assert default > 20_000
    assert kept < 1_000


def test_blocks_over_the_limit_still_go_back_to_the_system() -> None:
    mib = 2 * LARGEST_KEPT // 2**20
    took, faults = _last_step_faults("keep", mib)
    assert took == "True"
    assert faults > 2 * mib * 256 * 0.9  # pages of 4 KiB, mapped afresh


# Tiles of changing shapes: blocks that no later request fits stay in the heap until trimmed.
_FRAGMENTS = """
import sys, torch
from styletools.allocator import keep_freed_memory, release_freed_memory
keep_freed_memory()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
kept = [torch.ones(2**20) for _ in range(64)]  # 256 MiB, then every other block freed
del kept[::2]
before = rss()
print(release_freed_memory(), before - rss())
"""


def test_releasing_gives_freed_blocks_back_to_the_system() -> None:
    done = subprocess.run([sys.executable, "-c", _FRAGMENTS], capture_output=True, text=True,
                          check=True)
    took, released = done.stdout.split()
    assert took == "True"
    assert int(released) > 100 * 2**20  # most of the 128 MiB freed between live blocks
