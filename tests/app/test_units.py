"""The app's pieces in-process: settings translation, live preview and stop, network views."""

from __future__ import annotations

import threading

import pytest
from styletools_cli.app.context import StopSignals, find_paintings
from styletools_cli.app.preview import LiveTransfer, status_line
from styletools_cli.app.settings import parse_auth

from styletools.config import configure
from styletools.engine import TransferProgress, TransferResult
from styletools.errors import ConfigError
from styletools.loading import load_image_tensor


def test_stop_signals_are_per_session():
    signals = StopSignals()
    mine, theirs = signals.arm("me"), signals.arm("them")
    assert signals.stop("me") and mine.is_set() and not theirs.is_set()
    signals.release("me", mine)
    assert not signals.stop("me")


def test_live_transfer_streams_then_stops_with_the_best_image(networks, content_path, style_paths):
    content = load_image_tensor(content_path, 64)
    style = load_image_tensor(style_paths[0], 64)
    config = configure("balanced", {"size": 64, "steps": "200", "seed": 3})
    stop = threading.Event()
    items = []
    for item in LiveTransfer(content, [style], config, networks=networks, stop=stop, interval=0):
        items.append(item)
        stop.set()  # the artist presses Stop after the first preview
    *previews, result = items
    assert previews and all(isinstance(p, TransferProgress) for p in previews)
    assert isinstance(result, TransferResult) and result.stopped
    assert result.image.shape == content.shape and previews[-1].step < 200
    assert "step 1/200" in status_line(previews[0])


def test_live_transfer_reraises_core_errors(networks, content_path):
    content = load_image_tensor(content_path, 64)
    config = configure("balanced", {"size": 64, "style_blend": "1, 2, 3"})  # one style
    with pytest.raises(ConfigError, match="style_blend"):
        list(LiveTransfer(content, [content], config, networks=networks, stop=threading.Event()))


@pytest.mark.parametrize(
    ("text", "expected"), [(None, None), ("ann:s3cret:x", ("ann", "s3cret:x"))]
)
def test_parse_auth(text, expected):
    assert parse_auth(text) == expected


@pytest.mark.parametrize("text", ["ann", ":pw", "ann:"])
def test_parse_auth_refuses(text):
    with pytest.raises(ConfigError, match="--auth"):
        parse_auth(text)


def test_paintings_are_found_and_a_missing_folder_hides_the_gallery(tmp_path):
    assert len(find_paintings()) >= 1
    assert find_paintings(tmp_path / "missing") == ()
