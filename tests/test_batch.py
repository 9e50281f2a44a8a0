"""The batch core: layout, formats, determinism, manifest, resume, replay, bad files.

Runs on ``tests/data/classes`` (10 small crops of real photos in three class folders, one nested).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from styletools.batch import (
    MANIFEST_NAME,
    BatchSettings,
    load_pipeline,
    make_plan,
    parse_format,
    parse_ops,
    plan_replay,
    read_manifest,
    replay,
    run_plan,
)
from styletools.batch.formats import output_format_for
from styletools.batch.plan import output_name
from styletools.batch.work import item_seed
from styletools.errors import ConfigError, ToolError
from styletools.tools import default_registry

CLASSES = Path(__file__).parent / "data" / "classes"
OPS = "flip;crop:scale=0.6-1.0;rotate:degrees=-15-15;color-shift:sigma=0.05"


@pytest.fixture(scope="module")
def registry():
    return default_registry(plugins=False)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A copy of the class dataset plus a hidden file and a non-image file."""
    folder = tmp_path / "src"
    shutil.copytree(CLASSES, folder)
    shutil.copy(CLASSES / "sky" / "rocket_dusk.jpg", folder / "sky" / ".hidden.jpg")
    (folder / ".cache").mkdir()
    shutil.copy(CLASSES / "sky" / "rocket_dusk.jpg", folder / ".cache" / "x.jpg")
    return folder


def settings(registry, ops: str = OPS, **changes) -> BatchSettings:
    return BatchSettings(parse_ops(ops, registry), **{"seed": 42, "copies": 1, **changes})


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every output under ``folder`` (not the manifest or lock), by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file() and "__" in path.name
    }


def sources(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.suffix != ".md" and not any(
                      part.startswith(".") for part in p.relative_to(folder).parts))


# --- plan -------------------------------------------------------------------------------------


def test_layout_formats_and_manifest(src: Path, tmp_path: Path, registry) -> None:
    dest = tmp_path / "dest"
    result = run_plan(make_plan(src, dest, settings(registry, copies=2)))
    expected = {
        output_name(Path(name), copy, Path(name).suffix).as_posix()
        for name in sources(src) for copy in (0, 1)
    }
    assert set(hashes(dest)) == expected
    assert "buildings/towers/launch_tower__1.jpg" in expected
    assert "animals/chelsea_fur__0.webp" in expected
    assert result.written == 20 and not result.failed
    header, records = read_manifest(dest / MANIFEST_NAME)
    assert header is not None and header.settings["seed"] == 42
    assert {name: record.sha256 for name, record in records.items()} == hashes(dest)
    steps = records["sky/rocket_dusk__0.jpg"].steps
    assert [step["tool"] for step in steps] == ["flip", "crop", "rotate", "color-shift"]
    json.dumps([record.to_json() for record in records.values()])
    with Image.open(dest / "animals" / "chelsea_fur__0.webp") as image:
        assert image.format == "WEBP"


def test_a_writer_killed_mid_run_leaves_no_temp_file(src: Path, tmp_path: Path, registry) -> None:
    # A worker killed in the middle of an atomic write leaves ".name.xxxx.part"; its retry
    # writes the output. The run must not end with the leftover in DEST.
    dest = tmp_path / "dest"
    leftover = dest / "sky" / ".rocket_dusk__0.jpg.k1lled.part"

    def killed_writer(record) -> None:
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_bytes(b"half an image")

    run_plan(make_plan(src, dest, settings(registry)), on_record=killed_writer)
    assert not leftover.exists()
    assert all(path.name == MANIFEST_NAME or "__" in path.name
               for path in dest.rglob("*") if path.is_file())


def test_plan_counts_classes_and_ignores_non_images(src: Path, tmp_path: Path, registry) -> None:
    plan = make_plan(src, tmp_path / "dest", settings(registry, copies=3))
    assert plan.inputs_per_class() == {"animals": 3, "buildings": 4, "sky": 3}
    assert len(plan.items) == 30
    assert plan.ignored == ("SOURCES.md",)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("dest", ["src", "src/sky/out", "."])
def test_overlapping_folders_refused(src: Path, tmp_path: Path, registry, dest: str) -> None:
    with pytest.raises(ConfigError, match="SRC"):
        make_plan(src, tmp_path / dest, settings(registry))


