"""Clips for the video tests, made by the real ffmpeg (installed by `make test`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

STARRY = Path(__file__).resolve().parents[2] / "gallery" / "examples" / "style" / "starry_night.jpg"


def ffmpeg(*args: str) -> None:
    """Run the ffmpeg command quietly; a failure shows its stderr."""
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is missing: `make test` installs it (apt-get install ffmpeg)")
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def clip_with_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 frames of a moving test pattern at 12 fps, 96x64, with one second of AAC audio."""
    path = tmp_path_factory.mktemp("clips") / "pattern.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=96x64:rate=12:duration=1",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.fixture(scope="session")
def painting() -> Path:
    return STARRY
