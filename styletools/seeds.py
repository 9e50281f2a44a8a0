"""Fresh seeds, without torch: the app's seed widgets and the CLI draw them before any model
loads."""

from __future__ import annotations

import os


def new_seed() -> int:
    """A fresh random seed, reported so the run can be repeated."""
    return int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF
