"""Rebuild every source's extract from the raw source folders, byte for byte the same on every run.

    python -m helpers.published.build RAW_DIR [--out DIR]

RAW_DIR holds one folder per source (pythia, obsscaling, ...), each with the raw files, a COMMIT
file and the source's licence. For each source the command writes ``extract.csv.gz`` and copies
``COMMIT`` and the licence (as ``LICENSE``) into ``DIR/<source>/`` (default: the repository's
``data/published``), each file atomically. It writes nothing else and nothing outside ``DIR``; the
hand-written SOURCE.md, README.md and model_facts.csv are left as they are.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..cache import atomic_write
from . import extract
from .load import DATA_DIR, SOURCES
from .sources import READERS

__all__ = ["LICENCE_NAMES", "build", "main"]

LICENCE_NAMES = ("LICENSE", "LICENSE.txt")


def _licence(folder: Path) -> bytes:
    """The source's own licence text, unchanged."""
    for name in LICENCE_NAMES:
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    raise ValueError(f"raw_dir: source folder {folder} has no licence file ({' or '.join(LICENCE_NAMES)})")


def build(raw_dir: str | os.PathLike, out: str | os.PathLike = DATA_DIR) -> dict[str, int]:
    """Write every source's extract, COMMIT and LICENSE under ``out``; return the row count per source.

    Everything is read and checked before the first file is written, so a bad raw folder changes nothing.
    """
    raw = Path(raw_dir)
    if not raw.is_dir():
        raise ValueError(f"raw_dir must be a folder holding the raw sources; {str(raw)!r} is not a folder")
    missing = [name for name in SOURCES if not (raw / name).is_dir()]
    if missing:
        raise ValueError(f"raw_dir {str(raw)!r} lacks the source folder(s) {missing}; expected {list(SOURCES)}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder; {str(out)!r} is a file")
    files: dict[Path, bytes] = {}
    rows: dict[str, int] = {}
    for name in SOURCES:
        folder = raw / name
        if not (folder / "COMMIT").is_file():
            raise ValueError(f"raw_dir: source folder {folder} has no COMMIT file")
        try:
            table = READERS[name](folder)
        except (OSError, KeyError, ValueError) as err:
            raise ValueError(f"raw_dir: source {name!r} could not be read from {folder}: {err}") from err
        rows[name] = len(table)
        files[out / name / extract.FILENAME] = extract.to_bytes(table)
        files[out / name / "COMMIT"] = (folder / "COMMIT").read_bytes()
        files[out / name / "LICENSE"] = _licence(folder)
    mask = os.umask(0)
    os.umask(mask)
    for path, data in files.items():
        atomic_write(path, data)
        path.chmod(0o666 & ~mask)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: build, print one line per source, and exit 2 with a message on bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m helpers.published.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw_dir", metavar="RAW_DIR", help="folder with one raw folder per source")
    parser.add_argument("--out", metavar="DIR", default=str(DATA_DIR), help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        rows = build(args.raw_dir, args.out)
    except ValueError as err:
        parser.error(str(err).replace("raw_dir", "RAW_DIR", 1).replace("out must", "--out must", 1))
    for name, count in rows.items():
        size = (Path(args.out) / name / extract.FILENAME).stat().st_size
        print(f"{name:16s} {count:8,d} rows  {size / 1e6:6.3f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
