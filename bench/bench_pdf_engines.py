"""Benchmark: handbook.pdf by WeasyPrint (today) and by Typst, side by side in one run.

For each example group (and a generated 60-day group with 5 posts a day), CPU seconds of this
process per handbook, median of --repeat runs after one warm-up run each, the two engines taking
turns. Typst is split into `prep` (values, Jinja, Markdown, fonts check: what the build does
before handing the document to a worker) and `compile` (Typst layout + PDF, all its threads)
by a compiler that has its fonts loaded but has not seen this handbook (a build's worker);
"after an edit" compiles it again with one character changed (a save under `watch`).
Then one batch of every handbook through PdfWorkers(2), as a build would: wall seconds.
Posters are made first (the PDFs show them), by the real command line without PDFs.

Run: python bench/bench_pdf_engines.py [--repeat 3] [--cut]   (--cut: time the CJK cuts, cold)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import pypdf  # noqa: E402
from bench_handbook import make_project  # noqa: E402

from playpress import handbook_pdf, handbook_typst  # noqa: E402
from playpress.media import noto, typst_engine  # noqa: E402
from playpress.media.typst_engine import PdfWorkers, TypstDocument, compile_document  # noqa: E402
from playpress.plan import PDF, Job, Output  # noqa: E402
from playpress.project import load_project  # noqa: E402
from playpress.theme import Theme  # noqa: E402


def cpu(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = function()
    return time.process_time() - started, result


def pages(pdf: bytes) -> int:
    import io

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def build_posters(root: Path, out: Path) -> None:
    command = [
        sys.executable,
        str(REPO / "build.py"),
        "build",
        "--root",
        str(root),
        "--out",
        str(out),
        "--no-pdf",
    ]
    subprocess.run(command, check=True, capture_output=True)


def jobs_of(root: Path, out: Path) -> list[Job]:
    project = load_project(root).project
    assert project is not None
    theme = Theme(project.theme_dirs)
    return [
        Job(project, theme, Output(PDF, f"{slug}/handbook.pdf", "handbook_pdf", slug), out)
        for slug in sorted(project.groups)
    ]


def fresh(job: Job) -> Job:
    return Job(job.project, job.theme, job.output, job.out_dir)


def new_compiler(fonts: tuple[str, ...]) -> None:
    """A worker's compiler as a build finds it: fonts loaded, nothing of this handbook cached."""
    typst_engine._COMPILERS.clear()
    compile_document(
        TypstDocument('#set text(font: ("Noto Sans CJK SC", "Noto Sans"))\n中 *中* a', fonts=fonts)
    )


def edited(document: TypstDocument) -> TypstDocument:
    """The same handbook after a small edit (a save in `watch`): one character more."""
    return replace(document, source=document.source + "\n.")


def bench(jobs: list[Job], repeat: int) -> list[dict[str, Any]]:
    rows = []
    for job in jobs:
        weasy, prep, first, again = [], [], [], []
        for attempt in range(repeat + 1):  # the first run warms caches and is not counted
            seconds, weasy_pdf = cpu(lambda job=job: handbook_pdf.handbook_pdf(fresh(job)))
            prep_s, document = cpu(lambda job=job: handbook_typst.handbook_document(fresh(job)))
            new_compiler(document.fonts)
            first_s, compiled = cpu(lambda document=document: compile_document(document))
            again_s, _ = cpu(lambda document=document: compile_document(edited(document)))
            if attempt:
                weasy.append(seconds)
                prep.append(prep_s)
                first.append(first_s)
                again.append(again_s)
        rows.append(
            {
                "group": job.group.slug,
                "lang": job.group.lang,
                "weasy": statistics.median(weasy),
                "weasy_pages": pages(weasy_pdf),
                "weasy_kb": len(weasy_pdf) / 1024,
                "prep": statistics.median(prep),
                "compile": statistics.median(first),
                "again": statistics.median(again),
                "typst_pages": pages(compiled.pdf),
                "typst_kb": len(compiled.pdf) / 1024,
            }
        )
    return rows


