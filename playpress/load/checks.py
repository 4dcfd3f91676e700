"""Checks that need a group and its playbook together: one small named function each.

A new check is a function `(GroupCheck, Report) -> None` added to GROUP_CHECKS. GroupCheck works
out what several checks read (the group's template values, its slots, its posts) once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from ..almanac import almanac_for, name_key, shipped_display_names
from ..diagnostics import ERROR, WARNING, Diagnostic, Report, UserError, did_you_mean
from ..joining import WECHAT_GROUP_LINK, has_join_page, join_page_url, poster_code, uncovered
from ..media.fonts import MISSING, drawn, theme_chain
from ..media.images import image_problem
from ..media.qr import fits_a_code
from ..media.typeset import screen_lines
from ..model import (
    Group,
    GroupPlan,
    Occurrence,
    Person,
    Playbook,
    Project,
    Slot,
    Template,
    templates_in,
)
from ..schedule import (
    Expansion,
    group_expansion,
    group_slots,
    is_ambiguous,
    is_shifted,
    name_hint,
)
from ..session import Session
from ..templates import (
    PLAN_MARKERS,
    PlanValues,
    change_post,
    context,
    occurrence_context,
    per_occurrence,
    post_template_of,
    poster_per_occurrence,
    poster_texts_of,
    render,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Window = tuple[dt.date, dt.date]  # `check --as-of DATE --ahead N`: DATE through DATE+N-1


@dataclass
class OccurrenceTexts:
    """What one occurrence's texts came to when rendered for the checks."""

    occurrence: Occurrence
    copy: str = ""  # its copy as sent (with markers where the plan has no value)
    copy_template: Template | None = None
    unfilled: dict[str, Template] = field(default_factory=dict)  # plan column -> text reading it
    failures: list[tuple[Template, Diagnostic]] = field(default_factory=list)
    image: str | None = None  # its poster's image as rendered for it, when made per occurrence


@dataclass
class GroupCheck:
    """One group as the checks see it; each value is worked out when a check first asks."""

    project: Project
    group: Group
    session: Session
    window: Window | None = None  # plan rows missing in it are errors, not warnings

    @cached_property
    def playbook(self) -> Playbook:
        return self.project.playbook_of(self.group)

    @cached_property
    def values(self) -> dict[str, Any]:
        return context(self.project.site, self.playbook, self.group)

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        return group_slots(self.playbook, self.group)

    @cached_property
    def expansion(self) -> Expansion:
        """The group's one expansion, shared with the outputs through the session."""
        return group_expansion(self.project, self.group, self.session.expansions)

    @cached_property
    def occurrences(self) -> list[Occurrence]:
        return self.expansion.occurrences

    @cached_property
    def weekdays(self) -> list[str]:
        labels = self.project.theme.labels.get(self.group.lang, {})
        return list(labels.get("weekdays") or WEEKDAYS)

    @property
    def span(self) -> str:
        group = self.group
        return f"{group.start}..{group.end}, {group.days} days"

    @cached_property
    def plan(self) -> GroupPlan | None:
        return self.project.plans.of(self.group)

    @cached_property
    def rendered(self) -> list[OccurrenceTexts]:
        """Every occurrence's copy, post and poster texts rendered as the outputs will: each text
        that reads `occurrence` or `plan` once per occurrence, any other once per slot."""
        group, values, plan = self.group, self.values, self.plan
        posters = {p.id: poster_texts_of(p) for p in self.playbook.posters}
        images = {p.id: p.image for p in self.playbook.posters}
        once: dict[tuple[str, int, str], str] = {}
        found: list[OccurrenceTexts] = []
        for occurrence in self.occurrences:
            texts = OccurrenceTexts(occurrence)
            row = plan.rows.get((occurrence.slot.id, occurrence.date)) if plan else None
            copy = occurrence.copy
            texts.copy_template = copy
            for template in [copy, post_template_of(occurrence)] + posters.get(
                occurrence.slot.poster, []
            ):
                if template is None:
                    continue
                if not per_occurrence(template):
                    if template is copy:
                        where = _where(template)
                        if where not in once:
                            try:
                                once[where] = render(template, values, group).strip()
                            except UserError:
                                once[where] = ""  # templates_render says what is wrong
                        texts.copy = once[where]
                    continue
                scope = occurrence_context(values, occurrence, self.weekdays, row)
                try:
                    text = render(template, scope, group).strip()
                except UserError as exc:
                    texts.failures.append((template, exc.diagnostic))
                    continue
                if template is copy:
                    texts.copy = text
                elif template is images.get(occurrence.slot.poster):
                    texts.image = text
                given = scope["plan"]
                assert isinstance(given, PlanValues)
                for column in given.unfilled:
                    texts.unfilled.setdefault(column, template)
            found.append(texts)
        return found


