"""``styletools video`` end to end: real ffmpeg clips, PyAV, DIS and the one-pass network."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.video.reading import probe, read_frames
from tests.video.conftest import ffmpeg

SMALL = ["--size", "64"]


def run(*args: str | Path) -> object:
    return CliRunner().invoke(app, ["video", *map(str, args)])


def test_keeps_frame_count_rate_and_audio(clip_with_audio, painting, tmp_path):
    out = tmp_path / "out.mp4"
    result = run(clip_with_audio, out, "--style", painting, *SMALL)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.fps, info.audio) == (12, True)
    frames = list(read_frames(out))
    assert len(frames) == 12 and frames[0].shape == (42, 64, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # no work folder left


def test_folder_in_gif_out_and_folder_out(clip_with_audio, painting, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    ffmpeg("-i", str(clip_with_audio), "-frames:v", "4", str(folder / "f%d.png"))
    gif = tmp_path / "out.gif"
    assert run(folder, gif, "--style", painting, *SMALL, "--fps", "10").exit_code == 0
    assert len(list(read_frames(gif))) == 4 and probe(gif).fps == 10
    out = tmp_path / "painted"
    assert run(gif, out, "--style", painting, *SMALL).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [f"frame_00000{i}.png" for i in range(1, 5)]


def test_a_one_frame_video(painting, tmp_path):
    single = tmp_path / "one.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-frames:v", "1",
           "-pix_fmt", "yuv420p", str(single))
    result = run(single, tmp_path / "out.webm", "--style", painting, *SMALL)
    assert result.exit_code == 0, result.output
    assert len(list(read_frames(tmp_path / "out.webm"))) == 1


def _one_line_error(result: object, path: Path) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and str(path) in lines[0]
    return lines[0]


def test_corrupt_truncated_and_empty_inputs_fail_in_one_line(clip_with_audio, painting,
                                                                 tmp_path):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(4096))
    assert "not a readable video" in _one_line_error(
        run(corrupt, tmp_path / "a.mp4", "--style", painting, *SMALL), corrupt)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip_with_audio.read_bytes()[: clip_with_audio.stat().st_size // 2])
    _one_line_error(run(truncated, tmp_path / "b.mp4", "--style", painting, *SMALL), truncated)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no image frames" in _one_line_error(
        run(empty, tmp_path / "c.mp4", "--style", painting, *SMALL), empty)
    assert not list(tmp_path.glob("*.mp4.*"))  # no work folder left behind by a refusal


def test_unknown_output_suffix_fails_before_any_work(clip_with_audio, painting, tmp_path):
    line = _one_line_error(run(clip_with_audio, tmp_path / "out.xyz", "--style", painting),
                           tmp_path / "out.xyz")
    assert ".mp4" in line


def _command(source: Path, target: Path, painting: Path) -> list[str]:
    return [sys.executable, "-m", "styletools", "video", str(source), str(target), "--style",
            str(painting), *SMALL, "--device", "cpu"]


def test_a_killed_run_resumes_to_the_same_bytes(clip_with_audio, painting, tmp_path):
    whole = tmp_path / "whole.mp4"
    subprocess.run(_command(clip_with_audio, whole, painting), check=True, capture_output=True)
    resumed = tmp_path / "resumed.mp4"
    process = subprocess.Popen(_command(clip_with_audio, resumed, painting),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = tmp_path / ".resumed.mp4.frames"
    deadline = time.monotonic() + 120
    while not (work / "frame_000004.png").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not resumed.exists(), "the run finished before it was killed"
    done = len(list(work.glob("frame_*.png")))
    assert 4 <= done < 12
    result = run(clip_with_audio, resumed, "--style", painting, *SMALL, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert f"({done} resumed)" in result.output
    assert resumed.read_bytes() == whole.read_bytes()
    assert not work.exists()


def test_a_resume_with_other_settings_is_refused(clip_with_audio, painting, tmp_path):
    work = tmp_path / ".out.mp4.frames"
    work.mkdir()
    (work / "run.json").write_text('{"video": {"temporal": 0.1}}')
    line = _one_line_error(run(clip_with_audio, tmp_path / "out.mp4", "--style", painting,
                               *SMALL), work)
    assert "delete it" in line


@pytest.mark.parametrize("name", ["temporal", "later_steps", "strength", "style_blend"])
def test_settings_are_options_under_their_names(name):
    result = CliRunner().invoke(app, ["video", "--help"], env={"COLUMNS": "300"})
    assert "--" + name.replace("_", "-") in result.output
