"""What the pages across groups show: who sends what when, over many groups.

A person's duties are the posts of the slots their roles own in every group they are in, and
the prep tasks their roles own; posts going out at the same moment with the same title are one
duty listing every group (the way an SCRM's 群SOP reminder lists every group due). The run sheet,
the person's calendar and the day pages all read them from here, and so do the build inputs that
say which groups each of those pages lists (`listings`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from ..model import Group, Person, Prep, Project, Slot
from .job import Job, Output
from .posts import Entry, entries


def for_group(job: Job, group: Group) -> Job:
    """A job for another group's values, sharing this job's reads, session and warnings; what the
    group is made of is recorded as this output's input."""
    other = Job(
        job.project,
        job.theme,
        Output(job.output.stage, job.output.path, job.output.kind, group.slug),
        job.out_dir,
        job.session,
        job.reads,
        job.warnings,
    )
    job.shows(group)
    return other


def group_entries(job: Job, group: Group) -> list[Entry]:
    """Another group's posts (worked out once per version of its files, as for its own pages)."""
    return entries(for_group(job, group))


def date_index(job: Job, group: Group) -> dict[dt.date, list[Entry]]:
    """A group's posts by date (the day pages ask 2,000 groups each: indexed once per version)."""
    playbook = job.project.playbook_of(group)
    key = ("by-date", job.project.site.fingerprint, playbook.fingerprint, group.fingerprint)
    index = job.session.posts.get(key)
    if index is None:
        index = {}
        for entry in group_entries(job, group):
            index.setdefault(entry.occurrence.date, []).append(entry)
        job.session.posts.put(key, index)
    else:
        job.shows(group)
    return index  # type: ignore[no-any-return]


def entries_on(job: Job, group: Group, date: dt.date) -> list[Entry]:
    """A group's posts on one date."""
    return date_index(job, group).get(date, [])


def href(path: str) -> str:
    """A path inside dist/ as a link: each part percent-encoded (tags and names may be Chinese)."""
    return "/".join(quote(part) for part in path.split("/"))


def up(output: Output) -> str:
    """The way from an output's folder back to dist/ ('', '../', '../../')."""
    return "../" * output.path.count("/")


# --- who is in which group ------------------------------------------------------------------


def groups_of(project: Project, person_id: str) -> list[Group]:
    """The groups a person is in (in any role), by slug."""
    return [
        project.groups[slug]
        for slug in sorted(project.groups)
        if person_id in project.groups[slug].people_ids.values()
    ]


def roles_of(group: Group, person_id: str) -> set[str]:
    return {role for role, ident in group.people_ids.items() if ident == person_id}


def listings(project: Project) -> dict[str, str]:
    """The virtual inputs that say which groups a site-wide page lists: a person's groups and
    roles, a tag's groups, a date's groups (those whose span covers it). A row edited so that a
    group joins a page makes that page stale, and nothing else."""
    people: dict[str, list[str]] = {}
    tags: dict[str, list[str]] = {}
    spans: dict[tuple[dt.date, dt.date], list[str]] = {}
    for slug in sorted(project.groups):
        group = project.groups[slug]
        for role, ident in sorted(group.people_ids.items()):
            people.setdefault(ident, []).append(f"{slug} {role}")
        for tag in group.tags:
            tags.setdefault(tag, []).append(slug)
        spans.setdefault((group.start, group.end), []).append(slug)
    found = {f"people-of:{ident}": "\n".join(rows) for ident, rows in people.items()}
    found.update({f"tagged:{tag}": "\n".join(slugs) for tag, slugs in tags.items()})
    dates: dict[dt.date, list[str]] = {}
    for (start, end), slugs in spans.items():
        for n in range((end - start).days + 1):
            dates.setdefault(start + dt.timedelta(days=n), []).extend(slugs)
    found.update({f"groups-on:{date}": "\n".join(sorted(slugs)) for date, slugs in dates.items()})
    return found


def groups_on(project: Project, date: dt.date) -> list[Group]:
    return [
        project.groups[slug]
        for slug in sorted(project.groups)
        if project.groups[slug].start <= date <= project.groups[slug].end
    ]


# --- duties ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """One group's part of a duty: the group, what to send it, who owns it there."""

    group: Group
    copy: str
    poster: str  # the poster's file in dist/ ("SLUG/posters/ID.png"), or ""
    role: str  # the owner role's title
    entry: Entry  # the post (for a prep task: the post it prepares)
    task: Prep | None = None  # a prep task


