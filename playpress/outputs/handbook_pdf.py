"""handbook.pdf: the theme's handbook.typ filled with the values handbook.html gets, compiled by
Typst in the build's PDF workers.

`handbook_pdf(job)` does everything that needs the project (the template, the Markdown as Typst
markup, which images and fonts) here, in the build's process, and records what it reads; what it
gives is a `TypstDocument`, a plain value that a PDF worker compiles (media/typst_engine.py: a
process that compiled with Typst must never fork, so the build's own process never compiles).
"""

from __future__ import annotations

import base64
import html
import os
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..diagnostics import ERROR, WARNING, Diagnostic, UserError
from ..media import noto
from ..media import typst_markup as tm
from ..media.chart import FONT_ATTRIBUTE
from ..media.fonts import (
    FONT_ROLES,
    INVISIBLE,
    FontFace,
    cjk_bold_face,
    cjk_face,
    is_emoji,
    latin_bold_face,
    latin_face,
    parse_face,
    symbol_faces,
)
from ..media.typst_engine import Thumbnail, TypstDocument, font_families, uncovered
from .handbook import handbook_values
from .job import Job

TEMPLATE = "handbook.typ"
PDF_DPI = 150
THUMBNAIL_MM = (38, 60)  # a tall and a wide poster thumbnail
TEXT_WIDTH_MM = 178  # A4 less 16 mm margins
LANGUAGES = {"zh": ("zh", "cn"), "en": ("en", ""), "es": ("es", "")}
IMAGE_SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "image/webp": ".webp",
}
RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def handbook_pdf(job: Job) -> TypstDocument:
    """The handbook as a Typst document: source, images, fonts; every file it reads recorded.

    A4, running header with the group's name and section, page x / y, bookmarks, a TOC with page
    numbers, table heads repeated on each page; the PDF's date is the group's start.
    """
    values = handbook_values(job)
    files: dict[str, bytes | Thumbnail] = {}
    faces = typst_faces(job)
    values.update(
        fonts=font_families(faces),
        cover=_cover(values["cover"], files),
        posters=_posters(job, values["posters"], files),
        chart=_data_file(_svg_uri(_chart(values["chart"], faces)), "chart", files),
        chart_width_mm=_svg_width_mm(values["chart"]),
        chapters=_markdown(job, job.playbook.body, 1, "ch-", "", files),
        notes=_markdown(job, job.group.body, 2, "nt-", "notes-", files),
        page_numbers=page_numbers(str(values["labels"]["handbook_page"])),
        lang_code=LANGUAGES.get(job.group.lang, (job.group.lang, ""))[0],
        region=LANGUAGES.get(job.group.lang, ("", ""))[1],
        long_text=LONG_TEXT,
    )
    values["toc"] = _contents(values)
    source, origins = job.theme.render_typst(TEMPLATE, job.reads, **values)
    fonts = tuple(dict.fromkeys(face.path for face in faces))
    source = _drawable(job, source, fonts)
    return TypstDocument(source, files, fonts, job.group.start, job.output.path, origins)


LONG_TEXT = 700  # characters: a card with more words may break across pages (else it moves whole)


# --- fonts ----------------------------------------------------------------------------------------


def typst_faces(job: Job) -> list[FontFace]:
    """The faces of the PDF, in the order Typst tries them: the theme's `fonts:` first, else the
    fonts pip installs (Noto Sans CJK Regular and Bold cut from the variable face, Noto Sans,
    Noto Sans Symbols, Noto Emoji), else the system faces the posters use. Chinese first for zh."""
    given = _theme_fonts(job)
    sans = noto.noto_sans()
    cjk = given.get("cjk") or cjk_face()
    cjk_bold = None if "cjk" in given else cjk_bold_face()
    latin = given.get("latin") or sans or latin_face()
    latin_bold = given.get("latin_bold") or (None if latin == sans else latin_bold_face())
    symbols = [given["symbols"]] if "symbols" in given else list(symbol_faces())
    chinese, western = [cjk, cjk_bold], [latin, latin_bold]
    ordered = [*chinese, *western] if job.lang == "zh" else [*western, *chinese]
    faces = list(dict.fromkeys(face for face in [*ordered, *symbols] if face is not None))
    if not faces:
        raise UserError(
            Diagnostic(
                "",
                0,
                0,
                ERROR,
                "no font found for handbook.pdf",
                "pip install manimgx-fonts-cjk manimgx-fonts, or set the theme's `fonts:`",
            )
        )
    for path in [face.path for face in faces] + noto.sources_of(faces):
        job.reads.add(path)  # a cut is named by its source's hash: the source is read too
    return faces


