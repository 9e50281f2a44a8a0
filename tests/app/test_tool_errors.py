"""Tool errors in the served app (issue 14): a readable line naming the upload, no server path.

Runs against the real ``styletools app`` subprocess of ``conftest.server`` through
``gradio_client``, as an API user (or the browser) sees it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from styletools_cli.app.support import public_message

from styletools.errors import ImageError, StyletoolsError, ToolError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*")


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url, verbose=False, download_files=True)


def picture(path: Path, width: int, height: int) -> Path:
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(path)
    return path


def refusal(client: Client, path: Path, **values: object) -> str:
    """The error message the app answers for ``path`` on ``/tool_sobel``."""
    with pytest.raises(AppError) as caught:
        client.predict(image=handle_file(str(path)), **values, api_name="/tool_sobel")
    message = str(caught.value)
    assert "upstream Gradio app has raised an exception" not in message
    assert "\n" not in message.strip()
    return message


def assert_no_server_path(message: str) -> None:
    assert "/" not in message and "\\" not in message and "gradio" not in message.lower()


@pytest.mark.parametrize(("width", "height"), [(1, 1), (1, 7)])
def test_one_pixel_upload_gets_an_edge_image(client, tmp_path, width, height):
    source = picture(tmp_path / "one_pixel.png", width, height)
    image, record = client.predict(image=handle_file(str(source)), api_name="/tool_sobel")
    with Image.open(image) as result:
        assert result.size == (width, height)
    assert record["tool"] == "sobel" and record["config"]["padding"] == "reflect"


def test_refused_size_names_the_upload_the_size_and_the_tool(client, tmp_path):
    message = refusal(client, picture(tmp_path / "tiny.png", 2, 2), padding="none")
    assert message.startswith("tiny.png: sobel: padding='none' needs an image of at least 3x3")
    assert "got 2x2 px" in message
    assert_no_server_path(message)


def test_truncated_jpeg_names_the_upload_not_the_cache_path(client, tmp_path):
    buffer = io.BytesIO()
    Image.effect_noise((160, 120), 60).convert("RGB").save(buffer, format="JPEG", quality=90)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    message = refusal(client, truncated)
    assert message.startswith("truncated.jpg: ")
    assert "truncated" in message.removeprefix("truncated.jpg: ")
    assert_no_server_path(message)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ImageError("/tmp/gradio/3f9a/photo.jpg", "truncated or corrupt image data"),
         "photo.jpg: truncated or corrupt image data"),
        (ToolError("photo.jpg: stylize: /srv/app/cache/ab12/paint.png: no such file"),
         "photo.jpg: stylize: paint.png: no such file"),
        (StyletoolsError("C:\\Users\\me\\AppData\\gradio\\x.png: bad\nsecond line"),
         "x.png: bad second line"),
        (ToolError("sobel: output side floor((n+2p-3)/s)+1, range 0.6-1.0, ./rel/a.png"),
         "sobel: output side floor((n+2p-3)/s)+1, range 0.6-1.0, ./rel/a.png"),
    ],
    ids=["image-error", "posix-path-inside", "windows-path-two-lines", "no-path"],
)
def test_public_message_keeps_base_names_only(error: StyletoolsError, expected: str):
    assert public_message(error) == expected
