"""Fonts from PyPI, so a PDF looks the same on every machine: Noto Sans CJK with a real bold,
Noto Sans, Noto Sans Symbols and the monochrome Noto Emoji.

PyPI's `manimgx-fonts-cjk` ships Noto Sans CJK as one variable collection (weights 100-900, OFL).
Pillow and Typst both draw a variable face at its default instance (Thin) unless told otherwise,
and Typst embeds a variable face as TrueType outlines (1.6x the bytes of the static CFF, twice the
CPU), so each weight is cut once as a static OpenType face by HarfBuzz's instancer (about 3 s and
450 MB; fontTools' varLib.instancer takes 4 min and 6 GB for the same bytes). Cuts are cached by
the source's content hash, so they are made again only when the font package changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import io
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..files import write_atomic
from .fonts import FontFace

SC_FACE = 2  # the collection's Simplified Chinese face (JP, KR, SC, TC, HK)
CUT_VERSION = "2"  # part of every cut's name: bump when the cut changes
WEIGHT_NAMES = {400: "Regular", 700: "Bold"}
CUT_PREFIX = "NotoSansCJKsc-"  # the cuts' file names: NotoSansCJKsc-Bold-HASH.otf
# Where distributions put a static bold Noto CJK: used when the variable font is not installed.
SYSTEM_CJK_BOLD = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
)


def _packaged(module: str, name: str, index: int = 0) -> FontFace | None:
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(found.__file__ or ""), name)
    return FontFace(path, index) if os.path.isfile(path) else None


def noto_sans() -> FontFace | None:
    """Noto Sans, variable (weights 100-900): Typst draws its bold itself. From `manimgx-fonts`."""
    return _packaged("manimgx_fonts", "NotoSans[wght].ttf")


def noto_symbols() -> tuple[FontFace, ...]:
    """Noto Sans Symbols and the monochrome Noto Emoji (from `manimgx-fonts`), when installed."""
    faces = (
        _packaged("manimgx_fonts", "NotoSansSymbols[wght].ttf"),
        _packaged("manimgx_fonts", "NotoEmoji[wght].ttf"),
    )
    return tuple(face for face in faces if face is not None)


def variable_cjk() -> FontFace | None:
    """The Simplified Chinese face of the pip-installed variable collection, if there is one."""
    return _packaged("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", SC_FACE)


@lru_cache(maxsize=16)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    hasher = hashlib.blake2b(digest_size=12)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def file_hash(path: str) -> str:
    """A font file's content hash (computed once per size and mtime in a process)."""
    stat = os.stat(path)
    return _file_hash(path, stat.st_size, stat.st_mtime_ns)


def cache_dir() -> Path:
    """Cuts of installed fonts are the same for every project: one cache per user.

    PLAYPRESS_CACHE, else $XDG_CACHE_HOME/playpress, else ~/.cache/playpress.
    """
    given = os.environ.get("PLAYPRESS_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "playpress"


def static_instance(source: FontFace, weight: int, cache: Path | None = None) -> FontFace:
    """The face at `weight` (400, 700) as a static font file, cut on first use and cached."""
    folder = (cache or cache_dir()) / "fonts"
    key = hashlib.blake2b(
        f"{CUT_VERSION}|{file_hash(source.path)}|{source.index}|{weight}".encode(), digest_size=10
    ).hexdigest()
    target = folder / f"{CUT_PREFIX}{WEIGHT_NAMES.get(weight, weight)}-{key}.otf"
    if target.is_file():
        return FontFace(str(target))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".cut.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two PDF workers starting together make the cut once
        if not target.is_file():
            write_atomic(target, _cut(source, weight))
    return FontFace(str(target))


def _cut(source: FontFace, weight: int) -> bytes:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(source.path), source.index)
    plan = hb.SubsetInput()
    plan.keep_everything()  # every glyph and table: a cut of the whole face, at one weight
    plan.pin_axis_location(face, "wght", weight)
    plan.flags |= (
        hb.SubsetFlags.DOWNGRADE_CFF2
    )  # CFF2 -> CFF: what PDF readers and Pillow know best
    return _named(hb.subset(face, plan).blob.data, weight)


def _named(data: bytes, weight: int) -> bytes:
    """Names and style bits of the instance (the instancer keeps the default instance's: Thin)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    style = WEIGHT_NAMES.get(weight, str(weight))
    names = font["name"]
    family = names.getDebugName(1) or "Noto Sans CJK SC"
    postscript = f"{family.replace(' ', '').replace('CJKSC', 'CJKsc')}-{style}"
    names.removeNames(nameID=17)  # typographic subfamily: the style name says it
    names.removeNames(nameID=16)
    for record in list(names.names):
        if record.nameID > 255:
            names.removeNames(nameID=record.nameID)  # the variable font's axis and instance names
    for name_id, text in (
        (2, style),
        (3, f"2.004;ADBO;{postscript};ADOBE"),
        (4, f"{family} {style}"),
        (6, postscript),
    ):
        names.setName(text, name_id, 3, 1, 0x409)
        names.setName(text, name_id, 1, 0, 0)
    if "STAT" in font:
        del font["STAT"]  # it names the variable font's axes, by the name records removed above
    bold = weight >= 700
    os2 = font["OS/2"]
    os2.usWeightClass = weight
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = (font["head"].macStyle & ~1) | (1 if bold else 0)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def sources_of(faces: Iterable[FontFace | None]) -> list[str]:
    """The variable font the cuts among `faces` were made from: an output that uses a cut reads
    it too (a new version of the font package makes new cuts, and the output again)."""
    source = variable_cjk()
    cut = any(
        face is not None and os.path.basename(face.path).startswith(CUT_PREFIX) for face in faces
    )
    return [source.path] if cut and source is not None else []


def cjk_regular_face(cache: Path | None = None) -> FontFace | None:
    """Regular cut from the variable font (same design and metrics as the bold); None without it."""
    source = variable_cjk()
    return static_instance(source, 400, cache) if source else None


def cjk_bold_face(cache: Path | None = None) -> FontFace | None:
    """A real bold Chinese face for posters and PDFs: cut from the variable font, else a system
    Noto Sans CJK Bold; None when neither is there (callers then embolden the regular)."""
    source = variable_cjk()
    if source is not None:
        return static_instance(source, 700, cache)
    return next((FontFace(p, i) for p, i in SYSTEM_CJK_BOLD if os.path.isfile(p)), None)
