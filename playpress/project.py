"""Loading a project: scan the files, read them, validate everything before anything is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Report, UserError, did_you_mean
from .model import LANGUAGES, Brand, Group, Playbook, Project, Site, Template
from .reader import SourceFile, read_markdown, read_yaml_file
from .schedule import expand, group_slots, is_ambiguous, is_shifted
from .templates import context, render
from .theme import Theme, theme_dirs
from .validate import (
    IDENT,
    Section,
    check_path,
    check_references,
    playbook_from,
    site_from,
    slots_from,
    walk_templates,
)

SITE_FILE = "content/site.yml"
GROUPS_DIR = "content/groups"
PLAYBOOKS_DIR = "playbooks"
GROUP_KEYS = ("name", "playbook", "start", "days", "end", "timezone", "lang", "join_url", "qr_image", "qr_expires",
              "people", "brand", "vars", "sop_skip", "sop_add")
DEFAULT_DAYS = 28


@dataclass
class Loaded:
    """The result of loading: the project (None when it could not be read) and the sources read."""

    project: Project | None
    report: Report
    sources: list[str] = field(default_factory=list)  # project-relative paths read


def scan(root: Path, folder: str) -> list[str]:
    try:  # os.scandir: the kind of each entry without a stat per file (watch mode scans after every save)
        with os.scandir(root / folder) as listing:
            return sorted(f"{folder}/{entry.name}" for entry in listing
                          if entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


# Validation results reused while their inputs are the same bytes (a watch session revalidates
# only what changed). A key holds the file bytes, the site settings, the ids of the objects used
# (kept alive beside the result, so an id is never reused while cached) and the stamp of which
# files exist, since validation checks that referenced files exist.
_MEMO: dict[tuple, tuple[tuple, Any, list[Diagnostic]]] = {}
_MEMO_LIMIT = 8192


def _memo(key: tuple, keep: tuple, report: Report, compute: Callable[..., Any], *args: Any) -> Any:
    """compute(*args, a_report) once per key; its diagnostics are replayed into report on a hit."""
    hit = _MEMO.get(key)
    if hit is not None and len(hit[0]) == len(keep) and all(a is b for a, b in zip(hit[0], keep, strict=True)):
        report.extend(hit[2])
        return hit[1]
    own = Report()
    value = compute(*args, own)
    report.extend(own.diagnostics)
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = (keep, value, list(own.diagnostics))
    return value


def _read_markdown(path: str, raw: bytes) -> tuple[SourceFile | None, list[Diagnostic]]:
    return _memo(("read", path, raw), (), Report(), lambda _report: read_markdown(path, raw))  # type: ignore[no-any-return]


def files_stamp(root: Path) -> str:
    """Which files, folders and links exist in the project (output folders, marked by their build state, left out)."""
    entries: list[str] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            listing = list(os.scandir(folder))
        except OSError:
            continue
        if any(entry.name == ".playpress" for entry in listing) and folder != root:
            continue
        for entry in listing:
            if entry.is_symlink():
                entries.append(f"l {entry.path} {os.readlink(entry.path)}")
            elif entry.is_dir():
                entries.append(f"d {entry.path}")
                if not entry.name.startswith("."):
                    pending.append(Path(entry.path))
            else:
                entries.append(f"f {entry.path}")
    return hashlib.blake2b("\n".join(sorted(entries)).encode(), digest_size=16).hexdigest()


def _markdown_files(root: Path, folder: str, loaded: Loaded) -> Iterator[tuple[str, str, bytes, SourceFile]]:
    """The folder's Markdown files that could be read: (slug, path, bytes, front matter + body)."""
    for path in scan(root, folder):
        loaded.sources.append(path)
        slug = Path(path).stem
        if not _slug_ok(slug, path, loaded.report):
            continue
        raw = (root / path).read_bytes()
        source, problems = _read_markdown(path, raw)
        loaded.report.extend(problems)
        if source is not None and not problems:
            yield slug, path, raw, source