def playbook_templates(playbook: Playbook, session: Session) -> list[Template]:
    """The templates of a playbook, found once per version of it rather than once per group."""
    return session.validated.get_or_make(  # type: ignore[no-any-return]
        ("templates", playbook.fingerprint),
        lambda: templates_in(
            [getattr(playbook, key) for key in ("welcome", "rules", "sop", "posters", "faq")]
        ),
    )


def templates_render(check: GroupCheck, report: Report) -> None:
    """Every template of the playbook and of the group's own slots and changes renders with the
    group's values (texts that read `occurrence` where it is known: occurrence_texts_render)."""
    group = check.group
    own = templates_in(group.sop_add) + [c.copy for c in group.sop_change if c.copy]
    own += [t for t in map(change_post, group.sop_change) if t]
    shown = {_where(t) for t in occurrence_templates(check)}
    # a skipped slot's text, or a poster's no slot of this group shows, that reads occurrence or
    # plan: rendered for the groups that show it, where those names are known
    places = [t for slot in check.playbook.sop for t in (slot.copy, slot.post_template) if t]
    places += [t for p in check.playbook.posters for t in poster_texts_of(p)]
    shown |= {_where(t) for t in places if per_occurrence(t)}
    for template in playbook_templates(check.playbook, check.session) + own:
        # plain text needs no rendering to be valid
        if "{" in template.source and _where(template) not in shown:
            try:
                render(template, check.values, group)
            except UserError as exc:
                report.add(exc.diagnostic)


def _where(template: Template) -> tuple[str, int, str]:
    return template.path, template.line, template.key


def occurrence_templates(check: GroupCheck) -> list[Template]:
    """The texts that read `occurrence` where it is known: a slot's copy and post, a
    `sop_change`'s, and the texts of a poster that a slot of the group shows."""
    shown = {slot.poster for slot in check.slots if slot.poster}
    found = [t for slot in check.slots for t in (slot.copy, slot.post_template) if t]
    found += [t for c in check.group.sop_change for t in (c.copy, change_post(c)) if t]
    found += [t for p in check.playbook.posters if p.id in shown for t in poster_texts_of(p)]
    return [t for t in found if per_occurrence(t)]


def occurrence_texts_render(check: GroupCheck, report: Report) -> None:
    """The texts that read `occurrence` or `plan` render for every occurrence that shows them,
    so no output can fail halfway through a build (each text's first failure is said)."""
    if not occurrence_templates(check):
        return
    failed: set[tuple[str, int, str]] = set()
    for texts in check.rendered:
        for template, diagnostic in texts.failures:
            if _where(template) not in failed:
                failed.add(_where(template))
                report.add(diagnostic)


def plan_columns_exist(check: GroupCheck, report: Report) -> None:
    """A text reading `plan.X` where no sheet of the group's has a column X: a misspelt column
    (every occurrence would show the marker), said once per text."""
    plan = check.plan
    if plan is None or not plan.sheets:
        return
    said: set[tuple[tuple[str, int, str], str]] = set()
    for texts in check.rendered:
        for column, template in texts.unfilled.items():
            if column in plan.columns or (_where(template), column) in said:
                continue
            said.add((_where(template), column))
            sheets = ", ".join(where for _path, where in plan.sheets[:3])
            report.error(
                template.path,
                template.line,
                f"'plan.{column}' in '{template.key}': no plan sheet of group "
                f"'{check.group.slug}' has a column '{column}' ({sheets})",
                did_you_mean(column, sorted(plan.columns))
                if plan.columns
                else f"add a column '{column}' to the sheet",
            )


