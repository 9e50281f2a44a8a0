"""The gallery script end to end, through its real entry point, in ``--smoke`` mode.

One smoke run makes every section at tiny sizes; ``--check`` then remakes them in a temp
folder and compares every tile's pixel hash with the record, which is the bit-for-bit
reproduction the committed gallery promises.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "gallery/make_gallery.py"
#: Every file the gallery must contain, with the section that makes it.
EXPECTED = {
    "grid.jpg": "grid",
    "grid_one_pass.jpg": "grid_one_pass",
    "style_augment.jpg": "style_augment",
    "presets.jpg": "presets",
    "preserve_color.jpg": "preserve_color",
    "blend.jpg": "blend",
    "regions.jpg": "regions",
    "strength.jpg": "strength",
    "hires.jpg": "hires",
    "hires_crop.jpg": "hires",
    "fast_mode.jpg": "fast_mode",
    "edges.jpg": "edges",
    "augment.jpg": "augment",
}


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the script as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, SCRIPT, "--smoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smoke gallery of every section, made once for the module."""
    out = tmp_path_factory.mktemp("gallery")
    done = run_script("--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def entries(smoke: Path) -> dict[str, dict]:
    """The smoke record, by file name."""
    images = json.loads((smoke / "gallery.json").read_text())["images"]
    return {entry["file"]: entry for entry in images}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_file_is_a_small_jpeg(smoke: Path, name: str) -> None:
    with Image.open(smoke / name) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= 1024
        image.verify()


def test_record_names_every_file_with_its_command_and_labels(entries: dict[str, dict]) -> None:
    assert {name: entry["section"] for name, entry in entries.items()} == EXPECTED
    for name, entry in entries.items():
        assert entry["command"].startswith(f"python {SCRIPT} --only {entry['section']}")
        assert entry["seed"] == 0 and entry["machine"]["torch"]
        assert entry["tiles"], name
        for tile in entry["tiles"]:
            assert tile["label"].strip(), name
            assert re.fullmatch(r"[0-9a-f]{64}", tile["sha256"])


def test_stylised_tiles_record_their_config(entries: dict[str, dict]) -> None:
    stylised = [t for e in entries.values() for t in e["tiles"] if "styles" in t["settings"]]
    # grid 2x2 (optimised and one pass), 3 presets, 2 preserve, 3 blends, 3 masked and 3 colour
    # modes, 2 strengths, hires, 2 beside the fast model
    assert len(stylised) == 27
    assert sum(t["settings"]["method"] == "arbitrary" for t in stylised) == 4
    for tile in stylised:
        assert tile["settings"]["seed"] == 0 and tile["seconds"] > 0
        assert tile["settings"]["content"].startswith("content/")


def test_masked_tiles_record_their_masks_and_the_colour_modes_all_three(
    entries: dict[str, dict],
) -> None:
    tiles = entries["regions.jpg"]["tiles"]
    masked = [tile["settings"] for tile in tiles if "masks" in tile["settings"]]
    assert [len(settings["masks"]) for settings in masked] == [2, 1, 1]
    for settings in masked:
        assert len(settings["masks"]) == len(settings["styles"])
        assert all(path.startswith("masks/") for path in settings["masks"])
    modes = [t["settings"]["color"] for t in tiles if "styles" in t["settings"]][len(masked):]
    assert modes == ["painting", "paste", "luminance"]


def test_readme_shows_every_image_and_the_attribution(smoke: Path) -> None:
    readme = (smoke / "README.md").read_text()
    assert "package registry" in readme
    assert "examples/SOURCES.md" in readme
    for name in EXPECTED:
        assert f"]({name})" in readme


def test_a_second_run_reproduces_every_tile_bit_for_bit(smoke: Path) -> None:
    done = run_script("--out", str(smoke), "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 mismatch(es)" in done.stdout


def test_check_fails_on_a_changed_hash(smoke: Path, tmp_path: Path) -> None:
    record = json.loads((smoke / "gallery.json").read_text())
    edges = next(entry for entry in record["images"] if entry["section"] == "edges")
    edges["tiles"][1]["sha256"] = "0" * 64
    (tmp_path / "gallery.json").write_text(json.dumps(record))
    done = run_script("--out", str(tmp_path), "--check", "--only", "edges")
    assert done.returncode == 1
    assert "MISMATCH edges.jpg" in done.stderr
