"""The build, stage by stage: load, plan, pick what is stale, render it, commit, record, prune."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import __version__
from .diagnostics import ERROR, Diagnostic, Report, UserError
from .files import DistLock, Staging, obstacle, remove_output
from .load import GROUPS_DIR, PLAYBOOKS_DIR, Loaded, load_project
from .load.cache import keep, restore
from .model import Project
from .outputs.job import LIGHT, PDF, POSTERS, Job, Output
from .outputs.kinds import BY_NAME, plan, renderers
from .outputs.posts import plan_inputs
from .outputs.staff import listings
from .render import Batch, Outcome, processes, render
from .session import Session
from .state import STATE_DIR, STATE_FILE, BuildState
from .theme import Theme

STAGES = (LIGHT, POSTERS, PDF)
STAGE_NAMES = {LIGHT: "texts, calendars and pages", POSTERS: "posters", PDF: "handbook PDFs"}
# Outputs in one stage from which it is announced: below these it is over before a line would help.
SHOW_PROGRESS_FROM = {LIGHT: 100, POSTERS: 20, PDF: 2}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Options:
    root: Path
    out: Path
    only: tuple[str, ...] = ()
    pdf: bool = True
    jobs: int = 0  # 0: every core
    strict: bool = False
    # the last stage built now; watch builds texts and pages first, then posters, then PDFs
    upto: int = PDF


@dataclass
class Result:
    report: Report
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    current: int = 0
    seconds: float = 0.0
    bug: str = ""  # a traceback: the engine failed, not the project
    # not current, left for a call with a later `upto`
    deferred: list[str] = field(default_factory=list)
    # written outputs whose new bytes are the old ones: dist/ kept its file (a preview does not
    # reload for it)
    unchanged: list[str] = field(default_factory=list)

    def failed(self, strict: bool = False) -> bool:
        return bool(self.bug) or self.report.failed(strict)


def build(
    options: Options,
    session: Session | None = None,
    progress: Progress | None = None,
    waiting: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    """Build the project. Nothing in dist/ changes unless every file validates and every output
    that is made renders: a build that fails leaves the last good outputs as they were.

    `session` holds what a watch session keeps between builds; `progress(what, count, processes)`
    is told before a stage makes many outputs (a cold build of many groups' PDFs takes minutes);
    `waiting(message)` when another build holds this dist/; `should_stop()`, asked after each
    output (and while workers make PDFs), says a newer save wants its own build: what is made so
    far is kept, the outputs not made yet stay stale, listed in `deferred`.
    """
    if session is None:  # a build of its own: its PDF workers end with it
        with Session() as own:
            return build(options, own, progress, waiting, should_stop)
    started = time.perf_counter()
    restore(session, options.out, engine_fingerprint())  # what the last build validated
    loaded = load_project(options.root, session)  # read and validate every file
    result = Result(loaded.report)
    if loaded.report.errors or loaded.project is None:
        return finished(result, started, session, options)
    project = loaded.project
    outputs = declared(project, options.only, session)  # every output the project declares
    if not writable(options.out, result.report):
        return finished(result, started)
    with DistLock(options.out, waiting):  # one build at a time writes a dist/
        state = open_state(options, project, loaded, session)  # what each output read when made
        if groups_folder_lost(options, project, state, result.report):
            return finished(result, started)
        staging = Staging(options.out)  # this build's files, until all of them have rendered
        theme = Theme(project.theme, session)
        batch = Batch(project, theme, renderers(), options.out, session, staging, options.pdf)
        made: list[Outcome] = []
        for stage in STAGES:  # a stage may read what the one before made (a PDF shows the posters)
            todo = [o for o in outputs if o.stage == stage]
            if options.upto < stage < PDF:  # watch: posters come in a later pass, checked then
                result.deferred += [o.path for o in todo]
                continue
            stale = pick_stale(todo, state, result)  # outputs whose inputs or settings changed
            if stage > options.upto or (stage == PDF and not options.pdf):
                withdraw(stale, state, options, result)
                continue
            if stale and should_stop is not None and should_stop():
                result.deferred += [o.path for o in stale]  # left for the newer save's build
                continue
            announce(progress, stage, stale, options)
            outcomes = render(batch, stale, options.jobs, should_stop)  # each to its staged file
            if should_stop is not None:
                outcomes = until_stopped(outcomes, should_stop, stale, result)
            made += collect(outcomes, staging, result)
            if result.failed():
                break
        blocked(made, options, result.report)  # a file where an output's folder must go
        if result.failed():
            staging.discard()  # dist/ stays as the last good build left it
        else:
            commit(made, staging, state, result)  # each file into place, with what it read
            staging.discard()
            if not options.only:
                prune(outputs, state, options, result)  # outputs that nothing declares any more
        save(state, result.report)
    return finished(result, started, session, options)


def finished(
    result: Result, started: float, session: Session | None = None, options: Options | None = None
) -> Result:
    """The result, timed; what the build validated kept for the next one (after the outputs: not
    on a save's path). A failed build leaves dist/ as it was, its cache too."""
    result.seconds = time.perf_counter() - started
    if (
        session is not None
        and options is not None
        and not result.failed()
        and writable(options.out, Report())
    ):
        keep(session, options.out, engine_fingerprint())
    return result


# --- the stages, in the order build() calls them -----------------------------------------------


def writable(out: Path, report: Report) -> bool:
    """The output folder exists (or can be made) and is a folder this build can write in."""
    problem = ""
    try:
        (out / ".playpress").mkdir(parents=True, exist_ok=True)  # nothing changes when it exists
    except OSError as exc:
        problem = (exc.strerror or str(exc)).lower()
    state = out / STATE_DIR / STATE_FILE
    if out.exists() and not out.is_dir():
        problem = "it is a file, not a folder"
    elif os.path.lexists(state) and not state.is_file():
        problem = f"its build state {state} is not a file"
    elif not problem and not all(
        os.access(p, os.W_OK | os.X_OK) for p in (out, out / ".playpress")
    ):
        problem = "permission denied"
    if problem:
        message = f"cannot write the output folder {out}: {problem}"
        report.add(Diagnostic("", 0, 0, ERROR, message, "give --out a folder you can write to"))
    return not problem


def declared(project: Project, only: tuple[str, ...], session: Session) -> list[Output]:
    """plan(): the files of every output, once per version of what names them (the groups,
    playbooks, site and calendars: a plan sheet's values name no file), so that a watch session
    does not work out every group's per-occurrence posters again after each save."""
    if not all(group.fingerprint for group in project.groups.values()):
        return plan(project, only)
    key = (
        "outputs",  # a watch session's (load/cache.py keeps only what validation made)
        only,
        project.site.fingerprint,
        project.calendars.fingerprint,
        tuple(
            (slug, group.fingerprint, project.playbook_of(group).fingerprint)
            for slug, group in sorted(project.groups.items())
        ),
    )
    return session.validated.get_or_make(key, lambda: plan(project, only))  # type: ignore[no-any-return]


def open_state(options: Options, project: Project, loaded: Loaded, session: Session) -> BuildState:
    """The build state of dist/, with the folder listings the index depends on as inputs."""
    state = BuildState(options.out, Path(project.root), session)
    files = [p for p in loaded.sources if p.startswith(GROUPS_DIR)]
    state.set_virtual("listing:groups", "\n".join(files + sorted(project.groups)))
    playbooks = [p for p in loaded.sources if p.startswith(PLAYBOOKS_DIR)]
    state.set_virtual("listing:playbooks", "\n".join(playbooks))
    state.set_virtual("listing:calendars", "\n".join(project.calendars.files))
    # inputs that are not files: sheet rows, people's entries, which groups a page lists, plan
    # rows (rather than the plan sheets)
    for name, value in loaded.virtuals.items():
        state.set_virtual(name, value)
    for name, value in listings(project).items():
        state.set_virtual(name, value)
    for name, value in plan_inputs(project):
        state.set_virtual(name, value)
    state.set_virtual("option:pdf", "yes" if options.pdf else "no")
    return state


def groups_folder_lost(
    options: Options, project: Project, state: BuildState, report: Report
) -> bool:
    """content/groups/ gone (an unmounted share, a wrong --root) while dist/ holds groups'
    outputs: an error, not a reason to delete every group's files."""
    folder = Path(project.root) / GROUPS_DIR
    if project.groups or (folder.is_dir() and any(os.scandir(folder))):
        return False
    made = {path.split("/")[0] for path in state.outputs if "/" in path}
    if not made:
        return False
    report.add(
        Diagnostic(
            GROUPS_DIR,
            0,
            0,
            ERROR,
            f"the folder {GROUPS_DIR}/ is missing or empty, but {options.out} holds the outputs "
            f"of {len(made)} group(s); nothing was removed",
            "restore or mount the folder (or check --root); to start over, delete "
            "the output folder",
        )
    )
    return True


def pick_stale(outputs: list[Output], state: BuildState, result: Result) -> list[Output]:
    """The outputs not current; current ones repeat the warnings they gave when they were made."""
    stale: list[Output] = []
    for output in outputs:
        if state.is_current(output.path, settings_of(output)):
            result.current += 1
            result.report.extend(state.warnings_of(output.path))
        else:
            stale.append(output)
    return stale


def withdraw(stale: list[Output], state: BuildState, options: Options, result: Result) -> None:
    """Stale outputs of a stage not built now. Left for a later pass (watch), they stay in place
    until their successors replace them, no longer counted current; with --no-pdf, a stale PDF is
    removed rather than left looking current."""
    for output in stale:
        state.forget(output.path)
        if output.stage != PDF or options.pdf:
            result.deferred.append(output.path)
        # lexists first: 2,000 groups' PDFs never made cost no 2,000 exceptions
        elif os.path.lexists(options.out / output.path) and remove_output(options.out, output.path):
            result.removed.append(output.path)


def announce(progress: Progress | None, stage: int, batch: list[Output], options: Options) -> None:
    if progress is not None and batch and len(batch) >= SHOW_PROGRESS_FROM[stage]:
        progress(STAGE_NAMES[stage], len(batch), processes(options.jobs, batch))


def until_stopped(
    outcomes: Iterable[Outcome],
    should_stop: Callable[[], bool],
    batch: list[Output],
    result: Result,
) -> Iterator[Outcome]:
    """The outcomes until should_stop() says yes; the outputs not reached go to `deferred`.
    Closing the outcomes ends a pool's workers at once (their `with Pool` terminates them)."""
    reached: set[str] = set()
    iterator = iter(outcomes)
    try:
        for outcome in iterator:
            reached.add(outcome.output.path)
            yield outcome
            if should_stop():
                return
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
        result.deferred += [o.path for o in batch if o.path not in reached]


def collect(outcomes: Iterable[Outcome], staging: Staging, result: Result) -> list[Outcome]:
    """Each outcome's warnings and problems into the report; the rendered ones known to the
    staging area (so that the next stage reads them)."""
    made: list[Outcome] = []
    for outcome in outcomes:
        result.report.extend(outcome.warnings)
        if outcome.diagnostic is not None:
            result.report.add(outcome.diagnostic)
        elif outcome.bug:
            result.bug += outcome.bug
        else:
            staging.add(outcome.output.path)
            made.append(outcome)
    return made


def blocked(made: list[Outcome], options: Options, report: Report) -> None:
    """Outputs that cannot be moved into place, found before any is moved (dist/ stays whole)."""
    for outcome in made:
        path = obstacle(options.out, outcome.output.path)
        if path:
            message = f"cannot write {outcome.output.path}: {path} is in the way"
            report.add(
                Diagnostic("", 0, 0, ERROR, message, "remove it, or give --out another folder")
            )


def commit(made: list[Outcome], staging: Staging, state: BuildState, result: Result) -> None:
    """Every rendered file into its place in dist/, and what it read recorded for the next build.
    A file made again with the bytes it had stays as it was (listed in `unchanged` too)."""
    changed = {outcome.output.path for outcome in made if staging.commit(outcome.output.path)}
    # outputs that later ones read (a group's pages in its font, posters in a PDF) were hashed
    # before this build replaced them: hashed again as written, or the reader is stale next time
    state.forget_hashes_under(state.out_dir)
    for outcome in made:
        path = outcome.output.path
        state.record(
            path, outcome.inputs, settings_of(outcome.output), outcome.warnings, outcome.bundles
        )
        result.written.append(path)
        if path not in changed:
            result.unchanged.append(path)


def prune(outputs: list[Output], state: BuildState, options: Options, result: Result) -> None:
    """Remove the files of outputs the project no longer declares (a group deleted, a poster
    renamed)."""
    declared = {o.path for o in outputs}
    for path in sorted(set(state.outputs) - declared):
        if remove_output(options.out, path):
            result.removed.append(path)
        state.forget(path)


def save(state: BuildState, report: Report) -> None:
    """The build state, written atomically; a failure to write it is said, never a traceback."""
    if not state.changed:
        return
    try:
        state.save()
    except OSError as exc:
        report.add(
            Diagnostic(
                "",
                0,
                0,
                ERROR,
                f"cannot save the build state in {state.path.parent}: {exc.strerror or exc}",
                "give --out a folder you can write to",
            )
        )


# --- rendering without a build -------------------------------------------------------------------


Pick = Callable[[Project, list[Output]], list[Output]]


def rehearse(options: Options, session: Session, pick: Pick) -> Result:
    """Render the outputs `pick` chooses as build() does, to memory only (nothing written or
    recorded), and report what only rendering finds (a mistake in a theme's template)."""
    result = Result(Report())
    report = result.report
    project = load_project(options.root, session).project  # the build's own, from the session
    if project is None:
        return result
    outputs = pick(project, plan(project, options.only))
    batch = Batch(
        project, Theme(project.theme, session), renderers(), options.out, session, None, options.pdf
    )
    for stage in STAGES:  # a batch is of one stage (PDFs: documents prepared, not compiled)
        for outcome in render(batch, [o for o in outputs if o.stage == stage], 1):
            report.extend(outcome.warnings)
            if outcome.diagnostic is not None:
                report.add(outcome.diagnostic)
            result.bug += outcome.bug
    return result


def warm_up(options: Options, session: Session) -> None:
    """One group's texts, pages and posters rendered to memory while nothing waits: modules
    imported, templates compiled, fonts opened, so that a watch session's first save is as quick
    as the next ones. Unless the first pass made PDFs, the session's PDF workers are started and
    each compiles its handbook, to memory."""

    def first_group(_project: Project, outputs: list[Output]) -> list[Output]:
        first = next((o.group for o in outputs if o.group), "")
        return [o for o in outputs if o.stage < PDF and o.group in (first, "")]

    rehearse(options, session, first_group)
    if not options.pdf or session.pdf is not None:
        return  # the first pass made PDFs: its workers are warm
    project = load_project(options.root, session).project
    outputs = [o for o in plan(project, options.only) if o.stage == PDF] if project else []
    if project is None or not outputs:
        return
    job = Job(project, Theme(project.theme, session), outputs[0], options.out, session)
    try:
        document = renderers()[outputs[0].kind](job)
    except UserError:
        return  # the build says what is wrong
    # each worker compiles the first handbook once, to memory: fonts parsed, Typst's caches
    # holding the template's layout
    workers = session.pdf_workers(processes(options.jobs, outputs), warm_fonts=document.fonts)
    for _made in workers.compile_all([document] * workers.processes):
        pass


def pages_of_each_kind(project: Project, outputs: list[Output]) -> list[Output]:
    """For `check`: every site-wide page, and each group page and handbook document of one group
    per playbook and language (a theme template's mistake shows in any of them)."""
    seen: set[tuple[str, str, str]] = set()
    chosen: list[Output] = []
    for output in outputs:
        if output.stage == POSTERS:
            continue
        group = project.groups.get(output.group)
        key = (output.kind, group.playbook, group.lang) if group else (output.kind, output.path, "")
        if key not in seen:
            seen.add(key)
            chosen.append(output)
    return chosen


# --- what makes outputs current ------------------------------------------------------------------

# Engine files that never change an output's bytes: editing them keeps dist/ current.
NOT_SHAPING_OUTPUTS = ("commands", "__main__.py")


@cache
def engine_fingerprint() -> str:
    """Outputs made by other engine code are not current: hash the package's own files."""
    package = Path(__file__).parent
    hasher = hashlib.blake2b(__version__.encode(), digest_size=16)
    # the calendars the dates come from: the shipped data files and the libraries' versions
    for library in ("chinese-calendar", "holidays", "lunar-python"):
        hasher.update(f"{library} {_version(library)}".encode())
    for path in sorted([*package.rglob("*.py"), *(package / "data").glob("*.yml")]):
        if path.relative_to(package).parts[0] in NOT_SHAPING_OUTPUTS:
            continue
        hasher.update(path.relative_to(package).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


@cache
def libraries_of(kind: str) -> str:
    """The versions of the libraries that shape a kind's bytes (Typst for PDFs)."""
    return "".join(f":{library} {_version(library)}" for library in BY_NAME[kind].libraries)


def settings_of(output: Output) -> str:
    return f"{engine_fingerprint()}:{output.kind}{libraries_of(output.kind)}"