def plans_filled(check: GroupCheck, report: Report) -> None:
    """Each occurrence whose texts read a plan value it has no row or cell for (they show the
    marker, 【待填：X】), or whose copy still holds a placeholder (limits.placeholders): one line
    per occurrence naming the slot, the date and the sheet to fill. Under `check --as-of`, an
    error for the occurrences in its window."""
    patterns = [re.compile(p) for p in check.project.site.limits.placeholders]
    plan, group = check.plan, check.group
    for texts in check.rendered:
        occurrence = texts.occurrence
        columns = [
            c for c in texts.unfilled if plan is None or c in plan.columns or not plan.sheets
        ]
        copy = texts.copy
        marker = PLAN_MARKERS.get(group.lang, PLAN_MARKERS["en"])
        for column in texts.unfilled:  # a marker is said as a missing value, not a placeholder
            copy = copy.replace(marker.format(name=column), "")
        left = sorted({m.group(0) for p in patterns for m in p.finditer(copy)} if copy else ())
        if not columns and not left:
            continue
        slot = occurrence.slot
        when = (
            f"{occurrence.date} ({check.weekdays[occurrence.date.weekday()]}, day {occurrence.day})"
        )
        window = check.window
        severity = ERROR if window and window[0] <= occurrence.date <= window[1] else WARNING
        prefix = "not ready: " if severity == ERROR else ""
        parts: list[str] = []
        hints: list[str] = []
        path, line, col = "", 0, 0
        if columns:
            row = plan.rows.get((slot.id, occurrence.date)) if plan else None
            shown = ", ".join(columns)
            if row is not None:
                parts.append(f"empty in its plan row: {shown}")
                path, line = row.path, row.row
                col = min((row.columns.get(c, 0) for c in columns if c in row.columns), default=0)
                hints.append(
                    f"fill {shown} in row {row.row}"
                    + (f" of sheet {row.sheet}" if row.sheet else "")
                )
            elif plan is not None and plan.sheets:
                sheet_path, where = plan.fill_in.get(slot.id) or plan.sheets[0]
                parts.append(f"no plan row ({shown})")
                path = sheet_path
                hints.append(
                    f"add a row for slot {slot.id}, {_plan_key(check, occurrence)} to {where}"
                )
            else:
                template = next(iter(texts.unfilled.values()))
                parts.append(f"no plan sheet gives {shown}")
                path, line = template.path, template.line
                hints.append(
                    "name a sheet in the playbook's 'plans:' (or the group's), e.g. "
                    "plans: [content/plans/NAME.xlsx]"
                )
        if left:
            parts.append(f"its copy still holds {', '.join(left)}")
            template = texts.copy_template
            if not path and template is not None:
                path, line = template.path, template.line
                hints.append("write the real text in the copy, or a plan.COLUMN from a sheet")
            elif template is not None:
                hints.append(f"write the real text in the copy at {template.path}:{template.line}")
        report.add(
            Diagnostic(
                path or group.path,
                line,
                col,
                severity,
                f"{prefix}slot '{slot.id}' on {when} for group '{group.slug}': " + "; ".join(parts),
                "; ".join(hints),
            )
        )


def _plan_key(check: GroupCheck, occurrence: Occurrence) -> str:
    """How a row for the occurrence is keyed in the group's sheets: its date, or its day."""
    plan = check.plan
    days = plan is not None and any(
        row.day for (slot, _date), row in plan.rows.items() if slot == occurrence.slot.id
    )
    return f"day {occurrence.day}" if days else f"date {occurrence.date}"


def poster_images_exist(check: GroupCheck, report: Report) -> None:
    """A poster's `image` renders to a picture of the project for every occurrence that shows
    it (a plan cell's picture is checked where the sheet is read: this finds the others)."""
    root = check.project.root
    wanted = {p.id: p for p in check.playbook.posters if p.image is not None}
    if not wanted:
        return
    group = check.group
    said: set[str] = set()
    for texts in check.rendered:
        poster = wanted.get(texts.occurrence.slot.poster)
        if poster is None or poster.image is None:
            continue
        if any(t is poster.image for t in texts.unfilled.values()) or any(
            t is poster.image for t, _ in texts.failures
        ):
            continue  # the marker is drawn (warned above), or it fails (said above)
        relpath = texts.image if texts.image is not None else poster.image.source
        occurrence = texts.occurrence
        row = check.plan.rows.get((occurrence.slot.id, occurrence.date)) if check.plan else None
        if relpath in said or (row is not None and relpath in row.values.values()):
            continue  # a picture a cell names is checked where the sheet is read
        said.add(relpath)
        absolute = os.path.join(root, relpath)
        problem = ""
        try:
            inside = os.path.realpath(absolute).startswith(os.path.realpath(root) + os.sep)
            info = os.stat(absolute) if inside else None
        except OSError:
            info = None
        if info is None:
            problem = "is not a file of the project"
        else:
            problem = check.session.validated.get_or_make(
                ("image", absolute, info.st_size, info.st_mtime_ns),
                lambda absolute=absolute: image_problem(absolute),
            )
        if problem:
            where = f" (from {row.where()})" if row is not None else ""
            report.error(
                poster.image.path,
                poster.image.line,
                f"poster '{poster.id}' for group '{group.slug}' on {texts.occurrence.date}: its "
                f"image '{relpath}'{where} {problem}",
                "name a PNG or JPEG picture under content/assets/, relative to the project root",
            )


