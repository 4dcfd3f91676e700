"""What a watch session keeps between builds: bounded caches in one object passed into build().

A plain `build` makes a fresh Session and drops it; `watch` and `serve` keep one for their whole
life, so a save revalidates and re-renders only what changed. Every cache here is bounded, and
each is keyed by content (file bytes, file stamps, the model's fingerprints), never by `id()`.
Caches of pure functions of their arguments (a QR code for a text, a font file at a size) stay
beside their functions in `media/` as bounded `lru_cache`s: they can never be stale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any


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


def _cache(limit: int) -> Any:
    return field(default_factory=lambda: Cache(limit))


@dataclass
class Session:
    """The caches one process keeps between builds (see the module's docstring)."""

    # load: files read and validated, by their bytes and what they were checked against
    validated: Cache = _cache(8192)
    # each group's occurrences (its holidays, events and sop_change applied), shared by the
    # checks and the outputs, by the model's fingerprints
    expansions: Cache = _cache(4096)
    # outputs: each group's posts (schedule expanded, copy rendered), by the model's fingerprints
    posts: Cache = _cache(1024)
    # theme: Jinja environments by the stamp of the template files, the files each template uses,
    # labels files and poster layouts by path and mtime
    environments: Cache = _cache(16)
    template_inputs: Cache = _cache(512)
    theme_files: Cache = _cache(256)
    # posters: decoded images (logos, backgrounds, pictures cropped to a box) by path, mtime and
    # size; the pictures posters place (product photos), decoded once each, reduced to 2,400 px
    images: Cache = _cache(64)
    pictures: Cache = _cache(24)
    # state: input hashes by file stat, the saved state by its file stamp, encoded state entries
    input_hashes: Cache = _cache(200_000)
    saved_state: Cache = _cache(2)
    state_lines: Cache = _cache(100_000)
