"""The operator handbook of a group: one HTML source, shown as a page (handbook.html) and printed by WeasyPrint (handbook.pdf)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html as htmlmod
import io
import logging
import mimetypes
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import qr
from .calendar import SlotFacts, calendar_days, colon, day_label, facts_and_entries
from .chapters import Heading, render_markdown
from .fontcut import FONT_CACHE, blank_face, cut_face, extracted_face
from .fonts import FontFace
from .plan import Job
from .posters import EMOJI_RANGES, font_chain
from .schedule import group_slots
from .texts import faq_blocks, rules_text, welcome_text

POSITIONING_FIELDS = ("purpose", "who", "problem", "solution", "value", "fee", "channels")
PDF_FONT_FAMILY = "playpress-{n}"
EMOJI_LIKE = re.compile(f"([{''.join(f'{chr(low)}-{chr(high)}' for low, high in EMOJI_RANGES)}])[\ufe0e\ufe0f]?")
GENERATED = "0123456789.•◦▪"  # drawn by CSS, not written in the page: counters, leaders, list markers


# --- the content, section by section ------------------------------------------------------------

def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=512)  # the same links on every rebuild of a group (watch mode): encoded once
def qr_svg(text: str) -> str:
    """A QR code as an SVG data URI: sharp on paper at any size."""
    return qr.svg_data_uri(text, dark="#111")


def image_uri(job: Job, relpath: str) -> str:
    """A project image inlined, so the handbook page works wherever it is opened."""
    mime = mimetypes.guess_type(relpath)[0] or "application/octet-stream"
    return data_uri(job.asset(relpath).read_bytes(), mime)


def online_url(job: Job) -> str:
    base = job.project.site.base_url
    return f"{base.rstrip('/')}/{job.group.slug}/handbook.html" if base else ""


def cover(job: Job) -> dict[str, Any]:
    group = job.group
    join_qr = image_uri(job, group.qr_image) if group.qr_image else qr_svg(group.join_url) if group.join_url else ""
    online = online_url(job)
    return {"join_qr": join_qr, "join_url": group.join_url, "qr_expires": group.qr_expires,
            "online_url": online, "online_qr": qr_svg(online) if online else "",
            "logo": image_uri(job, group.brand.logo) if group.brand.logo else ""}


def positioning(job: Job) -> list[tuple[str, Any]]:
    found = job.playbook.positioning
    if found is None:
        return []
    names = job.labels()["handbook_positioning_fields"]
    return [(names[key], getattr(found, key)) for key in POSITIONING_FIELDS if getattr(found, key)]


def roles(job: Job) -> list[dict[str, Any]]:
    people = job.group.people
    return [{"id": role.id, "title": role.title, "person": people.get(role.id, ""), "duties": role.duties}
            for role in job.playbook.roles]


def rules(job: Job) -> list[tuple[str, str]]:
    """The rules as texts.rules_text writes them: (aspect heading, its text) after the title block."""
    blocks = rules_text(job).strip().split("\n\n")[1:]
    return [(block.partition("\n")[0], block.partition("\n")[2]) for block in blocks]


def phases(job: Job) -> list[dict[str, Any]]:
    start, labels = job.group.start, job.labels()
    return [{"name": phase.name, "goal": phase.goal,
             "days": f"{day_label(labels, phase.first_day)} – {day_label(labels, phase.last_day)}",
             "dates": f"{start + dt.timedelta(days=phase.first_day - 1)} – {start + dt.timedelta(days=phase.last_day - 1)}"}
            for phase in job.playbook.phases]


def slots(job: Job, facts: dict[tuple[str, int], SlotFacts], counts: dict[str, int]) -> list[dict[str, Any]]:
    """Each post of the SOP once, with the words to send: the calendar refers to these by number."""
    result = []
    for slot in group_slots(job.playbook, job.group):
        words, role, person, poster = facts[(slot.path, slot.order)]
        result.append({"slot": slot, "words": words, "role": role, "person": person, "poster": poster,
                       "count": counts.get(slot.id, 0)})
    return result


def posters(job: Job) -> list[dict[str, Any]]:
    return [{"id": poster.id, "src": f"posters/{poster.id}.png", "size": poster.size_name,
             "pixels": f"{poster.width}×{poster.height}", "wide": poster.width > poster.height}
            for poster in job.playbook.posters]


def page_counter(template: str) -> str:
    """'Page {page} of {pages}' as a CSS content value."""
    parts: list[str] = []
    rest = template
    while rest:
        head, brace, tail = rest.partition("{")
        if head:
            parts.append('"' + head.replace("\\", "\\\\").replace('"', '\\"') + '"')
        if not brace:
            break
        name, _, rest = tail.partition("}")
        parts.append(f"counter({'pages' if name == 'pages' else 'page'})")
    return " ".join(parts) or "counter(page)"


def contents(sections: list[tuple[str, str]], chapters: tuple[Heading, ...]) -> list[dict[str, Any]]:
    """The table of contents: the handbook's sections, the chapters' sections and their first sub-level."""
    entries_: list[dict[str, Any]] = [{"id": anchor, "title": title, "level": 2} for anchor, title in sections]
    entries_ += [{"id": h.id, "title": h.text, "level": h.level} for h in chapters if h.level <= 3]
    return entries_


def handbook_page(job: Job) -> str:
    """The handbook as one HTML document: every section the playbook has, in the order operators need them."""
    group, playbook, labels = job.group, job.playbook, job.labels()
    facts, items = facts_and_entries(job)  # each slot's copy rendered once, for the post list and the calendar
    counts = Counter(item.slot.id for item in items)
    slot_list = slots(job, facts, counts)
    numbers = {entry["slot"].id: n for n, entry in enumerate(slot_list, 1)}
    chapters = render_markdown(playbook.body, top_level=2)
    notes = render_markdown(group.body, top_level=3, id_prefix="notes-")
    metrics = playbook.metrics
    present = {
        "positioning": positioning(job), "roles": roles(job), "rules": rules(job), "welcome": welcome_text(job),
        "phases": phases(job), "sop": slot_list, "calendar": calendar_days(job, items), "posters": posters(job),
        "faq": faq_blocks(job), "metrics": metrics if metrics and (metrics.north_star or metrics.related or metrics.review)
        else None,
    }
    titles = {"positioning": labels["handbook_positioning"], "roles": labels["handbook_roles"],
              "rules": labels["rules_title"], "welcome": labels["welcome"], "phases": labels["handbook_phases"],
              "sop": labels["handbook_sop"], "calendar": labels["sop_calendar"], "posters": labels["posters"],
              "faq": labels["faq"], "metrics": labels["handbook_metrics"]}
    sections = [(f"hb-{key}", titles[key]) for key, value in present.items() if value]
    toc = contents(sections, ())
    if chapters.html and not chapters.opens_with_heading:
        toc.append({"id": "hb-chapters", "title": labels["handbook_chapters"], "level": 2})
    toc += contents([], chapters.headings)
    if notes.html:
        toc.append({"id": "hb-notes", "title": labels["handbook_notes"], "level": 2})
    start_end = str(labels["handbook_span"]).format(start=group.start, end=group.end, days=group.days)
    return job.theme.render(
        "handbook.html", job.reads, lang=group.lang, labels=labels, colon=colon(group.lang), site=job.project.site,
        group=group, playbook=playbook, span=start_end, cover=cover(job), toc=toc, titles=titles,
        numbers=numbers, chapters=chapters, notes=notes, page_counter=page_counter(str(labels["handbook_page"])),
        **present)


def handbook_html(job: Job) -> bytes:
    return handbook_page(job).encode("utf-8")


# --- the PDF ------------------------------------------------------------------------------------

def used_characters(page: str) -> str:
    """Every character the PDF may draw: the page's text and attributes, its CSS strings, what CSS generates."""
    return "".join(sorted((set(htmlmod.unescape(page)) | set(GENERATED)) - set("\n\r\t\ufe0e\ufe0f\u200d")))


