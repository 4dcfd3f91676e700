"""handbook.html: the operator handbook of a group as one page; handbook_pdf prints the same
values through handbook.typ."""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
from collections import Counter
from typing import Any

from PIL import Image

from ..joining import default_code, join_page_url
from ..media import qr
from ..media.markdown import Heading, render_markdown
from ..media.png import encode_png
from ..schedule import group_slots
from ..templates import per_occurrence, poster_per_occurrence, render
from .job import Job
from .posts import Entry, SlotFacts, calendar_days, day_chart, facts_and_entries
from .webfont import with_webfont
from .words import colon, day_label, faq_blocks, people, rules_sections, welcome_text, when_text

POSITIONING_FIELDS = ("purpose", "who", "problem", "solution", "value", "fee", "channels")


# --- the content, section by section ------------------------------------------------------------


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_uri(job: Job, relpath: str) -> str:
    """A project image inlined, so the handbook page works wherever it is opened."""
    mime = mimetypes.guess_type(relpath)[0] or "application/octet-stream"
    return data_uri(job.asset(relpath).read_bytes(), mime)


def code_uri(job: Job, relpath: str) -> str:
    """A QR image inlined as its code alone: an exported WeChat card (title, avatar, caption
    around the code) would be squeezed into the cover's square."""
    path = job.asset(relpath)
    reading = job.session.qr_reading(str(path))
    with Image.open(path) as image:
        return data_uri(encode_png(qr.cut_out(image, reading)), "image/png")


def online_url(job: Job) -> str:
    base = job.project.site.base_url
    return f"{base.rstrip('/')}/{job.group.slug}/handbook.html" if base else ""


def cover(job: Job) -> dict[str, Any]:
    group = job.group
    # the live join page when the group's QR images rotate and it is online, as on print posters
    code = default_code(job.project.site, group, for_print=True)
    live = join_page_url(job.project.site, group)
    join_qr = ""
    if code is not None:
        join_qr = code_uri(job, code.image) if code.image else qr.svg_data_uri(code.link)
    online = online_url(job)
    return {
        "join_qr": join_qr,
        "join_url": code.link if code is not None else "",
        "qr_expires": code.until if code is not None else None,
        "join_page": live if code is not None and live and code.link == live else "",
        "online_url": online,
        "online_qr": qr.svg_data_uri(online) if online else "",
        "logo": image_uri(job, group.brand.logo) if group.brand.logo else "",
        "people": people(job),
    }


def positioning(job: Job) -> list[tuple[str, Any]]:
    found = job.playbook.positioning
    if found is None:
        return []
    names = job.labels()["handbook_positioning_fields"]
    return [(names[key], getattr(found, key)) for key in POSITIONING_FIELDS if getattr(found, key)]


def roles(job: Job) -> list[dict[str, Any]]:
    persons = job.group.people
    return [
        {
            "id": role.id,
            "title": role.title,
            "person": persons.get(role.id, ""),
            "duties": role.duties,
        }
        for role in job.playbook.roles
    ]


def rules(job: Job) -> list[tuple[str, str]]:
    """The rules by aspect, as rules.txt has them: (heading, text)."""
    return rules_sections(job)


def phases(job: Job) -> list[dict[str, Any]]:
    start, labels = job.group.start, job.labels()
    return [
        {
            "name": phase.name,
            "goal": phase.goal,
            "days": f"{day_label(labels, phase.first_day)} – {day_label(labels, phase.last_day)}",
            "dates": f"{start + dt.timedelta(days=phase.first_day - 1)} – "
            f"{start + dt.timedelta(days=phase.last_day - 1)}",
        }
        for phase in job.playbook.phases
    ]


def slots(
    job: Job, facts: dict[tuple[str, int], SlotFacts], items: list[Entry]
) -> list[dict[str, Any]]:
    """Each post of the SOP once, with the words to send: the calendar refers to these by number.
    A text that differs per occurrence is shown as its first occurrence says it."""
    counts = Counter(item.slot.id for item in items)
    labels = job.labels()
    first: dict[str, Entry] = {}
    for item in items:
        first.setdefault(item.slot.id, item)
    result = []
    for slot in group_slots(job.playbook, job.group):
        words, role, person, poster = facts[(slot.path, slot.order)]
        varies = ""
        example = first.get(slot.id)
        if per_occurrence(slot.copy) and example is not None:
            words, varies = example.copy, str(example.occurrence.date)
        result.append(
            {
                "slot": slot,
                "when": when_text(slot.when, labels),
                "words": words,
                "varies": varies,
                "role": role,
                "person": person,
                # a poster made per occurrence has no file of its own when the slot never occurs
                "poster": example.poster
                if example is not None and poster
                else ""
                if poster and per_occurrence_poster(job, slot.poster)
                else poster,
                "count": counts.get(slot.id, 0),
            }
        )
    return result


