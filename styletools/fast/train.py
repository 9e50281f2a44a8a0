"""Training a transformation network for one painting (Johnson et al. 2016).

The loss is the optimisation's own objective (:class:`styletools.engine.Objective`: the
relative content term at ``relu4_2`` and Gram terms at ``relu1_1 … relu5_1``, shared by
the strength knob), evaluated on the network's output for a batch of photo crops, whose
features and Gram gap to the painting set the targets and baselines. Training once
therefore makes a network that lowers the very cost the optimiser lowers per image.

Reproducible and interruptible:
    * each step's crops are a pure function of (seed, step) (see :mod:`styletools.fast.data`);
    * a checkpoint every N steps holds the network, the optimiser (Adam's moments), the
      gradient scaler, the RNG states and the data it was trained on, written atomically;
    * ``resume=True`` continues from it. On a CPU the resumed run's weights equal those of
      an uninterrupted run bit for bit, even after ``kill -9``.

Mixed precision (bf16 or fp16 autocast) is used on CUDA only: on CPUs without bf16 units
it is dozens of times slower, and the CPU path must stay bit-reproducible.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

import styletools
from styletools.backbone import Backbone
from styletools.config import STRENGTH_REFERENCE_SIZE, TransferConfig
from styletools.devices import resolve_device
from styletools.errors import ConfigError
from styletools.fast.data import PhotoFolder
from styletools.fast.model_file import FastModel, ModelInfo, save_model
from styletools.fast.network import TransformerNet
from styletools.fast.settings import TrainConfig, checkpoint_path
from styletools.images import atomic_write
from styletools.loading import load_image_tensor
from styletools.objective import Objective
from styletools.weights import load_manifest, sha256_of

CHECKPOINT_FORMAT = "styletools-fast-checkpoint"
_AUTOCAST = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class TrainProgress:
    """One training step, as reported to a front end.

    Attributes:
        step: Steps done (1-based), counting those before a resume.
        steps: Steps in all.
        content: The content term of the last batch.
        style: The style term of the last batch.
        loss: The weighted total that was minimised.
        elapsed: Seconds since this run (or resume) started.
        eta: Estimated seconds left.
        skipped: Photos found unreadable at this step, ``"path: reason"``.
        checkpoint: The checkpoint written at this step, if any.
    """

    step: int
    steps: int
    content: float
    style: float
    loss: float
    elapsed: float
    eta: float
    skipped: tuple[str, ...] = ()
    checkpoint: Path | None = None


@dataclass(frozen=True)
class TrainResult:
    """The trained model, where it was written, the losses per step and the skipped files."""

    model: FastModel
    path: Path
    losses: tuple[float, ...]
    seconds: float
    skipped: dict[str, str] = field(default_factory=dict)


TrainCallback = Callable[[TrainProgress], None]


def choose_precision(precision: str, device: torch.device) -> str:
    """Resolve ``auto`` and refuse autocast off CUDA.

    Raises:
        ConfigError: bf16/fp16 asked on a device other than CUDA.
    """
    if precision == "auto":
        cuda = device.type == "cuda"
        return "bf16" if cuda and torch.cuda.is_bf16_supported() else "fp32"
    if precision != "fp32" and device.type != "cuda":
        raise ConfigError(
            f"precision: {precision} autocast runs on CUDA only (on {device.type} use fp32)"
        )
    return precision


def _new_net(config: TrainConfig) -> TransformerNet:
    """Initial weights drawn from ``config.seed`` without touching the global generator."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return TransformerNet(config.width, config.residual_blocks)