def for_print(page: str) -> str:
    """The page as WeasyPrint gets it: symbols that may be emoji asked for in their text form.

    Pango looks a symbol such as ✍ or ☕ up as an emoji (in system fonts, past the page's
    font list) unless U+FE0E follows it; the face it finds then goes into the PDF whole
    (DejaVu Sans: +0.3 s, +380 KB). With U+FE0E the page's own cut faces draw it.
    """
    return EMOJI_LIKE.sub(lambda found: found.group(1) + "\ufe0e", page)


def font_css(job: Job, page: str, cut: bool = True) -> str:
    """@font-face rules for the faces the page needs, each cut down to the characters it draws there."""
    chain = font_chain(job)
    cache = job.out_dir / FONT_CACHE
    share: dict[int, list[str]] = {n: [] for n in range(len(chain.regular))}
    missing: list[str] = []
    for char in used_characters(page):
        for n, face in enumerate(chain.regular):
            if face.covers(char):
                share[n].append(char)
                break
        else:
            missing.append(char)
    rules_: list[str] = []
    families: list[str] = []
    for n, (regular, bold) in enumerate(zip(chain.regular, chain.bold, strict=True)):
        if not share[n]:
            continue
        family = PDF_FONT_FAMILY.format(n=n)
        families.append(f'"{family}"')
        for face, weight in ((regular, "normal"), (bold, "bold")):
            if face is None:
                continue
            rules_.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                          f'src: url("{font_file(face, share[n], cache, cut).as_uri()}"); }}')
    if missing:
        families.append('"playpress-blank"')
        rules_.append(f'@font-face {{ font-family: "playpress-blank"; src: url("{blank_face("".join(missing), cache).as_uri()}"); }}')
    rules_.append(f":root {{ --pp-font: {', '.join(families)}; }}")
    return "\n".join(rules_)


