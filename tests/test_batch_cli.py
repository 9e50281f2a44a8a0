"""``styletools batch``: the front end, and resume after the process is killed with SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.batch import MANIFEST_NAME, read_manifest
from styletools.batch.run import LOCK_NAME, dest_lock
from styletools.batch.work import file_sha256

CLASSES = Path(__file__).parent / "data" / "classes"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    shutil.copytree(CLASSES, folder)
    return folder


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["batch", *map(str, args)])
    return result.exit_code, result.output


def test_dry_run_prints_the_plan_and_writes_nothing(src: Path, tmp_path: Path) -> None:
    code, output = invoke(src, tmp_path / "dest", "--ops", "flip", "--copies", "5", "--dry-run")
    assert code == 0, output
    assert "buildings" in output and "50" in output
    assert not (tmp_path / "dest").exists()


def test_pipeline_file_and_replay(src: Path, tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("seed: 3\ncopies: 2\nsteps:\n  - flip\n  - crop: {scale: 0.5-1.0}\n")
    code, output = invoke(src, tmp_path / "dest", "--pipeline", pipeline, "--format", "png")
    assert code == 0, output
    header, records = read_manifest(tmp_path / "dest" / MANIFEST_NAME)
    assert header is not None and header.settings["seed"] == 3 and len(records) == 20
    assert all(name.endswith(".png") for name in records)
    code, output = invoke("--replay", tmp_path / "dest" / MANIFEST_NAME, tmp_path / "again")
    assert code == 0, output
    assert all(file_sha256(str(tmp_path / "again" / name)) == record.sha256
               for name, record in records.items())


def test_bad_file_fails_the_exit_code_unless_allowed(src: Path, tmp_path: Path) -> None:
    (src / "sky" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    code, output = invoke(src, tmp_path / "dest", "--ops", "flip")
    assert code == 1
    assert "sky/broken.png" in output
    code, output = invoke(src, tmp_path / "dest", "--ops", "flip", "--allow-failures")
    assert code == 0, output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("{src}", "{src}/sky/out", "--ops", "flip"), "DEST is inside SRC"),
        (("{src}", "{tmp}/dest"), "exactly one of --ops or --pipeline"),
        (("{src}", "{tmp}/dest", "--ops", "flip", "--copies", "0"), "--copies 0"),
        (("{src}", "--ops", "flip"), "give SRC and DEST"),
        (("{src}", "{tmp}/dest", "--ops", "flip", "--engine", "spark"), "one of local, ray"),
        (("{src}", "{tmp}/dest", "--ops", "flip", "--gpus-per-worker", "1"),
         "--gpus-per-worker: not an option of --engine local"),
        (("{src}", "{tmp}/dest", "--ops", "flip", "--workers", "0"), "--workers 0"),
        (("{src}", "{tmp}/dest", "--ops", "fast-stylize", "--mask-pattern", "{{stme}}.png"),
         "--mask-pattern '{stme}.png': unknown placeholder {stme}"),
        (("{src}", "{tmp}/dest", "--ops", "flip", "--mask-pattern", "{{stem}}_mask.png"),
         "no step of the pipeline paints a style"),
    ],
)
def test_user_errors_are_one_line(src: Path, tmp_path: Path, args: tuple[str, ...],
                                  message: str) -> None:
    code, output = invoke(*(arg.format(src=src, tmp=tmp_path) for arg in args))
    assert code == 1
    assert message in output and output.count("\n") == 1


def test_finished_dest_holds_outputs_and_manifest_only(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    code, output = invoke(src, dest, "--ops", "flip", "--workers", "2")
    assert code == 0, output
    classes = {path.name for path in src.iterdir() if path.is_dir()}
    assert {path.name for path in dest.iterdir()} == classes | {MANIFEST_NAME}
    assert not list(dest.rglob(".*"))  # no lock file, no temp file


def test_every_batch_setting_is_an_option_of_its_name() -> None:
    import dataclasses
    import inspect

    from styletools_cli.commands.batch import batch

    from styletools.batch import BatchSettings

    options = set(inspect.signature(batch).parameters)
    # steps come from --ops/--pipeline, fmt from --format (a Python builtin's name)
    settings = {field.name for field in dataclasses.fields(BatchSettings)} - {"steps", "fmt"}
    assert settings <= options
    assert {"mask_pattern", "mask_optional"} <= settings


def test_mask_pattern_run_reports_inputs_without_masks_and_skips_the_masks(
    src: Path, tmp_path: Path
) -> None:
    for path in sorted((src / "sky").iterdir()):
        with Image.open(path) as image:
            Image.new("L", image.size, 255).save(path.with_name(f"{path.stem}_mask.png"))
    args = (src, tmp_path / "dest", "--ops", "fast-stylize", "--mask-pattern", "{stem}_mask.png")
    code, output = invoke(*args)
    assert code == 1
    assert "masks (not inputs): 3" in output
    assert "animals/chelsea_eye.png: mask animals/chelsea_eye_mask.png: no such file" in output
    _, records = read_manifest(tmp_path / "dest" / MANIFEST_NAME)
    assert len(records) == 10  # the 10 photos; the 3 masks are not inputs
    assert sorted(name for name, record in records.items() if record.status == "ok") == [
        "sky/hubble_galaxies__0.jpg", "sky/hubble_stars__0.png", "sky/rocket_dusk__0.jpg"]


def test_a_locked_dest_is_refused_and_keeps_its_lock(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    with dest_lock(dest):
        code, output = invoke(src, dest, "--ops", "flip")
        assert code == 1 and "another batch is writing" in output
        assert (dest / LOCK_NAME).is_file()  # the refused run leaves the holder's lock
    assert not (dest / LOCK_NAME).exists()


def make_dataset(folder: Path, count: int) -> None:
    for index in range(count):
        path = folder / f"class{index % 3}" / f"img{index:02d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.effect_noise((96, 96), 40 + index).convert("RGB").save(path)


def test_resume_after_kill(tmp_path: Path) -> None:
    src, dest = tmp_path / "src", tmp_path / "dest"
    make_dataset(src, 24)
    args = [src, dest, "--ops", "rotate;elastic;flip", "--copies", "4", "--seed", "5"]
    process = subprocess.Popen(
        [sys.executable, "-m", "styletools", "batch", *map(str, args)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(dest.rglob("*__*.jpg"))) < 3 and process.poll() is None:
        assert time.monotonic() < deadline, "no output appeared"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = list(dest.rglob("*__*.jpg"))
    assert 3 <= len(written) < 96, "the kill should land mid-run"
    for path in written:  # atomic writes: whatever is there is whole
        with Image.open(path) as image:
            image.load()
    code, output = invoke(*args)
    assert code == 0, output
    assert not list(dest.rglob("*.part"))
    header, records = read_manifest(dest / MANIFEST_NAME)
    assert len(records) == 96 and header is not None
    assert all(record.status == "ok" for record in records.values())
    assert all(file_sha256(str(dest / name)) == record.sha256 for name, record in records.items())
    assert len(list(dest.rglob("*__*.jpg"))) == 96
    assert len((dest / MANIFEST_NAME).read_text().splitlines()) == 97
    assert not (dest / LOCK_NAME).exists()  # the killed run's lock, removed by the rerun
