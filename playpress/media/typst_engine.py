"""Typst as the PDF engine: Typst source + the images and fonts it names -> PDF bytes.

One compiler per font set and process, kept warm (fonts parsed once, Typst's caches kept). The
compiler sees no system fonts and no fonts of its own: only the font files the document names,
through a folder of links to them. Its root is a fresh folder holding only the document's images,
so even Typst code (which user text never becomes) could read nothing else.

The hazard: Typst lays out and writes PDFs on a thread pool that starts at the first compile.
A process forked after that has the pool's state but not its threads, and its first compile
waits for them forever (krilla's deferred PDF chunks: `Once::wait`). So PDFs are compiled in
`PdfWorkers`, processes started from a forkserver (or spawned) that never compiled, and a process
forked from one that compiled refuses to compile instead of hanging.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import multiprocessing
import multiprocessing.pool
import os
import re
import shutil
import signal
import struct
import tempfile
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import typst

from .fonts import FontFace

# --- what a document is --------------------------------------------------------------------------


@dataclass(frozen=True)
class Thumbnail:
    """A raster image (a poster PNG) shown small: reduced to `width` pixels and stored as JPEG
    where the PDF is compiled, so the PDF holds a 150 dpi picture, not the full poster."""

    path: str
    width: int


@dataclass(frozen=True)
class TypstDocument:
    """Everything one PDF is made of; a pure value, so the same document gives the same bytes."""

    source: str
    files: Mapping[str, bytes | Thumbnail] = field(
        default_factory=dict
    )  # root path ("qr.svg") -> content
    fonts: tuple[str, ...] = ()  # font files the source may name by family, in the chain's order
    created: dt.date = dt.date(2000, 1, 1)  # the PDF's creation date (no wall clock in the bytes)
    name: str = ""  # what the document is, for messages ("kaoyan-english-1/handbook.pdf")
    # where each line of the source was written (a template's file and line), for messages
    origins: tuple[tuple[str, int], ...] = ()

    def origin(self, line: int) -> tuple[str, int]:
        """The file and line that line `line` (from 1) of the source came from; ('', 0) unknown."""
        return self.origins[line - 1] if 0 < line <= len(self.origins) else ("", 0)


@dataclass(frozen=True)
class TypstWarning:
    """A warning of Typst's (an unknown font family in a template), where it was written."""

    message: str
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Compiled:
    pdf: bytes
    warnings: tuple[TypstWarning, ...] = ()


class TypstEngineError(Exception):
    """The document did not compile: a template's mistake, or a character no font draws.

    `path` and `line` say where the mistake was written (the template's file and line, from the
    document's origins), when that is known."""

    def __init__(
        self,
        message: str,
        name: str = "",
        hints: tuple[str, ...] = (),
        path: str = "",
        line: int = 0,
    ):
        super().__init__(message, name, hints, path, line)
        self.message, self.name, self.hints, self.path, self.line = message, name, hints, path, line

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.name else self.message


class MissingCharacters(TypstEngineError):
    """Characters that no font of the document has: they would print as boxes."""

    def __init__(self, characters: tuple[str, ...], name: str = ""):
        shown = ", ".join(
            f"'{c}' (U+{ord(c):04X}, {unicodedata.name(c, 'unnamed')})" for c in characters
        )
        super().__init__(
            f"no font has the character{'s' if len(characters) > 1 else ''} {shown}", name
        )
        self.args = (characters, name)
        self.characters = characters


class ForkedAfterCompile(RuntimeError):
    """This process was forked from one that had compiled with Typst: a compile here would hang."""


# --- fonts --------------------------------------------------------------------------------


def _face_count(path: str) -> int:
    with open(path, "rb") as stream:
        head = stream.read(12)
    return struct.unpack(">I", head[8:12])[0] if head[:4] == b"ttcf" else 1


