"""Benchmark: handbook.pdf by WeasyPrint (today) and by Typst, side by side in one run.

For each example group (and a generated 60-day group with 5 posts a day), CPU seconds of this
process per handbook, median of --repeat runs after one warm-up run each, the two engines taking
turns. Typst is split into `prep` (values, Jinja, Markdown, fonts check: what the build does
before handing the document to a worker) and `compile` (Typst layout + PDF, all its threads)
in a fresh process that has loaded its fonts and made another handbook first (a PDF worker in a
build: Typst memoizes across compiles in one process, so compiling the same handbook twice in
one process would flatter it); "after an edit" compiles it again there with one character
changed (a save under `watch`).
Then one batch of every handbook through PdfWorkers(2), as a build would: wall seconds.
Posters are made first (the PDFs show them), by the real command line without PDFs.

With --scale N, a cold build of N generated groups: today's (WeasyPrint) beside the build
without PDFs plus every handbook through PdfWorkers(2).

Run: python bench/bench_pdf_engines.py [--repeat 3] [--cut] [--scale 100 [--scale-weasy]]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
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

from playpress.load import load_project  # noqa: E402
from playpress.media import noto  # noqa: E402
from playpress.media.typst_engine import PdfWorkers, TypstDocument, compile_document  # noqa: E402
from playpress.outputs import handbook_pdf, handbook_typst  # noqa: E402
from playpress.outputs.job import PDF, Job, Output  # noqa: E402
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
    theme = Theme(project.theme)
    return [
        Job(project, theme, Output(PDF, f"{slug}/handbook.pdf", "handbook_pdf", slug), out)
        for slug in sorted(project.groups)
    ]


def fresh(job: Job) -> Job:
    return Job(job.project, job.theme, job.output, job.out_dir)


def typst_child(documents_file: str, index: int) -> None:
    """In a fresh process, as a PDF worker sees a handbook: fonts loaded and another handbook made
    before (Typst memoizes across compiles in a process), then this one; then it again, edited."""
    documents = pickle.loads(Path(documents_file).read_bytes())
    document, other = documents[index], documents[(index + 1) % len(documents)]
    warm = '#set text(font: ("Noto Sans CJK SC", "Noto Sans"))\n中 *中* a'
    compile_document(TypstDocument(warm, fonts=document.fonts))
    compile_document(other)
    first, _ = cpu(lambda: compile_document(document))
    again, _ = cpu(lambda: compile_document(replace(document, source=document.source + "\n.")))
    print(json.dumps([first, again]))


def typst_in_child(documents_file: Path, index: int) -> tuple[float, float]:
    command = [sys.executable, __file__, "--typst-child", str(documents_file), str(index)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    first, again = json.loads(result.stdout.strip().splitlines()[-1])
    return first, again


def bench(jobs: list[Job], repeat: int, base: Path) -> list[dict[str, Any]]:
    documents = [handbook_typst.handbook_document(fresh(job)) for job in jobs]
    documents_file = base / "documents.pickle"
    documents_file.write_bytes(pickle.dumps(documents))
    rows = []
    for index, job in enumerate(jobs):
        weasy, prep, first, again = [], [], [], []
        for attempt in range(repeat + 1):  # the first run warms caches and is not counted
            seconds, weasy_pdf = cpu(lambda job=job: handbook_pdf.handbook_pdf(fresh(job)))
            prep_s, document = cpu(lambda job=job: handbook_typst.handbook_document(fresh(job)))
            first_s, again_s = typst_in_child(documents_file, index)
            if attempt:
                weasy.append(seconds)
                prep.append(prep_s)
                first.append(first_s)
                again.append(again_s)
        typst_pdf = compile_document(documents[index]).pdf
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
                "typst_pages": pages(typst_pdf),
                "typst_kb": len(typst_pdf) / 1024,
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


def command_line(root: Path, out: Path, *flags: str) -> float:
    started = time.perf_counter()
    command = [
        sys.executable,
        str(REPO / "build.py"),
        "build",
        "--root",
        str(root),
        "--out",
        str(out),
    ]
    subprocess.run([*command, *flags], check=True, capture_output=True)
    return time.perf_counter() - started


def bench_scale(base: Path, groups: int, weasy: bool) -> dict[str, Any]:
    """A cold build of `groups` 30-day campaign groups (bench_build's project, 3 posters each):
    today's command line with WeasyPrint PDFs, against the same build without PDFs followed by
    every handbook through PdfWorkers(2) (what the build will do once the lead wires it)."""
    from bench_build import make_project as make_scale_project

    root = make_scale_project(base / f"scale-{groups}", groups)
    found: dict[str, Any] = {"groups": groups}
    if weasy:
        found["weasy"] = command_line(root, base / f"scale-{groups}-weasy")
    out = base / f"scale-{groups}-typst"
    found["no_pdf"] = command_line(root, out, "--no-pdf")
    started, before = time.perf_counter(), time.process_time()
    with PdfWorkers(2, timeout=300) as workers:
        jobs = jobs_of(root, out)
        for job, result in zip(
            jobs,
            workers.compile_all(handbook_typst.handbook_document(job) for job in jobs),
            strict=True,
        ):
            assert not isinstance(result, Exception), result
            (out / job.output.path).write_bytes(result.pdf)
        found["memory"] = worker_memory(workers)
    found["pdfs"] = time.perf_counter() - started
    found["parent_cpu"] = time.process_time() - before
    return found


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
    if sys.argv[1:2] == ["--typst-child"]:
        typst_child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cut", action="store_true")
    parser.add_argument(
        "--scale", type=int, default=0, help="also a cold build of this many groups"
    )
    parser.add_argument(
        "--scale-weasy", action="store_true", help="with today's WeasyPrint build beside it"
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        build_posters(REPO, base / "example")
        generated = make_project(base / "generated")
        build_posters(generated, base / "generated-dist")
        jobs = jobs_of(REPO, base / "example") + jobs_of(generated, base / "generated-dist")
        rows = bench(jobs, args.repeat, base)
        walls, prep, memory = bench_workers(jobs)
        scale = bench_scale(base, args.scale, args.scale_weasy) if args.scale else None
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
    if scale:
        print(
            f"cold build of {scale['groups']} groups (wall s): without PDFs {scale['no_pdf']:.1f}, "
            f"then {scale['groups']} Typst PDFs in PdfWorkers(2) {scale['pdfs']:.1f} "
            f"(this process {scale['parent_cpu']:.1f} s CPU): "
            f"{scale['no_pdf'] + scale['pdfs']:.1f} in all"
            + (
                f"; today's build with WeasyPrint PDFs {scale['weasy']:.1f}"
                if "weasy" in scale
                else ""
            )
        )
        print(
            "  worker memory, peak / now MB: "
            + ", ".join(f"{p:.0f} / {n:.0f}" for p, n in scale["memory"])
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
