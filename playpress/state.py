"""Build state: per output, the hashes of everything it read and of the settings that shaped it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from .diagnostics import Diagnostic
from .files import inside_output, write_atomic
from .session import Cache, Session

STATE_DIR = ".playpress"
STATE_FILE = "state.json"
MISSING = "-"
# larger inputs (fonts, images, posters read by a PDF) are re-hashed only when their size or mtime
# changes
BIG_FILE = 64 << 10


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class BuildState:
    """What was built from what; an output is current when all its inputs and settings match."""

    def __init__(self, out_dir: Path, root: Path, session: Session | None = None) -> None:
        self.out_dir, self.root = out_dir, root
        self.session = session = session or Session()
        self.path = out_dir / STATE_DIR / STATE_FILE
        self.outputs: dict[str, dict] = {}
        self.big_files: dict[str, list] = {}
        self.changed = False  # saved only when something changed: a no-op build writes nothing
        self._hashes: dict[str, str] = {}  # this run's hashes
        try:
            saved = _read_saved(self.path, session)
            # entries are replaced, never changed in place
            self.outputs = {
                path: entry
                for path, entry in dict(saved.get("outputs", {})).items()
                if inside_output(path) and isinstance(entry, dict)
            }
            self.big_files = dict(saved.get("big_files", {}))
        except (OSError, ValueError, AttributeError):
            self.changed = True

    def _absolute(self, path: str) -> str:
        return path if os.path.isabs(path) else os.path.join(self.root, path)

    def _relative(self, path: str) -> str:
        """Inputs inside the project are recorded relative to it: a project moved or renamed (or
        checked out elsewhere) keeps its state, and an override added there is seen."""
        root = str(self.root)
        if os.path.isabs(path) and path.startswith(root.rstrip(os.sep) + os.sep):
            return path[len(root.rstrip(os.sep)) + 1 :]
        return path

    def hash_input(self, path: str) -> str:
        """The hash of one input as it is now ('-' when missing); listings hash their names."""
        if path in self._hashes:
            return self._hashes[path]
        absolute = self._absolute(path)
        try:
            stat = os.stat(absolute)
            stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
            known = self.session.input_hashes.get(absolute)
            if known is not None and known[0] == stamp:
                self._hashes[path] = known[1]
                return known[1]
            if stat.st_size >= BIG_FILE:
                cached = self.big_files.get(path)
                if cached and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
                    value = cached[2]
                else:
                    value = digest(Path(absolute).read_bytes())
                    self.big_files[path] = [stat.st_size, stat.st_mtime_ns, value]
                    self.changed = True
            else:
                value = digest(Path(absolute).read_bytes())
            if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS:
                self.session.input_hashes.put(absolute, (stamp, value))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            value = MISSING
        self._hashes[path] = value
        return value

    def set_virtual(self, name: str, value: str) -> None:
        """An input that is not a file (a folder's listing): its value is given."""
        self._hashes[name] = digest(value.encode())

    def forget_hashes_under(self, folder: Path) -> None:
        """Outputs read by later outputs (posters in a PDF) are hashed again once rewritten."""
        prefixes = {str(folder) + os.sep, str(folder.resolve()) + os.sep}
        for path in [p for p in self._hashes if p.startswith(tuple(prefixes))]:
            del self._hashes[path]

    def is_current(self, output: str, settings: str) -> bool:
        entry = self.outputs.get(output)
        if not entry or entry.get("settings") != settings:
            return False
        try:
            stat = os.stat(os.path.join(self.out_dir, output))
        except OSError:
            return False
        if [stat.st_size, stat.st_mtime_ns] != entry.get("stat"):
            return False  # edited or replaced by hand: make it again
        # looked up directly: a watch-mode check runs this for every input of every output
        hashes = self._hashes
        for path, value in entry["inputs"].items():
            if (hashes.get(path) or self.hash_input(path)) != value:
                return False
        return True

    def record(
        self, output: str, inputs: Iterable[str], settings: str, warnings: Iterable[Diagnostic] = ()
    ) -> None:
        """An output just written: what it read, and the warnings it gave (repeated while it
        stays current)."""
        stat = (self.out_dir / output).stat()
        entry: dict = {
            "inputs": {
                path: self.hash_input(path) for path in sorted({self._relative(p) for p in inputs})
            },
            "settings": settings,
            "stat": [stat.st_size, stat.st_mtime_ns],
        }
        if warnings:
            entry["warnings"] = [dataclasses.asdict(w) for w in warnings]
        self.outputs[output] = entry
        self.changed = True

    def inputs_of(self, output: str) -> dict[str, str]:
        return dict(self.outputs.get(output, {}).get("inputs", {}))

    def warnings_of(self, output: str) -> list[Diagnostic]:
        return [Diagnostic(**w) for w in self.outputs.get(output, {}).get("warnings", ())]

    def forget(self, output: str) -> None:
        if self.outputs.pop(output, None) is not None:
            self.changed = True

    def save(self) -> None:
        """One line per output; the lines of entries unchanged since the last save are reused."""
        encoded = self.session.state_lines
        lines = [
            f"{_quote(path)}:{_encode_entry(encoded, path, self.outputs[path])}"
            for path in sorted(self.outputs)
        ]
        text = (
            f'{{"big_files":{_encode(self.big_files)},"outputs":{{\n' + ",\n".join(lines) + "}}\n"
        )
        write_atomic(self.path, text.encode())
        self.changed = False
        self.session.saved_state.put(
            self.path,
            (_stamp(self.path), {"outputs": dict(self.outputs), "big_files": dict(self.big_files)}),
        )


# a JSON string, as json.dumps(ensure_ascii=False) writes it (C, no dumps call)
_quote = json.encoder.encode_basestring


def _encode(value: object) -> str:
    # No indent: json's C encoder, several times faster on a state of thousands of inputs.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# Entries are replaced, never changed in place, so the same object encodes the same: the
# session keeps each output's entry with its encoded line (watch mode saves a state of ~1000
# entries after each save).
def _encode_entry(encoded: Cache, path: str, entry: dict) -> str:
    known = encoded.get(path)
    if known is not None and known[0] is entry:
        return known[1]
    text = _encode(entry)
    encoded.put(path, (entry, text))
    return text


# Hashes of inputs are reused by later builds of a session (watch mode re-checks every output's
# inputs after each save) only for files unchanged for a while: a write within the file system's
# timestamp granularity after hashing would keep the stamp (git's "racy clean" case).
SETTLED_NS = 2_000_000_000


def _stamp(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    # written by os.replace: a new inode each time
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _read_saved(path: Path, session: Session) -> dict:
    """The saved state, parsed once per version of the file in a session (watch mode reads it
    after every save; parsing thousands of entries each time would cost more than the build)."""
    cached = session.saved_state.get(path)
    stamp = _stamp(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]  # type: ignore[no-any-return]
    saved = json.loads(path.read_text(encoding="utf-8"))
    session.saved_state.put(path, (stamp, saved))
    return saved  # type: ignore[no-any-return]
