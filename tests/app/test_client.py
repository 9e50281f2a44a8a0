"""The app's API through ``gradio_client``, against the real server in a subprocess."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*")


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url, verbose=False, download_files=True)


def _size(path: str | Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def _style(path: Path) -> dict[str, object]:
    return {"image": handle_file(str(path)), "caption": None}


def test_transfer_returns_a_full_resolution_png(client, content_path, style_paths):
    preview, status, pair, png, seed = client.predict(
        content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
        size=64, steps="2", seed=7, api_name="/transfer",
    )
    with Image.open(png) as result:
        assert result.format == "PNG" and max(result.size) == 64
    assert seed == 7 and "seed 7" in status
    assert Path(preview).is_file() and len(pair) == 2


def test_transfer_blends_two_styles(client, content_path, style_paths):
    # Known answer: style_blend "1, 0" is the first painting alone, bit for bit (same seed).
    def run(styles: list[Path], blend: str | None) -> np.ndarray:
        *_, png, _ = client.predict(
            content=handle_file(str(content_path)), styles=[_style(p) for p in styles],
            style_blend=blend, size=64, steps="8", seed=5, preset="fast", api_name="/transfer",
        )
        with Image.open(png) as result:
            assert result.size[0] == 64
            return np.asarray(result.convert("RGB"), dtype=float)

    first, second = run(style_paths[:1], None), run(style_paths[1:2], None)
    assert np.array_equal(run(style_paths, "1, 0"), first)
    blend = run(style_paths, "2, 1")
    assert np.abs(blend - first).mean() > 0.5 and np.abs(blend - second).mean() > 0.5


def test_transfer_takes_every_shown_setting_by_its_name(client):
    from styletools_cli.app.transfer_tab import SHOWN

    api = client.view_api(print_info=False, return_format="dict")
    names = [p["parameter_name"] for p in api["named_endpoints"]["/transfer"]["parameters"]]
    assert names == ["content", "styles", "regions", "feather", *SHOWN]


def test_preview_paints_in_one_pass_and_refine_optimises_from_it(
    client, content_path, style_paths
):
    args = dict(content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
                size=128, seed=2)
    start = time.monotonic()
    preview, status, _, png, _ = client.predict(**args, strength=0.8, api_name="/preview")
    assert time.monotonic() - start < 20  # one pass (the server may be loading it first)
    assert "cost" not in status and _size(png) == (128, 96)
    *_, status, _, refined, _ = client.predict(**args, strength=0.8, steps="3",
                                               preset="fast", api_name="/refine")
    assert status.startswith("Done") and "cost" in status and _size(refined) == (128, 96)
    with Image.open(png) as one, Image.open(refined) as two:
        difference = np.abs(np.asarray(one, float) - np.asarray(two, float)).mean()
    assert 0 < difference < 20  # refined from the preview, not from the photo


def test_preview_waits_for_a_photo_and_a_painting(client):
    outputs = client.predict(content=None, styles=[], api_name="/preview")
    assert all(output == {"__type__": "update"} for output in outputs)  # left as they are


def test_edge_filter(client, content_path):
    image, record = client.predict(image=handle_file(str(content_path)), api_name="/tool_sobel")
    with Image.open(image) as edges:
        assert edges.size == _size(content_path)
        assert np.asarray(edges.convert("L")).std() > 1  # not a blank picture
    assert record["tool"] == "sobel" and record["drawn"] == {}


def test_random_tool_reports_seed_and_drawn_values(client, content_path):
    first = client.predict(image=handle_file(str(content_path)), seed=11, api_name="/tool_rotate")
    again = client.predict(image=handle_file(str(content_path)), seed=11, api_name="/tool_rotate")
    assert first[1]["seed"] == 11 and "angle" in first[1]["drawn"]
    assert first[1]["drawn"] == again[1]["drawn"]


def test_inside_the_network(client, content_path):
    grid, heat, line = client.predict(
        image=handle_file(str(content_path)), layer="relu2_1", channels=9, size=64,
        api_name="/inspect_layer",
    )
    assert _size(grid)[0] > 64 and _size(heat) == (512, 512)
    assert "128 channels" in line


def test_bad_upload_gets_a_clear_error(client, tmp_path):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a picture")
    with pytest.raises(AppError, match=r"holiday\.jpg: not an image"):
        client.predict(image=handle_file(str(fake)), api_name="/tool_sobel")


def test_too_many_pixels_gets_a_clear_error(client, tmp_path):
    big = tmp_path / "big.png"
    Image.new("RGB", (1500, 1000), "white").save(big)  # tiny file, 1.5 MP > the 1 MP cap
    with pytest.raises(AppError, match="over the cap"):
        client.predict(image=handle_file(str(big)), api_name="/tool_sobel")


def test_bad_setting_gets_a_clear_error(client, content_path, style_paths):
    with pytest.raises(AppError, match="steps='many' is not allowed; expected whole numbers"):
        client.predict(
            content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
            size=64, steps="many", api_name="/transfer",
        )


def test_a_size_over_the_memory_budget_is_refused_before_the_run(client, content_path,
                                                                  style_paths):
    with pytest.raises(AppError, match=r"needs about \d+\.\d GB .* budget of 3\.0 GB"):
        client.predict(
            content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
            size=8192, api_name="/transfer",
        )


def test_stop_keeps_the_best_image_so_far(client, content_path, style_paths):
    job = client.submit(
        content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
        size=64, steps="2000", api_name="/transfer",
    )
    deadline = time.monotonic() + 120
    while not job.outputs() and time.monotonic() < deadline:  # wait for a first preview
        time.sleep(0.2)
    assert client.predict(api_name="/stop") == "Stopping…"
    *_, status, _, png, _ = job.result(timeout=120)
    assert status.startswith("Stopped") and _size(png)[0] == 64


def test_strength_slider_is_built_from_the_core_declaration(client):
    from styletools.config import STRENGTH

    api = client.view_api(print_info=False, return_format="dict")
    (strength,) = [
        p for p in api["named_endpoints"]["/transfer"]["parameters"]
        if p["parameter_name"] == "strength"
    ]
    assert strength["parameter_default"] == STRENGTH.default
    assert strength["component"] == "Slider"


def _regions(*masks: Path) -> dict[str, object]:
    """The region editor's value as an API client sends it: one mask image per painting."""
    return {"background": None, "layers": [handle_file(str(m)) for m in masks],
            "composite": None}