def posters_per_occurrence_are_shown(check: GroupCheck, report: Report) -> None:
    """A poster whose texts read `occurrence` is made for each occurrence of the slots that show
    it: with no such slot in this group, no file is made."""
    used = {slot.poster for slot in check.slots if slot.poster}
    for poster in check.playbook.posters:
        if poster.id not in used and poster_per_occurrence(poster):
            report.warning(
                poster.path,
                poster.line,
                f"poster '{poster.id}' reads occurrence, but no slot of group "
                f"'{check.group.slug}' shows it: no file is made for that group",
                f"give a slot 'poster: {poster.id}', or write the texts without occurrence.*",
            )


def expansion_diagnostics(check: GroupCheck, report: Report) -> None:
    """What the expansion found: unknown names, events the group lacks, a sop_change matching
    no occurrence, years without an official schedule, where weekdays and workdays differ."""
    report.extend(check.expansion.diagnostics)


def campaign_days_in_span(check: GroupCheck, report: Report) -> None:
    """A campaign day after the group's last day cannot happen."""
    group = check.group
    for slot in check.slots:
        when = slot.when
        if when.days != "campaign" or when.last_day <= group.days:
            continue
        if slot.path == group.path:
            report.error(
                group.path,
                slot.line,
                f"slot '{slot.id}' runs on day {when.last_day}, after the group ends "
                f"({check.span})",
                "use a day within the group's span or lengthen it with 'days'",
            )
        else:
            span_key = next(
                k for k in ("days", "end", "start") if k in group.key_lines or k == "start"
            )
            report.error(
                group.path,
                group.line_of(span_key),
                f"playbook slot '{slot.id}' ({slot.path}:{slot.line}) runs on day {when.last_day}, "
                f"after this group ends ({check.span})",
                f"set 'days: {when.last_day}' or more, or add '{slot.id}' to sop_skip",
            )


def dated_slots_in_span(check: GroupCheck, report: Report) -> None:
    """A one-date slot of the group's own outside its span (a playbook's is left out silently)."""
    group = check.group
    for slot in check.slots:
        when = slot.when
        if (
            when.days == "date"
            and slot.path == group.path
            and not group.start <= when.date <= group.end
        ):
            report.warning(
                group.path,
                slot.line,
                f"slot '{slot.id}' on {when.date} is outside the group's span ({check.span})",
                "move the date inside the span or remove the slot",
            )


def owners_have_people(check: GroupCheck, report: Report) -> None:
    """Every role that owns a slot has a person in the group."""
    group, playbook = check.group, check.playbook
    for slot in check.slots:
        if slot.owner not in group.people and playbook.role(slot.owner) is not None:
            report.warning(
                group.path,
                group.line_of("people"),
                f"role '{slot.owner}' owns slot '{slot.id}' but has no person in 'people'",
                f"add 'people: {{{slot.owner}: NAME}}'",
            )


def posters_have_a_code(check: GroupCheck, report: Report) -> None:
    """A poster with a QR code needs something to encode: the poster's own qr, a join_url, QR
    images or a fallback; `qr: live` needs a join page (base_url is checked once, for the site)."""
    group = check.group
    for poster in check.playbook.posters:
        if poster.has_qr and poster.qr is None and not has_join_page(group):
            report.error(
                group.path,
                group.line_of("name"),
                f"poster '{poster.id}' needs a QR code but the group has no 'join_url' or "
                "'qr_image'",
                "add 'join_url:' (a stable link) or 'qr_image:', or set 'qr: false' on the poster",
            )
        elif poster.qr_live and not has_join_page(group):
            report.error(
                group.path,
                group.line_of("name"),
                f"poster '{poster.id}' has 'qr: live' ({poster.path}:{poster.qr.line}) but the "
                "group has no join page: it gives no 'qr_images', 'join_fallback' or 'join_url'",
                "give the group its QR images (qr_images:) or a join_url",
            )


def posts_per_day(check: GroupCheck, report: Report) -> None:
    """Members mute groups that post too much: more than limits.max_posts_per_day on a date."""
    group, limit = check.group, check.project.site.limits.max_posts_per_day
    per_day = Counter(o.date for o in check.occurrences)
    for date, count in sorted(per_day.items()):
        if count > limit:
            report.warning(
                group.path,
                group.line_of("start"),
                f"{count} posts on {date} (day {group.day_number(date)}), more than {limit} a day",
                "members mute busy groups: move or skip a slot",
            )


