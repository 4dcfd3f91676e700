"""playbooks/NAME.md: the schema of a playbook (roles, rules, phases, SOP slots, posters, FAQ,
metrics)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..diagnostics import Report, did_you_mean
from ..model import (
    COMMUNITY_TYPES,
    MODEL_MIX,
    RUNNING_MODELS,
    SEND_MODES,
    SLOT_KINDS,
    Answer,
    Metrics,
    MixTarget,
    Phase,
    Playbook,
    Positioning,
    Poster,
    Prep,
    Role,
    Rules,
    Slot,
    Template,
)
from ..schedule import ANY_NAME, MAX_CAMPAIGN_DAY, WhenError, parse_when, slot_id
from .fields import COLOUR, IDENT, Section, check_path

POSTER_SIZES: dict[str, tuple[int, int, int, bool]] = {
    # name: width, height, dpi, for print
    "story": (1080, 1920, 72, False),
    "square": (1080, 1080, 72, False),
    "portrait": (1080, 1440, 72, False),
    "cover": (900, 383, 72, False),
    "a4": (2480, 3508, 300, True),
    "a5": (1748, 2480, 300, True),
    "a6": (1240, 1748, 300, True),
}
PLAYBOOK_KEYS = (
    "title",
    "type",
    "model",
    "summary",
    "positioning",
    "roles",
    "rules",
    "welcome",
    "phases",
    "sop",
    "mix",
    "posters",
    "faq",
    "metrics",
    "plans",
)
SLOT_KEYS = (
    "id",
    "when",
    "post",
    "kind",
    "owner",
    "poster",
    "copy",
    "note",
    "on_holiday",
    "send",
    "prep",
)
ON_HOLIDAY = ("run", "skip")
PREP_KEYS = ("owner", "at", "task")
PREP_AT = re.compile(
    r"^\s*[-−－]\s*(\d{1,5})\s*(?:(m|min|h)|d\s+(\d{1,2})\s*[:：]\s*(\d{2}))\s*$", re.IGNORECASE
)
PREP_AT_HINT = (
    "write how long before the post: '-30m' (minutes), '-2h' (hours) or '-1d 21:00' "
    "(the day before, at 21:00)"
)
MAX_PREP_MINUTES = 7 * 24 * 60  # a task a week ahead is planning, not preparation
MAX_PREP_DAYS = 30
POSTER_KEYS = (
    "id",
    "size",
    "layout",
    "title",
    "subtitle",
    "lines",
    "cta",
    "qr",
    "background",
    "image",
)


def slots_from(s: Section, key: str, order_base: int) -> tuple[Slot, ...]:
    slots: list[Slot] = []
    for index, (name, line, item) in enumerate(s.items(key)):
        slot = Section(s.report, s.path_of(key), item, name, SLOT_KEYS, line)
        if not slot.ok:
            continue
        when_text = slot.text("when", required=True)
        post = slot.text("post", required=True)
        when = None
        if when_text:
            try:
                # Named dates are checked per group, against the names each group can see.
                when = parse_when(when_text, ANY_NAME)
            except WhenError as exc:
                slot.error("when", f"'{name}.when': {exc}", exc.hint)
        kind = slot.choice("kind", SLOT_KINDS, required=True)
        owner = slot.text("owner", required=True)
        on_holiday = slot.choice("on_holiday", ON_HOLIDAY, default="run")
        slot_ident = slot.text("id") or slot_id(when_text, post)
        if slot.has("id") and not IDENT.match(slot_ident):
            slot.error(
                "id", f"'{name}.id' is '{slot_ident}'", "use letters, digits, '-' and '_' only"
            )
        send = slot.choice("send", SEND_MODES, default="manual")
        prep = prep_from(slot)
        for task in prep:
            if when is not None and task.time is not None and task.days == 0:
                if task.time >= when.time:
                    slot.report.error(
                        slot.path,
                        task.line,
                        f"prep task '{task.task}' at '{task.at}' is not before the post "
                        f"({when.time:%H:%M})",
                        "give an earlier time, or '-1d HH:MM' for the day before",
                    )
        if when is None or not post or not kind or not owner:
            continue
        slots.append(
            Slot(
                id=slot_ident,
                when=when,
                post=post,
                kind=kind,
                owner=owner,
                path=slot.path,
                line=line,
                order=order_base + index,
                poster=slot.text("poster"),
                copy=slot.template("copy"),
                note=slot.text("note"),
                key_lines={str(k): slot.line_of(k) for k in slot.data},
                on_holiday=on_holiday,
                post_template=slot.template("post") if "{" in post else None,
                send=send,
                prep=prep,
            )
        )
    return tuple(slots)


def prep_from(slot: Section) -> tuple[Prep, ...]:
    """A slot's `prep` tasks: who does what, how long before the post."""
    tasks: list[Prep] = []
    for name, line, item in slot.items("prep"):
        p = Section(slot.report, slot.path, item, name, PREP_KEYS, line)
        if not p.ok:
            continue
        owner, at, task = (p.text(key, required=True) for key in PREP_KEYS)
        if not (owner and at and task):
            continue
        parsed = parse_prep_at(at)
        if isinstance(parsed, str):
            p.error("at", f"'{name}.at' is '{at}': {parsed}", PREP_AT_HINT)
            continue
        minutes, days, time = parsed
        tasks.append(Prep(owner, task, at, minutes, days, time, p.line_of("owner")))
    return tuple(tasks)


