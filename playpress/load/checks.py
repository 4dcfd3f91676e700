"""Checks that need a group and its playbook together: one small named function each.

A new check is a function `(GroupCheck, Report) -> None` added to GROUP_CHECKS. GroupCheck works
out what several checks read (the group's template values, its slots, its posts) once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from ..diagnostics import WARNING, Diagnostic, Report, UserError
from ..media.images import image_problem
from ..media.qr import fits_a_code
from ..media.typeset import screen_lines
from ..model import (
    Group,
    Occurrence,
    Person,
    Playbook,
    Project,
    Slot,
    Template,
    templates_in,
)
from ..schedule import expand, group_slots, is_ambiguous, is_shifted
from ..session import Session
from ..templates import context, render


@dataclass
class GroupCheck:
    """One group as the checks see it; each value is worked out when a check first asks."""

    project: Project
    group: Group
    session: Session

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
    def occurrences(self) -> list[Occurrence]:
        return expand(self.playbook, self.group, self.slots)

    @property
    def span(self) -> str:
        group = self.group
        return f"{group.start}..{group.end}, {group.days} days"


def playbook_templates(playbook: Playbook, session: Session) -> list[Template]:
    """The templates of a playbook, found once per version of it rather than once per group."""
    return session.validated.get_or_make(  # type: ignore[no-any-return]
        ("templates", playbook.fingerprint),
        lambda: templates_in(
            [getattr(playbook, key) for key in ("welcome", "rules", "sop", "posters", "faq")]
        ),
    )


def templates_render(check: GroupCheck, report: Report) -> None:
    """Every template of the playbook and of the group's own slots renders with the group's
    values."""
    group = check.group
    for template in playbook_templates(check.playbook, check.session) + templates_in(group.sop_add):
        if "{" in template.source:  # plain text needs no rendering to be valid
            try:
                render(template, check.values, group)
            except UserError as exc:
                report.add(exc.diagnostic)


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
    """A poster with a QR code needs something to encode: the poster's own qr, a join_url or a
    qr_image."""
    group = check.group
    for poster in check.playbook.posters:
        if poster.has_qr and poster.qr is None and not group.join_url and not group.qr_image:
            report.error(
                group.path,
                group.line_of("name"),
                f"poster '{poster.id}' needs a QR code but the group has no 'join_url' or "
                "'qr_image'",
                "add 'join_url:' (a stable link) or 'qr_image:', or set 'qr: false' on the poster",
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
                f"slot '{slot.id}' at {slot.when.time:%H:%M} on {occurrence.date} falls in a "
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


def codes_fit(check: GroupCheck, report: Report) -> None:
    """Every link a poster or the handbook encodes fits in a QR code (a logo in the middle needs
    room)."""
    group = check.group
    links: dict[str, tuple[str, int]] = {}
    if group.join_url:
        links[group.join_url] = (group.path, group.line_of("join_url"))
    for poster in check.playbook.posters:
        if poster.has_qr and poster.qr is not None:
            try:
                text = render(poster.qr, check.values, group).strip()
            except UserError:
                continue  # templates_render reports it
            links.setdefault(text, (poster.path, poster.line))
    for text, (path, line) in links.items():
        if text and not fits_a_code(text, with_logo=bool(group.brand.logo)):
            report.error(
                path,
                line,
                f"the link for group '{group.slug}' is {len(text.encode())} bytes, too long "
                "for a QR code a phone can scan",
                "use a short link (a link shortener or your own redirect)",
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
    templates_render,
    campaign_days_in_span,
    dated_slots_in_span,
    owners_have_people,
    posters_have_a_code,
    posts_per_day,
    daylight_saving,
    kind_shares,
    welcome_fits_a_screen,
    qr_image_lasts,
    codes_fit,
    one_mass_message_a_day,
    welcome_fits_wecom,
)


def check_group(project: Project, group: Group, session: Session, report: Report) -> None:
    """Every check of GROUP_CHECKS on one group."""
    check = GroupCheck(project, group, session)
    for one in GROUP_CHECKS:
        one(check, report)


# --- checks of the whole project ----------------------------------------------------------------


def images_decode(project: Project, session: Session, report: Report) -> None:
    """Every image a group or playbook names is a real picture (a broken logo is found now, not
    halfway
    through a build); each file is decoded once per version of it in a session."""
    root = project.root
    wanted: list[tuple[str, str, int, str]] = []  # image, file naming it, line, what it is
    for group in project.groups.values():
        if group.brand.logo:
            wanted.append((group.brand.logo, group.path, group.line_of("brand"), "brand.logo"))
        if group.qr_image:
            wanted.append((group.qr_image, group.path, group.line_of("qr_image"), "qr_image"))
    for playbook in project.playbooks.values():
        for poster in playbook.posters:
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


PROJECT_CHECKS: tuple[Callable[[Project, Session, Report], None], ...] = (
    images_decode,
    person_load,
)