def daylight_saving(check: GroupCheck, report: Report) -> None:
    """Notes for a time that does not exist (spring forward) or happens twice (fall back) that
    day."""
    group = check.group
    for occurrence in check.occurrences:
        slot = occurrence.slot
        line = slot.line if slot.path == group.path else group.line_of("timezone")
        if is_shifted(occurrence):
            report.add_note(
                group.path,
                line,
                f"slot '{slot.id}' at {occurrence.time:%H:%M} on {occurrence.date} falls in a "
                f"daylight-saving gap in {group.timezone}; calendars show it at "
                f"{occurrence.start:%H:%M}",
            )
        elif is_ambiguous(occurrence):
            report.add_note(
                group.path,
                line,
                f"slot '{slot.id}' at {occurrence.start:%H:%M} on {occurrence.date} happens twice "
                "in "
                f"{group.timezone} (clocks go back); calendars use the first, "
                f"{occurrence.start:%H:%M %Z}",
            )


def kind_shares(check: GroupCheck, report: Report) -> None:
    """The playbook's `mix` targets (or its model's defaults) against the group's posts."""
    occurrences, group, playbook = check.occurrences, check.group, check.playbook
    if not occurrences:
        return
    kinds = Counter(o.slot.kind for o in occurrences)
    for target in playbook.mix:
        share = kinds[target.kind] / len(occurrences)
        low = target.op == ">=" and share + 1e-9 < target.share
        high = target.op == "<=" and share - 1e-9 > target.share
        if low or high or (target.op == "=" and abs(share - target.share) > 0.05):
            report.warning(
                group.path,
                group.line_of("playbook"),
                f"{target.kind} posts are {share:.0%} of {len(occurrences)}, target "
                f"{target.op}{target.share:.0%} (playbook {playbook.path}:{target.line})",
                "add or convert slots, or change 'mix'",
            )


def welcome_fits_a_screen(check: GroupCheck, report: Report) -> None:
    """New members read one phone screen: the welcome message should fit limits.screen."""
    welcome, limits = check.playbook.welcome, check.project.site.limits
    if welcome is None:
        return
    try:
        text = render(welcome, check.values, check.group)
    except UserError:
        text = ""  # templates_render reports it
    used = screen_lines(text, limits.screen_columns)
    if used > limits.screen_lines:
        report.warning(
            welcome.path,
            welcome.line,
            f"welcome message for group '{check.group.slug}' takes {used} lines, more than one "
            "screen "
            f"({limits.screen_lines} lines of {limits.screen_columns} columns)",
            "shorten it: new members read one screen",
        )


def qr_image_lasts(check: GroupCheck, report: Report) -> None:
    """A WeChat group QR image that expires before the group's span ends."""
    group = check.group
    if group.qr_image and group.qr_expires and group.qr_expires <= group.end:
        report.warning(
            group.path,
            group.line_of("qr_expires"),
            f"qr_image expires on {group.qr_expires}, before the group's span ends ({check.span})",
            "WeChat group QR images last 7 days: use a stable join_url for posters, or refresh "
            "the image",
        )


def qr_images_cover_the_span(check: GroupCheck, report: Report) -> None:
    """Days of the span after the last `qr_images` entry: the join page shows the fallback then
    (the version-1 qr_image has its own warning above)."""
    group = check.group
    gap = uncovered(group) if "qr_images" in group.key_lines else None
    if gap is not None:
        first, last = gap
        report.warning(
            group.path,
            group.line_of("qr_images"),
            f"no qr_images entry covers {first} to {last} ({(last - first).days + 1} days of the "
            f"group's span, {check.span})",
            "export the group's QR code again in WeChat before the last one expires and add it "
            "with its until; meanwhile the join page shows the join_fallback",
        )


def printed_codes_last(check: GroupCheck, report: Report) -> None:
    """A printed card outlasts a weekly QR export: without base_url (no join page online) it
    carries the newest image, which expires before the group ends."""
    group, site = check.group, check.project.site
    if "qr_images" not in group.key_lines or site.base_url:
        return
    for poster in check.playbook.posters:
        code = poster_code(site, group, poster) if poster.for_print else None
        if code is not None and code.image and code.until is not None and code.until < group.end:
            report.warning(
                group.path,
                group.line_of("qr_images"),
                f"print poster '{poster.id}' ({poster.path}:{poster.line}) carries the QR image "
                f"valid until {code.until}, before the group ends on {group.end}",
                "set base_url in content/site.yml so that print posters point at the join page, "
                "or give the poster a stable qr: link",
            )


