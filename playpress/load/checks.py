"""Checks that need a group and its playbook together: one small named function each.

A new check is a function `(GroupCheck, Report) -> None` added to GROUP_CHECKS. GroupCheck works
out what several checks read (the group's template values, its slots, its posts) once.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from ..almanac import almanac_for, name_key, shipped_display_names
from ..diagnostics import WARNING, Diagnostic, Report, UserError
from ..joining import WECHAT_GROUP_LINK, has_join_page, join_page_url, poster_code, uncovered
from ..media.fonts import MISSING, drawn, theme_chain
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
    """The texts that read `occurrence` render for every occurrence that shows them, so no
    output can fail halfway through a build (each text's first failure is said)."""
    if not occurrence_templates(check):
        return
    group, values = check.group, check.values
    posters = {p.id: poster_texts_of(p) for p in check.playbook.posters}
    failed: set[tuple[str, int, str]] = set()
    for occurrence in check.occurrences:
        texts = [occurrence.copy, post_template_of(occurrence)]
        texts += posters.get(occurrence.slot.poster, [])
        for template in texts:
            if not per_occurrence(template) or _where(template) in failed:  # type: ignore[arg-type]
                continue
            try:
                render(template, occurrence_context(values, occurrence, check.weekdays), group)
            except UserError as exc:
                failed.add(_where(template))  # type: ignore[arg-type]
                report.add(exc.diagnostic)


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
        for field, template in (
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
                    f"in its {field}",
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


def check_group(project: Project, group: Group, session: Session, report: Report) -> None:
    """Every check of GROUP_CHECKS on one group."""
    check = GroupCheck(project, group, session)
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
