"""Regenerate the gallery from the bundled examples, reproducibly, with one command.

    python gallery/make_gallery.py                      # every section into gallery/
    python gallery/make_gallery.py --only grid,presets  # some sections (record merged)
    python gallery/make_gallery.py --check              # remake in a temp dir, compare hashes
    python gallery/make_gallery.py --smoke --out /tmp/g # tiny sizes (what the tests run)

Writes the JPEG files, ``gallery.json`` (settings, seed, wall time, machine and the pixel
hash of every tile) and ``README.md`` rendered from that record. CPU is the default device
because only there are the results bit-for-bit repeatable.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import record
import sections
import torch
from sections import PROFILES, Context, Picture, Profile

from styletools.allocator import keep_freed_memory
from styletools.config import TransferConfig
from styletools.images import save_image

GALLERY_DIR = Path(__file__).resolve().parent
SIZE_BUDGET = 15_000_000  # bytes of JPEG in the whole gallery
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Section:
    """A gallery section: its README title and the function that makes its pictures."""

    title: str
    make: Callable[[Context], list[Picture]]


#: Every section, in gallery order; ``--only`` picks from these names.
SECTIONS: dict[str, Section] = {
    "grid": Section("Content x style grid (fast preset)", sections.grid),
    "grid_one_pass": Section(
        "The same grid in one pass of the arbitrary-style network", sections.grid_one_pass
    ),
    "style_augment": Section(
        "Style augmentation: random-style, four seeded draws on four photos",
        sections.style_augment,
    ),
    "presets": Section("Presets side by side, with wall times", sections.presets),
    "preserve_color": Section("Preserve colours off and on", sections.preserve_color),
    "blend": Section("Blend of two paintings at three weights", sections.blend),
    "regions": Section(
        "Regions: two paintings, a kept subject, a soft mask, and the colour modes",
        sections.regions,
    ),
    "strength": Section("Style strength sweep", sections.strength),
    "hires": Section("Coarse-to-fine at high resolution, and a crop", sections.hires),
    "fast_mode": Section(
        "Fast mode: the bundled model on unseen photos, beside the optimisation",
        sections.fast_mode,
    ),
    "edges": Section("Edge filters on one photo", sections.edges),
    "augment": Section("Eight augmentations of one photo", sections.augment),
}


def section_list(text: str) -> list[str]:
    """Parse ``--only``: comma-separated section names, each checked against the table."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {unknown or [text]}; choose from {', '.join(SECTIONS)}"
        )
    return names