def codes_fit(check: GroupCheck, report: Report) -> None:
    """Every link a poster or the handbook encodes fits in a QR code (a logo in the middle needs
    room)."""
    group = check.group
    links: dict[str, tuple[str, int]] = {}
    if group.join_url:
        links[group.join_url] = (group.path, group.line_of("join_url"))
    for poster in check.playbook.posters:
        if poster.has_qr and poster.qr is not None and not poster.qr_live:
            try:
                text = render(poster.qr, check.values, group).strip()
            except UserError:
                continue  # templates_render reports it
            links.setdefault(text, (poster.path, poster.line))
    live = join_page_url(check.project.site, group)
    if live:
        links.setdefault(live, (group.path, group.line_of("name")))
    for text, (path, line) in links.items():
        if text and not fits_a_code(text, with_logo=bool(group.brand.logo)):
            report.error(
                path,
                line,
                f"the link for group '{group.slug}' is {len(text.encode())} bytes, too long "
                "for a QR code a phone can scan",
                "use a short link (a link shortener or your own redirect)",
            )


def poster_characters(check: GroupCheck, report: Report) -> None:
    """Every character of a poster's texts is in a face the poster is set in (found now, not halfway
    through a build); texts made per occurrence are checked when they are drawn."""
    group = check.group
    chain = theme_chain(group.lang, check.project.theme.fonts, check.project.root)
    for poster in check.playbook.posters:
        for part, template in (
            ("title", poster.title),
            ("subtitle", poster.subtitle),
            ("cta", poster.cta),
            *(("lines", line) for line in poster.lines),
        ):
            if template is None or per_occurrence(template):
                continue
            try:
                text = render(template, check.values, group)
            except UserError:
                continue  # templates_render reports it
            missing = next((c for c in text if drawn(c, chain) == MISSING), "")
            if missing:
                report.error(
                    poster.path,
                    poster.line,
                    f"poster '{poster.id}' for group '{group.slug}': no font has the character "
                    f"'{missing}' (U+{ord(missing):04X}, {unicodedata.name(missing, 'unnamed')}) "
                    f"in its {part}",
                    "remove the character, or name a font that has it in the theme's "
                    "theme.yml `fonts:`",
                )


# WeCom delivers one mass message (群发) per customer group a day, and a welcome message
# (入群欢迎语) of at most 3,000 bytes.
WECOM_WELCOME_BYTES = 3000


def one_mass_message_a_day(check: GroupCheck, report: Report) -> None:
    """More than one `send: mass` slot on a date: WeCom delivers only the first to the group."""
    group = check.group
    per_day: dict[Any, list[Slot]] = {}
    for occurrence in check.occurrences:
        if occurrence.slot.send == "mass":
            per_day.setdefault(occurrence.date, []).append(occurrence.slot)
    said: set[tuple[str, ...]] = set()
    for date, slots in sorted(per_day.items()):
        ids = tuple(dict.fromkeys(slot.id for slot in slots))
        if len(slots) < 2 or ids in said:
            continue
        said.add(ids)
        later = slots[-1]
        named = " and ".join(f"'{i}'" for i in ids) if len(ids) > 1 else f"'{ids[0]}' twice"
        hint = "send the others by hand ('send: manual'), or move them to another day"
        if all(slot.path != group.path for slot in slots):  # the playbook's: said once
            report.warning(
                later.path,
                later.line_of("send"),
                f"slots {named} are both 'send: mass' on the same day: WeCom delivers one mass "
                "message per customer group a day",
                hint,
            )
        else:
            report.warning(
                group.path,
                group.line_of("sop_add"),
                f"slots {named} are both 'send: mass' on {date} (first such day): WeCom delivers "
                "one mass message per customer group a day",
                hint,
            )


def welcome_fits_wecom(check: GroupCheck, report: Report) -> None:
    """WeCom refuses a welcome message (入群欢迎语) over 3,000 bytes."""
    welcome = check.playbook.welcome
    if welcome is None:
        return
    try:
        size = len(render(welcome, check.values, check.group).strip().encode("utf-8"))
    except UserError:
        return  # templates_render reports it
    if size > WECOM_WELCOME_BYTES:
        whose = f" for group '{check.group.slug}'" if "{" in welcome.source else ""
        report.warning(
            welcome.path,
            welcome.line,
            f"welcome message{whose} is {size:,} bytes, more than the {WECOM_WELCOME_BYTES:,} "
            "WeCom takes for a welcome message (a Chinese character is 3 bytes)",
            "shorten it; the rules can follow as a second message",
        )


GROUP_CHECKS: tuple[Callable[[GroupCheck, Report], None], ...] = (
    expansion_diagnostics,
    templates_render,
    occurrence_texts_render,
    plan_columns_exist,
    plans_filled,
    poster_images_exist,
    posters_per_occurrence_are_shown,
    campaign_days_in_span,
    dated_slots_in_span,
    owners_have_people,
    posters_have_a_code,
    posts_per_day,
    daylight_saving,
    kind_shares,
    welcome_fits_a_screen,
    qr_image_lasts,
    qr_images_cover_the_span,
    printed_codes_last,
    codes_fit,
    poster_characters,
    one_mass_message_a_day,
    welcome_fits_wecom,
)


