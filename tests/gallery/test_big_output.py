"""The print-size layout: the seam measure on known answers, GNU time's report, and the script
end to end on a stand-in output (the real transfer takes an hour; its output is committed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
#: GNU time -v's report, the two lines the script reads among others as the tool writes them.
REPORT = """\
\tCommand being timed: "styletools transfer a.jpg b.jpg"
\tUser time (seconds): 8123.45
\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:12:33.50
\tMaximum resident set size (kbytes): 4882812
\tExit status: 0
"""


@pytest.fixture
def big_output(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The script as a module (the gallery's scripts import each other from their folder)."""
    monkeypatch.syspath_prepend(str(ROOT / "gallery"))
    import big_output

    return big_output


def ramp(width: int = 64, height: int = 16) -> np.ndarray:
    """An image that rises by 0.5 per column: every column-to-column change is 0.5."""
    row = np.arange(width, dtype=np.float64) * 0.5
    return np.broadcast_to(row[None, :, None], (height, width, 3)).copy()


def test_a_step_stands_out_by_exactly_its_size(big_output: ModuleType) -> None:
    pixels = ramp()
    pixels[:, 32:] += 10.0  # a seam: the change across column 32 is 10.5, elsewhere 0.5
    ratios = big_output.seam_ratios(pixels, [16, 32, 48])
    assert ratios == pytest.approx([1.0, 21.0, 1.0])


def test_each_ratio_is_the_change_across_over_the_changes_beside(big_output: ModuleType) -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 20, (8, 64, 3))
    texture = np.concatenate([noise] * 8, axis=0)  # same columns down the image
    ratios = big_output.seam_ratios(texture, [20, 40])
    changes = np.abs(np.diff(texture, axis=1)).mean(axis=(0, 2))
    for k, ratio in zip([20, 40], ratios, strict=True):
        beside = np.r_[changes[k - 4 : k - 1], changes[k : k + 3]]
        assert ratio == pytest.approx(changes[k - 1] / beside.mean())


def test_gnu_time_report_gives_seconds_and_gigabytes(
    big_output: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "big.time").write_text(REPORT)
    seconds, peak = big_output.time_log(tmp_path / "big.time")
    assert seconds == pytest.approx(3600 + 12 * 60 + 33.5)
    assert peak == pytest.approx(4882812 / 2**20)  # GB of 2**30 bytes, as the plan prints


def test_script_lays_out_crops_at_one_to_one_and_renders_the_readme(tmp_path: Path) -> None:
    with Image.open(ROOT / "gallery/examples/content/leuven.jpg") as photo:
        stand_in = photo.convert("RGB").resize((2048, 1535), Image.Resampling.BICUBIC)
    stand_in.save(tmp_path / "big.png")
    (tmp_path / "big.time").write_text(REPORT)
    out = tmp_path / "gallery"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "gallery/big_output.py", str(tmp_path / "big.png"),
         "--time-log", str(tmp_path / "big.time"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    entry = json.loads((out / "big_2048.json").read_text())
    assert entry["size"] == [2048, 1535] and entry["tile"] == 512
    assert entry["peak_rss_gb"] == pytest.approx(4.66, abs=0.01)
    assert entry["seams"]["tile_borders"] < 1.5  # a resized photo has no seams at 512 px
    with Image.open(out / "big_2048.jpg") as preview:
        assert max(preview.size) <= 1024
    with Image.open(out / "big_2048_crops.jpg") as sheet:
        first = np.asarray(sheet.convert("RGB"), dtype=np.float64)[8:328, 8:328]
    corner = np.asarray(stand_in.crop((512 - 160, 512 - 160, 512 + 160, 512 + 160)), np.float64)
    assert np.abs(first - corner).mean() < 3  # the crop is the output's pixels, not resized
    readme = (out / "README.md").read_text()
    assert "## Print size: 2048x1535 px" in readme and "72.6 min" in readme
    assert "peak RSS 4.66 GB (budget 5G, planned 4.96 GB)" in readme
    assert "12 tiles of 512 px" in readme
