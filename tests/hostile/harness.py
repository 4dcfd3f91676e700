"""The hostile suite's tools: small projects on disk, the real CLI under limits, and the verdicts.

Only the command line and HTTP are used, never an import of playpress: the package is moving.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD_PY = REPO / "build.py"

# A case that runs past this is a hang. A good build of these projects takes about a second.
TIME_LIMIT = float(os.environ.get("HOSTILE_TIME_LIMIT", "30"))
# Address space per process (build workers included): a memory bomb fails instead of swapping.
MEMORY_LIMIT = int(float(os.environ.get("HOSTILE_MEMORY_LIMIT_GB", "3")) * (1 << 30))
# Largest file a run may write: a runaway output fails (SIGXFSZ) before it fills the CI disk.
FILE_SIZE_LIMIT = 1 << 30

STATE_DIR = ".playpress"  # build state: excluded from byte comparisons


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass
class Run:
    """One finished (or killed) command-line run."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def __str__(self) -> str:  # what a failed assertion shows
        def cut(text: str) -> str:
            return text if len(text) < 6000 else text[:3000] + "\n[...]\n" + text[-3000:]

        state = "TIMED OUT" if self.timed_out else f"exit {self.returncode}"
        return (
            f"$ build.py {' '.join(self.args)}  -> {state} after {self.seconds:.1f} s\n"
            f"--- stdout\n{cut(self.stdout)}\n--- stderr\n{cut(self.stderr)}"
        )


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        LC_ALL="C.UTF-8",
    )
    env.pop("PYTHONWARNINGS", None)
    env.update(extra or {})
    return env


def start(
    *args: str,
    cwd: Path,
    prefix: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    stdout: int | None = subprocess.PIPE,
) -> subprocess.Popen[bytes]:
    """`python build.py ARGS` in its own process group, under the memory and file size limits."""
    return subprocess.Popen(
        [*prefix, sys.executable, str(BUILD_PY), *args],
        cwd=cwd,
        env=environment(env),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
        start_new_session=True,
    )


def stop_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """End the run and every worker it forked (they share its process group)."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def finish(
    process: subprocess.Popen[bytes], args: tuple[str, ...], started: float, timeout: float
) -> Run:
    timed_out = False
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        stop_group(process)
        out, err = process.communicate()
    stop_group(process)  # workers left behind by a crash
    return Run(
        args,
        process.returncode,
        (out or b"").decode("utf-8", "replace"),
        (err or b"").decode("utf-8", "replace"),
        time.monotonic() - started,
        timed_out,
    )


def cli(
    *args: str,
    cwd: Path,
    timeout: float = TIME_LIMIT,
    prefix: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Run:
    """Run the real command line as a user would, killed after `timeout` seconds."""
    started = time.monotonic()
    return finish(start(*args, cwd=cwd, prefix=prefix, env=env), args, started, timeout)


# --- projects ------------------------------------------------------------------------------------


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


class Project:
    """A project folder on disk with the edits a case makes to it."""

    def __init__(self, root: Path):
        self.root = root

    def __truediv__(self, relpath: str) -> Path:
        return self.root / relpath

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    def write(self, relpath: str, content: str | bytes, raw: bool = False) -> Path:
        target = self.root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes((content if raw else dedent(content)).encode("utf-8"))
        return target

    def read(self, relpath: str) -> str:
        return (self.root / relpath).read_text(encoding="utf-8")

    def edit(self, relpath: str, old: str, new: str) -> None:
        """Replace the first `old` (which must be there) by `new`."""
        text = self.read(relpath)
        assert old in text, f"{relpath} has no {old!r}: the case is out of date"
        (self.root / relpath).write_bytes(text.replace(old, new, 1).encode("utf-8"))

    def line_of(self, relpath: str, needle: str) -> int:
        """1-based number of the first line of the file containing `needle`."""
        for number, line in enumerate(self.read(relpath).split("\n"), 1):
            if needle in line:
                return number
        raise AssertionError(f"{relpath} has no line with {needle!r}")

    def run(self, *args: str, timeout: float = TIME_LIMIT, **kwargs: object) -> Run:
        return cli(*args, cwd=self.root, timeout=timeout, **kwargs)  # type: ignore[arg-type]

    def build(self, *extra: str, timeout: float = TIME_LIMIT, **kwargs: object) -> Run:
        return self.run("build", "--no-pdf", *extra, timeout=timeout, **kwargs)

    def build_pdf(self, *extra: str, timeout: float = TIME_LIMIT) -> Run:
        return self.run("build", *extra, timeout=timeout)

    def check(self, *extra: str, timeout: float = TIME_LIMIT) -> Run:
        return self.run("check", *extra, timeout=timeout)

    def snapshot(self, folder: str = "dist") -> dict[str, bytes]:
        return snapshot(self.root / folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (build state excluded) with its bytes; links are not followed out."""
    files: dict[str, bytes] = {}
    if not folder.is_dir():
        return files
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != STATE_DIR)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                files[relative] = b"-> " + os.readlink(path).encode()
            elif path.is_file():
                files[relative] = path.read_bytes()
            else:
                files[relative] = b"<not a regular file>"
    return files


