"""Rendering outputs: each to memory, then to its staged file, here or over the cores.

Texts, pages and posters are rendered by their renderers, here or in forked workers. The PDF
stage is a batch of another kind: its renderers give documents (they read the project here, and
what they read is recorded), which the session's PDF workers compile while the next ones are
prepared; this process writes each PDF to its staged file. It never compiles a PDF itself: a
process that compiled with Typst hangs in the next fork (see media/typst_engine.py).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import ERROR, WARNING, Diagnostic, UserError
from .files import Staging, write_atomic
from .model import Project
from .outputs.job import LIGHT, PDF, POSTERS, Job, Output
from .outputs.kinds import BY_NAME, LazyRenderer
from .session import Session
from .theme import Theme

# Below these batch sizes a stage renders in this process: forked workers lose what they cache
# (fonts, images, compiled templates) when the pool ends, so a pool costs ~2x this process for one
# group's 3 posters, and one group's pages are done before two workers would have started.
POOL_FROM = {LIGHT: 40, POSTERS: 5, PDF: 2}
# Outputs a preview shows first after a save (the kinds' `after_save`): the group's files and its
# people's run sheets and calendars.
PREVIEW_FIRST = 10
STOP_POLL = 0.05  # seconds between two questions to should_stop() while workers render


@dataclass
class Outcome:
    """What rendering one output gave: its inputs, or the problem that stopped it."""

    output: Output
    inputs: set[str] = field(default_factory=set)
    diagnostic: Diagnostic | None = None
    bug: str = ""
    warnings: list[Diagnostic] = field(default_factory=list)
    bundles: list[frozenset[str]] = field(default_factory=list)  # the groups it shows

    @property
    def ok(self) -> bool:
        return self.diagnostic is None and not self.bug


@dataclass(frozen=True)
class Batch:
    """What every output of a batch is rendered with (workers inherit it when they fork)."""

    project: Project
    theme: Theme
    table: dict[str, LazyRenderer]
    out_dir: Path
    session: Session
    staging: Staging | None  # None: to memory only (a warm-up), nothing written
    pdf: bool = True  # whether this build makes handbook PDFs (--no-pdf: pages do not link them)


def render(
    batch: Batch, outputs: list[Output], jobs: int, should_stop: Callable[[], bool] | None = None
) -> Iterable[Outcome]:
    """A small batch in this process; a big one (a playbook's groups, a cold build) spread over
    the cores. After a save, what a preview shows comes first (the kinds' `after_save` order).
    PDFs are compiled by the session's PDF workers (render_documents)."""
    outputs = sorted(outputs, key=lambda o: (BY_NAME[o.kind].after_save, o.path))
    if outputs and outputs[0].stage == PDF:
        return render_documents(batch, outputs, jobs, should_stop)
    if processes(jobs, outputs) < 2:
        return (render_one(batch, output) for output in outputs)
    # One group saved: its files and its people's run sheets here, first (this process keeps what
    # they worked out for the next save), and the pages listing every group in the pool.
    head = [o for o in outputs if BY_NAME[o.kind].after_save < PREVIEW_FIRST]
    if len(head) >= POOL_FROM[outputs[0].stage]:
        head = []
    tail = outputs[len(head) :]
    here = (render_one(batch, output) for output in head)
    if processes(jobs, tail) < 2:
        return itertools.chain(here, (render_one(batch, output) for output in tail))
    for kind in {o.kind for o in tail}:
        batch.table[kind].load()  # imported once here, not in every worker
    return itertools.chain(here, render_in_pool(batch, tail, processes(jobs, tail), should_stop))


def render_one(batch: Batch, output: Output) -> Outcome:
    """Render one output to memory, write it to its staged file, and say what it read."""
    outcome, data = attempt(batch, output)
    if data is not None:
        store(batch, outcome, data)
    return outcome


def attempt(batch: Batch, output: Output) -> tuple[Outcome, Any]:
    """Run the output's renderer: what it gave (bytes; a document in the PDF stage) and what it
    read, or (None) the problem that stopped it."""
    job = Job(
        batch.project,
        batch.theme,
        output,
        batch.out_dir,
        batch.session,
        staging=batch.staging,
        pdf=batch.pdf,
    )
    outcome = Outcome(output)
    try:
        made = batch.table[output.kind](job)
    except UserError as exc:
        outcome.diagnostic = exc.diagnostic
        return outcome, None
    except OSError as exc:
        unwritable(batch, outcome, exc)
        return outcome, None
    except Exception:  # noqa: BLE001 - a bug in a renderer must not kill the other outputs
        outcome.bug = f"while rendering {output.path}:\n{traceback.format_exc()}"
        return outcome, None
    outcome.inputs = job.reads.paths | job.base_inputs()
    outcome.warnings = job.warnings
    outcome.bundles = list(job.reads.bundles.values())
    return outcome, made


def store(batch: Batch, outcome: Outcome, data: bytes) -> None:
    """The rendered bytes into the output's staged file (nowhere when rehearsing)."""
    if batch.staging is None:
        return
    try:
        write_atomic(batch.staging.staged(outcome.output.path), data)
    except OSError as exc:
        unwritable(batch, outcome, exc)


def unwritable(batch: Batch, outcome: Outcome, exc: OSError) -> None:
    """The output folder: full, read-only, a file where a folder should be."""
    outcome.diagnostic = Diagnostic(
        "",
        0,
        0,
        ERROR,
        f"cannot write {outcome.output.path} in {batch.out_dir}: {exc.strerror or exc}",
        "give --out a folder you can write to, with room on its disk",
    )


def render_documents(
    batch: Batch,
    outputs: list[Output],
    jobs: int,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Outcome]:
    """The PDF stage (see the module's docstring): documents prepared here, one after another,
    while the session's PDF workers compile the ones before; each PDF staged here as it comes.
    Rehearsing (nothing staged), the documents are prepared and checked, not compiled. A yes
    from `should_stop()` (a newer save) ends the stage: no more documents go to the workers, and
    the ones they are compiling are dropped (the outputs not reached stay stale)."""
    from .media.typst_engine import Compiled, PdfTimeout, TypstEngineError

    prepared: deque[Outcome] = deque()  # in the order their documents went to the workers
    refused: deque[Outcome] = deque()  # outputs whose document could not be made

    def documents() -> Iterator[Any]:
        for output in outputs:
            if should_stop is not None and should_stop():
                return
            outcome, document = attempt(batch, output)
            if document is None:
                refused.append(outcome)
                continue
            prepared.append(outcome)
            yield document

    if batch.staging is None:
        for _document in documents():
            yield prepared.popleft()
            yield from drain(refused)
        yield from drain(refused)
        return
    workers = batch.session.pdf_workers(processes(jobs, outputs))
    for result in workers.compile_all(documents(), should_stop):
        yield from drain(refused)
        outcome = prepared.popleft()
        if isinstance(result, Compiled):
            outcome.warnings = outcome.warnings + [
                Diagnostic(w.path, w.line, 0, WARNING, f"{outcome.output.path}: Typst: {w.message}")
                for w in result.warnings
            ]
            store(batch, outcome, result.pdf)
        elif isinstance(result, PdfTimeout):
            outcome.diagnostic = Diagnostic(
                result.path,
                result.line,
                0,
                ERROR,
                f"{outcome.output.path}: {result.message}",
                "a handbook.typ of the theme that loops, or a handbook far longer than a "
                "handbook should be",
            )
        elif isinstance(result, TypstEngineError):
            hints = "; ".join(result.hints)
            outcome.diagnostic = Diagnostic(
                result.path,
                result.line,
                0,
                ERROR,
                f"{outcome.output.path}: Typst: {result.message}",
                f"fix the template ({hints})" if hints else "fix the template",
            )
        else:
            outcome.bug = f"while compiling {outcome.output.path}:\n{result}"
        yield outcome
    yield from drain(refused)


def drain(outcomes: deque[Outcome]) -> Iterator[Outcome]:
    while outcomes:
        yield outcomes.popleft()


def processes(jobs: int, outputs: list[Output]) -> int:
    """How many processes render this batch: 1 (this one) below POOL_FROM, else up to every core.
    PDFs: as many workers as PDFs, up to every core (never this process)."""
    if not outputs or len(outputs) < POOL_FROM[outputs[0].stage]:
        return 1
    return min(jobs or os.cpu_count() or 1, len(outputs))


_WORKER: Batch | None = None  # a pool worker's batch: inherited when it forks, set once per worker


def _start_worker(batch: Batch) -> None:
    """A worker ends quietly when its pool is closed (SIGTERM), whatever handler the parent set."""
    global _WORKER
    _WORKER = batch
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_in_worker(output: Output) -> Outcome:
    assert _WORKER is not None
    return render_one(_WORKER, output)


def render_in_pool(
    batch: Batch, outputs: list[Output], jobs: int, should_stop: Callable[[], bool] | None = None
) -> Iterator[Outcome]:
    """Fork workers that inherit the validated project (nothing is pickled); each writes its own
    staged file. While waiting, `should_stop()` is asked every STOP_POLL seconds: yes ends the
    pool (its `with` terminates the workers, mid-output)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(
        min(jobs, len(outputs)), initializer=_start_worker, initargs=(batch,)
    ) as pool:
        results = pool.imap(_render_in_worker, outputs, chunksize=1)
        for _ in outputs:
            while True:
                try:
                    yield results.next(timeout=STOP_POLL if should_stop else None)
                    break
                except multiprocessing.TimeoutError:
                    if should_stop is not None and should_stop():
                        return
