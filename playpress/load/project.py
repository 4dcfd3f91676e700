"""Loading a project: scan the files, read them, validate everything before anything is written."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Report
from ..model import Group, Person, Playbook, Project, Site
from ..session import Session
from ..theme import theme_dirs
from .calendars import load_calendars
from .checks import PROJECT_CHECKS, Window, check_group
from .fields import IDENT, Section, fingerprint
from .group_sources import (
    SITE_FOLDERS,
    GroupFiles,
    SheetRow,
    digest,
    overlay,
    owned,
    row_mapping,
    scan_groups,
    sheet_groups,
)
from .groups import GROUP_KEYS, group_from
from .people import PEOPLE_FILE, people_from, resolve_people
from .plans import load_plans
from .playbooks import playbook_from
from .reader import SourceFile, read_markdown, read_yaml_file
from .site import site_from
from .sources import markdown_names, readable
from .theme import read_theme

SITE_FILE = "content/site.yml"
GROUPS_DIR = "content/groups"
PLAYBOOKS_DIR = "playbooks"


@dataclass
class Loaded:
    """The result of loading: the project (None when it could not be read) and the sources read."""

    project: Project | None
    report: Report
    sources: list[str] = field(default_factory=list)  # project-relative paths read
    # inputs that are not files, by name: a sheet row's cells ("row:PATH#SLUG"), a person's entry
    virtuals: dict[str, str] = field(default_factory=dict)


Maker = Callable[[], Group | None]


def load_project(
    root: Path, session: Session | None = None, window: Window | None = None
) -> Loaded:
    """Read and validate every file of the project; diagnostics for all problems at once.

    With a session (watch mode), a file whose bytes and dependencies are unchanged is not
    validated again: its model object and its diagnostics come from the session. With a
    `window` (`check --as-of`), plan values missing for an occurrence in it are errors.
    """
    session = session or Session()
    root = root.resolve()
    loaded = Loaded(None, Report())
    stamp = files_stamp(root)  # validation checks that referenced files exist
    site = read_site(root, loaded)
    dirs = theme_dirs(root, site.theme)
    if site.theme != "default" and not any(
        Path(d).name == site.theme and Path(d).is_dir() for d in dirs
    ):
        loaded.report.error(
            SITE_FILE,
            1,
            f"theme '{site.theme}' not found",
            f"create themes/{site.theme}/ or use the built-in 'default'",
        )
    theme = read_theme(dirs, root, session, loaded.report)
    playbooks = read_playbooks(root, theme.poster_layouts, stamp, loaded, session)
    groups = read_groups(root, site, playbooks, stamp, loaded, session)
    calendars = load_calendars(root, loaded.report)  # named dates and holiday years
    loaded.sources += calendars.files
    people, listed = read_people(root, loaded, session)
    # people ids resolved to names after validation: a name edited in people.yml revalidates
    # nothing, and changes the fingerprint (what later caches key on) of its groups only
    known = (tuple(people), frozenset(p.name for p in people.values()))
    groups = {
        slug: _resolved(group, people, known, listed, loaded, session)
        for slug, group in groups.items()
    }
    if not scan(root, PLAYBOOKS_DIR) and not any(p.startswith(GROUPS_DIR) for p in loaded.sources):
        loaded.report.warning(
            "",
            0,
            f"no playbooks or groups found under {root}",
            "run 'python build.py new playbook NAME --type TYPE' to start, or pass --root",
        )
    project = Project(str(root), site, playbooks, groups, theme, calendars=calendars, people=people)
    plans = load_plans(project, session, stamp, loaded.report)  # plan sheets, resolved per group
    project = dataclasses.replace(project, plans=plans)
    loaded.sources += plans.files
    # a file with mistakes: its follow-on problems would be noise
    faulty = {d.path for d in loaded.report.errors}
    # a calendars file with mistakes: every group's dates would be follow-on noise
    calendars_faulty = any(path in faulty for path in calendars.files)
    for group in groups.values():  # checks of a group with its playbook, once per version of both
        playbook = project.playbook_of(group)
        if group.path in faulty or playbook.path in faulty or calendars_faulty:
            continue
        plan = plans.of(group)
        diagnostics = _memo(
            session,
            (
                "check",
                site.fingerprint,
                group.fingerprint,
                playbook.fingerprint,
                calendars.fingerprint,
                project.event_names,
                plan.fingerprint if plan else "",
                window,
            ),
            Report(),
            lambda report, group=group: _checked(project, group, session, report, window),
        )
        loaded.report.extend(diagnostics)
    for check in PROJECT_CHECKS:
        check(project, session, loaded.report)
    loaded.project = project
    return loaded


def _checked(
    project: Project, group: Group, session: Session, report: Report, window: Window | None
) -> list:
    """check_group's diagnostics; a sheet row's at a cell of its row and naming its sheet."""
    own = Report()
    check_group(project, group, session, own, window)
    if group.inputs and group.inputs[0].startswith("row:"):
        row = SheetRow(group.slug, *group.slug_at, group.sheet, "", "", 0, 0)
        return _at_the_row(own.diagnostics, group.path, row)
    return own.diagnostics


def read_people(root: Path, loaded: Loaded, session: Session) -> tuple[dict[str, Person], bool]:
    """content/people.yml (none: no people, and every `people` value is a plain name)."""
    path = root / PEOPLE_FILE
    if not path.is_file():
        return {}, False
    loaded.sources.append(PEOPLE_FILE)
    raw = path.read_bytes()

    def read(report: Report) -> dict[str, Person]:
        data, problems = read_yaml_file(PEOPLE_FILE, raw)
        report.extend(problems)
        return {} if problems else people_from(data, PEOPLE_FILE, report)

    people: dict[str, Person] = _memo(session, ("people", digest(raw)), loaded.report, read)
    for person in people.values():
        loaded.virtuals[f"person:{person.id}"] = digest(
            person.id, person.name, person.wecom, person.phone
        )
        loaded.virtuals[f"person-name:{person.id}"] = digest(person.name)
    return people, True


def _resolved(
    group: Group,
    people: dict[str, Person],
    known: tuple[tuple[str, ...], frozenset[str]],
    listed: bool,
    loaded: Loaded,
    session: Session,
) -> Group:
    """The group with its people resolved, kept while the group and what it reads of people.yml
    are the same: the names of the ids it names, whether a plain name is someone's name, the
    ids (for a did-you-mean)."""
    ids, names = known
    named = tuple((v, people[v].name if v in people else v in names) for v in group.people.values())
    key = ("resolved", group.fingerprint, listed, named, ids)
    hit = session.validated.get(key)
    if hit is None:
        own = Report()
        hit = session.validated.put(key, (_resolve(group, people, listed, own), own.diagnostics))
    loaded.report.extend(hit[1])
    return hit[0]  # type: ignore[no-any-return]


def _resolve(group: Group, people: dict[str, Person], listed: bool, report: Report) -> Group:
    resolved = resolve_people(group, people, listed, report)
    if resolved is None or not resolved[1]:
        return group
    names, ids = resolved
    return dataclasses.replace(
        group,
        people=names,
        people_ids=ids,
        fingerprint=fingerprint(group.fingerprint, tuple(sorted(names.items()))),
    )


def read_site(root: Path, loaded: Loaded) -> Site:
    """content/site.yml, or the defaults when there is none."""
    data, raw = None, b""
    if readable(root, SITE_FILE, loaded.report):
        loaded.sources.append(SITE_FILE)
        raw = (root / SITE_FILE).read_bytes()
        data, problems = read_yaml_file(SITE_FILE, raw)
        loaded.report.extend(problems)
    site = site_from(data, SITE_FILE, loaded.report)
    return dataclasses.replace(site, fingerprint=fingerprint(raw))


def read_playbooks(
    root: Path, layouts: tuple[str, ...], stamp: str, loaded: Loaded, session: Session
) -> dict[str, Playbook]:
    playbooks: dict[str, Playbook] = {}
    for slug, path, raw, source in markdown_files(root, PLAYBOOKS_DIR, loaded, session):
        key = ("playbook", str(root), path, digest(raw), layouts, stamp)
        playbook = _memo(
            session,
            key,
            loaded.report,
            lambda report, slug=slug, path=path, source=source, key=key: _fingerprinted(
                playbook_from(
                    slug, path, source.meta, source.body, source.body_line, root, layouts, report
                ),
                key,
            ),
        )
        if playbook is not None:
            playbooks[slug] = playbook
    return playbooks


def read_groups(
    root: Path,
    site: Site,
    playbooks: dict[str, Playbook],
    stamp: str,
    loaded: Loaded,
    session: Session,
) -> dict[str, Group]:
    """Groups from group files and sheet rows, side by side, each with its folder defaults.

    A group is validated again only when what it is made of changed: its file's bytes (or its
    row's cells), its defaults, the site, its playbook, the project's files. Until then its
    model object and its diagnostics come from the session (and from the cache a build keeps in
    dist/), without reading its file as YAML or its sheet at all."""
    files = scan_groups(root, loaded.report)
    loaded.sources += files.all
    defaults = read_defaults(root, files, loaded, session)
    places: dict[str, tuple[str, str]] = {}  # slug in lower case -> the slug, where it is
    groups: dict[str, Group] = {}
    common = (str(root), site.fingerprint, stamp, tuple(playbooks))

    def add(slug: str, where: str, at: tuple[str, int, int, str], make: Maker) -> None:
        """One group, unless its slug is taken (a duplicate is an error naming both places)."""
        path, line, col, sheet = at
        if slug.lower() in SITE_FOLDERS:
            message = f"group slug '{slug}'{sheet} is taken by the site's {slug.lower()}/ folder"
            loaded.report.error(path, line, message, "give the group another slug", col=col)
            return
        first = places.get(slug.lower())
        if first is not None:
            other, other_where = first
            if other == slug:
                message = f"duplicate group slug '{slug}'{sheet}: also {other_where}"
                hint = "give each group its own slug (it names the group's output folder)"
            else:
                message = (
                    f"group '{slug}'{sheet} and '{other}' ({other_where}) differ only in case: "
                    "their output folders collide on Windows and macOS"
                )
                hint = "rename one of them"
            loaded.report.error(path, line, message, hint, col=col)
            return
        places[slug.lower()] = (slug, where)
        group = make()
        if group is not None:
            groups[slug] = group

    for path in files.markdown:
        slug = slug_of(path, loaded.report)
        if slug is None:
            continue
        chain = defaults.get(files.chain(path), EMPTY_DEFAULTS)
        add(
            slug,
            path,
            (path, 1, 0, ""),
            lambda slug=slug, path=path, chain=chain: group_file(
                root, slug, path, chain, playbooks, site, common, loaded, session
            ),
        )
    for path in files.sheets:
        chain = defaults.get(files.chain(path), EMPTY_DEFAULTS)
        raw = (root / path).read_bytes()
        key = ("sheet", path, digest(raw))
        rows, problems = _memo(
            session,
            key,
            Report(),
            lambda _report, path=path, raw=raw: _read_sheet(session, path, raw),
        )
        loaded.report.extend(problems)
        for row in rows:
            suffix = f" in sheet {row.sheet}" if row.sheet else ""
            if not IDENT.match(row.slug):
                loaded.report.error(
                    path,
                    row.row,
                    f"slug '{row.slug}' cannot name an output folder{suffix}",
                    "use letters, digits, '-' and '_' only, e.g. shop-1",
                    col=row.col,
                )
                continue
            add(
                row.slug,
                row.where(path),
                (path, row.row, row.col, suffix),
                lambda row=row, path=path, raw=raw, chain=chain: group_row(
                    root, path, raw, row, chain, playbooks, site, common, loaded, session
                ),
            )
    return groups


@dataclass(frozen=True)
class Defaults:
    """The folder defaults one group file or sheet gets, merged (outermost first)."""

    data: Any = None  # a mapping whose keys remember the file they are written in, or None
    paths: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    playbook: str = ""  # the playbook they give, if any


EMPTY_DEFAULTS = Defaults()


def read_defaults(
    root: Path, files: GroupFiles, loaded: Loaded, session: Session
) -> dict[tuple[str, ...], Defaults]:
    """Each `_defaults.yml`, read and checked for unknown keys; then every chain of them that a
    group file or sheet gets, merged (a deeper folder's keys win)."""
    own: dict[str, tuple[Any, str]] = {}
    for path in sorted(files.defaults.values()):
        raw = (root / path).read_bytes()
        data = _memo(
            session,
            ("defaults", path, digest(raw)),
            loaded.report,
            lambda report, path=path, raw=raw: _defaults_from(path, raw, report),
        )
        own[path] = (data, digest(raw))
    chains: dict[tuple[str, ...], Defaults] = {}
    for path in [*files.markdown, *files.sheets]:
        chain = files.chain(path)
        if chain in chains or not chain:
            continue
        merged: Any = None
        for defaults_path in chain:
            data = own[defaults_path][0]
            if data is not None:
                merged = data if merged is None else overlay(merged, data)
        playbook = merged.get("playbook") if isinstance(merged, dict) else None
        chains[chain] = Defaults(
            merged,
            chain,
            tuple(own[p][1] for p in chain),
            playbook if isinstance(playbook, str) else "",
        )
    return chains


def _defaults_from(path: str, raw: bytes, report: Report) -> Any:
    """A `_defaults.yml`: group keys, each marked as written in this file; None when empty."""
    data, problems = read_yaml_file(path, raw)
    report.extend(problems)
    if problems or data is None:
        return None
    if not isinstance(data, dict):
        report.error(
            path,
            getattr(data, "line", 1) or 1,
            "_defaults.yml should be a mapping of group keys",
            "write 'key: value' lines, e.g. 'playbook: fruit-shop'",
        )
        return None
    Section(report, path, data, "", GROUP_KEYS)  # unknown keys, once for all its groups
    return owned(data, path)


def group_file(
    root: Path,
    slug: str,
    path: str,
    chain: Defaults,
    playbooks: dict[str, Playbook],
    site: Site,
    common: tuple,
    loaded: Loaded,
    session: Session,
) -> Group | None:
    """One group file, validated with its defaults (or taken from the session as it was)."""
    raw = (root / path).read_bytes()
    file_digest = digest(raw)
    source_key = ("read", path, file_digest)

    def source() -> tuple[SourceFile | None, list[Diagnostic]]:
        return _memo(session, source_key, Report(), lambda _r: read_markdown(path, raw))  # type: ignore[no-any-return]

    # Which playbook it names decides what it is checked against: kept apart, so that a group
    # found current is never parsed.
    named_key = ("named", path, file_digest)
    named = session.validated.get(named_key)
    if named is None:
        found, problems = source()
        meta = found.meta if found is not None and not problems else None
        value = meta.get("playbook") if isinstance(meta, dict) else None
        named = session.validated.put(named_key, (str(value) if value is not None else "", []))
    playbook = playbooks.get(named[0] or chain.playbook)
    key = (
        "group",
        path,
        file_digest,
        chain.digests,
        playbook.fingerprint if playbook else "",
        *common,
    )

    def make(report: Report) -> Group | None:
        found, problems = source()
        report.extend(problems)
        if found is None or problems:
            return None
        data = found.meta
        if chain.data is not None and isinstance(data, dict):
            data = overlay(chain.data, data)
        group = group_from(
            slug, path, data, found.body, found.body_line, root, site, playbooks, report
        )
        if group is None:
            return None
        return dataclasses.replace(
            group, fingerprint=fingerprint(*key), inputs=(path, *chain.paths)
        )

    return _memo(session, key, loaded.report, make)  # type: ignore[no-any-return]


def _read_sheet(session: Session, path: str, raw: bytes) -> tuple[list[SheetRow], list]:
    """A sheet's group rows and problems; the rows themselves are kept for the rows that are
    validated again (in this process only)."""
    found, problems, rows = sheet_groups(path, raw)
    session.validated.put(("sheet-rows", path, digest(raw)), rows)
    return found, problems


def group_row(
    root: Path,
    path: str,
    raw: bytes,
    row: SheetRow,
    chain: Defaults,
    playbooks: dict[str, Playbook],
    site: Site,
    common: tuple,
    loaded: Loaded,
    session: Session,
) -> Group | None:
    """One row of a sheet, validated as a group file with the sheet's folder defaults."""
    playbook = playbooks.get(row.playbook or chain.playbook)
    source = f"row:{path}#{row.slug}"
    loaded.virtuals[source] = row.digest
    key = (
        "group-row",
        path,
        row.digest,
        row.row,
        row.sheet,
        chain.digests,
        playbook.fingerprint if playbook else "",
        *common,
    )

    def make(report: Report) -> Group | None:
        sheets = session.validated.get_or_make(
            ("sheet-rows", path, digest(raw)), lambda: sheet_groups(path, raw)[2]
        )
        data: Any = row_mapping(sheets[row.sheet_index][row.row_index])
        if chain.data is not None:
            data = overlay(chain.data, data)
        own = Report()
        group = group_from(row.slug, path, data, "", 0, root, site, playbooks, own)
        report.extend(_at_the_row(own.diagnostics, path, row))
        if group is None:
            return None
        return dataclasses.replace(
            group,
            fingerprint=fingerprint(*key),
            inputs=(source, *chain.paths),
            sheet=row.sheet,
            slug_at=(row.row, row.col),
        )

    return _memo(session, key, loaded.report, make)  # type: ignore[no-any-return]


def _at_the_row(diagnostics: list[Diagnostic], path: str, row: SheetRow) -> list[Diagnostic]:
    """Problems of a sheet row: each at a cell (one that names no column is at the row's slug) and
    naming the sheet when the workbook has several."""
    placed: list[Diagnostic] = []
    suffix = f" in sheet {row.sheet}" if row.sheet else ""
    for d in diagnostics:
        if d.path == path and d.line == row.row:
            if not d.col:
                d = dataclasses.replace(d, col=row.col)
            if suffix and suffix not in d.message:
                d = dataclasses.replace(d, message=d.message + suffix)
        placed.append(d)
    return placed


def _memo(session: Session, key: tuple, report: Report, compute: Callable[[Report], Any]) -> Any:
    """compute(a_report) once per key in the session; on a hit its diagnostics are replayed into
    report."""
    hit = session.validated.get(key)
    if hit is None:
        own = Report()
        hit = session.validated.put(key, (compute(own), list(own.diagnostics)))
    report.extend(hit[1])
    return hit[0]


def slug_of(path: str, report: Report) -> str | None:
    """A Markdown file's slug (its stem), or None, said, when it cannot name an output folder."""
    slug = Path(path).stem
    if IDENT.match(slug):
        return slug
    report.error(
        path,
        1,
        f"file name '{slug}' cannot name an output folder",
        "rename the file with letters, digits, '-' and '_' only, e.g. shop-1.md",
    )
    return None


def _fingerprinted(value: Any, key: tuple) -> Any:
    return None if value is None else dataclasses.replace(value, fingerprint=fingerprint(*key))


def scan(root: Path, folder: str) -> list[str]:
    """The Markdown files of a folder that can be read, sorted (hidden files left out)."""
    return markdown_names(root, folder, Report())


def markdown_files(
    root: Path, folder: str, loaded: Loaded, session: Session
) -> Iterator[tuple[str, str, bytes, SourceFile]]:
    """The folder's Markdown files that could be read: (slug, path, bytes, front matter + body)."""
    for path in markdown_names(root, folder, loaded.report):
        loaded.sources.append(path)
        slug = slug_of(path, loaded.report)
        if slug is None:
            continue
        raw = (root / path).read_bytes()
        source, problems = _memo(
            session,
            ("read", path, digest(raw)),
            Report(),
            lambda _report, path=path, raw=raw: read_markdown(path, raw),
        )
        loaded.report.extend(problems)
        if source is not None and not problems:
            yield slug, path, raw, source


def files_stamp(root: Path) -> str:
    """Which files, folders and links exist in the project (output folders, marked by their build
    state, left out)."""
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