def _theme_fonts(job: Job) -> dict[str, FontFace]:
    """The theme's `fonts:` (theme.yml), checked and recorded as posters read them."""
    job.font_chain()  # the same checks and error messages as for posters
    found: dict[str, FontFace] = {}
    for role, value in job.theme.files.fonts.items():
        if role in FONT_ROLES and value:
            face = parse_face(str(value))
            path = face.path if os.path.isabs(face.path) else str(job.root / face.path)
            found[role] = FontFace(path, face.index)
    return found


def _drawable(job: Job, source: str, fonts: tuple[str, ...]) -> str:
    """The source without emoji no font draws (left out, with a warning, as on posters); any other
    character no font has is the user's error, naming it and where it is written."""
    source = source.translate({code: None for code in INVISIBLE})
    missing = uncovered(source, fonts)
    emoji = [c for c in missing if is_emoji(c)]
    others = [c for c in missing if not is_emoji(c)]
    if others:
        char = others[0]
        path, line = _written_at(job, char)
        raise UserError(
            Diagnostic(
                path,
                line,
                0,
                ERROR,
                f"handbook.pdf for group '{job.group.slug}': no font has the character '{char}' "
                f"(U+{ord(char):04X}, {unicodedata.name(char, 'unnamed')})",
                "remove the character, or name a font that has it in the theme's `fonts:`",
            )
        )
    if emoji:
        job.warnings.append(
            Diagnostic(
                job.playbook.path,
                0,
                0,
                WARNING,
                f"handbook.pdf for group '{job.group.slug}': no font here draws the emoji "
                f"{' '.join(emoji)}: left out of the PDF",
                "name an emoji font in the theme's theme.yml `fonts: {symbols: PATH}`",
            )
        )
        source = source.translate({ord(c): None for c in emoji})
    return source


def _written_at(job: Job, char: str) -> tuple[str, int]:
    for relpath in (job.group.path, job.playbook.path):
        try:
            text = (job.root / relpath).read_text(encoding="utf-8")
        except OSError:
            continue
        if char in text:
            return relpath, text[: text.index(char)].count("\n") + 1
    return job.group.path, 0


# --- images ---------------------------------------------------------------------------------------


def _data_file(uri: str, stem: str, files: dict[str, bytes | Thumbnail]) -> str:
    """A data: URI of the HTML values as a file of the root; its root path ('' for none)."""
    if not uri:
        return ""
    head, _, data = uri.partition(",")
    mime = head[len("data:") :].split(";")[0]
    name = stem + IMAGE_SUFFIXES.get(mime, ".bin")
    files[name] = (
        base64.b64decode(data) if head.endswith(";base64") else unquote(data).encode("utf-8")
    )
    return "/" + name


def _cover(cover: dict[str, Any], files: dict[str, bytes | Thumbnail]) -> dict[str, Any]:
    return {
        **cover,
        "join_qr": _data_file(cover["join_qr"], "join-qr", files),
        "online_qr": _data_file(cover["online_qr"], "online-qr", files),
        "logo": _data_file(cover["logo"], "logo", files),
    }


def _chart(svg: str, faces: list[FontFace]) -> str:
    """The calendar's chart with its labels in the PDF's faces (the page's font stack names
    system fonts the compiler does not have)."""
    families = ", ".join(f'"{family}"' for family in font_families(faces))
    return svg.replace(FONT_ATTRIBUTE, f"font-family='{html.escape(families, quote=True)}'")


