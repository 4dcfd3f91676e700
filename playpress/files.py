"""Writing outputs: atomic replace, a staging area for a whole build, one build at a time."""

from __future__ import annotations

import filecmp
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then os.replace it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def inside_output(relpath: str) -> bool:
    """An output path as the plan makes them: relative, no '..', nothing hidden at its top (the
    build state names paths like this; a forged one naming ../content/x.md is never touched)."""
    parts = relpath.split("/")
    return (
        bool(relpath)
        and not relpath.startswith(("/", "\\"))
        and "\\" not in relpath
        and all(part not in ("", ".", "..") for part in parts)
        and not parts[0].startswith(".")
    )


def obstacle(out_dir: Path, relpath: str) -> str:
    """What stands where an output must go (a file where its folder should be, a folder where the
    file should be), as the path in the way; '' when the way is clear."""
    path = out_dir
    for part in relpath.split("/")[:-1]:
        path = path / part
        if path.exists() and not path.is_dir():
            return str(path)
    target = out_dir / relpath
    return str(target) if target.is_dir() else ""


def remove_output(out_dir: Path, relpath: str) -> bool:
    """Remove one output and any folders it leaves empty (never above out_dir, never through a
    link out of it)."""
    if not inside_output(relpath):
        return False
    target = out_dir / relpath
    if not os.path.realpath(target.parent).startswith(os.path.realpath(out_dir) + os.sep) and (
        target.parent != out_dir
    ):
        return False
    try:
        target.unlink()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return False
    parent = target.parent
    while parent != out_dir and out_dir in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return True


STAGING = Path(".playpress") / "staging"  # under the output folder: hidden, never served
LOCK = Path(".playpress") / "lock"


class Staging:
    """Where a build's files wait until every output of the build has rendered.

    A build that fails halfway (an image that will not decode, a bug) leaves dist/ exactly as it
    was: the staged files are dropped. A build that succeeds moves each file into place with
    os.replace, so a reader of dist/ sees the old file or the new one, never half of either.
    Later outputs of the same build read earlier ones (a PDF shows the posters) through
    `path_of`.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.folder = out_dir / STAGING
        self.files: dict[str, Path] = {}  # output path -> its staged file
        self.discard()  # a build killed halfway left these

    def staged(self, relpath: str) -> Path:
        return self.folder / relpath

    def add(self, relpath: str) -> None:
        self.files[relpath] = self.staged(relpath)

    def path_of(self, relpath: str) -> Path:
        """The file an output is in now: staged in this build, else in dist/."""
        return self.files.get(relpath) or self.out_dir / relpath

    def commit(self, relpath: str) -> bool:
        """The staged file into its place; False (and dist/ untouched) when the file there holds
        the same bytes: a preview does not reload for it, a sync tool does not copy it."""
        target = self.out_dir / relpath
        staged = self.files.pop(relpath)
        try:
            info = os.lstat(target)
            same = (
                stat.S_ISREG(info.st_mode)
                and info.st_size == os.path.getsize(staged)
                and filecmp.cmp(staged, target, shallow=False)
            )
        except OSError:
            same = False
        if same:
            staged.unlink()
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        return True

    def discard(self) -> None:
        self.files.clear()
        if self.folder.exists():  # a build that wrote nothing changes nothing, not even a folder
            shutil.rmtree(self.folder, ignore_errors=True)


class DistLock:
    """One build at a time writes a dist/ (two terminals, watch and a build): the second waits."""

    def __init__(
        self, out_dir: Path, waiting: Callable[[str], None] | None = None, longest: float = 600.0
    ):
        self.path, self.waiting, self.longest = out_dir / LOCK, waiting, longest
        self.handle: int | None = None

    def __enter__(self) -> DistLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl
        except ImportError:  # not on POSIX: no lock, as before
            return self
        started, told = time.monotonic(), False
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and self.waiting is not None:
                    self.waiting(
                        f"another build is writing {self.path.parent.parent}; waiting for it"
                    )
                    told = True
                if time.monotonic() - started > self.longest:
                    os.close(self.handle)
                    self.handle = None
                    raise TimeoutError(
                        f"another build kept {self.path.parent.parent} for {self.longest:.0f} s"
                    ) from None
                time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            os.close(self.handle)  # closing releases the lock
            self.handle = None
