"""The build, stage by stage: load, plan, pick what is stale, render and write it, record, prune."""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import __version__
from .diagnostics import Diagnostic, Report, UserError
from .files import remove_output, write_atomic
from .load import GROUPS_DIR, PLAYBOOKS_DIR, Loaded, load_project
from .load.cache import keep, restore
from .model import Project
from .outputs.job import LIGHT, PDF, POSTERS, Job, Output
from .outputs.kinds import BY_NAME, LazyRenderer, plan, renderers
from .outputs.staff import listings
from .session import Session
from .state import BuildState
from .theme import Theme

STAGES = (LIGHT, POSTERS, PDF)
STAGE_NAMES = {LIGHT: "texts, calendars and pages", POSTERS: "posters", PDF: "handbook PDFs"}
# Outputs in one stage from which it is announced: below these it is over before a line would help.
SHOW_PROGRESS_FROM = {LIGHT: 100, POSTERS: 20, PDF: 2}
# Below these batch sizes a stage renders in this process: forked workers lose what they cache
# (fonts, images, compiled templates) when the pool ends, so a pool costs ~2x this process for one
# group's 3 posters, and one group's pages are done before two workers would have started.
POOL_FROM = {LIGHT: 40, POSTERS: 5, PDF: 2}
# Outputs a preview shows first after a save (the kinds' `after_save`): the group's files and its
# people's run sheets and calendars.
PREVIEW_FIRST = 10

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

    def failed(self, strict: bool = False) -> bool:
        return bool(self.bug) or self.report.failed(strict)


def build(
    options: Options, session: Session | None = None, progress: Progress | None = None
) -> Result:
    """Build the project: nothing is written unless every file validates.

    `session` holds what a watch session keeps between builds; `progress(what, count, processes)`
    is told before a stage makes many outputs (a cold build of many groups' PDFs takes minutes).
    """
    started = time.perf_counter()
    session = session or Session()
    restore(session, options.out, engine_fingerprint())  # what the last build validated
    loaded = load_project(options.root, session)  # read and validate every file
    result = Result(loaded.report)
    if loaded.report.errors or loaded.project is None:
        result.seconds = time.perf_counter() - started
        return result
    project = loaded.project
    outputs = plan(project, options.only)  # every output the project declares
    state = open_state(options, project, loaded, session)  # what each output read when it was made
    theme, table = Theme(project.theme, session), renderers()
    try:
        for stage in STAGES:  # a stage may read what the one before wrote (a PDF shows the posters)
            batch = [o for o in outputs if o.stage == stage]
            if options.upto < stage < PDF:  # watch: posters come in a later pass, checked then
                result.deferred += [o.path for o in batch]
                continue
            stale = pick_stale(batch, state, result)  # outputs whose inputs or settings changed
            if stage > options.upto or (stage == PDF and not options.pdf):
                withdraw(stale, state, options, result)  # a stale PDF never looks current
                continue
            announce(progress, stage, stale, options)
            # each file atomically
            outcomes = render_and_write(project, theme, stale, table, options, session)
            record(outcomes, state, result)  # what each output read, for the next build
            state.forget_hashes_under(options.out)
        if not options.only:
            prune(outputs, state, options, result)  # outputs that nothing declares any more
    finally:
        if state.changed:
            state.save()
    result.seconds = time.perf_counter() - started
    keep(session, options.out, engine_fingerprint())  # after the outputs: not on a save's path
    return result


# --- the stages, in the order build() calls them -----------------------------------------------