def worker_memory(workers: PdfWorkers) -> list[tuple[float, float]]:
    """(peak, current) resident MB of each worker process (Linux /proc)."""
    found = []
    for process in getattr(
        workers._pool, "_pool", []
    ):  # the bench looks inside; the build need not
        status = Path(f"/proc/{process.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        found.append(
            (int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024)
        )
    return found


def bench_workers(jobs: list[Job], rounds: int = 5) -> tuple[list[float], float, list[Any]]:
    """Wall seconds of batches of every handbook in PdfWorkers(2) (cold workers first, then warm, as
    the saves of a watch session), the CPU this process spends preparing them, workers' memory."""
    walls = []
    with PdfWorkers(2, timeout=120) as workers:
        for _ in range(rounds):
            started = time.perf_counter()
            before = time.process_time()
            documents = (handbook_typst.handbook_document(fresh(job)) for job in jobs)
            made = list(workers.compile_all(documents))
            prep_s = time.process_time() - before
            assert all(not isinstance(result, Exception) for result in made), made
            walls.append(time.perf_counter() - started)
        memory = worker_memory(workers)
    return walls, prep_s, memory


def cut_seconds() -> list[tuple[int, float, float]]:
    source = noto.variable_cjk()
    assert source is not None, "pip install manimgx-fonts-cjk"
    timings = []
    with tempfile.TemporaryDirectory() as cache:
        for weight in (400, 700):
            started, wall = time.process_time(), time.perf_counter()
            noto.static_instance(source, weight, Path(cache))
            timings.append((weight, time.process_time() - started, time.perf_counter() - wall))
    return timings


def site_packages_mb(name: str) -> float:
    import importlib

    folder = Path(importlib.import_module(name).__file__ or "").parent
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cut", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        build_posters(REPO, base / "example")
        generated = make_project(base / "generated")
        build_posters(generated, base / "generated-dist")
        jobs = jobs_of(REPO, base / "example") + jobs_of(generated, base / "generated-dist")
        rows = bench(jobs, args.repeat)
        walls, prep, memory = bench_workers(jobs)
    print(
        "\n| group | WeasyPrint | pages | KB | Typst prep | Typst compile | Typst total | ratio "
        "| pages | KB | compile after an edit |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        total = row["prep"] + row["compile"]
        print(
            f"| {row['group']} ({row['lang']}) | {row['weasy']:.2f} | {row['weasy_pages']} | "
            f"{row['weasy_kb']:.0f} | {row['prep']:.3f} | {row['compile']:.3f} | {total:.3f} | "
            f"{total / row['weasy']:.2f} | {row['typst_pages']} | {row['typst_kb']:.0f} | "
            f"{row['again']:.3f} |"
        )
    weasy = statistics.median(r["weasy"] for r in rows)
    typst = statistics.median(r["prep"] + r["compile"] for r in rows)
    print(
        f"\nmedian per handbook: WeasyPrint {weasy:.2f} s, Typst {typst:.3f} s "
        f"({typst / weasy:.2f}x)"
    )
    print(
        f"PdfWorkers(2), all {len(jobs)} handbooks per batch, {len(walls)} batches: wall s "
        + ", ".join(f"{w:.2f}" for w in walls)
        + f" (this process: {prep:.2f} s CPU a batch, preparing documents while workers compile)"
    )
    print("worker memory, peak / now MB: " + ", ".join(f"{p:.0f} / {n:.0f}" for p, n in memory))
    packages = ("manimgx_fonts_cjk", "manimgx_fonts", "noto_cjk_sans_otc", "typst", "weasyprint")
    print("installed: " + ", ".join(f"{name} {site_packages_mb(name):.1f} MB" for name in packages))
    if args.cut:
        for weight, seconds, wall in cut_seconds():
            print(f"CJK static cut, weight {weight}: {seconds:.1f} s CPU, {wall:.1f} s wall (once)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
