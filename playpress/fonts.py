"""Fonts: where the CJK and Latin faces come from (pip-installed Noto first, system fonts after)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Noto Sans CJK Regular collection from PyPI (noto-cjk-sans-otc): face 2 is Simplified Chinese.
NOTO_SC_FACE = 2
SYSTEM_CJK = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", NOTO_SC_FACE),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", NOTO_SC_FACE),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)
SYSTEM_LATIN = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 0),
)


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: a path and, for collections (.ttc/.otc), the face index."""

    path: str
    index: int = 0


def _packaged_cjk() -> FontFace | None:
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = str(noto_cjk_sans_otc.FONT_PATH)
    return FontFace(path, NOTO_SC_FACE) if os.path.isfile(path) else None


@lru_cache(maxsize=None)
def cjk_face(override: str = "") -> FontFace | None:
    """The Simplified Chinese face: a theme's override, the pip-installed Noto, then system fonts."""
    if override:
        path, _, index = override.partition("#")
        if os.path.isfile(path):
            return FontFace(path, int(index or 0))
    packaged = _packaged_cjk()
    if packaged:
        return packaged
    for path, index in SYSTEM_CJK:
        if os.path.isfile(path):
            return FontFace(path, index)
    return None


@lru_cache(maxsize=None)
def latin_face(override: str = "") -> FontFace | None:
    """A Latin face for English and Spanish; the CJK face covers Latin too when nothing else is there."""
    if override:
        path, _, index = override.partition("#")
        if os.path.isfile(path):
            return FontFace(path, int(index or 0))
    for path, index in SYSTEM_LATIN:
        if os.path.isfile(path):
            return FontFace(path, index)
    return cjk_face()