def _svg_width_mm(svg: str) -> float:
    """The chart's width as handbook.html shows it (CSS px, 96 to the inch), at most the text's."""
    found = re.search(r'<svg\b[^>]*?\swidth="([\d.]+)"', svg)
    return round(min(TEXT_WIDTH_MM, float(found.group(1)) * 25.4 / 96), 1) if found else 0.0


def _svg_uri(svg: str) -> str:
    """The calendar's chart (an SVG text) as the data: URI _data_file takes."""
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _posters(
    job: Job, posters: list[dict[str, Any]], files: dict[str, bytes | Thumbnail]
) -> list[dict[str, Any]]:
    """Each poster with its thumbnail in the root ('' when the PNG is missing: a frame instead).
    The PNGs are made in the stage before: read as this build has them (staged, or in dist/)."""
    shown = []
    for n, poster in enumerate(posters):
        png = job.output_file(f"{job.group.slug}/{poster['src']}")
        width_mm = THUMBNAIL_MM[bool(poster["wide"])]
        image = ""
        if png.is_file():
            image = f"/posters/{n}.jpg"  # not the poster's own path: a root path is ours to name
            files[image[1:]] = Thumbnail(str(png), round(width_mm / 25.4 * PDF_DPI))
        shown.append({**poster, "image": image, "width_mm": width_mm})
    return shown


def _place_image(job: Job, files: dict[str, bytes | Thumbnail]) -> tm.ImagePlacer:
    """Markdown images: only raster files of the group's own output folder (a poster), as this
    build has them; anything else is shown as its words and address."""
    group_dir = (job.out_dir / job.group.slug).resolve()

    def place(src: str) -> tm.PlacedImage | None:
        relative = unquote(src.split("?")[0].split("#")[0])
        if not relative or os.path.isabs(relative):
            return None
        inside = (group_dir / relative).resolve()
        if not inside.is_relative_to(group_dir) or inside.suffix.lower() not in RASTER:
            return None
        path = job.output_file(str(Path(job.group.slug) / inside.relative_to(group_dir)))
        if not path.is_file():
            return None
        try:
            from PIL import Image

            with Image.open(path) as image:
                pixels = image.width
        except OSError:
            return None
        name = f"md/{len(files)}.jpg"
        files[name] = Thumbnail(str(path), min(pixels, round(TEXT_WIDTH_MM / 25.4 * PDF_DPI)))
        return tm.PlacedImage("/" + name, min(TEXT_WIDTH_MM, pixels / PDF_DPI * 25.4))

    return place


def _markdown(
    job: Job,
    text: str,
    top_level: int,
    label_prefix: str,
    id_prefix: str,
    files: dict[str, bytes | Thumbnail],
) -> tm.TypstChapters:
    return tm.markdown_to_typst(text, top_level, label_prefix, id_prefix, _place_image(job, files))


# --- contents and page numbers ------------------------------------------------------------------


def _contents(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The TOC of handbook.html by Typst labels: sections, the chapters' two top levels, notes."""
    labels, chapters, notes = values["labels"], values["chapters"], values["notes"]
    toc = [{"label": anchor, "title": title, "level": 1} for anchor, title in values["sections"]]
    if chapters.markup and not chapters.opens_with_heading:
        toc.append({"label": "hb-chapters", "title": labels["handbook_chapters"], "level": 1})
    toc += [
        {"label": h.id, "title": h.text, "level": h.level}
        for h in chapters.headings
        if h.level <= 2
    ]
    if notes.markup:
        toc.append({"label": "hb-notes", "title": labels["handbook_notes"], "level": 1})
    return toc


def page_numbers(template: str) -> tm.Markup:
    """'Page {page} of {pages}' as Typst markup for the page footer (which is in a context)."""
    parts: list[str] = []
    rest = template
    while rest:
        head, brace, tail = rest.partition("{")
        parts.append(tm.escape(head))
        if not brace:
            break
        name, _, rest = tail.partition("}")
        parts.append(
            "#str(counter(page).final().first())" if name == "pages" else "#counter(page).display()"
        )
    return tm.Markup("".join(parts))