def check_group(
    project: Project, group: Group, session: Session, report: Report, window: Window | None = None
) -> None:
    """Every check of GROUP_CHECKS on one group (`window`: `check --as-of`'s dates)."""
    check = GroupCheck(project, group, session, window)
    for one in GROUP_CHECKS:
        one(check, report)


# --- checks of the whole project ----------------------------------------------------------------


def images_decode(project: Project, session: Session, report: Report) -> None:
    """Every image a group or playbook names is a real picture (a broken logo is found now, not
    halfway through a build); each file is decoded once per version of it in a session. QR
    images are decoded and read in join_codes_read."""
    root = project.root
    wanted: list[tuple[str, str, int, str]] = []  # image, file naming it, line, what it is
    for group in project.groups.values():
        if group.brand.logo:
            wanted.append((group.brand.logo, group.path, group.line_of("brand"), "brand.logo"))
    for playbook in project.playbooks.values():
        for poster in playbook.posters:
            if poster.image is not None and "{" not in poster.image.source:
                wanted.append(
                    (
                        poster.image.source,
                        poster.path,
                        poster.image.line,
                        f"poster '{poster.id}' image",
                    )
                )
            if poster.background and not poster.background.startswith("#"):
                wanted.append(
                    (
                        poster.background,
                        poster.path,
                        poster.line,
                        f"poster '{poster.id}' background",
                    )
                )
    for image, path, line, what in wanted:
        absolute = f"{root}/{image}"
        try:
            info = os.stat(absolute)
        except OSError:
            continue  # the schema reported a missing file
        problem = session.validated.get_or_make(
            ("image", absolute, info.st_size, info.st_mtime_ns),
            lambda absolute=absolute: image_problem(absolute),
        )
        if problem:
            report.error(
                path,
                line,
                f"{what} '{image}' {problem}",
                "use a PNG or JPEG picture (export it again from the app that made it)",
            )


def person_load(project: Project, session: Session, report: Report) -> None:
    """`limits.person_posts_per_10min`: more posts in any 10 minutes, across all of a person's
    groups, than one person can send (checked once per version of their groups)."""
    limit = project.site.limits.person_posts_per_10min
    if not limit or not project.people:
        return
    groups_of: dict[str, list[Group]] = {}
    for slug in sorted(project.groups):
        group = project.groups[slug]
        for person in group.person_ids:
            groups_of.setdefault(person, []).append(group)
    for person_id, groups in sorted(groups_of.items()):
        person = project.people[person_id]
        key = (
            "person-load",
            limit,
            person_id,
            person.line,
            tuple((g.fingerprint, project.playbook_of(g).fingerprint) for g in groups),
        )
        report.extend(
            session.validated.get_or_make(
                key, lambda person=person, groups=groups: _load(project, person, groups, limit)
            )
        )


def _load(project: Project, person: Person, groups: list[Group], limit: int) -> list:
    """The busiest 10 minutes of one person's posts, if over the limit."""
    posts: list[tuple[Any, str]] = []
    for group in groups:
        roles = {role for role, ident in group.people_ids.items() if ident == person.id}
        check = GroupCheck(project, group, Session())
        posts += [
            (o.start.astimezone(dt.UTC), group.slug)
            for o in check.occurrences
            if o.slot.owner in roles
        ]
    posts.sort()
    window = dt.timedelta(minutes=10)
    first, best = 0, (0, 0, 0)  # the busiest 10 minutes: (posts, first, last)
    for last in range(len(posts)):
        while posts[last][0] - posts[first][0] >= window:
            first += 1
        if last - first + 1 > best[0]:
            best = (last - first + 1, first, last)
    count, first, last = best
    if count <= limit:
        return []
    zone = groups[0].timezone
    local = posts[first][0].astimezone(ZoneInfo(zone))
    named = sorted({slug for _, slug in posts[first : last + 1]})
    return [
        Diagnostic(
            person.path,
            person.line,
            0,
            WARNING,
            f"{person.name} ({person.id}) has {count} posts within 10 minutes from "
            f"{local:%Y-%m-%d %H:%M} ({zone}), in {', '.join(named[:6])}"
            f"{', ...' if len(named) > 6 else ''}: more than limits.person_posts_per_10min "
            f"({limit})",
            "spread the groups' times, or share the groups among more people",
        )
    ]


