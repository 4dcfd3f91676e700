"""The typed model of a project: plain frozen dataclasses, read-only once validated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

COMMUNITY_TYPES = ("product", "interest", "knowledge", "mixed")
RUNNING_MODELS = ("traffic", "content", "flash", "checkin")
SLOT_KINDS = ("activity", "content", "interaction", "notice")
LANGUAGES = ("zh", "en", "es")

# Default share targets (kind, op, share) per running model, used when a playbook has no `mix`
# (operators' practice: conversion groups post at least half activities, traffic groups up to 80%).
MODEL_MIX: dict[str, tuple[tuple[str, str, float], ...]] = {
    "traffic": (("activity", ">=", 0.5),),
    "flash": (("activity", ">=", 0.5),),
    "content": (),
    "checkin": (),
}


@dataclass(frozen=True)
class Template:
    """A template string and where it is written, so errors can name the file and line."""

    source: str
    path: str
    line: int
    key: str

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class Limits:
    max_posts_per_day: int = 5
    screen_columns: int = 40
    screen_lines: int = 20
    person_posts_per_10min: int = 0  # 0: no per-person load check
    # what a leftover placeholder looks like in a rendered copy (regular expressions)
    placeholders: tuple[str, ...] = ("【[^】]*】", "TODO")


@dataclass(frozen=True)
class Site:
    path: str
    title: str = "Playpress"
    lang: str = "zh"
    timezone: str = "Asia/Shanghai"
    theme: str = "default"
    base_url: str = ""
    limits: Limits = Limits()
    reminder_minutes: int = 10
    holidays: str = ""  # an ISO country code (CN, US, ES-MD): the groups' holiday calendar
    # a hash of what it was read from (see load)
    fingerprint: str = field(default="", compare=False)


@dataclass(frozen=True)
class Positioning:
    purpose: str = ""
    who: str = ""
    problem: str = ""
    solution: str = ""
    value: str = ""
    fee: str = ""
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    duties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    name_card: Template | None = None
    service: Template | None = None
    help: Template | None = None
    never: tuple[Template, ...] = ()
    can: tuple[Template, ...] = ()
    penalty: Template | None = None


@dataclass(frozen=True)
class Phase:
    name: str
    first_day: int
    last_day: int
    goal: str = ""
    line: int = 0


@dataclass(frozen=True)
class When:
    """A parsed `when`: which days (see schedule.py) and the local time of day."""

    text: str
    # daily | weekdays | weekends | weekly | campaign | date   (version 1)
    # workdays | offdays | holidays | monthly | ordinal | every | named
    days: str
    time: dt.time
    weekdays: tuple[int, ...] = ()  # 0 = Monday: 'weekly', 'every', 'ordinal' (one)
    first_day: int = 0  # campaign days, 1-based
    last_day: int = 0
    date: dt.date | None = None
    month_days: tuple[int, ...] = ()  # 'monthly': days of the month, 1..31
    ordinal: int = 0  # 'ordinal': 1..4, or -1 for the last of the month
    every: int = 0  # 'every': N in 'every N weeks'
    name: str = ""  # 'named': the date's name as written (NFKC)
    offsets: tuple[int, int] = (0, 0)  # 'named': first and last day, relative to the named date


SEND_MODES = ("manual", "mass")  # sent by hand, or as a WeCom mass message (群发)


@dataclass(frozen=True)
class Prep:
    """Work before a post (`prep:`), shown to its owner: `-30m`, `-2h` or `-1d 21:00`."""

    owner: str  # a role id
    task: str
    at: str  # as written
    minutes: int = 0  # `-Nm` / `-Nh`: this many minutes before the post
    days: int = 0  # `-Nd HH:MM`: this many days before the post's date, at `time`
    time: dt.time | None = None
    line: int = 0

    def start(self, post: dt.datetime) -> dt.datetime:
        """When the task is due, for a post at `post` (aware, in the group's time zone)."""
        if self.time is None:
            return post - dt.timedelta(minutes=self.minutes)
        day = post.date() - dt.timedelta(days=self.days)
        naive = dt.datetime.combine(day, self.time)
        # as schedule.local_start: a time in a spring-forward gap moves on by the gap
        return naive.replace(tzinfo=post.tzinfo).astimezone(dt.UTC).astimezone(post.tzinfo)


@dataclass(frozen=True)
class Slot:
    id: str
    when: When
    post: str
    kind: str
    owner: str
    path: str
    line: int
    order: int
    poster: str = ""
    copy: Template | None = None
    note: str = ""
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    on_holiday: str = "run"  # run | skip: leave out its occurrences on public holidays
    post_template: Template | None = None  # `post` when it is a template (holds '{')
    send: str = "manual"  # SEND_MODES
    prep: tuple[Prep, ...] = ()

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True)
class MixTarget:
    kind: str
    op: str  # '>=' | '<=' | '='
    share: float  # 0..1
    line: int = 0


