"""A real browser (Debian's chromium, driven by Playwright) uses the app like an artist.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (``.ci/run``
installs it with apt-get). Set ``STYLETOOLS_SCREENSHOT=gallery/app.png`` to also write the
README screenshot, with a larger result.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PIL import Image

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOT = os.environ.get("STYLETOOLS_SCREENSHOT")
#: Tiny settings for CI; a result worth looking at when the README screenshot is taken.
SIZE, STEPS = ("256", "30, 20") if SCREENSHOT else ("64", "2")
TIMEOUT_MS = 400_000 if SCREENSHOT else 90_000

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="apt-get install chromium"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _set(page, elem_id: str, value: str) -> None:
    field = page.locator(f"#{elem_id} input[type=number], #{elem_id} textarea").first
    field.fill(value)
    field.press("Tab")


def _readme_screenshot(page, path: Path) -> None:
    """The top of the page, as a 256-colour PNG so the README stays light (< 500 KB)."""
    from PIL import Image

    page.locator("#advanced").get_by_text("Advanced").click()  # close it again
    page.evaluate("window.scrollTo(0, 0)")
    raw = path.with_suffix(".raw.png")
    page.screenshot(path=str(raw))
    with Image.open(raw) as shot:
        shot.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    raw.unlink()


def test_artist_stylises_a_photo(server, browser, content_path, style_paths, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    page.locator("#content-image input[type=file]").set_input_files(str(content_path))
    page.locator("#content-image img").first.wait_for()
    _set(page, "size", SIZE)
    page.locator("#style-images input[type=file]").set_input_files(str(style_paths[0]))
    page.locator("#style-images img").first.wait_for()
    page.locator("#advanced").get_by_text("Advanced").click()
    _set(page, "steps", STEPS)
    page.locator("#run-transfer").click()
    # The optimisation's end (a one-pass preview also ends "Done", without a cost).
    page.locator("#transfer-status").get_by_text(re.compile("Done · cost")).wait_for()
    result = page.locator("#result-image img").first
    result.scroll_into_view_if_needed()  # the settings push it out of view; it loads lazily
    result.wait_for(state="visible")
    assert result.evaluate("img => img.naturalWidth") == int(SIZE)
    page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
    if SCREENSHOT:
        _readme_screenshot(page, Path(SCREENSHOT))
    page.close()
    assert (tmp_path / "app.png").stat().st_size > 10_000


def _page_with_photo(server, browser, content_path, *, size: int):
    """A fresh page of the app with the photo uploaded and the output size set."""
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    page.locator("#content-image input[type=file]").set_input_files(str(content_path))
    page.locator("#content-image img").first.wait_for()
    _set(page, "size", str(size))
    return page


def test_moving_the_strength_slider_repaints_the_preview(server, browser, content_path,
                                                          style_paths):
    import time

    page = _page_with_photo(server, browser, content_path, size=512)
    page.locator("#style-images input[type=file]").set_input_files(str(style_paths[0]))
    page.locator("#style-images img").first.wait_for()
    result = page.locator("#result-image img").first
    result.wait_for(state="attached")  # the new painting alone brings a first preview
    first = result.get_attribute("src")
    start = time.monotonic()
    _set(page, "strength", "0.9")  # the slider's number box: the same change event
    page.wait_for_function(
        "first => document.querySelector('#result-image img').src !== first", arg=first
    )
    seconds = time.monotonic() - start
    assert seconds < 10, f"the preview took {seconds:.1f} s"  # about 0.5 s on an idle CPU
    assert result.evaluate("img => img.naturalWidth") in (0, 512)  # lazy until scrolled to
    page.close()


def test_the_estimate_follows_the_size_and_refuses_what_does_not_fit(server, browser,
                                                                     content_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    plan = page.locator("#transfer-plan")
    plan.get_by_text(re.compile(r"Estimate: peak memory ≈ [\d.]+ [GM]B of the 3\.0 GB")).wait_for()
    assert re.search(r"up to about \d+ px", page.locator("#size").inner_text())
    page.locator("#content-image input[type=file]").set_input_files(str(content_path))
    page.locator("#content-image img").first.wait_for()
    _set(page, "size", "9000")
    plan.get_by_text(re.compile(r"Over the memory budget: .*9000x\d+ px scale needs about"))\
        .wait_for()
    _set(page, "size", "256")
    plan.get_by_text(re.compile("Estimate: peak memory")).wait_for()
    page.close()


def _stroke(page, canvas, offsets: tuple[int, ...]) -> None:
    """One brush stroke: vertical passes over the photo, ``offsets`` px left of the canvas
    centre (the editor fits the photo in the canvas, centred)."""
    box = canvas.bounding_box()
    centre_x = box["x"] + box["width"] / 2
    top, bottom = box["y"] + 60, box["y"] + box["height"] - 60
    page.mouse.move(centre_x - offsets[0], top)
    page.mouse.down()
    for index, offset in enumerate(offsets):
        ends = (bottom, top) if index % 2 == 0 else (top, bottom)
        page.mouse.move(centre_x - offset, ends[0], steps=4)
        if index + 1 < len(offsets):
            page.mouse.move(centre_x - offsets[index + 1], ends[0], steps=2)
    page.mouse.up()


def _settle(page) -> None:
    """Wait until no event is updating the result (the editor's background load may still
    bring a preview after the first one), twice over a second."""
    import time

    idle = ("() => [...document.querySelectorAll('#result-image [data-testid=status-tracker]')]"
            ".every(tracker => tracker.classList.contains('hide'))")
    for _ in range(2):
        page.wait_for_function(idle)
        time.sleep(1)


def test_a_painted_stroke_stylises_only_its_region(server, browser, content_path, style_paths):
    import numpy as np

    from styletools.loading import load_image_tensor

    page = _page_with_photo(server, browser, content_path, size=64)
    page.locator("#method").get_by_text("arbitrary", exact=True).click()
    page.locator("#style-images input[type=file]").set_input_files(str(style_paths[0]))
    page.locator("#transfer-status").get_by_text(re.compile("^Done")).wait_for()
    _settle(page)
    _set(page, "seed", "4242")  # marks the results of the stroke's preview and of the run
    page.locator("#regions").get_by_text("Regions: paint").click()
    canvas = page.locator("#region-editor canvas").first
    canvas.scroll_into_view_if_needed()
    canvas.wait_for(state="visible")
    _stroke(page, canvas, (175, 150, 125))  # about a fifth of the way across the photo
    page.locator("#run-transfer").click()
    page.locator("#transfer-status").get_by_text(re.compile("^Done.*seed 4242")).wait_for()
    _settle(page)
    with page.expect_download() as download:
        page.locator("#download-png").click()
    after = np.asarray(Image.open(download.value.path()).convert("RGB"), dtype=float) / 255
    page.close()
    photo = load_image_tensor(content_path, 64)[0].permute(1, 2, 0).numpy()
    assert after.shape == photo.shape == (48, 64, 3)
    columns = np.abs(after - photo).mean(axis=(0, 2))
    assert columns[:26].max() > 0.05, "the stroke's band is not stylised"
    assert columns[32:].max() < 0.02, "the far side of the photo changed"