@pytest.mark.parametrize(
    ("source", "wanted", "expected"),
    [
        ("a.jpeg", None, ("JPEG", ".jpeg")),
        ("a.png", None, ("PNG", ".png")),
        ("a.gif", None, ("PNG", ".png")),
        ("a.jpg", "PNG", ("PNG", ".png")),
        ("a.png", "JPEG", ("JPEG", ".jpg")),
    ],
)
def test_output_format(source: str, wanted: str | None, expected: tuple[str, str]) -> None:
    assert output_format_for(Path(source), wanted) == expected


@pytest.mark.parametrize(("text", "fmt"), [("same", None), ("jpg", "JPEG"), ("PNG", "PNG")])
def test_parse_format(text: str, fmt: str | None) -> None:
    assert parse_format(text) == fmt


def test_parse_format_refuses_formats_without_rgb() -> None:
    with pytest.raises(ConfigError, match="--format 'gif'"):
        parse_format("gif")


def test_colliding_outputs_refused(tmp_path: Path, registry) -> None:
    (tmp_path / "src").mkdir()
    for name in ("a.jpg", "a.png"):
        Image.new("RGB", (8, 8)).save(tmp_path / "src" / name)
    with pytest.raises(ConfigError, match="a__0.png"):
        make_plan(tmp_path / "src", tmp_path / "dest", settings(registry, fmt="PNG"))


# --- pipelines --------------------------------------------------------------------------------


def test_ops_string_parses_ranges_with_commas(registry) -> None:
    steps = parse_ops(" flip:p=1 ; crop:scale=0.6,1.0,ratio=1-1 ", registry)
    assert [tool.name for tool in steps] == ["flip", "crop"]
    assert steps[1].params.scale == (0.6, 1.0) and steps[1].params.ratio == (1.0, 1.0)


@pytest.mark.parametrize(("ops", "error"), [("", ConfigError), ("crop:scale", ConfigError),
                                            ("flip:q=1", ConfigError), ("flipp", ToolError)])
