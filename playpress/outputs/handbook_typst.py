"""The handbook printed by Typst (handbook.pdf): the theme's handbook.typ filled with the values
handbook.html gets, its images and fonts gathered into one TypstDocument, compiled.

`handbook_document(job)` does everything that needs the project (templates, Markdown, which
files, which fonts) and records what it reads; the document is a plain value that a PDF worker
compiles (`typst_engine.PdfWorkers`). `handbook_pdf(job)` does both in this process.
"""

from __future__ import annotations

import base64
import os
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jinja2
import jinja2.meta

from ..diagnostics import ERROR, WARNING, Diagnostic, UserError
from ..media import noto
from ..media import typst_markup as tm
from ..media.fonts import (
    FONT_ROLES,
    INVISIBLE,
    FontFace,
    cjk_face,
    is_emoji,
    latin_bold_face,
    latin_face,
    parse_face,
    symbol_face,
)
from ..media.typst_engine import (
    MissingCharacters,
    Thumbnail,
    TypstDocument,
    compile_pdf,
    font_families,
    uncovered,
)
from ..theme import ThemeEnvironment
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


def handbook_pdf(job: Job) -> bytes:
    """handbook.pdf compiled in this process: for one-off use and for comparing engines.

    A build compiles in PdfWorkers instead: a process that compiled with Typst must not fork.
    """
    return compile_pdf(handbook_document(job))


def handbook_document(job: Job) -> TypstDocument:
    """The handbook as a Typst document: source, images, fonts; every file it reads recorded."""
    values = handbook_values(job)
    files: dict[str, bytes | Thumbnail] = {}
    faces = typst_faces(job)
    group_dir = (job.out_dir / job.group.slug).resolve()
    values.update(
        fonts=font_families(faces),
        cover=_cover(values["cover"], files),
        posters=_posters(job, values["posters"], group_dir, files),
        chapters=_markdown(job, job.playbook.body, 1, "ch-", "", group_dir, files),
        notes=_markdown(job, job.group.body, 2, "nt-", "notes-", group_dir, files),
        page_numbers=page_numbers(str(values["labels"]["handbook_page"])),
        lang_code=LANGUAGES.get(job.group.lang, (job.group.lang, ""))[0],
        region=LANGUAGES.get(job.group.lang, ("", ""))[1],
        long_text=LONG_TEXT,
    )
    values["toc"] = _contents(values)
    source = render_template(job, TEMPLATE, values)
    fonts = tuple(dict.fromkeys(face.path for face in faces))
    source = _drawable(job, source, fonts)
    return TypstDocument(source, files, fonts, job.group.start, job.output.path)


LONG_TEXT = 700  # characters: a card with more words may break across pages (else it moves whole)


# --- fonts ----------------------------------------------------------------------------------------


def typst_faces(job: Job) -> list[FontFace]:
    """The faces of the PDF, in the order Typst tries them: the theme's `fonts:` first, else the
    fonts pip installs (Noto Sans CJK Regular and Bold cut from the variable face, Noto Sans,
    Noto Sans Symbols, Noto Emoji), else the system faces the posters use. Chinese first for zh."""
    given = _theme_fonts(job)
    sans = noto.noto_sans()
    cjk = given.get("cjk") or noto.cjk_regular_face() or cjk_face()
    cjk_bold = None if "cjk" in given else noto.cjk_bold_face()
    latin = given.get("latin") or sans or latin_face()
    latin_bold = given.get("latin_bold") or (None if latin == sans else latin_bold_face())
    symbols = (
        [given["symbols"]] if "symbols" in given else list(noto.noto_symbols()) or [symbol_face()]
    )
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
    source = noto.variable_cjk()
    for face in faces + ([source] if source is not None and cjk != cjk_face() else []):
        job.reads.add(face.path)  # a cut is named by its source's hash; the source is read too
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


def _posters(
    job: Job, posters: list[dict[str, Any]], group_dir: Path, files: dict[str, bytes | Thumbnail]
) -> list[dict[str, Any]]:
    """Each poster with its thumbnail in the root ('' when the PNG is missing: a frame instead)."""
    shown = []
    for poster in posters:
        png = group_dir / poster["src"]
        job.reads.add(str(png))  # made in the stage before
        width_mm = THUMBNAIL_MM[bool(poster["wide"])]
        image = ""
        if png.is_file():
            image = f"/posters/{poster['id']}.jpg"
            files[image[1:]] = Thumbnail(str(png), round(width_mm / 25.4 * PDF_DPI))
        shown.append({**poster, "image": image, "width_mm": width_mm})
    return shown


def _place_image(job: Job, group_dir: Path, files: dict[str, bytes | Thumbnail]) -> tm.ImagePlacer:
    """Markdown images: only raster files of the group's own output folder (as with WeasyPrint)."""

    def place(src: str) -> tm.PlacedImage | None:
        relative = unquote(src.split("?")[0].split("#")[0])
        path = (group_dir / relative).resolve()
        if not relative or not path.is_relative_to(group_dir) or path.suffix.lower() not in RASTER:
            return None
        job.reads.add(str(path))
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
    group_dir: Path,
    files: dict[str, bytes | Thumbnail],
) -> tm.TypstChapters:
    return tm.markdown_to_typst(
        text, top_level, label_prefix, id_prefix, _place_image(job, group_dir, files)
    )


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


# --- the template ---------------------------------------------------------------------------------

_ENVIRONMENTS: dict[tuple[Any, ...], jinja2.Environment] = {}


def _stamp(folders: tuple[str, ...]) -> tuple[Any, ...]:
    """The template files there, with their times: an override added or edited starts afresh."""
    found = []
    for folder in folders:
        if os.path.isdir(folder):
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file():
                    found.append((entry.path, entry.stat().st_mtime_ns, entry.stat().st_size))
    return tuple(found)


def render_template(job: Job, name: str, values: dict[str, Any]) -> str:
    """A .typ template of the theme (a project's override first), every value escaped; the files it
    uses, and the overrides looked for, recorded."""
    folders = tuple(os.path.join(d, "templates") for d in job.theme.dirs)
    key = (folders, _stamp(folders))
    env = _ENVIRONMENTS.get(key)
    if env is None:
        if len(_ENVIRONMENTS) >= 8:
            _ENVIRONMENTS.clear()
        loader = jinja2.FileSystemLoader(folders)
        env = _ENVIRONMENTS[key] = tm.typst_environment(loader, ThemeEnvironment)
    _record_template(job, env, name, set())
    return env.get_template(name).render(**values)


def _record_template(job: Job, env: jinja2.Environment, name: str, seen: set[str]) -> None:
    if name in seen:
        return
    seen.add(name)
    found = job.theme.find(os.path.join("templates", name), job.reads)
    if found is None:
        return
    source = Path(found).read_text(encoding="utf-8")
    for child in jinja2.meta.find_referenced_templates(env.parse(source)):
        if child:
            _record_template(job, env, child, seen)


__all__ = ["handbook_pdf", "handbook_document", "typst_faces", "MissingCharacters", "page_numbers"]
