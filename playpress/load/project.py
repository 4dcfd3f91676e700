"""Loading a project: scan the files, read them, validate everything before anything is written."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Report
from ..model import Group, Playbook, Project, Site
from ..session import Session
from ..theme import theme_dirs
from .calendars import load_calendars
from .checks import PROJECT_CHECKS, Window, check_group
from .fields import IDENT
from .groups import group_from
from .plans import load_plans
from .playbooks import playbook_from
from .reader import SourceFile, read_markdown, read_yaml_file
from .site import site_from
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
    if not scan(root, GROUPS_DIR) and not scan(root, PLAYBOOKS_DIR):
        loaded.report.warning(
            "",
            0,
            f"no playbooks or groups found under {root}",
            "run 'python build.py new playbook NAME --type TYPE' to start, or pass --root",
        )
    project = Project(str(root), site, playbooks, groups, theme, calendars)
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
        _memo(
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
            loaded.report,
            lambda report, group=group: check_group(project, group, session, report, window),
        )
    for check in PROJECT_CHECKS:
        check(project, session, loaded.report)
    loaded.project = project
    return loaded


def read_site(root: Path, loaded: Loaded) -> Site:
    """content/site.yml, or the defaults when there is none."""
    data, raw = None, b""
    if (root / SITE_FILE).is_file():
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
        key = ("playbook", str(root), path, raw, layouts, stamp)
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
    groups: dict[str, Group] = {}
    for slug, path, raw, source in markdown_files(root, GROUPS_DIR, loaded, session):
        # A group depends on its own playbook (and on which playbooks exist, for "did you mean").
        named = (
            playbooks.get(str(source.meta.get("playbook")))
            if isinstance(source.meta, dict)
            else None
        )
        key = (
            "group",
            str(root),
            path,
            raw,
            site.fingerprint,
            stamp,
            named.fingerprint if named else "",
            tuple(playbooks),
        )
        group = _memo(
            session,
            key,
            loaded.report,
            lambda report, slug=slug, path=path, source=source, key=key: _fingerprinted(
                group_from(
                    slug,
                    path,
                    source.meta,
                    source.body,
                    source.body_line,
                    root,
                    site,
                    playbooks,
                    report,
                ),
                key,
            ),
        )
        if group is not None:
            groups[slug] = group
    return groups


def _memo(session: Session, key: tuple, report: Report, compute: Callable[[Report], Any]) -> Any:
    """compute(a_report) once per key in the session; on a hit its diagnostics are replayed into
    report."""
    hit = session.validated.get(key)
    if hit is None:
        own = Report()
        hit = session.validated.put(key, (compute(own), list(own.diagnostics)))
    report.extend(hit[1])
    return hit[0]


def fingerprint(*parts: Any) -> str:
    """A short hash of what a model object was made from: caches of later stages key on it."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def _fingerprinted(value: Any, key: tuple) -> Any:
    return None if value is None else dataclasses.replace(value, fingerprint=fingerprint(*key))


def scan(root: Path, folder: str) -> list[str]:
    """The Markdown files of a folder, sorted (hidden files left out)."""
    # os.scandir: the kind of each entry without a stat per file (watch mode scans after every save)
    try:
        with os.scandir(root / folder) as listing:
            return sorted(
                f"{folder}/{entry.name}"
                for entry in listing
                if entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file()
            )
    except (FileNotFoundError, NotADirectoryError):
        return []


def markdown_files(
    root: Path, folder: str, loaded: Loaded, session: Session
) -> Iterator[tuple[str, str, bytes, SourceFile]]:
    """The folder's Markdown files that could be read: (slug, path, bytes, front matter + body)."""
    for path in scan(root, folder):
        loaded.sources.append(path)
        slug = Path(path).stem
        if not IDENT.match(slug):
            loaded.report.error(
                path,
                1,
                f"file name '{slug}' cannot name an output folder",
                "rename the file with letters, digits, '-' and '_' only, e.g. shop-1.md",
            )
            continue
        raw = (root / path).read_bytes()
        source, problems = _memo(
            session,
            ("read", path, raw),
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