def open_state(options: Options, project: Project, loaded: Loaded, session: Session) -> BuildState:
    """The build state of dist/, with the folder listings the index depends on as inputs."""
    state = BuildState(options.out, Path(project.root), session)
    files = [p for p in loaded.sources if p.startswith(GROUPS_DIR)]
    state.set_virtual("listing:groups", "\n".join(files + sorted(project.groups)))
    state.set_virtual(
        "listing:playbooks", "\n".join(p for p in loaded.sources if p.startswith(PLAYBOOKS_DIR))
    )
    # inputs that are not files: sheet rows, people's entries, which groups a page lists
    for name, value in loaded.virtuals.items():
        state.set_virtual(name, value)
    for name, value in listings(project).items():
        state.set_virtual(name, value)
    state.set_virtual("option:pdf", "yes" if options.pdf else "no")
    return state


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
    """Stale outputs of a stage not built now: left for a later pass, and a PDF removed
    meanwhile."""
    for output in stale:
        if output.stage != PDF or options.pdf:
            result.deferred.append(output.path)
        if output.stage == PDF:
            # lexists first: 2,000 groups' PDFs that were never made cost no 2,000 exceptions
            target = options.out / output.path
            if os.path.lexists(target) and remove_output(options.out, output.path):
                result.removed.append(output.path)
            state.forget(output.path)


def announce(progress: Progress | None, stage: int, batch: list[Output], options: Options) -> None:
    if progress is not None and batch and len(batch) >= SHOW_PROGRESS_FROM[stage]:
        progress(STAGE_NAMES[stage], len(batch), processes(options, batch))


@dataclass
class Outcome:
    output: Output
    inputs: set[str] = field(default_factory=set)
    diagnostic: Diagnostic | None = None
    bug: str = ""
    warnings: list[Diagnostic] = field(default_factory=list)
    bundles: list[frozenset[str]] = field(default_factory=list)  # the groups it shows


def render_and_write(
    project: Project,
    theme: Theme,
    batch: list[Output],
    table: dict[str, LazyRenderer],
    options: Options,
    session: Session,
) -> Iterable[Outcome]:
    """A small batch in this process; a big one (a playbook's groups, a cold build) spread over the
    cores.

    After a save, what a preview shows comes first (the kinds' `after_save` order)."""
    batch = sorted(batch, key=lambda o: (BY_NAME[o.kind].after_save, o.path))
    jobs = processes(options, batch)
    if jobs < 2:
        return (
            render_one(project, theme, o, table, options.out, session, pdf=options.pdf)
            for o in batch
        )
    # One group saved: its files and its people's run sheets here, first (this process keeps
    # what they worked out for the next save), and the pages listing every group in the pool.
    head = [o for o in batch if BY_NAME[o.kind].after_save < PREVIEW_FIRST]
    if len(head) >= POOL_FROM[batch[0].stage]:
        head = []
    tail = batch[len(head) :]
    for kind in {o.kind for o in tail}:
        table[kind].load()  # imported once here, not in every worker
    jobs = processes(options, tail)
    here = (
        render_one(project, theme, o, table, options.out, session, pdf=options.pdf) for o in head
    )
    if jobs < 2:
        rest = (
            render_one(project, theme, o, table, options.out, session, pdf=options.pdf)
            for o in tail
        )
        return itertools.chain(here, rest)
    pool = render_in_pool(project, theme, tail, table, options.out, session, jobs, options.pdf)
    return itertools.chain(here, pool)


def record(outcomes: Iterable[Outcome], state: BuildState, result: Result) -> None:
    """Each output written, with what it read; a failed one forgotten, so the next build tries
    again."""
    for outcome in outcomes:
        path = outcome.output.path
        result.report.extend(outcome.warnings)
        if outcome.diagnostic is not None:
            result.report.add(outcome.diagnostic)
            state.forget(path)
        elif outcome.bug:
            result.bug += outcome.bug
            state.forget(path)
        else:
            state.record(
                path, outcome.inputs, settings_of(outcome.output), outcome.warnings, outcome.bundles
            )
            result.written.append(path)


def prune(outputs: list[Output], state: BuildState, options: Options, result: Result) -> None:
    """Remove the files of outputs the project no longer declares (a group deleted, a poster
    renamed)."""
    declared = {o.path for o in outputs}
    for path in sorted(set(state.outputs) - declared):
        if remove_output(options.out, path):
            result.removed.append(path)
        state.forget(path)


# --- rendering -----------------------------------------------------------------------------------