def parse_prep_at(text: str) -> tuple[int, int, dt.time | None] | str:
    """(minutes before, days before, time of day) of `-30m`, `-2h`, `-1d 21:00`; or the problem."""
    match = PREP_AT.match(text)
    if not match:
        return "not a time before the post"
    number, unit, hour, minute = match.groups()
    if unit is None:
        if int(number) > MAX_PREP_DAYS:
            return f"more than {MAX_PREP_DAYS} days before"
        if int(hour) > 23 or int(minute) > 59:
            return f"{hour}:{minute} is not a time of day"
        return 0, int(number), dt.time(int(hour), int(minute))
    minutes = int(number) * (60 if unit.lower() == "h" else 1)
    if not 1 <= minutes <= MAX_PREP_MINUTES:
        return "give 1 minute to 7 days (-10080m, -168h) before the post"
    return minutes, 0, None


def _check_unique(report: Report, path: str, things: list[tuple[str, int]], what: str) -> None:
    seen: dict[str, int] = {}
    for ident, line in things:
        if ident in seen:
            report.error(
                path,
                line,
                f"duplicate {what} '{ident}' (first at line {seen[ident]})",
                f"give each {what} its own id",
            )
        else:
            seen[ident] = line


def _days_range(text: Any) -> tuple[int, int] | None:
    match = re.match(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$", str(text))
    if not match:
        return None
    if any(len(number) > 4 for number in match.groups() if number):
        return None  # past ten years of campaign days
    first = int(match.group(1))
    last = int(match.group(2) or first)
    return (first, last) if 1 <= first <= last <= MAX_CAMPAIGN_DAY else None


def posters_from(s: Section, root: Path, layouts: tuple[str, ...]) -> tuple[Poster, ...]:
    posters: list[Poster] = []
    for name, line, item in s.items("posters"):
        p = Section(s.report, s.path, item, name, POSTER_KEYS, line)
        if not p.ok:
            continue
        ident = p.text("id", required=True)
        if ident and not IDENT.match(ident):
            p.error(
                "id",
                f"'{name}.id' is '{ident}'",
                "use letters, digits, '-' and '_' only: it names the PNG file",
            )
            ident = ""
        size = p.data.get("size", "story")
        size_name = "custom"
        if isinstance(size, list):
            ok = len(size) == 2 and all(
                isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 10000 for v in size
            )
            if not ok:
                p.error(
                    "size",
                    f"'{name}.size' is {list(size)}",
                    "write [WIDTH, HEIGHT] in pixels, each 100 to 10000",
                )
                size = "story"
            else:
                width, height, dpi, for_print = int(size[0]), int(size[1]), 72, False
        if not isinstance(size, list):
            size_name = str(size).strip().lower()
            if size_name not in POSTER_SIZES:
                p.error("size", f"'{name}.size' is '{size}'", did_you_mean(size_name, POSTER_SIZES))
                size_name = "story"
            width, height, dpi, for_print = POSTER_SIZES[size_name]
        layout = p.text("layout") or (layouts[0] if layouts else "")
        if layouts and layout not in layouts:
            p.error(
                "layout",
                f"'{name}.layout' is '{layout}', not a layout of the theme",
                did_you_mean(layout, layouts),
            )
            layout = layouts[0]
        qr_value = p.data.get("qr")
        has_qr = qr_value is not False
        qr = p.template("qr") if has_qr and qr_value is not None and qr_value is not True else None
        background = p.text("background")
        if background and not COLOUR.match(background):
            if re.match(r"^#", background):
                p.error(
                    "background",
                    f"'{name}.background' is '{background}', not a colour",
                    "write #RRGGBB (quoted)",
                )
                background = ""
            else:
                background = check_path(
                    root,
                    background,
                    s.report,
                    s.path,
                    p.line_of("background"),
                    f"{name}.background",
                )
        image = p.template("image")
        if image is not None and "{" not in image.source:  # a fixed picture: checked now
            found = check_path(root, image.source, s.report, s.path, image.line, f"{name}.image")
            image = Template(found, image.path, image.line, image.key) if found else None
        if not ident:
            continue
        posters.append(
            Poster(
                id=ident,
                width=width,
                height=height,
                size_name=size_name,
                dpi=dpi,
                for_print=for_print,
                layout=layout,
                title=p.template("title"),
                subtitle=p.template("subtitle"),
                lines=p.templates("lines"),
                cta=p.template("cta"),
                qr=qr,
                has_qr=has_qr,
                background=background,
                path=s.path,
                line=line,
                image=image,
            )
        )
    _check_unique(s.report, s.path, [(p.id, p.line) for p in posters], "poster id")
    return tuple(posters)


def playbook_from(
    slug: str,
    path: str,
    data: Any,
    body: str,
    body_line: int,
    root: Path,
    layouts: tuple[str, ...],
    report: Report,
) -> Playbook | None:
    s = Section(report, path, data, "", PLAYBOOK_KEYS)
    if not s.ok:
        return None
    title = s.text("title", required=True)
    kind = s.choice("type", COMMUNITY_TYPES, required=True)
    model = s.choice("model", RUNNING_MODELS)

    positioning = None
    if s.has("positioning"):
        pos = s.section(
            "positioning", ("purpose", "who", "problem", "solution", "value", "fee", "channels")
        )
        positioning = Positioning(
            pos.text("purpose"),
            pos.text("who"),
            pos.text("problem"),
            pos.text("solution"),
            pos.text("value"),
            pos.text("fee"),
            pos.texts("channels"),
        )

    roles: list[Role] = []
    role_lines: list[tuple[str, int]] = []
    for name, line, item in s.items("roles"):
        r = Section(report, path, item, name, ("id", "title", "duties"), line)
        if not r.ok:
            continue
        ident = r.text("id", required=True)
        if ident:
            roles.append(Role(ident, r.text("title") or ident, r.texts("duties")))
            role_lines.append((ident, line))
    _check_unique(report, path, role_lines, "role id")

    rules = None
    if s.has("rules"):
        r = s.section("rules", ("name_card", "service", "help", "never", "can", "penalty"))
        rules = Rules(
            r.template("name_card"),
            r.template("service"),
            r.template("help"),
            r.templates("never"),
            r.templates("can"),
            r.template("penalty"),
        )

    phases: list[Phase] = []
    for name, line, item in s.items("phases"):
        ph = Section(report, path, item, name, ("name", "days", "goal"), line)
        if not ph.ok:
            continue
        phase_name = ph.text("name", required=True)
        days_text = ph.text("days", required=True)
        days = _days_range(days_text) if days_text else None
        if days_text and days is None:
            ph.error(
                "days",
                f"'{name}.days' is '{days_text}'",
                "write campaign days as 'N-M' with 1 <= N <= M, e.g. \"1-7\"",
            )
        if phase_name and days:
            phases.append(Phase(phase_name, days[0], days[1], ph.text("goal"), line))
    for earlier, later in zip(phases, phases[1:], strict=False):
        if later.first_day <= earlier.last_day:
            report.error(
                path,
                later.line,
                f"phase '{later.name}' (days {later.first_day}-{later.last_day}) overlaps "
                f"'{earlier.name}' (days {earlier.first_day}-{earlier.last_day})",
                "list phases in order, each starting after the previous one ends",
            )

    sop = slots_from(s, "sop", 0)
    _check_unique(report, path, [(slot.id, slot.line_of("id")) for slot in sop], "slot id")

    mix: list[MixTarget] = []
    mix_section = s.section("mix", SLOT_KINDS)
    for kind_name in SLOT_KINDS:
        if mix_section.has(kind_name):
            target = parse_share(mix_section.data[kind_name])
            if target is None:
                mix_section.error(
                    kind_name,
                    f"'mix.{kind_name}' is '{mix_section.data[kind_name]}'",
                    'write a share such as ">=50%" or "<=20%" (quoted)',
                )
            else:
                mix.append(
                    MixTarget(kind_name, target[0], target[1], mix_section.line_of(kind_name))
                )
    if not s.has("mix") and model:
        mix = [
            MixTarget(kind_name, op, share, s.line_of("model"))
            for kind_name, op, share in MODEL_MIX[model]
        ]

    posters = posters_from(s, root, layouts)

    faq: list[Answer] = []
    for name, line, item in s.items("faq"):
        f = Section(report, path, item, name, ("q", "a"), line)
        if f.ok:
            q, a = f.template("q", required=True), f.template("a", required=True)
            if q and a:
                faq.append(Answer(q, a))

    metrics = None
    if s.has("metrics"):
        m = s.section("metrics", ("north_star", "related", "review"))
        metrics = Metrics(m.text("north_star"), m.texts("related"), m.texts("review"))

    playbook = Playbook(
        slug=slug,
        path=path,
        title=title,
        type=kind,
        model=model,
        summary=s.text("summary"),
        positioning=positioning,
        roles=tuple(roles),
        rules=rules,
        welcome=s.template("welcome"),
        phases=tuple(phases),
        sop=sop,
        mix=tuple(mix),
        posters=posters,
        faq=tuple(faq),
        metrics=metrics,
        body=body,
        body_line=body_line,
        plans=plan_paths(s, root),
    )
    check_references(report, playbook, sop, path)
    return playbook


PLAN_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def plan_paths(s: Section, root: Path) -> tuple[str, ...]:
    """`plans: [content/plans/x.xlsx, ...]`: sheets in the project, each once, as written."""
    found: list[str] = []
    value = s.data.get("plans")
    if isinstance(value, str):  # one sheet written without brackets
        items = [("plans", s.line_of("plans"), value.strip())]
    else:
        items = s.text_items("plans")
    for name, line, text in items:
        if not text.lower().endswith(PLAN_SUFFIXES):
            s.report.error(
                s.path,
                line,
                f"'{name}' is '{text}', not a sheet",
                "name a .csv or .xlsx file, e.g. content/plans/selection.xlsx",
            )
            continue
        path = check_path(root, text, s.report, s.path, line, name)
        if path and path not in found:
            found.append(path)
    return tuple(found)


def parse_share(value: Any) -> tuple[str, float] | None:
    match = re.match(r"^\s*(>=|<=|=|≥|≤)?\s*(\d+(?:\.\d+)?)\s*%\s*$", str(value))
    if not match:
        return None
    op = {"≥": ">=", "≤": "<=", None: ">="}.get(match.group(1), match.group(1))
    share = float(match.group(2)) / 100
    return (op, share) if 0 <= share <= 1 else None


def check_references(
    report: Report, playbook: Playbook, slots: tuple[Slot, ...], path: str
) -> None:
    """Slot owners are roles and slot posters are posters of the playbook."""
    role_ids = [r.id for r in playbook.roles]
    poster_ids = [p.id for p in playbook.posters]
    for slot in slots:
        for task in slot.prep:
            if task.owner not in role_ids:
                report.error(
                    path,
                    task.line,
                    f"unknown role '{task.owner}' as owner of a prep task of slot '{slot.id}'",
                    did_you_mean(task.owner, role_ids) if role_ids else "add the role",
                )
        if slot.owner not in role_ids:
            report.error(
                path,
                slot.line_of("owner"),
                f"unknown role '{slot.owner}' as owner of slot '{slot.id}'",
                did_you_mean(slot.owner, role_ids)
                if role_ids
                else f"add a role '{slot.owner}' to the playbook's roles",
            )
        if slot.poster and slot.poster not in poster_ids:
            report.error(
                path,
                slot.line_of("poster"),
                f"unknown poster '{slot.poster}' in slot '{slot.id}'",
                did_you_mean(slot.poster, poster_ids)
                if poster_ids
                else "add it to the playbook's posters",
            )
