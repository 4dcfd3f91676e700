"""The build, stage by stage: load, plan, render what is not current, write, record, clean up."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .diagnostics import Report, UserError
from .files import remove_output, write_atomic
from .model import Project
from .plan import LIGHT, PDF, POSTERS, Job, Output, Renderer, plan, renderers
from .project import GROUPS_DIR, PLAYBOOKS_DIR, load_project
from .state import BuildState
from .theme import Theme


@dataclass(frozen=True)
class Options:
    root: Path
    out: Path
    only: tuple[str, ...] = ()
    pdf: bool = True
    jobs: int = 0  # 0: every core
    strict: bool = False
    upto: int = PDF  # the last stage built; watch builds texts and pages first, then posters, then PDFs


@dataclass
class Result:
    report: Report
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    current: int = 0
    seconds: float = 0.0
    bug: str = ""  # a traceback: the engine failed, not the project
    deferred: list[str] = field(default_factory=list)  # not current, left for a call with a later `upto`

    def failed(self, strict: bool = False) -> bool:
        return bool(self.bug) or self.report.failed(strict)


# Engine files that never change an output's bytes: editing them keeps dist/ current.
NOT_SHAPING_OUTPUTS = ("cli.py", "watch.py", "serve.py", "scaffold.py", "__main__.py")


def engine_fingerprint() -> str:
    """Outputs made by other engine code are not current: hash the package's own files."""
    package = Path(__file__).parent
    hasher = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(package.rglob("*.py")):
        if path.name in NOT_SHAPING_OUTPUTS:
            continue
        hasher.update(path.relative_to(package).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


_FINGERPRINT: str | None = None


def settings_of(output: Output) -> str:
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = engine_fingerprint()
    return f"{_FINGERPRINT}:{output.kind}"


STAGE_NAMES = {LIGHT: "texts, calendars and pages", POSTERS: "posters", PDF: "handbook PDFs"}
# Outputs in one stage from which it is announced: below these it is over before a line would help.
SHOW_PROGRESS_FROM = {LIGHT: 100, POSTERS: 20, PDF: 2}


def build(options: Options, progress: Callable[[str, int, int], None] | None = None) -> Result:
    """Build the project: nothing is written unless every file validates.

    `progress(what, count, processes)` is told before a stage makes many outputs (a cold build of
    many groups spends minutes on PDFs: the command line says so instead of staying silent)."""
    started = time.perf_counter()
    loaded = load_project(options.root)
    result = Result(loaded.report)
    if loaded.report.errors or loaded.project is None:
        result.seconds = time.perf_counter() - started
        return result
    project = loaded.project
    table = renderers()
    outputs = plan(project, set(table), options.only)
    state = BuildState(options.out, Path(project.root))
    state.set_virtual("listing:groups", "\n".join(p for p in loaded.sources if p.startswith(GROUPS_DIR)))
    state.set_virtual("listing:playbooks", "\n".join(p for p in loaded.sources if p.startswith(PLAYBOOKS_DIR)))
    theme = Theme(project.theme_dirs)
    try:
        for stage in sorted({o.stage for o in outputs}):  # a stage may read what the one before wrote
            batch = stale_outputs([o for o in outputs if o.stage == stage], state, options, result)
            if progress is not None and batch and len(batch) >= SHOW_PROGRESS_FROM[stage]:
                progress(STAGE_NAMES[stage], len(batch), processes(options, batch))
            render_batch(project, theme, batch, state, table, options, result)
            state.forget_hashes_under(options.out)
    finally:
        if not options.only:
            declared = {o.path for o in outputs}
            for path in sorted(set(state.outputs) - declared):
                if remove_output(options.out, path):
                    result.removed.append(path)
                state.forget(path)
        if state.changed:
            state.save()
    result.seconds = time.perf_counter() - started
    return result


def stale_outputs(outputs: list[Output], state: BuildState, options: Options, result: Result) -> list[Output]:
    """The outputs of one stage to render now; current ones repeat the warnings they gave."""
    batch: list[Output] = []
    for output in outputs:
        if options.upto < output.stage < PDF:
            result.deferred.append(output.path)  # checked by the later call; a stale poster is replaced within moments
            continue
        if state.is_current(output.path, settings_of(output)):
            result.current += 1
            result.report.extend(state.warnings_of(output.path))
            continue
        if output.stage > options.upto and (output.stage != PDF or options.pdf):
            result.deferred.append(output.path)
        if output.stage == PDF and (output.stage > options.upto or not options.pdf):
            if remove_output(options.out, output.path):  # a stale PDF never looks current: gone until made again
                result.removed.append(output.path)
            state.forget(output.path)
        elif output.stage <= options.upto:
            batch.append(output)
    return batch


# After a save: the texts (a few ms), then the pages a `serve` preview shows, then the calendar
# files; the site-wide index last, after the groups' own pages.
QUICK_FIRST = {kind: order for order, kind in enumerate(("welcome", "rules", "faq", "handbook_html", "sop_html",
                                                         "csv", "ics"))}


# Below these batch sizes a stage renders in this process: forked workers lose what they cache
# (fonts, images, compiled templates) when the pool ends, so a pool costs ~2x this process for one
# group's 3 posters, and one group's pages are done before two workers would have started.
POOL_FROM = {LIGHT: 40, POSTERS: 5, PDF: 2}


def processes(options: Options, batch: list[Output]) -> int:
    """How many processes render this batch: 1 (this one) below POOL_FROM, else up to every core."""
    if not batch or len(batch) < POOL_FROM[batch[0].stage]:
        return 1
    return min(options.jobs or os.cpu_count() or 1, len(batch))


def render_batch(project: Project, theme: Theme, batch: list[Output], state: BuildState,
                 table: dict[str, Renderer], options: Options, result: Result) -> None:
    """A small batch in this process; a big one (a playbook's groups, a cold build) spread over the cores."""
    if not batch:
        return
    jobs = processes(options, batch)
    batch = sorted(batch, key=lambda o: (QUICK_FIRST.get(o.kind, len(QUICK_FIRST)), o.path))
    if jobs < 2:
        outcomes: Iterable[Outcome] = (render_one(project, theme, o, table, options.out) for o in batch)
        finish(outcomes, state, options, result)
    else:
        for kind in {o.kind for o in batch}:
            getattr(table[kind], "load", lambda: None)()  # imported once here, not in every worker
        finish(render_in_pool(project, theme, batch, table, options.out, jobs), state, options, result)


@dataclass
class Outcome:
    output: Output
    inputs: set[str] = field(default_factory=set)
    diagnostic: object = None
    bug: str = ""
    warnings: list = field(default_factory=list)


def render_one(project: Project, theme: Theme, output: Output, table: dict[str, Renderer], out_dir: Path) -> Outcome:
    """Render one output to memory, write it atomically, and say what it read."""
    job = Job(project, theme, output, out_dir)
    outcome = Outcome(output)
    try:
        data = table[output.kind](job)
        write_atomic(out_dir / output.path, data)
        outcome.inputs = job.reads.paths | job.base_inputs()
        outcome.warnings = job.warnings
    except UserError as exc:
        outcome.diagnostic = exc.diagnostic
    except Exception:  # noqa: BLE001 - a bug in a renderer must not kill the other outputs
        outcome.bug = f"while rendering {output.path}:\n{traceback.format_exc()}"
    return outcome


def finish(outcomes: Iterable[Outcome], state: BuildState, options: Options, result: Result) -> None:
    for outcome in outcomes:
        path = outcome.output.path
        result.report.extend(outcome.warnings)  # type: ignore[arg-type]
        if outcome.diagnostic is not None:
            result.report.add(outcome.diagnostic)  # type: ignore[arg-type]
            state.forget(path)
        elif outcome.bug:
            result.bug += outcome.bug
            state.forget(path)
        else:
            state.record(path, outcome.inputs, settings_of(outcome.output), outcome.warnings)
            result.written.append(path)


_POOL_ARGS: tuple | None = None


def _render_in_worker(output: Output) -> Outcome:
    assert _POOL_ARGS is not None
    project, theme, table, out_dir = _POOL_ARGS
    return render_one(project, theme, output, table, out_dir)


def render_in_pool(project: Project, theme: Theme, batch: list[Output], table: dict[str, Renderer],
                   out_dir: Path, jobs: int) -> Iterable[Outcome]:
    """Fork workers that inherit the validated project; each writes its own file."""
    global _POOL_ARGS
    _POOL_ARGS = (project, theme, table, out_dir)
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(batch)), initializer=_worker_signals) as pool:
        yield from pool.imap(_render_in_worker, batch, chunksize=1)
    _POOL_ARGS = None


def _worker_signals() -> None:
    """A worker ends quietly when its pool is closed (SIGTERM), whatever handler the parent had set."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