def _stamp(fonts: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    stats = [os.stat(path) for path in fonts]
    return tuple(
        (path, stat.st_size, stat.st_mtime_ns) for path, stat in zip(fonts, stats, strict=True)
    )


@lru_cache(maxsize=16)
def _faces(stamp: tuple[tuple[str, int, int], ...]) -> tuple[FontFace, ...]:
    return tuple(
        FontFace(path, index) for path, _, _ in stamp for index in range(_face_count(path))
    )


def uncovered(text: str, fonts: tuple[str, ...]) -> tuple[str, ...]:
    """The characters of `text` that no face of `fonts` maps (spaces and controls aside), sorted.

    Typst would draw these as boxes (tofu). The whole source is checked, markup included: its
    ASCII is covered by any text font, and a user's character is never written as an escape.
    """
    faces = _faces(_stamp(fonts))
    wanted = {
        c for c in set(text) if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")
    }
    return tuple(sorted(c for c in wanted if not any(face.covers(c) for face in faces)))


def font_families(faces: Sequence[FontFace]) -> tuple[str, ...]:
    """The family names Typst gives these faces, in their order (for `set text(font: ...)`)."""
    fonts = tuple(dict.fromkeys(face.path for face in faces))
    return _families(_stamp(fonts), tuple((os.path.realpath(f.path), f.index) for f in faces))


@lru_cache(maxsize=16)
def _families(
    stamp: tuple[tuple[str, int, int], ...], faces: tuple[tuple[str, int], ...]
) -> tuple[str, ...]:
    found = typst.Fonts(
        include_system_fonts=False,
        include_embedded_fonts=False,
        font_paths=[str(_font_folder(stamp))],
    ).fonts()
    family = {(os.path.realpath(info.path or ""), info.index): info.family for info in found}
    return tuple(dict.fromkeys(family[face] for face in faces if face in family))


@lru_cache(maxsize=16)
def _font_folder(stamp: tuple[tuple[str, int, int], ...]) -> Path:
    """A folder of links to exactly these font files: Typst takes folders, not files."""
    key = hashlib.blake2b(repr(stamp).encode(), digest_size=10).hexdigest()
    folder = Path(tempfile.gettempdir()) / f"playpress-typst-{os.getuid()}" / f"fonts-{key}"
    if not folder.is_dir():
        building = Path(tempfile.mkdtemp(prefix=".fonts-", dir=_workspace()))
        for n, (path, _, _) in enumerate(stamp):
            os.symlink(os.path.abspath(path), building / f"{n:02d}-{os.path.basename(path)}")
        try:
            os.rename(building, folder)
        except OSError:  # another process made the same folder first
            shutil.rmtree(building, ignore_errors=True)
    return folder


def _workspace() -> Path:
    folder = Path(tempfile.gettempdir()) / f"playpress-typst-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


# --- compiling in this process --------------------------------------------------------------------

_COMPILERS: OrderedDict[tuple, typst.Compiler] = OrderedDict()
MAX_COMPILERS = 4  # font sets kept warm per process (a project has one or two)
_compiled_here = False
_forked_after_compile = False


def _after_fork_in_child() -> None:
    global _forked_after_compile
    _forked_after_compile = _forked_after_compile or _compiled_here


os.register_at_fork(after_in_child=_after_fork_in_child)


def _compiler(fonts: tuple[str, ...]) -> typst.Compiler:
    stamp = _stamp(fonts)
    compiler = _COMPILERS.get(stamp)
    if compiler is None:
        found = typst.Fonts(
            include_system_fonts=False,
            include_embedded_fonts=False,
            font_paths=[str(_font_folder(stamp))],
        )
        # No packages: none of a user's cache, and none downloaded (see _worker_start).
        packages = _workspace() / "no-packages"
        packages.mkdir(exist_ok=True)
        compiler = typst.Compiler(
            root=str(_workspace()),
            font_paths=found,
            ignore_system_fonts=True,
            package_path=str(packages),
            package_cache_path=str(packages),
        )
        _COMPILERS[stamp] = compiler
        while len(_COMPILERS) > MAX_COMPILERS:
            _COMPILERS.popitem(last=False)
    else:
        _COMPILERS.move_to_end(stamp)
    return compiler


def _root_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.lstrip("/"))
    if not path.parts or ".." in path.parts or path.is_absolute():
        raise ValueError(f"not a path inside the document's root: {name!r}")
    return path


def _contents(files: Mapping[str, bytes | Thumbnail]) -> dict[str, bytes]:
    """The bytes of each file of the root; thumbnails made side by side (Pillow decodes and
    scales outside the GIL: a handbook's three posters take half the time on two cores)."""
    made = {name: value for name, value in files.items() if isinstance(value, bytes)}
    wanted = [(name, value) for name, value in files.items() if isinstance(value, Thumbnail)]
    if len(wanted) < 2:
        made.update((name, thumbnail(value)) for name, value in wanted)
        return made
    with ThreadPoolExecutor(min(4, len(wanted))) as pool:
        names = [name for name, _ in wanted]
        made.update(zip(names, pool.map(thumbnail, [v for _, v in wanted]), strict=True))
    return made