@dataclass(frozen=True)
class Poster:
    id: str
    width: int
    height: int
    size_name: str  # story, square, ... or 'custom'
    dpi: int  # 300 for print sizes, 72 for screen sizes
    for_print: bool
    layout: str
    title: Template | None
    subtitle: Template | None
    lines: tuple[Template, ...]
    cta: Template | None
    qr: Template | None  # None: the group's join_url / qr_image
    has_qr: bool
    background: str  # '' | '#RRGGBB' | an asset path
    path: str
    line: int
    image: Template | None = None  # an asset path, placed in the layout's image box

    @property
    def qr_live(self) -> bool:
        """`qr: live`: the code is the group's join page (BASE_URL/join/GROUP/)."""
        return self.qr is not None and self.qr.source.strip() == "live"


@dataclass(frozen=True)
class Answer:
    q: Template
    a: Template


@dataclass(frozen=True)
class Metrics:
    north_star: str = ""
    related: tuple[str, ...] = ()
    review: tuple[str, ...] = ()


@dataclass(frozen=True)
class Playbook:
    slug: str
    path: str
    title: str
    type: str
    model: str = ""
    summary: str = ""
    positioning: Positioning | None = None
    roles: tuple[Role, ...] = ()
    rules: Rules | None = None
    welcome: Template | None = None
    phases: tuple[Phase, ...] = ()
    sop: tuple[Slot, ...] = ()
    mix: tuple[MixTarget, ...] = ()
    posters: tuple[Poster, ...] = ()
    faq: tuple[Answer, ...] = ()
    metrics: Metrics | None = None
    body: str = ""
    body_line: int = 0
    plans: tuple[str, ...] = ()  # plan sheets every group of the playbook reads
    # a hash of what it was read from (see load)
    fingerprint: str = field(default="", compare=False)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def poster(self, poster_id: str) -> Poster | None:
        return next((p for p in self.posters if p.id == poster_id), None)

    @property
    def last_campaign_day(self) -> int:
        days = [p.last_day for p in self.phases]
        days += [s.when.last_day for s in self.sop if s.when.days == "campaign"]
        return max(days, default=0)


@dataclass(frozen=True)
class Brand:
    color: str = "#1F6FEB"
    accent: str = "#FFB300"
    logo: str = ""


@dataclass(frozen=True)
class QrImage:
    """One exported join QR image (`qr_images`; `qr_image` + `qr_expires` is a list of one),
    valid from the day after the previous entry's `until` (the first: from the group's start)."""

    file: str  # an asset path
    until: dt.date | None  # its last valid day, in the group's time zone; None: no end
    line: int = 0


@dataclass(frozen=True)
class JoinFallback:
    """What the join page shows once every QR image has expired (`join_fallback`)."""

    image: str  # an asset path: a staff member's contact code
    text: str = ""
    line: int = 0


