"""Training: the loss falls, a resume is bit-exact, bad photos are skipped and reported."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import torch

from styletools.errors import ConfigError
from styletools.fast.data import PhotoFolder, list_photos
from styletools.fast.model_file import ModelFileError, load_model
from styletools.fast.settings import TrainConfig, checkpoint_path
from styletools.fast.train import train

from .conftest import TINY


class _Crash(Exception):
    """Stands in for a kill: the run stops between two steps, after a checkpoint."""


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_model(path).net.state_dict()


def test_loss_falls_and_model_records_its_training(painting, photos, backbone, tmp_path):
    config = dataclasses.replace(TINY, size=48, steps=6, batch=2)
    result = train(painting, photos, tmp_path / "m.stm", config, backbone=backbone)
    losses = result.losses
    assert len(losses) == 6 and max(losses[-2:]) < 0.6 * losses[0]
    info = load_model(tmp_path / "m.stm").info
    assert (info.steps, info.size, info.width, info.photos) == (6, 48, 4, 4)
    assert info.painting == "starry_night.jpg" and info.vgg_license == "CC BY 4.0"
    import hashlib

    assert info.painting_sha256 == hashlib.sha256(painting.read_bytes()).hexdigest()


def test_resume_after_a_crash_equals_an_uninterrupted_run(painting, photos, backbone, tmp_path):
    config = dataclasses.replace(TINY, steps=2, checkpoint_every=1)
    straight = train(painting, photos, tmp_path / "a.stm", config, backbone=backbone)

    def crash_after_step_1(progress):
        if progress.step == 1:  # the checkpoint of step 1 is written, step 2 never runs
            raise _Crash

    with pytest.raises(_Crash):
        train(painting, photos, tmp_path / "b.stm", config, backbone=backbone,
              on_progress=crash_after_step_1)  # fmt: skip
    resumed = train(painting, photos, tmp_path / "b.stm", config, backbone=backbone, resume=True)
    assert resumed.losses == straight.losses
    a, b = _weights(tmp_path / "a.stm"), _weights(tmp_path / "b.stm")
    assert all(torch.equal(a[name], b[name]) for name in a)


def test_resume_refuses_other_settings(painting, photos, backbone, tmp_path):
    config = dataclasses.replace(TINY, steps=1, checkpoint_every=1)
    train(painting, photos, tmp_path / "m.stm", config, backbone=backbone)
    with pytest.raises(ConfigError, match="size=32 \\(now 48\\)"):
        train(painting, photos, tmp_path / "m.stm", dataclasses.replace(config, size=48),
              backbone=backbone, resume=True)  # fmt: skip


def test_resume_without_checkpoint_is_one_line(painting, photos, backbone, tmp_path):
    with pytest.raises(ModelFileError, match="no checkpoint"):
        train(painting, photos, tmp_path / "m.stm", TINY, backbone=backbone, resume=True)
    checkpoint_path(tmp_path / "m.stm").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError, match="not a readable training checkpoint"):
        train(painting, photos, tmp_path / "m.stm", TINY, backbone=backbone, resume=True)


def test_bad_photos_are_skipped_and_reported(painting, photos, backbone, tmp_path):
    folder = tmp_path / "photos"
    shutil.copytree(photos, folder)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "notes.txt").write_text("not an image suffix: never read")
    seen: list[str] = []
    config = dataclasses.replace(TINY, steps=1, batch=5)  # one step reads all five files
    result = train(painting, folder, tmp_path / "m.stm", config, backbone=backbone,
                   on_progress=lambda p: seen.extend(p.skipped))  # fmt: skip
    assert list(result.skipped) == [(folder / "broken.jpg").as_posix()]
    assert len(seen) == 1 and "broken.jpg" in seen[0]
    assert load_model(tmp_path / "m.stm").info.photos == 4


def test_no_readable_photo_is_one_line(painting, backbone, tmp_path):
    (tmp_path / "only.png").write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="none of the 1 image files"):
        train(painting, tmp_path / "only.png", tmp_path / "m.stm", TINY, backbone=backbone)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no image files"):
        list_photos([tmp_path / "empty"])
    with pytest.raises(ConfigError, match="does not exist"):
        list_photos([tmp_path / "absent"])


def test_a_steps_crops_depend_only_on_seed_and_step(photos):
    first = PhotoFolder([photos], 32, seed=5)
    again = PhotoFolder([photos], 32, seed=5)
    assert torch.equal(first.batch(7, 3), again.batch(7, 3))  # fresh loader, same crops
    assert not torch.equal(first.batch(7, 3), first.batch(8, 3))
    assert first.batch(0, 2).shape == (2, 3, 32, 32)


@pytest.mark.parametrize(
    ("changes", "match"),
    [({"size": 8}, "size"), ({"strength": 1.5}, "strength"), ({"precision": "fp8"}, "precision")],
)
def test_bad_settings_name_the_field(changes, match):
    with pytest.raises(ConfigError, match=match):
        TrainConfig(**changes)


def test_mixed_precision_is_refused_off_cuda(painting, photos, backbone, tmp_path):
    with pytest.raises(ConfigError, match="CUDA only"):
        train(painting, photos, tmp_path / "m.stm", dataclasses.replace(TINY, precision="bf16"),
              backbone=backbone)  # fmt: skip


KILLED_RUN = """
import os, signal, sys
from styletools.fast.settings import TrainConfig
from styletools.fast.train import train

def kill_after_step_1(progress):
    if progress.step == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: a real kill -9

config = TrainConfig(size=32, steps=2, batch=1, width=4, residual_blocks=1, device="cpu",
                     checkpoint_every=1)
train(sys.argv[1], sys.argv[2], sys.argv[3], config, on_progress=kill_after_step_1)
"""


@pytest.mark.slow
def test_resume_after_kill_9_equals_an_uninterrupted_run(painting, photos, backbone, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    config = dataclasses.replace(TINY, steps=2, checkpoint_every=1)
    straight = train(painting, photos, tmp_path / "a.stm", config, backbone=backbone)
    target = tmp_path / "b.stm"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(painting), str(photos), str(target)],
        env={**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())},
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL and not target.exists()
    resumed = train(painting, photos, target, config, backbone=backbone, resume=True)
    assert resumed.losses == straight.losses
    a, b = _weights(tmp_path / "a.stm"), _weights(target)
    assert all(torch.equal(a[name], b[name]) for name in a)
