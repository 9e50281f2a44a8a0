"""Keep freed tensor memory in the process, so each optimiser step reuses it (Linux, glibc).

glibc hands out blocks above its mmap threshold (at most 32 MiB, moved at run time) as fresh
``mmap`` pages and gives them back to the kernel on ``free``. A transfer step allocates and
frees the same ~1 GB of activations and gradients every time, so every step faulted all of it
back in: measured at 512 px, about 100 000 page faults and 0.1-0.5 s of system time per
0.9 s step, none after this call (the step became ~12 % faster). The price is memory: the
heap keeps its peak, and holes between blocks of different sizes make that peak higher, so
blocks over :data:`LARGEST_KEPT` still get their own mapping. Measured at 1024 px (balanced,
15 full-size steps): glibc's default 85 s and 3.3 GiB peak; every block kept 59 s and
5.1 GiB; blocks up to 64 MiB kept 65 s and 4.3 GiB. 64 MiB keeps all of a 512 px transfer.

It is a process-wide setting, so the library never makes it on import: the ``styletools``
command calls it, and a Python user who wants the same speed calls it once.

Exact tiles (:mod:`styletools.objective`) undo the reuse: each tile has its own shape, so its
blocks rarely fit the holes the last one left, and the heap grows with the number of tiles.
Measured at 2048 px in 48 tiles of 256 px: 4.97 GB peak against the plan's 3.93. Tiled passes
therefore call :func:`release_freed_memory` after each tile (4.00 GB in the same run): a tile
costs seconds, its page faults a fraction of one. A whole scale planned near its budget calls
it after each step (:data:`styletools.memory.KEPT_HEAP_SHARE`): there the holes could pass the
budget, and giving the pages back costs 9 % of a step.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

# glibc's mallopt(3) parameter numbers.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
#: Blocks up to this size come from the heap and are reused (see the module docstring).
LARGEST_KEPT = 64 * 2**20
#: mallopt takes a C int: the largest value it can express, i.e. "never trim".
_NEVER = 2**31 - 1


def keep_freed_memory() -> bool:
    """Serve large blocks from the heap and keep freed ones for reuse.

    One arena for all threads, so a transfer run from a worker thread (the web app's) reuses
    the same memory as one from the main thread: a thread arena cannot hold blocks over 64 MiB
    and would fall back to ``mmap`` for them.

    Returns:
        Whether the setting took effect (False off glibc, e.g. macOS, Windows or musl).
    """
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    settings = ((_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, LARGEST_KEPT), (_M_TRIM_THRESHOLD, _NEVER))
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)


def release_freed_memory() -> bool:
    """Give the heap's free pages back to the system now (glibc's ``malloc_trim``).

    Returns:
        Whether there was a heap to trim (False off glibc).
    """
    trim = _glibc("malloc_trim")
    if trim is None:
        return False
    trim.argtypes, trim.restype = (ctypes.c_size_t,), ctypes.c_int
    trim(0)
    return True


def _glibc(name: str) -> Any:
    """A function of the C library when it is glibc's (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
