"""Build state: per output, the hashes of everything it read and of the settings that shaped it.

An output's inputs are kept as sets shared between outputs: the theme files a kind of page reads,
and what each group is made of (its file or sheet row, its defaults, its people's names, its
playbook). A day page of 2,000 groups names 2,000 group sets instead of 10,000 paths, and a set is
checked once per build, however many outputs share it.
"""

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
        self._out = f"{out_dir}{os.sep}"
        self.session = session = session or Session()
        self.path = out_dir / STATE_DIR / STATE_FILE
        self.outputs: dict[str, dict] = {}
        # set id -> {input: hash}, or the ids of the sets it joins (the groups a day page lists)
        self.sets: dict[str, dict[str, str] | list[str]] = {}
        self.big_files: dict[str, list] = {}
        self.changed = False  # saved only when something changed: a no-op build writes nothing
        self._hashes: dict[str, str] = {}  # this run's hashes
        self._current_sets: dict[str, bool] = {}  # this run's verdict on each set
        self._set_ids: dict[frozenset, str] = {}
        self._bundle_ids: dict[frozenset, str] = {}  # this run's: inputs -> the id of their set
        try:
            saved = _read_saved(self.path, session)
            # entries are replaced, never changed in place
            self.outputs = {
                path: entry
                for path, entry in dict(saved.get("outputs", {})).items()
                if inside_output(path) and isinstance(entry, dict)
            }
            self.sets = dict(saved.get("sets", {}))
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
        self._current_sets.clear()
        self._bundle_ids.clear()

    def is_current(self, output: str, settings: str) -> bool:
        entry = self.outputs.get(output)
        if not entry or entry.get("settings") != settings:
            return False
        try:
            stat = os.stat(f"{self._out}{output}")  # 20,000 outputs: no os.path.join each
        except OSError:
            return False
        if [stat.st_size, stat.st_mtime_ns] != entry.get("stat"):
            return False  # edited or replaced by hand: make it again
        current = self._current_sets
        for ident in entry.get("sets", ()):
            verdict = current.get(ident)
            if verdict is None:
                verdict = self._verdict(ident)
            if not verdict:
                return False
        return self._matches(entry.get("inputs", {}))  # a state saved before input sets

    def _verdict(self, ident: str) -> bool:
        """Whether every input of a set (or of every set a joined set names) is as recorded."""
        found = self.sets.get(ident)
        if isinstance(found, list):
            current = self._current_sets
            verdict = all(current[i] if i in current else self._verdict(i) for i in found)
        else:
            verdict = self._matches(found)
        self._current_sets[ident] = verdict
        return verdict

    def _matches(self, inputs: dict[str, str] | None) -> bool:
        if inputs is None:
            return False
        # looked up directly: a watch-mode check runs this for every input of every output
        hashes = self._hashes
        for path, value in inputs.items():
            if (hashes.get(path) or self.hash_input(path)) != value:
                return False
        return True

    def record(
        self,
        output: str,
        inputs: Iterable[str],
        settings: str,
        warnings: Iterable[Diagnostic] = (),
        bundles: Iterable[frozenset[str]] = (),
    ) -> None:
        """An output just written: what it read (`bundles`: what each group it shows is made of),
        and the warnings it gave (repeated while it stays current)."""
        stat = (self.out_dir / output).stat()
        # inputs inside the project are kept relative to it (see _relative)
        bundles = [frozenset(map(self._relative, paths)) for paths in bundles]
        rest = set(map(self._relative, inputs)).difference(*bundles)
        shared = {p for p in rest if _shared(p)}
        known = self._bundle_ids
        ids = [self._set_id(paths) for paths in (shared, rest - shared) if paths]
        # a day page shows 2,000 groups: each group's set is looked up, not hashed again
        groups = sorted(
            known.get(paths) or known.setdefault(paths, self._set_id(paths)) for paths in bundles
        )
        if len(groups) > JOINED_FROM:  # one id for the groups a page lists, shared by pages
            joined = digest(",".join(groups).encode())
            self.sets.setdefault(joined, groups)
            self._current_sets[joined] = True
            groups = [joined]
        ids += groups
        entry: dict = {
            "sets": ids,
            "settings": settings,
            "stat": [stat.st_size, stat.st_mtime_ns],
        }
        if warnings:
            entry["warnings"] = [dataclasses.asdict(w) for w in warnings]
        self.outputs[output] = entry
        self.changed = True

    def _set_id(self, paths: Iterable[str]) -> str:
        """The id of the set of these inputs with their current hashes (made once per content)."""
        items = frozenset((path, self.hash_input(path)) for path in paths)
        ident = self._set_ids.get(items)
        if ident is None:
            ident = self._set_ids[items] = digest(_encode(sorted(items)).encode())
            if ident not in self.sets:
                self.sets[ident] = dict(sorted(items))
            self._current_sets[ident] = True  # just hashed
        return ident

    def inputs_of(self, output: str) -> dict[str, str]:
        entry = self.outputs.get(output, {})
        found = dict(entry.get("inputs", {}))
        pending = list(entry.get("sets", ()))
        while pending:
            inputs = self.sets.get(pending.pop(), {})
            if isinstance(inputs, list):
                pending += inputs
            else:
                found.update(inputs)
        return found

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
        used = {i for entry in self.outputs.values() for i in entry.get("sets", ())}
        for ident in list(used):
            joined = self.sets.get(ident)
            if isinstance(joined, list):
                used.update(joined)
        self.sets = {ident: self.sets[ident] for ident in sorted(used) if ident in self.sets}
        sets = [
            f"{_quote(ident)}:{_encode_entry(encoded, '#' + ident, inputs)}"
            for ident, inputs in self.sets.items()
        ]
        text = (
            f'{{"big_files":{_encode(self.big_files)},"sets":{{\n'
            + ",\n".join(sets)
            + '},\n"outputs":{\n'
            + ",\n".join(lines)
            + "}}\n"
        )
        write_atomic(self.path, text.encode())
        self.changed = False
        self.session.saved_state.put(
            self.path,
            (
                _stamp(self.path),
                {
                    "outputs": dict(self.outputs),
                    "sets": dict(self.sets),
                    "big_files": dict(self.big_files),
                },
            ),
        )


JOINED_FROM = 16  # a page listing more groups than this names one joined set of them


def _shared(path: str) -> bool:
    """An input many outputs share: a theme file or font (absolute), the site, a playbook."""
    return os.path.isabs(path) or path.startswith(("content/site.yml", "playbooks/", "option:"))


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