def test_bad_ops_refused(registry, ops: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_ops(ops, registry)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_pipeline_file_matches_ops(tmp_path: Path, registry, suffix: str) -> None:
    data = {"seed": 7, "copies": 3,
            "steps": ["flip", {"crop": {"scale": "0.6-1.0"}}, {"rotate": {"degrees": [-15, 15]}}]}
    path = tmp_path / f"pipeline{suffix}"
    path.write_text(json.dumps(data))  # JSON is also YAML
    declared = load_pipeline(path, registry)
    assert (declared.seed, declared.copies) == (7, 3)
    assert declared.steps == parse_ops("flip;crop:scale=0.6-1.0;rotate:degrees=-15-15", registry)


@pytest.mark.parametrize("text", ["steps: 3", "steps: []", "[{crop: 1}]", "{steps: [flip], x: 1}",
                                  "steps: [flip]\nseed: many", "{"])
def test_bad_pipeline_file_refused(tmp_path: Path, registry, text: str) -> None:
    path = tmp_path / "pipeline.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="pipeline.yml"):
        load_pipeline(path, registry)


# --- determinism, replay ----------------------------------------------------------------------


def test_item_seed_depends_on_seed_path_and_copy() -> None:
    seeds = {item_seed(1, "a/b.jpg", 0), item_seed(2, "a/b.jpg", 0),
             item_seed(1, "a/c.jpg", 0), item_seed(1, "a/b.jpg", 1)}
    assert len(seeds) == 4 and all(0 <= seed < 2**64 for seed in seeds)


def test_outputs_independent_of_workers_and_other_files(
    src: Path, tmp_path: Path, registry
) -> None:
    ops = OPS + ";pca-color:sigma=0.1"
    one = run_plan(make_plan(src, tmp_path / "one", settings(registry, ops)), workers=1)
    two = run_plan(make_plan(src, tmp_path / "two", settings(registry, ops)), workers=2)
    assert one.written == two.written == 10
    assert hashes(tmp_path / "one") == hashes(tmp_path / "two")
    shutil.rmtree(src / "buildings")
    run_plan(make_plan(src, tmp_path / "part", settings(registry, ops)))
    part = hashes(tmp_path / "part")
    assert len(part) == 6
    assert part == {name: digest for name, digest in hashes(tmp_path / "one").items()
                    if name in part}
    other_seed = run_plan(make_plan(src, tmp_path / "seed", settings(registry, ops, seed=43)))
    assert other_seed.written == 6
    assert not set(hashes(tmp_path / "seed").values()) & set(part.values())


def test_replay_remakes_identical_outputs(src: Path, tmp_path: Path, registry) -> None:
    run_plan(make_plan(src, tmp_path / "dest", settings(registry)))
    plan = plan_replay(tmp_path / "dest" / MANIFEST_NAME, tmp_path / "again", registry)
    result = replay(plan)
    assert len(result.records) == 10 and not result.different and not result.failed
    assert hashes(tmp_path / "again") == hashes(tmp_path / "dest")


def test_replay_reports_a_changed_source(src: Path, tmp_path: Path, registry) -> None:
    run_plan(make_plan(src, tmp_path / "dest", settings(registry, "flip:p=1", copies=2)))
    Image.new("RGB", (256, 256), "red").save(src / "sky" / "rocket_dusk.jpg")
    result = replay(plan_replay(tmp_path / "dest" / MANIFEST_NAME, tmp_path / "again", registry))
    assert sorted(result.different) == ["sky/rocket_dusk__0.jpg", "sky/rocket_dusk__1.jpg"]


# --- resume, manifest -------------------------------------------------------------------------


def test_resume_makes_only_what_is_missing(src: Path, tmp_path: Path, registry) -> None:
    dest = tmp_path / "dest"
    plan = make_plan(src, dest, settings(registry))
    run_plan(plan)
    complete = hashes(dest)
    (dest / "sky" / "rocket_dusk__0.jpg").unlink()
    (dest / "animals" / "chelsea_eye__0.png").write_bytes(b"damaged")
    (dest / "sky" / ".rocket_dusk__0.jpg.abc123.part").write_bytes(b"half")
    with open(dest / MANIFEST_NAME, "ab") as handle:
        handle.write(b'{"source": "sky/rocke')  # a kill during an append
    result = run_plan(plan)
    assert result.done_before == 8
    assert sorted(record.output for record in result.records) == [
        "animals/chelsea_eye__0.png", "sky/rocket_dusk__0.jpg"]
    assert hashes(dest) == complete
    assert not list(dest.rglob("*.part"))
    lines = (dest / MANIFEST_NAME).read_text().splitlines()
    assert len(lines) == 11 and all(json.loads(line) for line in lines)


def test_resume_refuses_other_settings(src: Path, tmp_path: Path, registry) -> None:
    run_plan(make_plan(src, tmp_path / "dest", settings(registry, "flip")))
    with pytest.raises(ConfigError, match="different seed"):
        run_plan(make_plan(src, tmp_path / "dest", settings(registry, "flip", seed=1)))


def test_foreign_dest_refused(src: Path, tmp_path: Path, registry) -> None:
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        run_plan(make_plan(src, tmp_path / "dest", settings(registry, "flip")))


def test_damaged_manifest_line_refused(src: Path, tmp_path: Path, registry) -> None:
    plan = make_plan(src, tmp_path / "dest", settings(registry, "flip"))
    run_plan(plan)
    path = tmp_path / "dest" / MANIFEST_NAME
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([lines[0], "not json\n", *lines[2:]]))
    with pytest.raises(ConfigError, match="line 2"):
        run_plan(plan)


# --- bad files --------------------------------------------------------------------------------


def png_header_only(path: Path, width: int, height: int) -> None:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def test_bad_files_recorded_and_skipped(src: Path, tmp_path: Path, registry) -> None:
    (src / "sky" / "not_an_image.jpg").write_text("hello")
    data = (src / "sky" / "rocket_dusk.jpg").read_bytes()
    (src / "sky" / "truncated.jpg").write_bytes(data[: len(data) // 3])
    png_header_only(src / "animals" / "bomb.png", 50_000, 50_000)
    dest = tmp_path / "dest"
    result = run_plan(make_plan(src, dest, settings(registry, "flip")))
    reasons = {record.source: record.error for record in result.failed}
    assert set(reasons) == {"sky/not_an_image.jpg", "sky/truncated.jpg", "animals/bomb.png"}
    assert "not an image" in reasons["sky/not_an_image.jpg"]
    assert "truncated" in reasons["sky/truncated.jpg"]
    assert "over the cap" in reasons["animals/bomb.png"]
    assert result.written == 10
    _, records = read_manifest(dest / MANIFEST_NAME)
    assert records["animals/bomb__0.png"].status == "failed"
    assert not (dest / "animals" / "bomb__0.png").exists()