_THUMBNAILS: OrderedDict[tuple[str, int], bytes] = OrderedDict()
MAX_THUMBNAILS = 256  # ~30 KB each: a worker remembers the posters of many handbooks


def thumbnail(value: Thumbnail) -> bytes:
    """The JPEG of a thumbnail, made once per content and width in a process (a save that leaves
    the posters as they were does not decode them again)."""
    data = Path(value.path).read_bytes()
    key = (hashlib.blake2b(data, digest_size=16).hexdigest(), value.width)
    found = _THUMBNAILS.get(key)
    if found is None:
        found = thumbnail_jpeg(io.BytesIO(data), value.width)
        _THUMBNAILS[key] = found
        while len(_THUMBNAILS) > MAX_THUMBNAILS:
            _THUMBNAILS.popitem(last=False)
    return found


def thumbnail_jpeg(path: str | io.BytesIO, width: int) -> bytes:
    """A raster image at most `width` pixels wide, as JPEG: no EXIF, no clock."""
    from PIL import Image

    with Image.open(path) as image:
        image = image if image.mode == "RGB" else image.convert("RGB")
        if image.width > width:
            height = max(1, round(image.height * width / image.width))
            # reduced by a whole factor first, then Lanczos: 3x faster than a gap of 2, and the
            # same to the eye at 150 dpi
            image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=1.0)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88, subsampling=0)
        return buffer.getvalue()