class _Run:
    """The state of one training: network, optimiser, data and loss, on one device."""

    def __init__(
        self, painting: Path, photos: Sequence[Path], config: TrainConfig, backbone: Backbone
    ) -> None:
        self.config, self.painting, self.device = config, Path(painting), backbone.device
        self.precision = choose_precision(config.precision, self.device)
        self.painting_sha256 = sha256_of(self.painting)
        style = load_image_tensor(self.painting, config.style_size or config.size)
        self.data = PhotoFolder(photos, config.size, seed=config.seed)
        self.net = _new_net(config).to(self.device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.learning_rate)
        # fp16 needs loss scaling (its range underflows small gradients); bf16 does not.
        self.scaler = torch.amp.GradScaler("cuda") if self.precision == "fp16" else None
        # The balance of the calibration's reference size: the crops are small, and the
        # network is then applied at any size.
        objective_config = TransferConfig(
            size=STRENGTH_REFERENCE_SIZE, strength=config.strength, weights=config.weights
        )
        features = backbone.features(
            (*objective_config.content_layers, *objective_config.style_layers)
        )
        style = style.to(self.device)
        # The optimisation's objective, built once for the painting's Grams (the painting
        # stands in for the photos); each step swaps in the batch's photos (train_step()).
        self.objective = Objective(features, style, [style], (1.0,), objective_config)
        self.step, self.losses, self.elapsed_before = 0, [], 0.0

    def _autocast(self) -> contextlib.AbstractContextManager[object]:
        if self.precision in _AUTOCAST:
            return torch.autocast("cuda", dtype=_AUTOCAST[self.precision])
        return contextlib.nullcontext()

    def train_step(self) -> tuple[float, float, float]:
        """One Adam step on the next batch; returns (content, style, loss) of that batch."""
        photos = self.data.batch(self.step, self.config.batch).to(self.device)
        self.objective.set_photos(photos)
        with self._autocast():
            costs = self.objective(self.net(photos))
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            costs.total.backward()
            self.optimizer.step()
        else:
            self.scaler.scale(costs.total).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        self.step += 1
        loss = float(costs.total.detach())
        self.losses.append(loss)
        return float(costs.content), float(costs.style), loss

    def model(self) -> FastModel:
        """The network as it is now, on the CPU, with its record."""
        net = copy.deepcopy(self.net).cpu().float().eval()
        return FastModel(net, _model_info(self))


def _model_info(run: _Run) -> ModelInfo:
    config = run.config
    entry = load_manifest().get(config.weights)
    return ModelInfo(
        width=config.width,
        residual_blocks=config.residual_blocks,
        painting=run.painting.name,
        painting_sha256=run.painting_sha256,
        strength=config.strength,
        size=config.size,
        steps=run.step,
        batch=config.batch,
        photos=len(run.data.files) - len(run.data.skipped),
        seed=config.seed,
        styletools_version=styletools.__version__,
        vgg_weights=config.weights,
        vgg_license=entry.license if entry else "unknown (weights from a file)",
        vgg_attribution=entry.attribution if entry else str(config.weights),
    )


# --- checkpoints --------------------------------------------------------------------------


def save_checkpoint(run: _Run, path: Path, elapsed: float) -> None:
    """Write everything a bit-exact resume needs, atomically (safe against ``kill -9``).

    A torch file of tensors and plain data only, read back with ``weights_only=True``;
    ``elapsed`` is the training time so far, so the final record counts every session.
    """
    state = {
        "format": CHECKPOINT_FORMAT,
        "step": run.step,
        "net": run.net.state_dict(),
        "optimizer": run.optimizer.state_dict(),
        "scaler": run.scaler.state_dict() if run.scaler is not None else {},
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if run.device.type == "cuda" else [],
        "identity": json.dumps(run.config.identity(), sort_keys=True),
        "painting_sha256": run.painting_sha256,
        "photos": run.data.names(),
        "skipped": run.data.skipped_names(),
        "losses": list(run.losses),
        "elapsed": elapsed,
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))


def load_checkpoint(run: _Run, path: Path) -> None:
    """Restore a run from its checkpoint, after checking it was made by the same settings.

    Raises:
        ModelFileError: The file is missing, unreadable or not a checkpoint.
        ConfigError: It was trained with other settings, painting or photos.
    """
    state = _read_checkpoint(path)
    _check_same_run(run, state, path)
    run.net.load_state_dict(state["net"])
    run.optimizer.load_state_dict(state["optimizer"])
    if run.scaler is not None and state["scaler"]:
        run.scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(state["cpu_rng"])
    if run.device.type == "cuda" and state["cuda_rng"]:
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    run.data.skipped.update({Path(k): v for k, v in state["skipped"].items()})
    run.step, run.losses = int(state["step"]), list(state["losses"])
    run.elapsed_before = float(state["elapsed"])