def render_one(
    project: Project,
    theme: Theme,
    output: Output,
    table: dict[str, LazyRenderer],
    out_dir: Path,
    session: Session,
    write: bool = True,
    pdf: bool = True,
) -> Outcome:
    """Render one output to memory, write it atomically, and say what it read."""
    job = Job(project, theme, output, out_dir, session, pdf=pdf)
    outcome = Outcome(output)
    try:
        data = table[output.kind](job)
        if write:
            write_atomic(out_dir / output.path, data)
        outcome.inputs = job.reads.paths | job.base_inputs()
        outcome.bundles = list(job.reads.bundles.values())
        outcome.warnings = job.warnings
    except UserError as exc:
        outcome.diagnostic = exc.diagnostic
    except Exception:  # noqa: BLE001 - a bug in a renderer must not kill the other outputs
        outcome.bug = f"while rendering {output.path}:\n{traceback.format_exc()}"
    return outcome


def processes(options: Options, batch: list[Output]) -> int:
    """How many processes render this batch: 1 (this one) below POOL_FROM, else up to every core."""
    if not batch or len(batch) < POOL_FROM[batch[0].stage]:
        return 1
    return min(options.jobs or os.cpu_count() or 1, len(batch))


# What a pool worker renders with: inherited from the build when the worker forks, set once per
# worker.
_WORKER: tuple[Project, Theme, dict[str, LazyRenderer], Path, Session, bool] | None = None


def _start_worker(
    project: Project,
    theme: Theme,
    table: dict[str, LazyRenderer],
    out_dir: Path,
    session: Session,
    pdf: bool,
) -> None:
    """A worker ends quietly when its pool is closed (SIGTERM), whatever handler the parent had
    set."""
    global _WORKER
    _WORKER = (project, theme, table, out_dir, session, pdf)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_in_worker(output: Output) -> Outcome:
    assert _WORKER is not None
    project, theme, table, out_dir, session, pdf = _WORKER
    return render_one(project, theme, output, table, out_dir, session, pdf=pdf)


def render_in_pool(
    project: Project,
    theme: Theme,
    batch: list[Output],
    table: dict[str, LazyRenderer],
    out_dir: Path,
    session: Session,
    jobs: int,
    pdf: bool = True,
) -> Iterable[Outcome]:
    """Fork workers that inherit the validated project (nothing is pickled); each writes its own
    file."""
    context = multiprocessing.get_context("fork")
    with context.Pool(
        min(jobs, len(batch)),
        initializer=_start_worker,
        initargs=(project, theme, table, out_dir, session, pdf),
    ) as pool:
        yield from pool.imap(_render_in_worker, batch, chunksize=1)


def warm_up(options: Options, session: Session) -> None:
    """Render one group's texts, pages and posters as build() does, to memory only (nothing written
    or
    recorded): modules imported, templates compiled, fonts opened, so that a watch session's first
    save
    is as quick as the next ones. The PDF engine is imported; a PDF is too long to make ahead."""
    project = load_project(options.root, session).project  # the build's own, from the session
    if project is None:
        return
    outputs = plan(project, options.only)
    theme, table = Theme(project.theme, session), renderers()
    if options.pdf:
        for kind in {o.kind for o in outputs if o.stage == PDF}:
            table[kind].load()
    outputs = [o for o in outputs if o.stage < PDF]
    first = outputs[0].group if outputs else ""
    site_wide = {o.kind: o for o in reversed(outputs) if not o.group}  # one of each kind
    for output in [o for o in outputs if o.group == first] + list(site_wide.values()):
        # problems: the build's to tell
        render_one(project, theme, output, table, options.out, session, write=False)


# --- what makes outputs current ------------------------------------------------------------------

# Engine files that never change an output's bytes: editing them keeps dist/ current.
NOT_SHAPING_OUTPUTS = ("commands", "__main__.py")


@cache
def engine_fingerprint() -> str:
    """Outputs made by other engine code are not current: hash the package's own files."""
    package = Path(__file__).parent
    hasher = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] in NOT_SHAPING_OUTPUTS:
            continue
        hasher.update(path.relative_to(package).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def settings_of(output: Output) -> str:
    return f"{engine_fingerprint()}:{output.kind}"