def timestamp(day: dt.date) -> int:
    """The PDF's creation time: midnight UTC of the given day, as Unix seconds."""
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def compile_document(document: TypstDocument, tagged: bool = False) -> Compiled:
    """The document as PDF with Typst's warnings, compiled in this process by its warm compiler.

    `tagged` writes a tagged PDF (structure for screen readers: 1.7x the bytes, and poppler 22's
    pdftotext prints a syntax error on Typst's structure tree); off by default, as WeasyPrint's.
    Raises MissingCharacters before compiling, TypstEngineError when Typst reports an error.
    """
    if _forked_after_compile:
        raise ForkedAfterCompile(
            "this process was forked from one that had compiled with Typst, and its "
            "compile would hang: compile PDFs in PdfWorkers (or before any compile)"
        )
    missing = uncovered(document.source, document.fonts)
    if missing:
        raise MissingCharacters(missing, document.name)
    global _compiled_here
    compiler = _compiler(document.fonts)
    root = Path(tempfile.mkdtemp(prefix="root-", dir=_workspace()))
    try:
        for name, data in sorted(_contents(document.files).items()):
            target = root / _root_path(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _compiled_here = True
        try:
            pdf, warnings = compiler.compile_with_warnings(
                document.source.encode("utf-8"),
                format="pdf",
                root=str(root),
                timestamp=timestamp(document.created),
                pdf_tags=tagged,
            )
        except typst.TypstError as error:
            # the root is a temporary folder: say where in it, not where it is
            shown = error.message.replace(str(root), "<the handbook's root>")
            message, path, line = _located(document, shown, error.diagnostic)
            hints = tuple(error.hints or ())
            raise TypstEngineError(message, document.name, hints, path, line) from None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert isinstance(pdf, bytes)
    return Compiled(
        pdf,
        tuple(
            TypstWarning(*_located(document, warning.message, warning.diagnostic))
            for warning in warnings
        ),
    )


_SPAN = re.compile(r"┌─ [^\n]*?:(\d+):(\d+)")
_SOURCE_LINE = re.compile(r"^\s*(\d+) │ (.*)$", re.M)


def _located(document: TypstDocument, message: str, diagnostic: str) -> tuple[str, str, int]:
    """Typst's message with the source line it points at, and where that line was written (the
    template's file and line, when the document knows its origins)."""
    span = _SPAN.search(diagnostic or "")
    shown = _SOURCE_LINE.search(diagnostic or "")
    line = int(span.group(1)) if span else int(shown.group(1)) if shown else 0
    path, written = document.origin(line)
    if shown:
        message += f" (at `{shown.group(2).strip()[:120]}`)"
    if line and not path:
        message += f" (line {line} of the Typst source)"
    return message, path, written


def compile_pdf(document: TypstDocument) -> bytes:
    """The document as PDF bytes (see compile_document)."""
    return compile_document(document).pdf


# --- worker processes ----------------------------------------------------------------------


def _start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


# Typst downloads an `@preview/...` package it is asked to import: in a worker, every download
# goes to a proxy that refuses it (a closed local port), so a template cannot reach the network.
NO_NETWORK = "http://127.0.0.1:9"


def _worker_start(warm_fonts: tuple[str, ...]) -> None:
    """A worker leaves Ctrl-C to its parent and ends quietly when the pool is closed; it has no
    network (NO_NETWORK)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        os.environ[name] = NO_NETWORK
    for name in ("NO_PROXY", "no_proxy"):
        os.environ.pop(name, None)
    if warm_fonts:  # fonts parsed and Typst's threads started before the first real document
        try:
            compile_document(
                TypstDocument("#set page(width: 2cm, height: 2cm)\n.", fonts=warm_fonts)
            )
        except Exception:  # noqa: BLE001 - a real document will say what is wrong
            pass


def _compile_in_worker(document: TypstDocument) -> Compiled | Exception:
    try:
        return compile_document(document)
    except TypstEngineError as error:
        return error
    except Exception as error:  # noqa: BLE001 - a bug: handed back whole, the other PDFs go on
        return RuntimeError(f"{document.name}: {type(error).__name__}: {error}")


STOP_POLL = 0.05  # seconds between two questions to should_stop() while the workers compile


class _Stopped(Exception):
    """should_stop() said yes while a compile was awaited."""


class PdfTimeout(TypstEngineError):
    """A document took longer than the workers' time limit; its worker was stopped."""


class PdfWorkers:
    """Long-lived PDF workers: started from a forkserver before any compile, compilers kept warm.

    Make one before the first PDF (a build makes one per run, `watch` and `serve` one per session)
    and hand it every batch; `compile_all` yields one result per document, in order: `Compiled`,
    or the exception that document raised (the others go on). A document that takes longer than
    `timeout` seconds yields PdfTimeout, and the pool is started again for the rest.
    """

    def __init__(
        self, processes: int = 0, timeout: float = 120.0, warm_fonts: tuple[str, ...] = ()
    ):
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.timeout = timeout
        self.warm_fonts = warm_fonts
        self._context = multiprocessing.get_context(_start_method())
        if self._context.get_start_method() == "forkserver":
            # The server imports Typst once (every worker forks from it); it never compiles.
            self._context.set_forkserver_preload([__name__])
        self._pool: multiprocessing.pool.Pool | None = self._start()

    def _start(self) -> multiprocessing.pool.Pool:
        return self._context.Pool(
            self.processes, initializer=_worker_start, initargs=(self.warm_fonts,)
        )

    def compile_all(
        self,
        documents: Iterable[TypstDocument],
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[Compiled | Exception]:
        """One result per document, in order. `documents` may be a generator: it is drawn here, a
        few documents ahead of the workers, so the caller prepares the next ones while they compile
        (and a mistake it raises reaches the caller as usual). While waiting, `should_stop()` is
        asked every STOP_POLL seconds: yes ends the results there (the workers finish the
        documents they hold, which nobody reads, and stay warm for the next batch)."""
        source = iter(documents)
        in_flight: deque[tuple[TypstDocument, multiprocessing.pool.AsyncResult]] = deque()
        while True:
            while len(in_flight) < 2 * self.processes:
                document = next(source, None)
                if document is None:
                    break
                in_flight.append((document, self._submit(document)))
            if not in_flight:
                return
            document, pending = in_flight.popleft()
            try:
                result = self._wait(pending, should_stop)
            except _Stopped:
                return
            except multiprocessing.TimeoutError:
                yield PdfTimeout(f"took more than {self.timeout:g} s: stopped", document.name)
                waiting = [queued for queued, _ in in_flight]
                in_flight.clear()
                self.terminate()  # the stuck worker with it; the documents after it start again
                in_flight.extend((queued, self._submit(queued)) for queued in waiting)
                continue
            yield result

    def _wait(
        self, pending: multiprocessing.pool.AsyncResult, should_stop: Callable[[], bool] | None
    ) -> Any:
        """The result of one compile; TimeoutError after self.timeout, _Stopped on a stop."""
        if should_stop is None:
            return pending.get(timeout=self.timeout)
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise multiprocessing.TimeoutError
            try:
                return pending.get(timeout=min(STOP_POLL, left))
            except multiprocessing.TimeoutError:
                if should_stop():
                    raise _Stopped from None

    def _submit(self, document: TypstDocument) -> multiprocessing.pool.AsyncResult:
        if self._pool is None:
            self._pool = self._start()
        return self._pool.apply_async(_compile_in_worker, (document,))

    def compile(self, document: TypstDocument) -> Compiled:
        """One document in a worker; raises what it raised."""
        result = next(self.compile_all([document]))
        if isinstance(result, Exception):
            raise result
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def terminate(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> PdfWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
