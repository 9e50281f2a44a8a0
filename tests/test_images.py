"""Safe image I/O: every mode normalised to upright 8-bit RGB, bad files refused, atomic saves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from styletools.errors import ImageError, OutputExistsError, ShapeError
from styletools.images import (
    atomic_write,
    open_image,
    resize_long_side,
    save_image,
    to_pil,
    to_tensor,
)

BLACK = (0, 0, 0)


def pixels(image: Image.Image) -> np.ndarray:
    assert image.mode == "RGB"
    return np.asarray(image)


def part_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.part"))


# ---------------------------------------------------------------------- opening, by mode


def test_exif_orientation_6_is_rotated_upright(tmp_path):
    # 40x20, left half red, right half blue. Orientation 6 = "rotate 90° clockwise to view":
    # the stored left column becomes the top row.
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif, quality=95)
    opened = open_image(path)
    assert opened.size == (20, 40)
    top, bottom = pixels(opened)[2, 10].astype(int), pixels(opened)[37, 10].astype(int)
    assert top[0] > 200 and top[2] < 60  # red on top
    assert bottom[2] > 200 and bottom[0] < 60  # blue at the bottom


def test_cmyk_is_converted_to_rgb(tmp_path):
    path = tmp_path / "cmyk.tif"
    Image.new("CMYK", (4, 3), (0, 255, 255, 0)).save(path)  # no cyan, full magenta+yellow
    opened = open_image(path)
    assert opened.size == (4, 3)
    assert pixels(opened)[0, 0].tolist() == [255, 0, 0]


def test_palette_with_transparency_is_composited_on_white(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([0, 0, 255, 255, 0, 0] + [0] * 762)  # index 0 blue, 1 red
    image.putpixel((1, 0), 1)
    path = tmp_path / "palette.png"
    image.save(path, transparency=0)  # index 0 fully transparent
    assert pixels(open_image(path)).tolist() == [[[255, 255, 255], [255, 0, 0]]]


@pytest.mark.parametrize(
    ("value16", "value8"),
    [(65535, 255), (32896, 128), (257, 1), (0, 0)],  # 32896 = 128·257; clipping would give 255
)
def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path, value16, value8):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((2, 3), value16, dtype=np.uint16)).save(path)
    with Image.open(path) as stored:
        assert stored.mode in ("I;16", "I")
    assert (pixels(open_image(path)) == value8).all()


def test_grayscale_becomes_three_equal_channels(tmp_path):
    path = tmp_path / "gray.png"
    Image.new("L", (3, 2), 77).save(path)
    assert (pixels(open_image(path)) == 77).all()


@pytest.mark.parametrize(
    ("background", "expected"),
    [
        # alpha 0: the background; alpha 128 over black ink: bg · (1 − 128/255)
        (None, [255, 127]),
        (BLACK, [0, 0]),
    ],
)
@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_alpha_is_composited_on_white_by_default_or_on_the_given_colour(
    tmp_path, mode, background, expected
):
    ink = (0, 0) if mode == "LA" else (0, 0, 0, 0)
    image = Image.new(mode, (2, 1), ink)
    image.putpixel((1, 0), (0, 128) if mode == "LA" else (0, 0, 0, 128))
    path = tmp_path / f"alpha_{mode}.png"
    image.save(path)
    kwargs = {} if background is None else {"background": background}
    got = pixels(open_image(path, **kwargs))
    assert got[0, 0].tolist() == [expected[0]] * 3
    assert np.abs(got[0, 1].astype(int) - expected[1]).max() <= 1


# ---------------------------------------------------------------------- opening, refusals


def test_pixel_cap_refuses_before_decoding_and_names_the_file(tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGB", (8, 8)).save(path)
    with pytest.raises(ImageError, match="8x8 = 64 pixels is over the cap of 10") as caught:
        open_image(path, max_pixels=10)
    assert str(path) in str(caught.value)
    assert open_image(path, max_pixels=64).size == (8, 8)


def test_missing_file_is_an_image_error_naming_it(tmp_path):
    path = tmp_path / "nowhere.jpg"
    with pytest.raises(ImageError, match="no such file") as caught:
        open_image(path)
    assert caught.value.path == path
    assert str(path) in str(caught.value)


def test_text_file_named_jpg_is_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("not a picture\n")
    with pytest.raises(ImageError, match="not an image") as caught:
        open_image(path)
    assert str(path) in str(caught.value)


def test_truncated_jpeg_is_an_image_error_naming_it(tmp_path, generator):
    noise = (torch.rand(64, 64, 3, generator=generator) * 255).byte().numpy()
    path = tmp_path / "cut.jpg"
    Image.fromarray(noise).save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="truncated or corrupt") as caught:
        open_image(path)
    assert str(path) in str(caught.value)


def test_folder_is_refused(tmp_path):
    with pytest.raises(ImageError, match="is a folder"):
        open_image(tmp_path)


# ---------------------------------------------------------------------- tensors and sizes


def test_to_tensor_and_to_pil_round_trip_exactly(generator):
    array = (torch.rand(5, 7, 3, generator=generator) * 255).byte().numpy()
    tensor = to_tensor(Image.fromarray(array))
    assert tensor.shape == (1, 3, 5, 7)
    assert tensor.dtype == torch.float32
    assert tensor[0, :, 2, 3].tolist() == pytest.approx((array[2, 3] / 255).tolist())
    assert (np.asarray(to_pil(tensor)) == array).all()
    assert (np.asarray(to_pil(tensor[0])) == array).all()


def test_to_pil_clips_out_of_range_values():
    tensor = torch.tensor([-0.5, 0.5, 1.5]).view(1, 3, 1, 1)
    assert np.asarray(to_pil(tensor))[0, 0].tolist() == [0, 128, 255]


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (1, 4, 4, 4), (4, 4)])
def test_to_pil_refuses_other_shapes(shape):
    with pytest.raises(ShapeError, match="expected shape"):
        to_pil(torch.zeros(shape))


@pytest.mark.parametrize(
    ("size", "long_side", "expected"), [((40, 20), 10, (10, 5)), ((30, 90), 45, (15, 45))]
)
def test_resize_long_side_keeps_the_aspect_ratio(size, long_side, expected):
    assert resize_long_side(Image.new("RGB", size), long_side).size == expected


def test_resize_long_side_is_a_no_op_at_the_same_size():
    image = Image.new("RGB", (40, 20))
    assert resize_long_side(image, 40) is image


# ---------------------------------------------------------------------- saving


@pytest.fixture
def red() -> Image.Image:
    return Image.new("RGB", (4, 4), (255, 0, 0))


def test_save_image_writes_and_creates_folders(tmp_path, red):
    path = tmp_path / "new" / "folder" / "out.png"
    assert save_image(red, path) == path
    assert pixels(open_image(path))[0, 0].tolist() == [255, 0, 0]
    assert part_files(path.parent) == []


def test_existing_output_is_kept_without_overwrite(tmp_path, red):
    path = tmp_path / "out.png"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="already exists"):
        save_image(red, path)
    assert path.read_bytes() == b"precious"
    save_image(red, path, overwrite=True)
    assert open_image(path).size == (4, 4)


def test_writing_onto_an_input_is_refused_even_with_overwrite(tmp_path, red):
    source = tmp_path / "photo.png"
    red.save(source)
    before = source.read_bytes()
    with pytest.raises(ImageError, match="is one of the inputs") as caught:
        save_image(Image.new("RGB", (4, 4)), tmp_path / "." / "photo.png", overwrite=True,
                   inputs=[source])
    assert not isinstance(caught.value, OutputExistsError)
    assert source.read_bytes() == before


@pytest.mark.parametrize("name", ["out.xyz", "out"])
def test_unknown_suffix_is_an_image_error(tmp_path, red, name):
    with pytest.raises(ImageError, match="unsupported output format"):
        save_image(red, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_explicit_format_overrides_the_suffix(tmp_path, red):
    path = save_image(red, tmp_path / "out.bin", fmt="PNG")
    with Image.open(path) as stored:
        assert stored.format == "PNG"


def test_rgba_saved_as_jpeg_is_converted(tmp_path):
    path = save_image(Image.new("RGBA", (4, 4), (0, 255, 0, 255)), tmp_path / "out.jpg")
    with Image.open(path) as stored:
        assert stored.mode == "RGB"


def test_unwritable_location_is_an_image_error(tmp_path, red):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    with pytest.raises(ImageError, match="cannot write") as caught:
        save_image(red, blocker / "out.png")
    assert str(blocker / "out.png") in str(caught.value)


def test_failed_encode_leaves_no_part_file_and_keeps_the_old_output(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"old")
    float_image = Image.new("F", (4, 4))  # PNG cannot store 32-bit float pixels
    with pytest.raises(ImageError, match="cannot write"):
        save_image(float_image, path, overwrite=True)
    assert path.read_bytes() == b"old"
    assert part_files(tmp_path) == []


def test_atomic_write_cleans_up_when_the_writer_fails(tmp_path):
    def fail(handle):
        handle.write(b"half")
        raise OSError("disk full")

    path = tmp_path / "out.bin"
    with pytest.raises(ImageError, match="disk full"):
        atomic_write(path, fail)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
