"""The Ray Data engine of ``styletools batch``, on a real Ray: no mocks.

Covers byte equality with the local engine (light tools as tasks, a style tool in actors),
a simulated two-node cluster, a worker killed mid-run and a driver killed mid-run. Ray
start-up alone takes 10-25 s on a 2-core machine, so the module is marked slow
(``make test`` runs it, about a minute in all; ``pytest -m "not slow"`` skips it). A Ray
test that hangs fails at :data:`TIMEOUT_S` instead of holding CI to its limit.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.batch import BatchSettings, make_plan, parse_ops, read_manifest, run_plan
from styletools.batch.manifest import MANIFEST_NAME
from styletools.batch.ray_engine import WORKER_NICENESS, RayEngine, local_ray_options
from styletools.errors import ConfigError
from styletools.tools import default_registry

ray = pytest.importorskip("ray")
#: Each test passes in 6-15 s on an idle 2-core machine, and in 11-26 s beside two busy
#: processes (96 s for the module).
TIMEOUT_S = 300
# Ray 2.60 warns about its own deprecated settings when it builds a DataContext.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.ray,
    pytest.mark.timeout(TIMEOUT_S),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"),
]

LIGHT = "flip;crop:scale=0.6-1.0;rotate:degrees=-15-15;color-shift:sigma=0.05"
SLOW = "rotate;elastic;flip"  # slow enough per item for a kill to land mid-run


def make_images(folder: Path, count: int, size: int = 48) -> None:
    """``count`` noise JPEGs in three class folders (no dependence on tests/data)."""
    for index in range(count):
        path = folder / f"class{index % 3}" / f"img{index:02d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.effect_noise((size, size), 30 + index).convert("RGB").save(path)


def contents(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` except the manifest, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file() and path.name != MANIFEST_NAME
    }


def local_run(src: Path, dest: Path, ops: str, copies: int = 1, workers: int = 1) -> None:
    steps = parse_ops(ops, default_registry())
    run_plan(make_plan(src, dest, BatchSettings(steps, seed=7, copies=copies)), workers=workers)


def ray_run(src: Path, dest: Path, ops: str, engine: RayEngine, copies: int = 1) -> None:
    steps = parse_ops(ops, default_registry())
    plan = make_plan(src, dest, BatchSettings(steps, seed=7, copies=copies))
    result = run_plan(plan, engine=engine)
    assert result.written == len(plan.items), result.failed[:1]


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["batch", *map(str, args)])
    return result.exit_code, result.output


def descendants(pid: int) -> set[int]:
    """Live descendants of ``pid``, from /proc (only processes this test started)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for_outputs(dest: Path, count: int, alive: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 180
    while len(list(dest.rglob("*__*.jpg"))) < count:
        assert time.monotonic() < deadline, "no outputs appeared"
        assert alive is None or alive.poll() is None, "the run ended before the kill"
        time.sleep(0.05)


def test_cli_ray_engine_matches_local_bytes_and_stops_its_ray(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Own local Ray (no address), light tools as tasks, a bad file, the lock removed."""
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    src = tmp_path / "src"
    make_images(src, 6)
    (src / "class1" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    local, remote = tmp_path / "local", tmp_path / "ray"
    args = ("--ops", LIGHT, "--copies", "2", "--seed", "7", "--allow-failures")
    assert invoke(src, local, *args)[0] == 0
    code, output = invoke(src, remote, *args, "--engine", "ray", "--workers", "2")
    assert code == 0, output
    assert "class1/broken.jpg" in output  # shown, recorded, and the run went on
    assert not ray.is_initialized()  # the local Ray it started is shut down
    assert contents(remote) == contents(local) and len(contents(local)) == 12
    assert sorted(path.name for path in remote.iterdir()) == [
        "class0", "class1", "class2", MANIFEST_NAME]
    _, records = read_manifest(remote / MANIFEST_NAME)
    _, expected = read_manifest(local / MANIFEST_NAME)
    assert records == expected and records["class1/broken__0.jpg"].status == "failed"


def test_two_node_cluster_runs_items_on_both_nodes(tmp_path: Path) -> None:
    from ray.cluster_utils import Cluster

    head = {key: value for key, value in local_ray_options(1).items() if key != "address"}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        src = tmp_path / "src"
        make_images(src, 12, size=96)
        engine = RayEngine(workers=2, ray_address=cluster.address)
        ray_run(src, tmp_path / "ray", SLOW, engine, copies=2)
        nodes = {node.node_id for node in cluster.list_all_nodes()}
    finally:
        cluster.shutdown()
    assert not ray.is_initialized()  # it joined the cluster, then left it running for us
    assert set(engine.placements) == nodes and len(nodes) == 2
    assert sum(engine.placements.values()) == 24
    local_run(src, tmp_path / "local", SLOW, copies=2)
    assert contents(tmp_path / "ray") == contents(tmp_path / "local")


@pytest.fixture(scope="class")
def session() -> Iterator[None]:
    """One local Ray for the class; the engine uses a connected driver as it is."""
    ray.init(**local_ray_options(2), include_dashboard=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.mark.usefixtures("session")
class TestInOneSession:
    def test_workers_compete_at_the_drivers_priority(self) -> None:
        """At Ray's default nice 15 any busy process starved a batch (see WORKER_NICENESS)."""

        @ray.remote
        def niceness() -> int:
            return os.nice(0)

        assert ray.get(niceness.remote()) == WORKER_NICENESS == 0

    def test_gpu_actors_on_a_cluster_without_gpus_are_refused(self, tmp_path: Path) -> None:
        make_images(tmp_path / "src", 1)
        engine = RayEngine(workers=1, gpus_per_worker=1)
        with pytest.raises(ConfigError, match=r"--gpus-per-worker 1: the Ray cluster has 0 GPUs"):
            ray_run(tmp_path / "src", tmp_path / "ray", "stylize:steps=1", engine)

    def test_style_tool_runs_in_actors_with_identical_bytes(self, tmp_path: Path) -> None:
        src = tmp_path / "src"
        make_images(src, 2, size=64)
        ops = "stylize:steps=2"
        engine = RayEngine(workers=2)
        ray_run(src, tmp_path / "ray", ops, engine)
        assert ray.is_initialized()  # a session the caller opened stays open
        local_run(src, tmp_path / "local", ops, workers=2)
        assert contents(tmp_path / "ray") == contents(tmp_path / "local")
        assert sum(engine.placements.values()) == 2

    def test_masked_style_tool_in_actors_matches_local_bytes_and_records(
        self, tmp_path: Path
    ) -> None:
        src = tmp_path / "src"
        make_images(src, 3, size=64)
        for path in sorted(src.rglob("*.jpg")):
            mask = Image.new("L", (64, 64), 0)
            mask.paste(255, (32, 0, 64, 64))
            mask.save(path.with_name(f"{path.stem}_mask.png"))
        steps = parse_ops("fast-stylize", default_registry())
        settings = BatchSettings(steps, seed=7, mask_pattern="{stem}_mask.png")
        for dest, engine in ((tmp_path / "ray", RayEngine(workers=1)), (tmp_path / "local", None)):
            result = run_plan(make_plan(src, dest, settings), engine=engine)
            assert result.written == 3 and not result.failed
        assert contents(tmp_path / "ray") == contents(tmp_path / "local")
        _, records = read_manifest(tmp_path / "ray" / MANIFEST_NAME)
        assert {record.mask for record in records.values()} == {
            f"class{index}/img{index:02d}_mask.png" for index in range(3)}

    def test_worker_killed_mid_run_is_retried(self, tmp_path: Path) -> None:
        src, dest = tmp_path / "src", tmp_path / "ray"
        make_images(src, 24, size=128)
        killed: list[int] = []

        def kill_one_worker() -> None:
            wait_for_outputs(dest, 2)
            while not killed:
                busy = [pid for pid in descendants(os.getpid())
                        if title(pid).startswith("ray::MapBatches")]
                if busy:
                    os.kill(busy[0], signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.01)

        killer = threading.Thread(target=kill_one_worker, daemon=True)
        killer.start()
        ray_run(src, dest, SLOW, RayEngine(workers=2), copies=2)
        killer.join(timeout=5)
        assert killed and not Path(f"/proc/{killed[0]}").exists()
        local_run(src, tmp_path / "local", SLOW, copies=2)
        assert contents(dest) == contents(tmp_path / "local")
        assert len(contents(dest)) == 48

    def test_driver_killed_then_rerun_resumes(self, tmp_path: Path) -> None:
        src, dest = tmp_path / "src", tmp_path / "ray"
        make_images(src, 24, size=128)
        args = [src, dest, "--ops", SLOW, "--copies", "2", "--seed", "7", "--engine", "ray"]
        env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
        driver = subprocess.Popen([sys.executable, "-m", "styletools", "batch", *map(str, args)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            wait_for_outputs(dest, 3, alive=driver)
            its_ray = descendants(driver.pid)
        finally:
            driver.kill()
            driver.wait()
        time.sleep(2)
        assert 3 <= len(list(dest.rglob("*__*.jpg"))) < 48, "the kill should land mid-run"
        code, output = invoke(*args)  # resumes, in this session
        _end(its_ray)
        assert code == 0, output
        local_run(src, tmp_path / "local", SLOW, copies=2)
        assert contents(dest) == contents(tmp_path / "local")  # no .part, no lock file
        _, records = read_manifest(dest / MANIFEST_NAME)
        assert len(records) == 48 and all(r.status == "ok" for r in records.values())


def _end(pids: set[int]) -> None:
    """Stop what is left of the killed driver's local Ray (its agents outlive it)."""
    for pid in pids:
        if Path(f"/proc/{pid}").exists() and title(pid).startswith("ray::"):
            os.kill(pid, signal.SIGKILL)
