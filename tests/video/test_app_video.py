"""The app's Video tab: every setting shown or hidden for a reason, and a clip painted through
the real server's ``/video`` endpoint with ``gradio_client``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from styletools_cli.app import video_tab

from styletools.config import TransferConfig
from styletools.video.reading import probe, read_frames
from styletools.video.settings import APP_MAX_SECONDS, APP_MAX_SIZE, VideoSettings
from tests.app.conftest import server  # noqa: F401 - the real app in a subprocess
from tests.video.conftest import ffmpeg

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*")


def test_every_setting_is_shown_or_hidden_with_a_reason():
    names = {f.name for cls in (TransferConfig, VideoSettings) for f in dataclasses.fields(cls)}
    shown, hidden = set(video_tab.SHOWN), set(video_tab.HIDDEN)
    assert shown | hidden == names and not shown & hidden
    assert all(video_tab.HIDDEN.values())


def test_the_tab_states_its_caps():
    assert f"{APP_MAX_SECONDS:g} s" in video_tab.CAPS and f"{APP_MAX_SIZE} px" in video_tab.CAPS


def test_the_size_is_capped():
    config, video = video_tab.VideoTab._settings({"size": APP_MAX_SIZE * 2, "temporal": 0.3},
                                                 {"temporal": 0.3})
    assert config.size == APP_MAX_SIZE and config.method == "arbitrary"
    assert (video.max_seconds, video.temporal) == (APP_MAX_SECONDS, 0.3)


def test_the_video_endpoint_paints_a_clip_cut_at_the_cap(server, painting, tmp_path):  # noqa: F811
    long_clip = tmp_path / "long.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=96x64:rate=2:duration={APP_MAX_SECONDS + 2:g}",
           "-pix_fmt", "yuv420p", str(long_clip))
    client = Client(server.url, verbose=False, download_files=True)
    path, status = client.predict(
        clip=handle_file(str(long_clip)),
        styles=[{"image": handle_file(str(painting)), "caption": None}],
        size=64, temporal=0.5, api_name="/video",
    )
    frames = list(read_frames(Path(path)))
    assert len(frames) == int(APP_MAX_SECONDS * 2)  # cut at the cap, at the clip's 2 fps
    assert frames[0].shape == (42, 64, 3) and probe(Path(path)).fps == 2
    assert f"{int(APP_MAX_SECONDS * 2)} frames" in status
