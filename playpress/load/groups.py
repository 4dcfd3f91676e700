"""content/groups/NAME.md: the schema of a group (its playbook, dates, people, brand, join link)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

from ..almanac import name_key
from ..diagnostics import Report, did_you_mean
from ..model import LANGUAGES, Brand, Group, Playbook, Site, SopChange
from .fields import IDENT, Section, check_path
from .joins import join_keys_from
from .playbooks import check_references, plan_paths, slots_from

GROUP_KEYS = (
    "name",
    "playbook",
    "start",
    "days",
    "end",
    "timezone",
    "lang",
    "join_url",
    "qr_image",
    "qr_expires",
    "qr_images",
    "join_fallback",
    "people",
    "brand",
    "vars",
    "sop_skip",
    "sop_add",
    "holidays",
    "events",
    "sop_change",
    "tags",
    "plans",
)
SOP_CHANGE_KEYS = ("slot", "date", "time", "copy", "post", "skip")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_EVENT_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]+(\d{1,2}:\d{2}))?$")
# a name `when` could not read back: a comma, a trailing offset or time of day
_NOT_A_NAME = re.compile(r"\s[+-]?\d+$|[,，、]|\s\d{1,2}:\d{2}$")
DEFAULT_DAYS = 28
MAX_SPAN_DAYS = 3660  # ten years: a longer calendar is a mistake (9999-12-31 for "open-ended", say)


def group_from(
    slug: str,
    path: str,
    data: Any,
    body: str,
    body_line: int,
    root: Path,
    site: Site,
    playbooks: dict[str, Playbook],
    report: Report,
) -> Group | None:
    s = Section(report, path, data, "", GROUP_KEYS)
    if not s.ok:
        if data is None:
            report.error(
                path, 1, "front matter is empty", "add at least 'name:', 'playbook:' and 'start:'"
            )
        return None
    name = s.text("name", required=True)
    playbook_slug = s.text("playbook", required=True)
    playbook = playbooks.get(playbook_slug)
    if playbook_slug and playbook is None:
        known = sorted(playbooks)
        if not IDENT.match(playbook_slug):
            s.error(
                "playbook",
                f"'playbook' is '{playbook_slug}': a playbook is named by its file's stem",
                f"write the name only, e.g. 'playbook: {Path(playbook_slug).stem}'",
            )
        elif not (root / "playbooks" / f"{playbook_slug}.md").is_file():
            s.error(
                "playbook",
                f"unknown playbook '{playbook_slug}'",
                did_you_mean(playbook_slug, known) if known else "add playbooks/NAME.md",
            )
    start = s.date("start", required=True)
    end = s.date("end")
    days = s.integer("days", 0, 1, MAX_SPAN_DAYS) if s.has("days") else 0
    if s.has("days") and s.has("end"):
        s.error("end", "give either 'days' or 'end', not both", "remove one of them")
    if start and end and end < start:
        s.error(
            "end", f"'end' {end} is before 'start' {start}", "the end date is the group's last day"
        )
        end = None
    if start and end and (end - start).days + 1 > MAX_SPAN_DAYS:
        s.error(
            "end",
            f"'end' {end} is {(end - start).days + 1:,} days after 'start' (at most "
            f"{MAX_SPAN_DAYS})",
            "give the last day the group really runs (a calendar is planned ten years ahead at "
            "most)",
        )
        end = None
    timezone = s.timezone("timezone", site.timezone)
    lang = s.choice("lang", LANGUAGES, default=site.lang)
    join_url = s.text("join_url")
    if join_url and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", join_url):
        s.error(
            "join_url",
            f"'join_url' is '{join_url}', not a link",
            "write the full link, e.g. https://example.com/j/abc",
        )
    qr_image = (
        check_path(
            root,
            s.text("qr_image"),
            report,
            s.path_of("qr_image"),
            s.line_of("qr_image"),
            "qr_image",
        )
        if s.text("qr_image")
        else ""
    )
    qr_expires = s.date("qr_expires")
    qr_images, join_fallback = join_keys_from(s, root, qr_image, qr_expires)

    people: dict[str, str] = {}
    people_at: dict[str, tuple[str, int, int]] = {}  # where each value is written
    if s.has("people"):
        given = s.data.get("people")
        people_section = s.section(
            "people", tuple(str(k) for k in given) if isinstance(given, dict) else ()
        )
        for key, value in people_section.data.items():
            if isinstance(value, (dict, list)) or value is None:
                people_section.error(
                    key, f"'people.{key}' should be a name", "write 'role: person name'"
                )
            else:
                people[str(key)] = str(value)
                people_at[str(key)] = (
                    people_section.path_of(key),
                    people_section.line_of(key),
                    people_section.col_of(key),
                )
        if playbook is not None:
            role_ids = [r.id for r in playbook.roles]
            for key in people:
                if key not in role_ids:
                    people_section.error(
                        key,
                        f"unknown role '{key}' in 'people' (playbook '{playbook.slug}')",
                        did_you_mean(key, role_ids)
                        if role_ids
                        else "the playbook defines no roles",
                    )

    brand_section = s.section("brand", ("color", "accent", "logo"))
    logo = brand_section.text("logo")
    if logo:
        logo = check_path(
            root,
            logo,
            report,
            brand_section.path_of("logo"),
            brand_section.line_of("logo"),
            "brand.logo",
        )
    brand = Brand(
        brand_section.colour("color", Brand.color),
        brand_section.colour("accent", Brand.accent),
        logo,
    )

    group_vars: dict[str, Any] = {}
    if s.has("vars"):
        if isinstance(s.data["vars"], dict):
            group_vars = dict(s.data["vars"])
        else:
            s.error("vars", "'vars' should be a mapping", "write 'vars: {topic: 阅读理解}'")

    sop_skip = s.texts("sop_skip")
    sop_add = slots_from(s, "sop_add", 1000)
    if playbook is not None:
        slot_ids = [slot.id for slot in playbook.sop]
        for index, skip in enumerate(sop_skip):
            if skip not in slot_ids:
                line = (
                    s.data["sop_skip"].line_of(index)
                    if hasattr(s.data["sop_skip"], "line_of")
                    else s.line_of("sop_skip")
                )
                report.error(
                    s.path_of("sop_skip"),
                    line,
                    f"'sop_skip' names slot '{skip}', which playbook '{playbook.slug}' does not "
                    "have",
                    did_you_mean(skip, slot_ids),
                )
        check_references(report, playbook, sop_add, s.path_of("sop_add"))
        for slot in sop_add:
            if slot.id in slot_ids and slot.id not in sop_skip:
                report.error(
                    slot.path,
                    slot.line,
                    f"slot id '{slot.id}' in 'sop_add' is already a slot of the playbook",
                    "give the added slot its own id, or skip the playbook's with sop_skip",
                )

    holidays = s.country("holidays", site.holidays)
    events = events_from(s)
    sop_change = changes_from(s)

    tags = tags_from(s)
    if not (name and start and playbook):
        return None
    if end is None:
        span = min(days or (playbook.last_campaign_day or DEFAULT_DAYS), MAX_SPAN_DAYS)
        if (dt.date.max - start).days < span:
            s.error(
                "start",
                f"'start' {start} leaves no room for the group's {span} days",
                "give the real start date",
            )
            return None
        end = start + dt.timedelta(days=span - 1)
    return Group(
        slug=slug,
        path=path,
        name=name,
        playbook=playbook.slug,
        start=start,
        end=end,
        timezone=timezone,
        lang=lang,
        join_url=join_url,
        qr_image=qr_image,
        qr_expires=qr_expires,
        qr_images=qr_images,
        join_fallback=join_fallback,
        people=people,
        brand=brand,
        vars=group_vars,
        sop_skip=sop_skip,
        sop_add=sop_add,
        holidays=holidays,
        events=events,
        sop_change=sop_change,
        plans=plan_paths(s, root),
        body=body,
        body_line=body_line,
        # a key from the folder defaults is at the group's first line (its file is the defaults')
        key_lines={str(k): s.line_of(k) if s.path_of(k) == path else s.line for k in s.data},
        tags=tags,
        people_at=people_at,
    )


def events_from(s: Section) -> dict[str, dt.date | dt.datetime]:
    """`events: {meetup: "2027-01-23 14:00", exam: 2026-12-26}`: dates slots can count from."""
    events: dict[str, dt.date | dt.datetime] = {}
    if not s.has("events"):
        return events
    section = s.section("events", tuple(str(k) for k in s.data["events"] or ()))
    seen: dict[str, str] = {}
    for key, value in section.data.items():
        name = unicodedata.normalize("NFKC", str(key)).strip()
        if not name or _NOT_A_NAME.search(name):
            section.error(
                key,
                f"event name '{key}' cannot be read back in a slot's 'when'",
                "use a name without commas, a trailing number or a time, e.g. 'meetup'",
            )
            continue
        if name_key(name) in seen:
            section.error(
                key,
                f"event '{key}' is the same name as '{seen[name_key(name)]}'",
                "give each event its own name",
            )
            continue
        when = _event_when(value)
        if when is None:
            section.error(
                key,
                f"'events.{key}' is '{value}', not a date",
                'write a date or a date and time: 2027-01-23, or "2027-01-23 14:00" (quoted)',
            )
            continue
        seen[name_key(name)] = name
        events[name] = when
    return events


def _event_when(value: object) -> dt.date | dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _EVENT_TIME.match(" ".join(unicodedata.normalize("NFKC", value).split()))
    if not match:
        return None
    try:
        date = dt.date.fromisoformat(match.group(1))
        if match.group(2) is None:
            return date
        hour, minute = (int(part) for part in match.group(2).split(":"))
        return dt.datetime.combine(date, dt.time(hour, minute))
    except ValueError:
        return None


def changes_from(s: Section) -> tuple[SopChange, ...]:
    """`sop_change`: one-off changes of single occurrences (time, copy, post, or skip)."""
    changes: list[SopChange] = []
    for name, line, item in s.items("sop_change"):
        c = Section(s.report, s.path, item, name, SOP_CHANGE_KEYS, line)
        if not c.ok:
            continue
        slot = c.text("slot", required=True)
        date = c.date("date", required=True)
        time = None
        if c.has("time"):
            text = unicodedata.normalize("NFKC", c.text("time")).strip()
            match = _TIME.match(text)
            if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
                time = dt.time(int(match.group(1)), int(match.group(2)))
            else:
                c.error(
                    "time",
                    f"'{name}.time' is '{c.data['time']}', not a time of day",
                    'write a 24-hour time HH:MM (quoted), e.g. time: "10:00"',
                )
        skip = False
        if c.has("skip"):
            if isinstance(c.data["skip"], bool):
                skip = c.data["skip"]
            else:
                c.error("skip", f"'{name}.skip' is '{c.data['skip']}'", "write skip: true")
        post = c.text("post") if c.has("post") else None
        copy = c.template("copy")
        if skip and (time or post is not None or copy):
            c.error(
                "skip",
                f"'{name}' skips the occurrence and also changes it",
                "give either skip: true or the new time, copy or post",
            )
        elif not (skip or time or post is not None or copy or c.has("time")):
            c.error(
                "slot" if c.has("slot") else "date",
                f"'{name}' does not say what changes",
                'add time: "HH:MM", copy:, post: or skip: true',
            )
        if slot and date:
            changes.append(SopChange(slot, date, time, copy, post or None, skip, s.path, line))
    return tuple(changes)


# A tag names a folder (dist/tags/TAG/) and a URL: nothing a file system or a link would mangle.
TAG_BAD = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*#%]')
MAX_TAG = 40


def tags_from(s: Section) -> tuple[str, ...]:
    """`tags`: a list (a sheet cell `a; b`), or one tag as text; each once, in the order given."""
    if s.has("tags") and isinstance(s.data["tags"], (str, int, float)):
        given = [str(s.data["tags"]).strip()]
    else:
        given = list(s.texts("tags"))
    tags: list[str] = []
    for tag in given:
        if (
            not tag
            or TAG_BAD.search(tag)
            or tag.startswith(".")
            or tag.endswith(".")
            or len(tag) > MAX_TAG
        ):
            s.error(
                "tags",
                f"tag '{tag}' cannot name a folder of dist/tags/",
                f'use words without / \\ : * ? " < > | # %, at most {MAX_TAG} characters, '
                "not starting with '.'",
            )
        elif tag not in tags:
            tags.append(tag)
    return tuple(tags)