#: The command-line options, as data: flag -> argparse keywords.
OPTIONS: dict[str, dict[str, Any]] = {
    "--only": {
        "type": section_list,
        "default": list(SECTIONS),
        "help": f"sections to make, comma-separated: {', '.join(SECTIONS)}",
    },
    "--out": {
        "type": Path,
        "default": None,
        "help": "output folder (default gallery/; with --smoke a new temp folder)",
    },
    "--smoke": {
        "action": "store_true",
        "help": "tiny sizes, one scale, two steps: checks the whole pipeline in seconds",
    },
    "--device": {
        "default": "cpu",
        "help": "torch device (default cpu: the only bit-for-bit repeatable one)",
    },
    "--threads": {
        "type": int,
        "default": None,
        "help": "torch CPU threads (default: the profile's, or as recorded for --check)",
    },
    "--check": {
        "action": "store_true",
        "help": "remake the sections in a temp folder and compare each tile's pixel hash "
        "with gallery.json; exit 1 on a mismatch",
    },
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (see :data:`OPTIONS`)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    for flag, keywords in OPTIONS.items():
        parser.add_argument(flag, **keywords)
    return parser.parse_args(argv)


def output_dir(args: argparse.Namespace) -> Path:
    """``--out``, else gallery/; a smoke run never writes into gallery/ unless told to."""
    if args.out is not None:
        return args.out
    return Path(tempfile.mkdtemp(prefix="gallery-smoke-")) if args.smoke else GALLERY_DIR


def command(section: str, args: argparse.Namespace, out: Path) -> str:
    """The exact command that remakes ``section``, as recorded for the README."""
    parts = ["python gallery/make_gallery.py", f"--only {section}"]
    parts += ["--smoke"] if args.smoke else []
    parts += [] if out.resolve() == GALLERY_DIR else [f"--out {out}"]
    parts += [] if args.device == "cpu" else [f"--device {args.device}"]
    parts.append(f"--threads {torch.get_num_threads()}")
    return " ".join(parts)


def generate(
    ctx: Context, names: Sequence[str], out: Path, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Make ``names`` into ``out`` and return their record entries."""
    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    for name in names:
        for picture in SECTIONS[name].make(ctx):
            save_image(picture.image, out / picture.file, overwrite=True, quality=JPEG_QUALITY)
            print(f"wrote {out / picture.file}", flush=True)
            entries.append(entry(name, picture, ctx, command(name, args, out)))
    return entries


def entry(name: str, picture: Picture, ctx: Context, cmd: str) -> dict[str, Any]:
    """The record of one picture."""
    return {
        "file": picture.file,
        "section": name,
        "command": cmd,
        "profile": ctx.profile.name,
        "seed": sections.SEED,
        "seconds": round(sum(tile.seconds or 0.0 for tile in picture.tiles), 2),
        "device": ctx.device,
        "machine": record.machine(),
        "tiles": [tile.record() for tile in picture.tiles],
    }


def write(out: Path, entries: Sequence[dict[str, Any]]) -> None:
    """Merge ``entries`` into ``gallery.json`` and render the README from the result."""
    merged = record.merge(record.load_record(out / record.RECORD_NAME), entries, list(SECTIONS))
    record.write_record(out / record.RECORD_NAME, merged)
    total = sum(path.stat().st_size for path in out.glob("*.jpg"))
    titles = {name: section.title for name, section in SECTIONS.items()}
    # Entries made before `color` had three modes recorded its old switch, off by default.
    defaults = {"preserve_color": False,
                **json.loads(json.dumps(dataclasses.asdict(TransferConfig())))}
    print_size = record.load_print_size(out / record.PRINT_SIZE_NAME)
    readme = record.render_readme(merged, titles, total, defaults, print_size)
    record.write_readme(out / record.README_NAME, readme)
    budget = "over" if total > SIZE_BUDGET else "within"
    print(f"{total / 1e6:.1f} MB of JPEG in {out} ({budget} the {SIZE_BUDGET / 1e6:g} MB budget)")


def mismatches(recorded: Sequence[dict[str, Any]], made: Sequence[dict[str, Any]]) -> list[str]:
    """Tiles whose pixel hash differs from the record (tiles compared by position)."""
    expected = {entry["file"]: entry["tiles"] for entry in recorded}
    problems = []
    for entry in made:
        old = expected.get(entry["file"])
        if old is None or len(old) != len(entry["tiles"]):
            problems.append(f"{entry['file']}: not in the record, or a different tile count")
            continue
        for before, after in zip(old, entry["tiles"], strict=True):
            if before["sha256"] != after["sha256"]:
                problems.append(f"{entry['file']}: tile {before['label']!r} differs")
    return problems


def check(ctx: Context, args: argparse.Namespace, recorded: list[dict[str, Any]]) -> int:
    """Remake the selected sections in a temp folder; 0 when every tile hash matches."""
    selected = [entry for entry in recorded if entry["section"] in args.only]
    stale = [e["file"] for e in selected if e["profile"] != ctx.profile.name]
    if not selected or stale:
        print(f"nothing to check, or recorded with another profile: {stale}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gallery-check-") as tmp:
        made = generate(ctx, args.only, Path(tmp), args)
    problems = mismatches(selected, made)
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    tiles = sum(len(entry["tiles"]) for entry in made)
    print(f"checked {tiles} tiles: {len(problems)} mismatch(es)")
    return 1 if problems else 0


def profile(args: argparse.Namespace) -> Profile:
    """The smoke or the full profile."""
    return PROFILES["smoke" if args.smoke else "full"]


def threads(args: argparse.Namespace, recorded: Sequence[dict[str, Any]]) -> int | None:
    """``--threads``; else for ``--check`` the recorded count (it can change the last bit)."""
    if args.threads is not None:
        return args.threads
    counts = [e["machine"]["threads"] for e in recorded if e["section"] in args.only]
    if args.check and counts:
        return counts[0]
    return profile(args).threads


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    keep_freed_memory()  # as the styletools command does: same pixels, faster steps
    out = output_dir(args)
    recorded = record.load_record(out / record.RECORD_NAME)
    count = threads(args, recorded)
    if count is not None:
        torch.set_num_threads(count)
    ctx = Context(profile(args), args.device)
    if args.check:
        return check(ctx, args, recorded)
    write(out, generate(ctx, args.only, out, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