def text_outputs(folder: Path) -> dict[str, str]:
    """The text files of a dist/ (everything but images and PDFs), decoded."""
    return {
        name: data.decode("utf-8", "replace")
        for name, data in snapshot(folder).items()
        if not name.endswith((".png", ".pdf", ".jpg"))
    }


def copy_project(source: Path, target: Path) -> Project:
    shutil.copytree(source, target, symlinks=True)
    return Project(target)


# --- verdicts ------------------------------------------------------------------------------------

DIAGNOSTIC = re.compile(
    r"^(?P<where>[^\s:][^:]*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: "
    r"(?P<severity>error|warning): (?P<message>.+)$"
)
CRASH_SIGNS = (
    "Traceback (most recent call last)",
    "internal error",
    "MemoryError",
    "RecursionError",
    "Segmentation fault",
    "Fatal Python error",
)


def assert_no_crash(run: Run) -> None:
    """No hang, no death by a signal (memory, file size), no traceback or 'internal error'."""
    assert not run.timed_out, f"hang: still running after {run.seconds:.0f} s\n{run}"
    assert run.returncode >= 0, f"killed by signal {-run.returncode} (a limit was hit)\n{run}"
    for sign in CRASH_SIGNS:
        assert sign.lower() not in run.output.lower(), f"{sign!r} in the output\n{run}"


def errors_of(run: Run) -> list[re.Match[str]]:
    return [
        m
        for line in run.stderr.splitlines()
        if (m := DIAGNOSTIC.match(line.strip())) and m["severity"] == "error"
    ]


def assert_refused(
    run: Run,
    *names: str,
    at: str | tuple[str, ...] | None = None,
    line: int | range | None = None,
    any_line: bool = False,
    status: int = 1,
    hint: bool = True,
    mentions: tuple[str, ...] = (),
) -> re.Match[str]:
    """Exit `status`, no crash, and one error line that names every one of `names`.

    at:       the diagnostic's own path (`at:LINE:...: error: ...`), or one of several ...
    line:     ... at this line (or one of this range of lines)
    any_line: ... at some line (a YAML problem always has one)
    mentions: words (any case) the message must contain, e.g. the fix ("quote")
    hint:     the message carries what to do: `(...)` at its end, as every Playpress diagnostic
    """
    assert_no_crash(run)
    assert run.returncode == status, f"exit {run.returncode}, expected {status}\n{run}"
    found = errors_of(run)
    for match in found:
        text = match.group(0)
        if not all(name in text for name in names):
            continue
        if at is not None and match["where"] not in ((at,) if isinstance(at, str) else at):
            continue
        if line is not None and not match["line"]:
            continue
        if line is not None and int(match["line"]) not in (
            line if isinstance(line, range) else (line,)
        ):
            continue
        if any_line and not match["line"]:
            continue
        if hint and not re.search(r"\(.+\)\s*$", match["message"]):
            continue
        if not all(word.lower() in text.lower() for word in mentions):
            continue
        return match
    want = f"{at or '?'}{':' + str(line) if line else ':LINE' if any_line else ''}: error: ..."
    raise AssertionError(
        f"no error line {want} naming {names} mentioning {mentions}"
        f"{' with a hint' if hint else ''}\n{run}"
    )


def assert_tolerated(run: Run, before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """For input a build may accept or refuse: no crash or hang; a refusal names a file and
    leaves dist/ as it was."""
    assert_no_crash(run)
    assert run.returncode in (0, 1), f"exit {run.returncode}\n{run}"
    if run.returncode == 1:
        assert errors_of(run), f"exit 1 without an error line\n{run}"
        assert_unchanged(before, after)


def assert_usage_error(run: Run) -> None:
    """A bad command line: exit 2, a message, no traceback."""
    assert_no_crash(run)
    assert run.returncode == 2, f"exit {run.returncode}, expected 2 (bad command line)\n{run}"
    assert run.stderr.strip(), f"exit 2 without a word of why\n{run}"


def assert_unchanged(
    before: dict[str, bytes], after: dict[str, bytes], what: str = "dist/"
) -> None:
    """Byte for byte the same files: nothing written, nothing removed, nothing added."""
    removed = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    changed = sorted(name for name in set(before) & set(after) if before[name] != after[name])
    assert not (removed or added or changed), (
        f"{what} was touched by a failed run: changed {changed}, removed {removed}, added {added}"
    )


def assert_no_control_characters(texts: dict[str, str]) -> None:
    bad = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
    for name, text in texts.items():
        found = bad.search(text)
        assert found is None, f"{name} holds the control character {found.group()!r}"


# --- images --------------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG, all black: a few hundred KB for 30000 x 30000 pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 1000) for _ in range(height // 1000)]
    parts.append(packer.compress(row * (height % 1000)))
    parts.append(packer.flush())
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def solid_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A real RGB PNG of one colour, made without Pillow."""
    row = b"\x00" + bytes(colour) * width
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(row * height, 9))
        + png_chunk(b"IEND", b"")
    )


def qr_png(text: str) -> bytes:
    """A QR code image as an operator would export it from WeChat."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


SVG_LOGO = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<circle cx="32" cy="32" r="30" fill="#C62828"/></svg>\n'
)
