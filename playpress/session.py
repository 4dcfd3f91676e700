"""What a watch session keeps between builds: bounded caches in one object passed into build().

A plain `build` makes a fresh Session and closes it; `watch` and `serve` keep one for their whole
life, so a save revalidates and re-renders only what changed. Every cache here is bounded, and
each is keyed by content (file bytes, file stamps, the model's fingerprints), never by `id()`.
Caches of pure functions of their arguments (a QR code for a text, a font file at a size) stay
beside their functions in `media/` as bounded `lru_cache`s: they can never be stale.

The session also owns the PDF workers: processes started (from a forkserver) by the first PDF
batch and kept, so that Typst's compilers stay warm from one save to the next; `close` ends them.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .media.typst_engine import PdfWorkers

# seconds one PDF may take in a worker before it is stopped (a template that loops)
PDF_TIMEOUT = 120.0


class Cache:
    """A mapping that forgets its least recently used entries beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable, default: Any = None) -> Any:
        try:
            self._items.move_to_end(key)
        except KeyError:
            return default
        return self._items[key]

    def put(self, key: Hashable, value: Any) -> Any:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        try:
            self._items.move_to_end(key)
        except KeyError:
            return self.put(key, make())
        return self._items[key]

    def clear(self) -> None:
        self._items.clear()


class UsedCache(Cache):
    """A Cache that also notes the keys a build asked for: what a build keeps on disk for the next
    one is exactly what it used (load/cache.py)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.used: set[Hashable] = set()

    def get(self, key: Hashable, default: Any = None) -> Any:
        self.used.add(key)
        return super().get(key, default)

    def put(self, key: Hashable, value: Any) -> Any:
        self.used.add(key)
        return super().put(key, value)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        self.used.add(key)
        return super().get_or_make(key, make)

    def items(self) -> list[tuple[Hashable, Any]]:
        return list(self._items.items())


def _cache(limit: int) -> Any:
    return field(default_factory=lambda: Cache(limit))


@dataclass
class Session:
    """The caches one process keeps between builds (see the module's docstring)."""

    # load: files read and validated, by their bytes and what they were checked against (a sheet
    # of 2,000 groups is 2,000 groups and their checks)
    validated: UsedCache = field(default_factory=lambda: UsedCache(50_000))
    # load/cache.py: whether dist/'s cache was read into `validated`, and the keys it holds
    restored: bool = False
    kept: set[Hashable] = field(default_factory=set)
    # each group's occurrences (its holidays, events and sop_change applied), shared by the
    # checks and the outputs, by the model's fingerprints
    expansions: Cache = _cache(4096)
    # outputs: each group's posts (schedule expanded, copy rendered), by the model's fingerprints
    posts: Cache = _cache(8192)
    # theme: Jinja environments by the stamp of the template files, the files each template uses,
    # labels files and poster layouts by path and mtime
    environments: Cache = _cache(16)
    template_inputs: Cache = _cache(512)
    theme_files: Cache = _cache(256)
    # posters: decoded images (logos, backgrounds, pictures cropped to a box) by path, mtime and
    # size; the pictures posters place (product photos), decoded once each, reduced to 2,400 px
    images: Cache = _cache(64)
    # QR images read with zxing-cpp (what they encode, where the code is) by path, size and mtime
    qr_readings: Cache = _cache(512)
    pictures: Cache = _cache(24)
    # state: input hashes by file stat, the saved state by its file stamp, encoded state entries
    input_hashes: Cache = _cache(200_000)
    saved_state: Cache = _cache(2)
    state_lines: Cache = _cache(100_000)
    # the PDF workers (media/typst_engine.PdfWorkers), started by the first PDF batch
    pdf: PdfWorkers | None = field(default=None, repr=False)

    def qr_image(self, path: str) -> tuple[str, Any]:
        """What is wrong with a QR image file (media.images.image_problem; '' when nothing) and
        the codes in it (media.qr.codes_in), from one decoding per version of the file: a watch
        session does not decode every QR export again on every save."""
        # imported only when there is a QR image to read
        from .media.images import image_problem
        from .media.qr import Reading, codes_in

        def read() -> tuple[str, Any]:
            found: list[Reading] = []
            problem = image_problem(path, lambda image: found.append(codes_in(image)))
            return problem, found[0] if found else Reading(())

        info = os.stat(path)
        return self.qr_readings.get_or_make(  # type: ignore[no-any-return]
            (path, info.st_size, info.st_mtime_ns), read
        )

    def qr_reading(self, path: str) -> Any:
        """The codes in a QR image file (see qr_image)."""
        return self.qr_image(path)[1]

    def pdf_workers(self, processes: int, warm_fonts: tuple[str, ...] = ()) -> PdfWorkers:
        """Workers for a PDF batch of `processes`: the session's own while they are as many (a
        watch session keeps them warm), else started now (from a forkserver: they never share a
        process that compiled), `warm_fonts` parsed in each before its first document."""
        from .media.typst_engine import PdfWorkers

        if self.pdf is not None and self.pdf.processes >= processes:
            return self.pdf
        self.close()
        self.pdf = PdfWorkers(processes, timeout=PDF_TIMEOUT, warm_fonts=warm_fonts)
        return self.pdf

    def close(self) -> None:
        """End the PDF workers, if any (a compile in progress is dropped: the session is over)."""
        if self.pdf is not None:
            self.pdf.terminate()
            self.pdf = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