def font_file(face: FontFace, characters: list[str], cache: Path, cut: bool) -> Path:
    if cut:
        # CJK faces: layout tables dropped (vertical and other-locale forms a handbook never uses).
        return cut_face(face, "".join(characters), cache, layout=os.path.getsize(face.path) < 4 << 20)
    return extracted_face(face, cache).resolve()


@contextmanager
def fixed_clock(day: dt.date) -> Iterator[None]:
    """fontTools stamps fonts it writes with the time: SOURCE_DATE_EPOCH makes that the group's start."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()))
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # a missing poster or the fontTools-subsetting notice is not the operator's concern
    try:
        yield
    finally:
        logger.setLevel(level)
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


PDF_BASE = "https://playpress.invalid/"  # the group's folder, as the PDF sees it: no real path in image ids


THUMBNAIL_WIDTHS = (224, 354)  # px of a tall and a wide poster thumbnail: 38 mm and 60 mm at the PDF's 150 dpi
PDF_DPI = 150


def poster_thumbnail(path: Path) -> bytes:
    """A poster as the small JPEG the PDF shows: WeasyPrint would decode, shrink and re-encode the full PNG itself."""
    from PIL import Image

    with Image.open(path) as image:
        image = image if image.mode == "RGB" else image.convert("RGB")
        width = THUMBNAIL_WIDTHS[image.width > image.height]
        if image.width > width:
            image = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS,
                                 reducing_gap=2.0)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88, subsampling=0)  # no EXIF, no clock: same pixels, same bytes
        return buffer.getvalue()


def local_fetcher(folder: Path, fonts: Path) -> Any:
    """Fetch only the group's own output files, inline data and the font cache: a playbook cannot reach the network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    posters = folder / "posters"

    class LocalFiles(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(PDF_BASE):
                path = (folder / unquote(url[len(PDF_BASE):].split("?")[0].split("#")[0])).resolve()
                if path.is_relative_to(folder) and path.is_file():
                    if path.parent == posters and path.suffix == ".png":
                        return URLFetcherResponse(url, poster_thumbnail(path))
                    return URLFetcherResponse(url, path.read_bytes())
            elif url.startswith("file:") and Path(unquote(url[len("file://"):])).resolve().is_relative_to(fonts):
                return super().fetch(url, headers)
            raise ValueError(f"not part of the handbook: {url}")

    return LocalFiles()


def laid_out(job: Job, cut_fonts: bool = True) -> tuple[Any, dict[str, Any]]:
    """The handbook laid out in pages by WeasyPrint, and the options to write it with (apart for the benchmark).

    `cut_fonts=False` hands WeasyPrint the whole faces (for the benchmark's comparison only).
    """
    import weasyprint  # imported here: only PDF workers pay for it
    from weasyprint.text.fonts import FontConfiguration

    page = for_print(handbook_page(job))
    folder = (job.out_dir / job.group.slug).resolve()
    for poster in job.playbook.posters:
        job.reads.add(str(folder / "posters" / f"{poster.id}.png"))  # shown as thumbnails: made in the stage before
    fonts = FontConfiguration()  # @font-face rules of a stylesheet given here are loaded only through this
    fetcher = local_fetcher(folder, (job.out_dir / FONT_CACHE).resolve())
    stylesheet = weasyprint.CSS(string=font_css(job, page, cut_fonts), font_config=fonts, url_fetcher=fetcher)
    # The cut faces are embedded as they are (WeasyPrint's own fontTools subsetting costs ~0.6 s a face);
    # without the cut, WeasyPrint must subset the whole face, as it would by default.
    options = {"pdf_identifier": hashlib.blake2b(page.encode("utf-8"), digest_size=16).hexdigest().encode("ascii"),
               "dpi": PDF_DPI, "full_fonts": cut_fonts}
    with fixed_clock(job.group.start):
        document = weasyprint.HTML(string=page, base_url=PDF_BASE, url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=fonts, **options)
    return document, options


def handbook_pdf(job: Job, cut_fonts: bool = True) -> bytes:
    """The same HTML as handbook.html, printed: A4, running header, page numbers, bookmarks, embedded fonts."""
    document, options = laid_out(job, cut_fonts)
    with fixed_clock(job.group.start):
        return document.write_pdf(**options)