def load_project(root: Path) -> Loaded:
    """Read and validate every file of the project; diagnostics for all problems at once."""
    root = root.resolve()
    report = Report()
    loaded = Loaded(None, report)

    site_data, site_raw = None, None
    stamp = files_stamp(root)
    if (root / SITE_FILE).is_file():
        loaded.sources.append(SITE_FILE)
        site_raw = (root / SITE_FILE).read_bytes()
        site_data, problems = read_yaml_file(SITE_FILE, site_raw)
        report.extend(problems)
    site = site_from(site_data, SITE_FILE, report)

    dirs = theme_dirs(root, site.theme)
    if site.theme != "default" and not any(Path(d).name == site.theme and Path(d).is_dir() for d in dirs):
        report.error(SITE_FILE, 1, f"theme '{site.theme}' not found",
                     f"create themes/{site.theme}/ or use the built-in 'default'")
    theme = Theme(dirs)
    layouts = tuple(theme.config.get("poster_layouts", ()))

    playbooks: dict[str, Playbook] = {}
    for slug, path, raw, source in _markdown_files(root, PLAYBOOKS_DIR, loaded):
        playbook = _memo(("playbook", str(root), path, raw, layouts, stamp), (), report, playbook_from,
                         slug, path, source.meta, source.body, source.body_line, root, layouts)
        if playbook is not None:
            playbooks[slug] = playbook

    groups: dict[str, Group] = {}
    for slug, path, raw, source in _markdown_files(root, GROUPS_DIR, loaded):
        # A group depends on its own playbook (and on which playbooks exist, for "did you mean").
        named = playbooks.get(str(source.meta.get("playbook"))) if isinstance(source.meta, dict) else None
        group = _memo(("group", str(root), path, raw, site_raw, stamp, id(named), tuple(playbooks)),
                      (named,), report, group_from,
                      slug, path, source.meta, source.body, source.body_line, root, site, playbooks)
        if group is not None:
            groups[slug] = group

    if not scan(root, GROUPS_DIR) and not scan(root, PLAYBOOKS_DIR):
        report.warning("", 0, f"no playbooks or groups found under {root}",
                       "run 'python build.py new playbook NAME --type TYPE' to start, or pass --root")

    project = Project(str(root), site, playbooks, groups, dirs)
    for group in groups.values():
        playbook = project.playbook_of(group)
        _memo(("check", site_raw, id(group), id(playbook)), (group, playbook), report, check_group, project, group)
    loaded.project = project
    return loaded


def _slug_ok(slug: str, path: str, report: Report) -> bool:
    if IDENT.match(slug):
        return True
    report.error(path, 1, f"file name '{slug}' cannot name an output folder",
                 "rename the file with letters, digits, '-' and '_' only, e.g. shop-1.md")
    return False