def per_occurrence_poster(job: Job, poster_id: str) -> bool:
    poster = job.playbook.poster(poster_id)
    return poster is not None and poster_per_occurrence(poster)


def posters(job: Job, items: list[Entry]) -> list[dict[str, Any]]:
    """One picture per poster: a poster made per occurrence shows its first one."""
    first = {item.slot.poster: item for item in reversed(items) if item.slot.poster}
    found = []
    for poster in job.playbook.posters:
        src = f"posters/{poster.id}.png"
        if poster_per_occurrence(poster):
            if poster.id not in first:
                continue  # no slot shows it: no file is made
            src, title = first[poster.id].poster, first[poster.id].poster_title
        else:
            title = render(poster.title, job.values, job.group).strip() if poster.title else ""
        found.append(
            {
                "id": poster.id,
                "title": title,
                "src": src,
                "size": poster.size_name,
                "pixels": f"{poster.width}×{poster.height}",
                "wide": poster.width > poster.height,
            }
        )
    return found


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


def contents(
    sections: list[tuple[str, str]], chapters: tuple[Heading, ...]
) -> list[dict[str, Any]]:
    """The table of contents: the handbook's sections, the chapters' sections and their first
    sub-level."""
    entries_: list[dict[str, Any]] = [
        {"id": anchor, "title": title, "level": 2} for anchor, title in sections
    ]
    entries_ += [{"id": h.id, "title": h.text, "level": h.level} for h in chapters if h.level <= 3]
    return entries_


def handbook_page(job: Job) -> str:
    """The handbook as one HTML document: every section the playbook has, in the order operators
    need them."""
    return job.theme.render("handbook.html", job.reads, **handbook_values(job))


def handbook_values(job: Job) -> dict[str, Any]:
    """What a handbook template is given: the same values for handbook.html and handbook.typ."""
    group, playbook, labels = job.group, job.playbook, job.labels()
    # each slot's copy rendered once, for the post list and the calendar
    facts, items = facts_and_entries(job)
    slot_list = slots(job, facts, items)
    numbers = {entry["slot"].id: n for n, entry in enumerate(slot_list, 1)}
    chapters = render_markdown(playbook.body, top_level=2)
    notes = render_markdown(group.body, top_level=3, id_prefix="notes-")
    metrics = playbook.metrics
    present = {
        "positioning": positioning(job),
        "roles": roles(job),
        "rules": rules(job),
        "welcome": welcome_text(job),
        "phases": phases(job),
        "sop": slot_list,
        "calendar": calendar_days(job, items),
        "posters": posters(job, items),
        "faq": faq_blocks(job),
        "metrics": metrics
        if metrics and (metrics.north_star or metrics.related or metrics.review)
        else None,
    }
    titles = {
        "positioning": labels["handbook_positioning"],
        "roles": labels["handbook_roles"],
        "rules": labels["rules_title"],
        "welcome": labels["welcome"],
        "phases": labels["handbook_phases"],
        "sop": labels["handbook_sop"],
        "calendar": labels["sop_calendar"],
        "posters": labels["posters"],
        "faq": labels["faq"],
        "metrics": labels["handbook_metrics"],
    }
    sections = [(f"hb-{key}", titles[key]) for key, value in present.items() if value]
    toc = contents(sections, ())
    if chapters.html and not chapters.opens_with_heading:
        toc.append({"id": "hb-chapters", "title": labels["handbook_chapters"], "level": 2})
    toc += contents([], chapters.headings)
    if notes.html:
        toc.append({"id": "hb-notes", "title": labels["handbook_notes"], "level": 2})
    start_end = str(labels["handbook_span"]).format(
        start=group.start, end=group.end, days=group.days
    )
    return dict(
        lang=group.lang,
        labels=labels,
        colon=colon(group.lang),
        site=job.project.site,
        group=group,
        playbook=playbook,
        span=start_end,
        cover=cover(job),
        toc=toc,
        titles=titles,
        numbers=numbers,
        chapters=chapters,
        notes=notes,
        sections=sections,
        page_counter=page_counter(str(labels["handbook_page"])),
        chart=day_chart(job, items) if items else "",
        **present,
    )


def handbook_html(job: Job) -> bytes:
    return with_webfont(job, handbook_page(job)).encode("utf-8")