@dataclass(frozen=True)
class Group:
    slug: str
    path: str
    name: str
    playbook: str
    start: dt.date
    end: dt.date
    timezone: str
    lang: str
    join_url: str = ""
    qr_image: str = ""
    qr_expires: dt.date | None = None
    qr_images: tuple[QrImage, ...] = ()  # in date order; the version-1 qr_image is one
    join_fallback: JoinFallback | None = None
    people: Mapping[str, str] = field(default_factory=dict)
    brand: Brand = Brand()
    vars: Mapping[str, Any] = field(default_factory=dict)
    sop_skip: tuple[str, ...] = ()
    sop_add: tuple[Slot, ...] = ()
    holidays: str = ""  # its holiday calendar (an ISO country code; the site's unless it sets one)
    events: Mapping[str, dt.date | dt.datetime] = field(default_factory=dict)  # name -> when
    sop_change: tuple[SopChange, ...] = ()  # one-off changes of single occurrences
    plans: tuple[str, ...] = ()  # the group's own plan sheets (they win over its playbook's)
    body: str = ""
    body_line: int = 0
    key_lines: Mapping[str, int] = field(default_factory=dict)  # line of each front matter key
    # a hash of what it was read from (see load)
    fingerprint: str = field(default="", compare=False)
    tags: tuple[str, ...] = ()
    # role -> person id, for the roles whose `people` value is an id of content/people.yml
    people_ids: Mapping[str, str] = field(default_factory=dict)
    # what it was read from, as build inputs: its file, or its sheet row ("row:PATH#SLUG"), and
    # the folder defaults it got; empty means its path
    inputs: tuple[str, ...] = ()
    sheet: str = ""  # the sheet's name, for a row of a workbook with several sheets
    slug_at: tuple[int, int] = (0, 0)  # a sheet row's row and the column of its slug cell
    # where each `people` value is written: (file, line, column), for problems found later
    people_at: Mapping[str, tuple[str, int, int]] = field(default_factory=dict, compare=False)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)

    @property
    def sources(self) -> tuple[str, ...]:
        """The build inputs the group was made from (file paths and sheet rows)."""
        return self.inputs or (self.path,)

    @property
    def person_ids(self) -> tuple[str, ...]:
        """The people.yml ids of the group's people, sorted, each once."""
        return tuple(sorted(set(self.people_ids.values())))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def day_number(self, date: dt.date) -> int:
        return (date - self.start).days + 1


@dataclass(frozen=True)
class Occurrence:
    """One slot on one date: a post to send, in the group's local time."""

    slot: Slot
    date: dt.date
    day: int  # campaign day, 1 = the group's start
    start: dt.datetime  # aware, in the group's time zone
    phase: Phase | None = None
    n: int = 0  # the slot's nth occurrence in the group's span, from 1
    days_left: int = 0  # days from this date to the group's last day (0 on the last day)
    holiday: str = ""  # the public holiday this date belongs to, in the group's language
    change: SopChange | None = None  # the group's one-off change of this occurrence
    offset: int = 0  # a named-date slot: days from the named date (-3 for "春节 -3"), else 0

    @property
    def time(self) -> dt.time:
        """The written time of day: the slot's, or the one a `sop_change` gives."""
        if self.change is not None and self.change.time is not None:
            return self.change.time
        return self.slot.when.time

    @property
    def post(self) -> str:
        if self.change is not None and self.change.post is not None:
            return self.change.post
        return self.slot.post

    @property
    def copy(self) -> Template | None:
        if self.change is not None and self.change.copy is not None:
            return self.change.copy
        return self.slot.copy

    @property
    def weekday(self) -> int:
        return self.date.weekday()  # 0 = Monday; labels per language are the theme's


@dataclass(frozen=True)
class SopChange:
    """A group's one-off change of one occurrence: its slot on one date (`sop_change`)."""

    slot: str
    date: dt.date
    time: dt.time | None = None
    copy: Template | None = None
    post: str | None = None
    skip: bool = False
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class CalendarYear:
    """One country's official holiday schedule for one year (content/calendars `years:`)."""

    country: str
    year: int
    holidays: tuple[tuple[str, tuple[dt.date, ...]], ...]  # holiday name -> every day off of it
    workdays: tuple[dt.date, ...] = ()  # make-up workdays (调休上班) on weekends
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class NamedDate:
    """A project's own named date (content/calendars `names:`): given dates and yearly ones."""

    name: str
    dates: tuple[dt.date, ...] = ()
    yearly: tuple[tuple[int, int], ...] = ()  # (month, day) every year
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Calendars:
    """Everything content/calendars/*.yml says, merged; hashable so almanacs can be shared."""

    names: tuple[NamedDate, ...] = ()
    years: tuple[CalendarYear, ...] = ()
    files: tuple[str, ...] = ()  # the content/calendars/*.yml files read, project-relative
    # a hash of what it was read from (see load)
    fingerprint: str = field(default="", compare=False)