def group_from(slug: str, path: str, data: Any, body: str, body_line: int, root: Path, site: Site,
               playbooks: dict[str, Playbook], report: Report) -> Group | None:
    s = Section(report, path, data, "", GROUP_KEYS)
    if not s.ok:
        if data is None:
            report.error(path, 1, "front matter is empty", "add at least 'name:', 'playbook:' and 'start:'")
        return None
    name = s.text("name", required=True)
    playbook_slug = s.text("playbook", required=True)
    playbook = playbooks.get(playbook_slug)
    if playbook_slug and playbook is None:
        known = sorted(playbooks)
        if not (root / "playbooks" / f"{playbook_slug}.md").is_file():
            s.error("playbook", f"unknown playbook '{playbook_slug}'",
                    did_you_mean(playbook_slug, known) if known else "add playbooks/NAME.md")
    start = s.date("start", required=True)
    end = s.date("end")
    days = s.integer("days", 0, 1, 3660) if s.has("days") else 0
    if s.has("days") and s.has("end"):
        s.error("end", "give either 'days' or 'end', not both", "remove one of them")
    if start and end and end < start:
        s.error("end", f"'end' {end} is before 'start' {start}", "the end date is the group's last day")
        end = None
    timezone = s.timezone("timezone", site.timezone)
    lang = s.choice("lang", LANGUAGES, default=site.lang)
    join_url = s.text("join_url")
    if join_url and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", join_url):
        s.error("join_url", f"'join_url' is '{join_url}', not a link", "write the full link, e.g. https://example.com/j/abc")
    qr_image = check_path(root, s.text("qr_image"), report, path, s.line_of("qr_image"), "qr_image") if s.text("qr_image") else ""
    qr_expires = s.date("qr_expires")

    people: dict[str, str] = {}
    if s.has("people"):
        people_section = s.section("people", tuple(str(k) for k in (s.data.get("people") or {})))
        for key, value in people_section.data.items():
            if isinstance(value, (dict, list)) or value is None:
                people_section.error(key, f"'people.{key}' should be a name", "write 'role: person name'")
            else:
                people[str(key)] = str(value)
        if playbook is not None:
            role_ids = [r.id for r in playbook.roles]
            for key in people:
                if key not in role_ids:
                    people_section.error(key, f"unknown role '{key}' in 'people' (playbook '{playbook.slug}')",
                                         did_you_mean(key, role_ids) if role_ids else "the playbook defines no roles")

    brand_section = s.section("brand", ("color", "accent", "logo"))
    logo = brand_section.text("logo")
    if logo:
        logo = check_path(root, logo, report, path, brand_section.line_of("logo"), "brand.logo")
    brand = Brand(brand_section.colour("color", Brand.color), brand_section.colour("accent", Brand.accent), logo)

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
                line = s.data["sop_skip"].line_of(index) if hasattr(s.data["sop_skip"], "line_of") else s.line_of("sop_skip")
                report.error(path, line, f"'sop_skip' names slot '{skip}', which playbook '{playbook.slug}' does not have",
                             did_you_mean(skip, slot_ids))
        check_references(report, playbook, sop_add, path)
        for slot in sop_add:
            if slot.id in slot_ids and slot.id not in sop_skip:
                report.error(path, slot.line, f"slot id '{slot.id}' in 'sop_add' is already a slot of the playbook",
                             "give the added slot its own id, or skip the playbook's with sop_skip")

    if not (name and start and playbook):
        return None
    if end is None:
        span = days or (playbook.last_campaign_day or DEFAULT_DAYS)
        end = start + dt.timedelta(days=span - 1)
    return Group(slug=slug, path=path, name=name, playbook=playbook.slug, start=start, end=end, timezone=timezone,
                 lang=lang, join_url=join_url, qr_image=qr_image, qr_expires=qr_expires, people=people,
                 brand=brand, vars=group_vars, sop_skip=sop_skip, sop_add=sop_add, body=body, body_line=body_line,
                 key_lines={str(k): s.line_of(k) for k in s.data})


