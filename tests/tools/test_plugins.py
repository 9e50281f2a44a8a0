"""Third-party tools through the ``styletools.tools`` entry-point group, in the registry and CLI.

Each test writes tiny plugin distributions (a module plus a ``.dist-info`` folder with
``entry_points.txt``) into a temp dir and puts it on ``sys.path``, which is all
``importlib.metadata`` needs to find them.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import torch
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.images import open_image, save_image, to_pil
from styletools.tools import default_registry

# --- third-party plugins through entry points --------------------------------------------------

PLUGIN = '''
from dataclasses import dataclass

from styletools.tools import Tool, param


class Invert(Tool):
    name = "invert"
    summary = "Invert the colours (a plugin)."

    @dataclass(frozen=True)
    class Params:
        amount: float = param(1.0, help="blend with the original", min=0.0, max=1.0)

    def transform(self, images, params):
        return images + self.params.amount * (1 - 2 * images)
'''


def _distribution(root: Path, name: str, entry_points: str) -> None:
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[styletools.tools]\n{entry_points}\n")


def install_plugins(root: Path) -> None:
    """A working plugin ``invert`` and a broken one ``broken``, importable from ``root``."""
    (root / "demo_invert.py").write_text(textwrap.dedent(PLUGIN))
    (root / "demo_broken.py").write_text("raise ImportError('needs a library that is missing')\n")
    _distribution(root, "demo_invert", "invert = demo_invert:Invert")
    _distribution(root, "demo_broken", "broken = demo_broken:Tool")


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    install_plugins(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in ("demo_invert", "demo_broken"):
        sys.modules.pop(module, None)


def test_plugin_is_registered_and_broken_one_reported(plugins, images):
    registry = default_registry()
    assert "invert" in registry and "sobel" in registry
    [broken] = registry.broken
    assert broken.name == "broken" and "needs a library that is missing" in broken.reason
    out = registry.create("invert", {"amount": "1"})(images)
    torch.testing.assert_close(out, 1 - images)


def test_plugin_with_a_taken_name_is_reported(tmp_path, monkeypatch):
    (tmp_path / "demo_clash.py").write_text(
        "from styletools.tools.augment import Flip as Clash\n"
    )
    _distribution(tmp_path, "demo_clash", "clash = demo_clash:Clash")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = default_registry()
    assert [(b.name, "already registered" in b.reason) for b in registry.broken] == [
        ("clash", True)
    ]
    sys.modules.pop("demo_clash", None)


def test_plugin_appears_in_cli_listing_and_applies(plugins, tmp_path, images):
    source = save_image(to_pil(images[:1]), tmp_path / "in.png")
    runner = CliRunner()
    listing = runner.invoke(app, ["tools"])
    assert listing.exit_code == 0, listing.output
    assert "invert" in listing.stdout and "sobel" in listing.stdout
    assert "broken plugin broken: cannot import" in listing.stderr
    result = runner.invoke(app, ["apply", "invert", str(source), "--amount", "1",
                                 "-o", str(tmp_path / "out.png")])
    assert result.exit_code == 0, result.output
    inverted = open_image(tmp_path / "out.png").getpixel((0, 0))
    original = open_image(source).getpixel((0, 0))
    assert all(a + b == 255 for a, b in zip(inverted, original, strict=True))
