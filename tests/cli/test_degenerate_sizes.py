"""Tiny and thin images through the command line: ``apply`` and ``batch`` (issue 14).

A size a tool cannot take is one line naming the file, the size and the tool, with exit code
1 and no traceback; the batch records such a file as failed and goes on with the others.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.batch import MANIFEST_NAME, read_manifest
from styletools.images import open_image

RUNNER = CliRunner()


def picture(path: Path, width: int, height: int) -> Path:
    """A ``width`` x ``height`` PNG with a left-right ramp (so edge filters see something)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.save(path)
    return path


def invoke(*args: object):
    return RUNNER.invoke(app, [str(arg) for arg in args])


@pytest.mark.parametrize("tool", ["sobel", "scharr", "prewitt", "laplacian", "vertical-edges",
                                  "horizontal-edges"])
@pytest.mark.parametrize(("width", "height"), [(1, 1), (7, 1), (1, 7)])
def test_apply_edge_filter_to_a_one_pixel_side_writes_the_image(tmp_path, tool, width, height):
    source = picture(tmp_path / "one_pixel.png", width, height)
    out = tmp_path / "out.png"
    result = invoke("apply", tool, source, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out) and open_image(out).size == (width, height)


@pytest.mark.parametrize(("width", "height"), [(2, 2), (7, 1)])
def test_apply_refusal_is_one_line_naming_file_size_and_tool(tmp_path, width, height):
    source = picture(tmp_path / "tiny.png", width, height)
    result = invoke("apply", "laplacian", source, "--padding", "none", "-o", tmp_path / "o.png")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: {source}: laplacian: padding='none'")
    assert f"got {width}x{height} px" in result.stderr
    assert not (tmp_path / "o.png").exists()


def test_edges_shortcut_takes_a_one_pixel_image(tmp_path):
    source = picture(tmp_path / "dot.png", 1, 1)
    result = invoke("edges", source, "--filter", "vertical", "--signed")
    assert result.exit_code == 0, result.output
    assert open_image(tmp_path / "dot-vertical-edges.png").getpixel((0, 0)) == (128, 128, 128)


def test_apply_a_large_stride_gives_one_pixel_rows(tmp_path):
    source = picture(tmp_path / "strip.png", 500, 3)
    out = tmp_path / "out.png"
    result = invoke("apply", "sobel", source, "--stride", "16", "-o", out)
    assert result.exit_code == 0, result.output
    assert open_image(out).size == (32, 1)  # floor((500 + 2 - 3) / 16) + 1, floor(2 / 16) + 1


def test_batch_records_a_refused_size_as_failed_and_goes_on(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    picture(src / "tiny" / "dot.png", 1, 1)
    picture(src / "tiny" / "pair.png", 2, 2)
    picture(src / "fine" / "photo.png", 24, 16)
    result = RUNNER.invoke(app, ["batch", str(src), str(dest), "--ops", "sobel:padding=none",
                                 "--workers", "1", "--format", "png"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "tiny/dot.png" in result.output and "tiny/pair.png" in result.output
    _, records = read_manifest(dest / MANIFEST_NAME)
    by_source = {record.source: record for record in records.values()}
    assert by_source["fine/photo.png"].status == "ok"
    assert by_source["fine/photo.png"].size == [22, 14]
    for source, size in (("tiny/dot.png", "1x1"), ("tiny/pair.png", "2x2")):
        record = by_source[source]
        assert record.status == "failed" and f"got {size} px" in record.error
        assert "\n" not in record.error
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.png")) == [
        "fine/photo__0.png"
    ]


def test_batch_takes_one_pixel_images_with_the_default_padding(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    picture(src / "a" / "dot.png", 1, 1)
    picture(src / "a" / "line.png", 9, 1)
    result = RUNNER.invoke(app, ["batch", str(src), str(dest), "--ops", "sobel;laplacian",
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    _, records = read_manifest(dest / MANIFEST_NAME)
    assert sorted(record.size for record in records.values()) == [[1, 1], [9, 1]]