def _read_checkpoint(path: Path) -> dict[str, object]:
    from styletools.fast.model_file import ModelFileError

    if not path.is_file():
        raise ModelFileError(path, "no checkpoint to resume from (train with --checkpoint-every)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(path, f"not a readable training checkpoint ({first})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(path, "not a styletools training checkpoint")
    return state


def _check_same_run(run: _Run, state: dict[str, object], path: Path) -> None:
    saved = json.loads(str(state["identity"]))
    ours = json.loads(json.dumps(run.config.identity()))
    changed = [f"{k}={saved.get(k)!r} (now {v!r})" for k, v in ours.items() if saved.get(k) != v]
    if state["painting_sha256"] != run.painting_sha256:
        changed.append("the painting")
    if state["photos"] != run.data.names():
        changed.append("the photos")
    if changed:
        raise ConfigError(
            f"resume: {path} was trained with other settings: {', '.join(changed)}; "
            "use the same ones, or start again without --resume"
        )


# --- the loop -----------------------------------------------------------------------------


def train(
    painting: str | Path,
    photos: str | Path | Sequence[str | Path],
    output: str | Path,
    config: TrainConfig | None = None,
    *,
    resume: bool = False,
    backbone: Backbone | None = None,
    on_progress: TrainCallback | None = None,
) -> TrainResult:
    """Train a network to paint like ``painting`` and write it to ``output`` (``.stm``).

    Args:
        painting: The painting's image file.
        photos: Training photos: a folder (searched recursively), a file, or a list of
            them. Unreadable files are skipped and reported in the progress and result.
        output: The model file to write (atomically, at the end).
        config: Settings; see :class:`TrainConfig`.
        resume: Continue from ``checkpoint_path(output)`` instead of starting afresh.
        backbone: A loaded VGG19 to reuse (its device wins over ``config.device``).
        on_progress: Called after every step with a :class:`TrainProgress`.

    Returns:
        The model (on the CPU), its path, the loss of every step and the skipped files.

    Raises:
        ImageError: The painting cannot be read, or the output cannot be written.
        ConfigError: Bad settings, no readable photo, or a checkpoint of another run.
        ModelFileError: ``resume`` without a readable checkpoint.
    """
    config = config or TrainConfig()
    output = Path(output)
    backbone = backbone or Backbone(config.weights, device=str(resolve_device(config.device)))
    sources = [photos] if isinstance(photos, str | Path) else list(photos)
    run = _Run(Path(painting), [Path(p) for p in sources], config, backbone)
    if resume:
        load_checkpoint(run, checkpoint_path(output))
    started = time.perf_counter()
    for progress in _steps(run, output, started):
        if on_progress is not None:
            on_progress(progress)
    run.elapsed_before += time.perf_counter() - started
    model = run.model()
    save_model(model, output)
    return TrainResult(
        model, output, tuple(run.losses), run.elapsed_before, run.data.skipped_names()
    )


def _steps(run: _Run, output: Path, started: float) -> Iterator[TrainProgress]:
    """Train to ``config.steps``, yielding a record after each step (checkpoints included)."""
    config, first = run.config, run.step
    while run.step < config.steps:
        known = set(run.data.skipped)
        content, style, loss = run.train_step()
        written = None
        if config.checkpoint_every and (
            run.step % config.checkpoint_every == 0 or run.step == config.steps
        ):
            written = checkpoint_path(output)
            save_checkpoint(run, written, run.elapsed_before + time.perf_counter() - started)
        elapsed = time.perf_counter() - started
        yield TrainProgress(
            step=run.step,
            steps=config.steps,
            content=content,
            style=style,
            loss=loss,
            elapsed=elapsed,
            eta=elapsed / (run.step - first) * (config.steps - run.step),
            skipped=tuple(f"{p}: {r}" for p, r in run.data.skipped.items() if p not in known),
            checkpoint=written,
        )