def display_width(text: str) -> int:
    """Columns on a phone: CJK and other wide characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def screen_lines(text: str, columns: int) -> int:
    lines = 0
    for line in text.split("\n"):
        width = display_width(line)
        lines += max(1, -(-width // columns))
    return lines


def templates_in(value: Any) -> list[Template]:
    found: list[Template] = []
    walk_templates(value, found.append)
    return found


_PLAYBOOK_TEMPLATES: dict[int, tuple[Playbook, list[Template]]] = {}


def playbook_templates(playbook: Playbook) -> list[Template]:
    """The templates of a playbook, found once per playbook rather than once per group."""
    cached = _PLAYBOOK_TEMPLATES.get(id(playbook))
    if cached is None or cached[0] is not playbook:
        found = templates_in([getattr(playbook, key) for key in ("welcome", "rules", "sop", "posters", "faq")])
        cached = _PLAYBOOK_TEMPLATES[id(playbook)] = (playbook, found)
        if len(_PLAYBOOK_TEMPLATES) > 256:  # a long watch session: forget playbooks of earlier builds
            _PLAYBOOK_TEMPLATES.clear()
            _PLAYBOOK_TEMPLATES[id(playbook)] = cached
    return cached[1]


def check_group(project: Project, group: Group, report: Report) -> None:
    """Checks that need a group and its playbook together: templates, span, posts, shares, QR."""
    playbook = project.playbook_of(group)
    site = project.site
    values = context(site, playbook, group)
    slots = group_slots(playbook, group)
    span_text = f"{group.start}..{group.end}, {group.days} days"

    for template in playbook_templates(playbook) + templates_in(group.sop_add):
        if "{" in template.source:  # plain text needs no rendering to be valid
            try:
                render(template, values, group)
            except UserError as exc:
                report.add(exc.diagnostic)

    for slot in slots:
        when = slot.when
        if when.days == "campaign" and when.last_day > group.days:
            if slot.path == group.path:
                report.error(group.path, slot.line, f"slot '{slot.id}' runs on day {when.last_day}, after the group ends ({span_text})",
                             "use a day within the group's span or lengthen it with 'days'")
            else:
                span_key = next(k for k in ("days", "end", "start") if k in group.key_lines or k == "start")
                report.error(group.path, group.line_of(span_key),
                             f"playbook slot '{slot.id}' ({slot.path}:{slot.line}) runs on day {when.last_day}, "
                             f"after this group ends ({span_text})",
                             f"set 'days: {when.last_day}' or more, or add '{slot.id}' to sop_skip")
        if when.days == "date" and slot.path == group.path and not group.start <= when.date <= group.end:
            report.warning(group.path, slot.line, f"slot '{slot.id}' on {when.date} is outside the group's span ({span_text})",
                           "move the date inside the span or remove the slot")
        if slot.owner not in group.people and playbook.role(slot.owner) is not None:
            report.warning(group.path, group.line_of("people"),
                           f"role '{slot.owner}' owns slot '{slot.id}' but has no person in 'people'",
                           f"add 'people: {{{slot.owner}: NAME}}'")

    for poster in playbook.posters:
        if poster.has_qr and poster.qr is None and not group.join_url and not group.qr_image:
            report.error(group.path, group.line_of("name"), f"poster '{poster.id}' needs a QR code but the group has no 'join_url' or 'qr_image'",
                         "add 'join_url:' (a stable link) or 'qr_image:', or set 'qr: false' on the poster")

    occurrences = expand(playbook, group, slots)
    per_day = Counter(o.date for o in occurrences)
    for date, count in sorted(per_day.items()):
        if count > site.limits.max_posts_per_day:
            report.warning(group.path, group.line_of("start"), f"{count} posts on {date} (day {group.day_number(date)}), more than "
                           f"{site.limits.max_posts_per_day} a day", "members mute busy groups: move or skip a slot")
    for occurrence in occurrences:
        if is_shifted(occurrence):
            report.add_note(group.path, occurrence.slot.line if occurrence.slot.path == group.path else group.line_of("timezone"),
                            f"slot '{occurrence.slot.id}' at {occurrence.slot.when.time:%H:%M} on {occurrence.date} falls in a "
                            f"daylight-saving gap in {group.timezone}; calendars show it at {occurrence.start:%H:%M}")
        elif is_ambiguous(occurrence):
            report.add_note(group.path, occurrence.slot.line if occurrence.slot.path == group.path else group.line_of("timezone"),
                            f"slot '{occurrence.slot.id}' at {occurrence.start:%H:%M} on {occurrence.date} happens twice in "
                            f"{group.timezone} (clocks go back); calendars use the first, {occurrence.start:%H:%M %Z}")

    if occurrences:
        kinds = Counter(o.slot.kind for o in occurrences)
        for target in playbook.mix:
            share = kinds[target.kind] / len(occurrences)
            low = target.op == ">=" and share + 1e-9 < target.share
            high = target.op == "<=" and share - 1e-9 > target.share
            if low or high or (target.op == "=" and abs(share - target.share) > 0.05):
                report.warning(group.path, group.line_of("playbook"), f"{target.kind} posts are {share:.0%} of {len(occurrences)}, target {target.op}{target.share:.0%} "
                               f"(playbook {playbook.path}:{target.line})",
                               "add or convert slots, or change 'mix'")

    if playbook.welcome is not None:
        try:
            text = render(playbook.welcome, values, group)
        except UserError:
            text = ""
        used = screen_lines(text, site.limits.screen_columns)
        if used > site.limits.screen_lines:
            report.warning(playbook.welcome.path, playbook.welcome.line,
                           f"welcome message for group '{group.slug}' takes {used} lines, more than one screen "
                           f"({site.limits.screen_lines} lines of {site.limits.screen_columns} columns)",
                           "shorten it: new members read one screen")

    if group.qr_image and group.qr_expires and group.qr_expires <= group.end:
        report.warning(group.path, group.line_of("qr_expires"),
                       f"qr_image expires on {group.qr_expires}, before the group's span ends ({span_text})",
                       "WeChat group QR images last 7 days: use a stable join_url for posters, or refresh the image")