def named_dates_someone_knows(project: Project, session: Session, report: Report) -> None:
    """A playbook slot naming a date that no calendar, event or name of the project gives is a
    mistake whatever group runs it: said at the slot, even with no group (or only groups with
    errors, whose checks are muted) to find it. A slot already in error says nothing more."""
    named = [
        slot
        for playbook in project.playbooks.values()
        for slot in playbook.sop
        if slot.when.days == "named"
    ]
    if not named:
        return
    groups = list(project.groups.values())
    names: dict[str, str] = {name_key(n): n for n in shipped_display_names()}
    names.update({name_key(n.name): n.name for n in project.calendars.names})
    names.update({name_key(e): e for e in project.event_names})
    calendars = []  # other countries' holidays, over the spans of the groups that use them
    for country in sorted(({project.site.holidays} | {g.holidays for g in groups}) - {"", "CN"}):
        spans = [(g.start, g.end) for g in groups if g.holidays == country] or [
            (g.start, g.end) for g in groups
        ]
        if not spans:
            return  # no span to look the country's holidays up in
        almanac = almanac_for(country, project.calendars)
        low, high = min(a for a, _ in spans), max(b for _, b in spans)
        names.update({name_key(n): n for n in almanac.names(low, high)})
        calendars.append((almanac, low, high))
    said = {(d.path, d.line) for d in report.errors}
    for slot in named:
        when = slot.when
        if name_key(when.name) in names or (slot.path, slot.line_of("when")) in said:
            continue
        if any(almanac.knows(when.name, low, high) for almanac, low, high in calendars):
            continue  # another spelling of a holiday ('Thanksgiving' for 'Thanksgiving Day')
        report.error(
            slot.path,
            slot.line_of("when"),
            f"'{when.name}' in '{when.text}' is not a weekday or a day pattern, nor a named "
            "date of any calendar, event or name of this project",
            name_hint(when.name, names.values(), when.time, weekdays=when.offsets == (0, 0)),
        )


def join_images(group: Group) -> list[tuple[str, str, int, str]]:
    """The group's QR images and its fallback: (image, file naming it, line, what it is)."""
    if "qr_images" in group.key_lines:
        named = [
            (image.file, group.path, image.line, f"qr_images[{n}]")
            for n, image in enumerate(group.qr_images)
        ]
    else:
        named = [(i.file, group.path, i.line, "qr_image") for i in group.qr_images]
    fallback = group.join_fallback
    if fallback is not None:
        named.append((fallback.image, group.path, fallback.line, "join_fallback.image"))
    return named


def join_codes_read(project: Project, session: Session, report: Report) -> None:
    """Every QR image and fallback is a sound picture holding a QR code that a reader finds
    (zxing-cpp, from one decoding per version of the file in a session); a QR image that is not a
    WeChat group's is said, never refused (a WeCom or a shop's own link works too)."""
    for group in project.groups.values():
        for image, path, line, what in join_images(group):
            try:
                problem, reading = session.qr_image(f"{project.root}/{image}")
            except OSError:
                continue  # the schema reported a missing file
            if problem:
                report.error(
                    path,
                    line,
                    f"{what} '{image}' {problem}",
                    "use a PNG or JPEG picture (export it again from the app that made it)",
                )
            elif not reading.texts:
                report.error(
                    path,
                    line,
                    f"{what} '{image}' holds no QR code that a reader can find",
                    "export the code again (in WeChat: the group's info, QR code, save image) and "
                    "use the saved file as it is",
                )
            elif what != "join_fallback.image" and not WECHAT_GROUP_LINK.match(reading.texts[0]):
                report.add_note(
                    path,
                    line,
                    f"{what} '{image}' encodes '{reading.texts[0][:80]}', not a WeChat group link "
                    "(https://weixin.qq.com/g/...)",
                )


def live_codes_have_a_base_url(project: Project, session: Session, report: Report) -> None:
    """`qr: live` encodes BASE_URL/join/GROUP/: without base_url there is no address to encode."""
    if project.site.base_url:
        return
    for playbook in project.playbooks.values():
        for poster in playbook.posters:
            if poster.qr_live and poster.qr is not None:
                report.error(
                    poster.qr.path,
                    poster.qr.line,
                    f"poster '{poster.id}' has 'qr: live', the group's join page "
                    "BASE_URL/join/GROUP/, but content/site.yml has no base_url",
                    "set base_url: to where dist/ is published (https://.../), or give the "
                    "poster another qr:",
                )


PROJECT_CHECKS: tuple[Callable[[Project, Session, Report], None], ...] = (
    images_decode,
    join_codes_read,
    live_codes_have_a_base_url,
    named_dates_someone_knows,
    person_load,
)
