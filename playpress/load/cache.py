"""What one build validated, kept in dist/.playpress/ for the next: a plain `build` is a new
process, and without this it would validate every group again (1.2 ms a group: schedule expansion,
template checks, paths) even when nothing changed.

The entries are the session's validation cache (`Session.validated`), each keyed exactly by what
its result depends on (file bytes and sheet rows by digest, the site's, playbooks' and groups'
fingerprints, the project's file listing), so an entry can only be used for the same inputs. The
cache is written only when a build validated something new, holds only what that build used, and
is discarded as a whole when the engine's code changed.

A cache in dist/ could come with a project someone else made (a repository that commits its
dist/). So it is signed with a key that never leaves this machine (in the user's cache folder):
a file not signed with it is ignored, never read; and it is read with an unpickler that builds
only Playpress's model, its diagnostics and plain values, never anything that runs code.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
from pathlib import Path
from typing import Any

from ..files import write_atomic
from ..session import Session

CACHE_FILE = "validated.pickle"
# kept in a watch session only: rows of sheets, and the build's list of outputs
SESSION_ONLY = frozenset({"sheet-rows", "outputs"})
KEY_BYTES = 32
# What a cache may hold: the model and its parts, diagnostics, the reader's mappings, plain data.
ALLOWED = {
    "playpress.model": None,
    "playpress.diagnostics": None,
    "playpress.load.reader": {"YamlMap", "YamlList", "TypedFloat", "SourceFile"},
    "playpress.load.sheets": {"SheetMap", "SheetList"},
    "playpress.load.group_sources": {"SheetRow"},
    "playpress.load.project": {"Defaults"},
    "playpress.load.plans": {"PlanFile", "Reused"},
    "datetime": {"date", "datetime", "time", "timedelta", "timezone"},
    "builtins": {"set", "frozenset", "dict", "list", "tuple", "bytearray"},
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        allowed = ALLOWED.get(module, set())
        if module not in ALLOWED or (allowed is not None and name not in allowed):
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a validation cache")
        return super().find_class(module, name)


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "playpress" / "cache.key"


def secret() -> bytes | None:
    """This machine's signing key, made on first use; None where it cannot be kept."""
    path = key_file()
    try:
        data = path.read_bytes()
        if len(data) == KEY_BYTES:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(os.urandom(KEY_BYTES))
        try:
            os.link(temporary, path)  # the first process to make one wins; the others read it
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) == KEY_BYTES else None


def restore(session: Session, out_dir: Path, engine: str) -> None:
    """Start a build: the cache of dist/ into a fresh session (a watch session has its own)."""
    cache = session.validated
    cache.used.clear()
    if session.restored:
        return
    session.restored = True
    key = secret()
    try:
        data = (out_dir / ".playpress" / CACHE_FILE).read_bytes()
    except OSError:
        return
    if key is None or len(data) < 32:
        return
    mac, payload = data[:32], data[32:]
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        return
    try:
        saved_engine, entries = _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - an unreadable cache is no cache
        return
    if saved_engine != engine or not isinstance(entries, list):
        return
    for entry_key, value in entries:
        cache.put(entry_key, value)
    cache.used.clear()
    session.kept = {entry_key for entry_key, _ in entries}


def keep(session: Session, out_dir: Path, engine: str) -> None:
    """End a build: what it used, written for the next one when it validated something new."""
    cache = session.validated
    used = [k for k in cache.used if k not in session.kept and _persistent(k)]
    if not used:
        return
    key = secret()
    if key is None:
        return
    entries = [(k, cache.get(k)) for k in sorted(cache.used, key=repr) if _persistent(k)]
    entries = [(k, v) for k, v in entries if v is not None]
    try:
        payload = pickle.dumps((engine, entries), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    write_atomic(out_dir / ".playpress" / CACHE_FILE, mac + payload)
    session.kept = {k for k, _ in entries}


def _persistent(key: Any) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] not in SESSION_ONLY