def _left_half(path: Path, size: tuple[int, int]) -> Path:
    """An opaque grey mask, white on the left half: the painting goes there only."""
    width, height = size
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, width // 2, height))
    mask.save(path)
    return path


def test_a_painted_region_takes_the_painting_and_the_rest_keeps_the_photo(
    client, content_path, style_paths, tmp_path
):
    from styletools.loading import load_image_tensor

    mask = _left_half(tmp_path / "left.png", (64, 48))
    *_, png, _ = client.predict(
        content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
        regions=_regions(mask), method="arbitrary", size=64, seed=3, api_name="/transfer",
    )
    with Image.open(png) as result:
        after = np.asarray(result.convert("RGB"), dtype=float) / 255
    photo = load_image_tensor(content_path, 64)[0].permute(1, 2, 0).numpy()
    assert after.shape == photo.shape == (48, 64, 3)
    assert np.abs(after[:, 34:] - photo[:, 34:]).mean() < 0.02  # kept, to 8-bit rounding
    assert np.abs(after[:, :30] - photo[:, :30]).mean() > 0.05  # painted


def test_regions_not_one_per_painting_get_one_line(client, content_path, style_paths, tmp_path):
    mask = _left_half(tmp_path / "left.png", (64, 48))
    with pytest.raises(AppError, match=r"mask: 2 mask\(s\) for 1 painting\(s\)") as caught:
        client.predict(
            content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
            regions=_regions(mask, mask), method="arbitrary", size=64, api_name="/transfer",
        )
    assert "\n" not in str(caught.value).strip()


def test_a_region_layer_over_the_pixel_cap_is_refused(client, content_path, style_paths,
                                                      tmp_path):
    big = _left_half(tmp_path / "big.png", (1500, 1000))  # tiny file, 1.5 MP > the 1 MP cap
    with pytest.raises(AppError, match=r"regions: 1500x1000 = .* over the cap"):
        client.predict(
            content=handle_file(str(content_path)), styles=[_style(style_paths[0])],
            regions=_regions(big), method="arbitrary", size=64, api_name="/transfer",
        )