@dataclass(slots=True)
class Duty:
    """One thing one person does at one moment: a post to one or more groups, or a prep task.
    What it is comes from its first group (by slug): the others send the same title then."""

    sends: list[Send] = field(default_factory=list)

    @property
    def _first(self) -> Send:
        return self.sends[0]

    @property
    def prep(self) -> Prep | None:
        return self._first.task

    @property
    def prepares(self) -> Entry | None:
        return self._first.entry if self._first.task is not None else None

    @property
    def slot(self) -> Slot:
        return self._first.entry.slot

    @property
    def start(self) -> dt.datetime:
        """Aware, in the first group's time zone."""
        first = self._first
        start = first.entry.occurrence.start
        return first.task.start(start) if first.task is not None else start

    @property
    def post(self) -> str:
        first = self._first
        return first.task.task if first.task is not None else first.entry.post

    @property
    def kind(self) -> str:
        return "prep" if self._first.task is not None else self.slot.kind

    @property
    def send(self) -> str:
        return self.slot.send

    @property
    def date(self) -> dt.date:
        return self.start.date()

    @property
    def time(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def groups(self) -> list[Group]:
        return [s.group for s in self.sends]

    @property
    def copies(self) -> list[tuple[str, list[Send]]]:
        """The distinct texts to send, each with the groups it goes to (often one for all)."""
        found: dict[str, list[Send]] = {}
        for send in self.sends:
            found.setdefault(send.copy, []).append(send)
        return list(found.items())

    @property
    def key(self) -> str:
        """What identifies the duty across builds: its moment, kind of work and title."""
        what = "prep" if self.prep is not None else "post"
        return f"{self.start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}|{what}|{self.post}"


class DutyBook:
    """One person's duties, kept up to date group by group: after one group changed, only its
    part is taken out and put back (an assistant in 300 groups has 100,000 posts to merge)."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.versions: dict[str, tuple] = {}  # slug -> what its part was made from
        self.parts: dict[str, list[tuple]] = {}  # slug -> the keys of its sends
        self.merged: dict[tuple, Duty] = {}
        self._sorted: list[Duty] | None = None

    def remove(self, slug: str) -> None:
        for key in self.parts.pop(slug, ()):
            duty = self.merged[key]
            duty.sends = [s for s in duty.sends if s.group.slug != slug]
            if not duty.sends:
                del self.merged[key]
        self.versions.pop(slug, None)
        self._sorted = None

    def add(self, slug: str, version: tuple, sends: list[tuple[tuple, Send]]) -> None:
        keys = []
        for key, send in sends:
            duty = self.merged.get(key)
            if duty is None:
                duty = self.merged[key] = Duty()
            bisect.insort(duty.sends, send, key=_by_slug)
            keys.append(key)
        self.parts[slug], self.versions[slug] = keys, version
        self._sorted = None

    def duties(self) -> list[Duty]:
        if self._sorted is None:
            self._sorted = sorted(self.merged.values(), key=_order)
        return self._sorted


def duties_of(job: Job, person_id: str) -> list[Duty]:
    """A person's posts and prep tasks across their groups, by date, time, then title (the run
    sheet and the calendar show the same; a watch session keeps them, group by group)."""
    project = job.project
    site = project.site.fingerprint
    book = job.session.posts.get(("duties", person_id))
    if book is None or book.site != site:
        book = DutyBook(site)
    groups = groups_of(project, person_id)
    versions = {
        g.slug: (
            g.fingerprint,
            project.playbook_of(g).fingerprint,
            tuple(sorted(roles_of(g, person_id))),
        )
        for g in groups
    }
    for slug in [slug for slug in book.versions if book.versions[slug] != versions.get(slug)]:
        book.remove(slug)
    for group in groups:
        if group.slug in book.versions:
            job.shows(group)
        else:
            book.add(group.slug, versions[group.slug], _part(job, group, person_id))
    job.session.posts.put(("duties", person_id), book)
    return book.duties()


def _part(job: Job, group: Group, person_id: str) -> list[tuple[tuple, Send]]:
    """What one group gives a person to do: each post and prep task of their roles, with its
    merge key (posts at one moment with one title are one duty, whatever the time zone)."""
    roles = roles_of(group, person_id)
    found: list[tuple[tuple, Send]] = []
    for entry in group_entries(job, group):
        slot = entry.slot
        start = entry.occurrence.start
        if slot.owner in roles:
            found.append((("post", start, entry.post), _send(group, entry)))
        for task in slot.prep:
            if task.owner in roles:
                key = ("prep", task.start(start), task.task, entry.post)
                found.append((key, _send(group, entry, task)))
    return found


def _by_slug(send: Send) -> str:
    return send.group.slug


def _send(group: Group, entry: Entry, task: Prep | None = None) -> Send:
    poster = f"{group.slug}/{entry.poster}" if entry.poster else ""
    return Send(group, entry.copy, poster, entry.role, entry, task)


def _order(duty: Duty) -> tuple:
    prepares = duty.prepares
    return (
        duty.date,
        duty.time,
        duty.start,
        duty.prep is None,
        duty.post,
        prepares.post if prepares else "",
    )


def by_date(duties: Iterable[Duty]) -> list[tuple[dt.date, list[Duty]]]:
    days: dict[dt.date, list[Duty]] = {}
    for duty in duties:
        days.setdefault(duty.date, []).append(duty)
    return list(days.items())


# --- groups as pages list them -------------------------------------------------------------


def group_card(job: Job, group: Group, back: str) -> dict[str, object]:
    """What the index, a tag's page and a group's home say about a group, with its links; the
    group is recorded as an input of the page."""
    playbook = job.project.playbook_of(group)
    job.shows(group)
    people = []
    for role in playbook.roles:
        if role.id in group.people:
            ident = group.people_ids.get(role.id, "")
            people.append(
                {
                    "role": role.title,
                    "name": group.people[role.id],
                    "id": ident,
                    "href": f"{back}people/{href(ident)}/index.html" if ident else "",
                }
            )
    return {
        "slug": group.slug,
        "name": group.name,
        "href": f"{back}{href(group.slug)}/index.html",
        "playbook": playbook,
        "start": group.start,
        "end": group.end,
        "days": group.days,
        "lang": group.lang,
        "timezone": group.timezone,
        "tags": [{"name": tag, "href": f"{back}tags/{href(tag)}/index.html"} for tag in group.tags],
        "people": people,
        "color": group.brand.color,
    }


# --- the people a page shows --------------------------------------------------------------


def person_shown(job: Job, person: Person) -> None:
    """A page shows this person's entry: it is an input (only this person's, not people.yml)."""
    job.reads.add(f"person:{person.id}")
    job.reads.add(f"people-of:{person.id}")