@dataclass(frozen=True)
class PlanRow:
    """One row of a plan sheet: the values of one slot on one date or campaign day."""

    path: str  # the sheet's file, project-relative
    sheet: str  # the sheet's name when the workbook has several, else ''
    row: int  # 1-based, the header is row 1
    slot: str
    date: dt.date | None  # a `date` row, or
    day: int  # a `day` row (a campaign day), 0 for a date row
    group: str  # '' (every group reading the sheet), a slug, or 'tag:NAME'
    values: Mapping[str, str]  # every column of its sheet, as the sheet shows it ('' when empty)
    columns: Mapping[str, int] = field(compare=False, hash=False, repr=False)  # name -> number
    digest: str = field(default="", compare=False)  # a hash of slot, key, group and values

    def where(self) -> str:
        """'content/plans/x.xlsx:12' with the sheet's name when the workbook has several."""
        return f"{self.path}:{self.row}" + (f" (sheet {self.sheet})" if self.sheet else "")


@dataclass(frozen=True)
class GroupPlan:
    """What one group's plan sheets give it: the row of each occurrence that has one."""

    rows: Mapping[tuple[str, dt.date], PlanRow]  # (slot id, date) -> the row that wins
    # its sheets, own first: (path, "path" or "path, sheet NAME")
    sheets: tuple[tuple[str, str], ...] = ()
    columns: frozenset[str] = frozenset()  # every column name of its sheets
    # slot id -> the sheet its rows are in (path, "path, sheet NAME"): where to fill a missing one
    fill_in: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    fingerprint: str = ""  # a hash of every row it uses: what its outputs depend on


@dataclass(frozen=True)
class Plans:
    """Every plan sheet the project reads, resolved per group (see load/plans.py)."""

    groups: Mapping[str, GroupPlan] = field(default_factory=dict)  # slug -> its plan
    files: tuple[str, ...] = ()

    def of(self, group: Group) -> GroupPlan | None:
        return self.groups.get(group.slug)

    def row_for(self, group: Group, occurrence: Occurrence) -> PlanRow | None:
        plan = self.groups.get(group.slug)
        return plan.rows.get((occurrence.slot.id, occurrence.date)) if plan else None


@dataclass(frozen=True)
class ThemeFiles:
    """The theme's settings, labels and poster layouts, read and checked (templates are found as
    used)."""

    dirs: tuple[str, ...]  # absolute folders searched in order: project theme, then built-in
    root: str = ""  # the project's folder: a theme file inside it is named relative to it
    poster_layouts: tuple[str, ...] = ()  # in order: the first is the default
    # role -> "path#face" (theme.yml `fonts:`)
    fonts: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # language -> words
    # layout name -> its boxes
    layouts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    """One member of the staff (content/people.yml), referenced by id from groups' `people`."""

    id: str
    name: str
    wecom: str = ""  # the person's WeCom user id
    phone: str = ""
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Project:
    root: str
    site: Site
    playbooks: Mapping[str, Playbook]
    groups: Mapping[str, Group]
    theme: ThemeFiles
    calendars: Calendars = Calendars()
    people: Mapping[str, Person] = field(default_factory=dict)
    plans: Plans = Plans()

    def playbook_of(self, group: Group) -> Playbook:
        return self.playbooks[group.playbook]

    @cached_property
    def event_names(self) -> frozenset[str]:
        """Every event name any group defines: a slot naming one its group lacks is "an event
        missing from the group", not an unknown name."""
        return frozenset(name for group in self.groups.values() for name in group.events)


def templates_in(value: Any) -> list[Template]:
    """Every Template inside a model value (a dataclass, a list or tuple of them, a Template)."""
    found: list[Template] = []
    walk_templates(value, found.append)
    return found


def walk_templates(value: Any, found: Callable[[Template], None]) -> None:
    if isinstance(value, Template):
        found(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            walk_templates(item, found)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            walk_templates(getattr(value, name), found)
