"""Benchmark: handbook.pdf by Typst (the build's engine) and by WeasyPrint (the engine before it,
kept for this bench in bench/weasyprint_pdf.py), side by side in one run.

For each example group (and a generated 60-day group with 5 posts a day), CPU seconds per
handbook, median of --repeat runs after one warm-up run each, the two engines taking turns.
WeasyPrint: the whole handbook in this process (fonts and templates warm, as in a worker of the
old build). Typst is split into `prep` (handbook_pdf.handbook_pdf: values, Jinja, Markdown, fonts
check, in this process, as the build does it) and `compile` (Typst layout + PDF, all its threads)
in a fresh process that has loaded its fonts and made another handbook first (a PDF worker during
a build: Typst memoizes across compiles in one process, so compiling the same handbook twice in
one process would flatter it); "after an edit" compiles it again there with one character
changed (a save under `watch`). Then batches of every handbook through PdfWorkers(2).
Posters are made first (the PDFs show them), by the real command line without PDFs.

With --scale N, a cold build of N generated groups (bench_build's 30-day campaign, 3 posters and a
PDF each) by the real command line on 2 cores, with the peak memory of each PDF worker; with
--scale-weasy, beside it the same build without PDFs plus every handbook by WeasyPrint in two
forked workers (what the build did before). The machine is shared: the load average is printed
with every number.

Run: python bench/bench_pdf_engines.py [--repeat 3] [--cut] [--scale 100 [--scale-weasy]]
(WeasyPrint needs the bench extra: pip install -e '.[bench]')
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
import weasyprint_pdf  # noqa: E402
from bench_handbook import make_project  # noqa: E402

from playpress.load import load_project  # noqa: E402
from playpress.media import noto  # noqa: E402
from playpress.media.typst_engine import PdfWorkers, TypstDocument, compile_document  # noqa: E402
from playpress.outputs import handbook_pdf  # noqa: E402
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
    documents = [handbook_pdf.handbook_pdf(fresh(job)) for job in jobs]
    documents_file = base / "documents.pickle"
    documents_file.write_bytes(pickle.dumps(documents))
    rows = []
    for index, job in enumerate(jobs):
        weasy, prep, first, again = [], [], [], []
        for attempt in range(repeat + 1):  # the first run warms caches and is not counted
            seconds, weasy_pdf = cpu(lambda job=job: weasyprint_pdf.handbook_pdf(fresh(job)))
            prep_s, document = cpu(lambda job=job: handbook_pdf.handbook_pdf(fresh(job)))
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
            documents = (handbook_pdf.handbook_pdf(fresh(job)) for job in jobs)
            made = list(workers.compile_all(documents))
            prep_s = time.process_time() - before
            assert all(not isinstance(result, Exception) for result in made), made
            walls.append(time.perf_counter() - started)
        memory = worker_memory(workers)
    return walls, prep_s, memory


def descendants(pid: int) -> list[int]:
    """Processes under pid (Linux /proc): a build's forked workers, its forkserver, PDF workers."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


TICKS = os.sysconf("SC_CLK_TCK")


def sample(pid: int) -> tuple[str, float, float, int] | None:
    """(what the process runs, its peak resident MB, its CPU seconds, its parent) from /proc;
    None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmHWM" not in fields:
        return None  # ended, not yet reaped: its last sample stands
    cpu = (int(stat[11]) + int(stat[12])) / TICKS  # utime, stime
    return command, int(fields["VmHWM"].split()[0]) / 1024, cpu, int(stat[1])


Samples = dict[int, tuple[str, float, float, int]]


def command_line(root: Path, out: Path, *flags: str) -> tuple[float, float, Samples]:
    """A build by the real command line: wall seconds, its own CPU seconds, and the last sample of
    each process under it (every 0.2 s: the kernel keeps the peak memory, so the last sample of a
    process has its peak, and its CPU up to 0.2 s before it ended)."""
    started = time.perf_counter()
    command = [
        sys.executable,
        str(REPO / "build.py"),
        "build",
        "--root",
        str(root),
        "--out",
        str(out),
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(
        [*command, *flags], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    samples: Samples = {}
    own = 0.0
    while process.poll() is None:
        for pid in [process.pid, *descendants(process.pid)]:
            found = sample(pid)
            if found is not None and pid == process.pid:
                own = found[2]
            elif found is not None:
                samples[pid] = found
        time.sleep(0.2)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(process.stderr.read() if process.stderr else "build failed")
    return wall, own, samples


def pdf_workers(samples: Samples) -> list[tuple[float, float]]:
    """(peak MB, CPU seconds) of each PDF worker: the children of the forkserver."""
    servers = {pid for pid, (command, *_rest) in samples.items() if "forkserver" in command}
    return sorted((mb, cpu) for pid, (_c, mb, cpu, parent) in samples.items() if parent in servers)


def others_cpu(samples: Samples) -> float:
    """CPU seconds of the other processes under the build: forked workers of texts and posters."""
    servers = {pid for pid, (command, *_rest) in samples.items() if "forkserver" in command}
    return sum(cpu for pid, (_c, _mb, cpu, parent) in samples.items() if parent not in servers)


def weasyprint_in_two_workers(root: Path, out: Path) -> float:
    """Every handbook by WeasyPrint in two forked workers, as the build did before Typst."""
    import multiprocessing

    jobs = jobs_of(root, out)
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for job, pdf in zip(jobs, pool.imap(_weasy, jobs, chunksize=1), strict=True):
            (out / job.output.path).write_bytes(pdf)
    return time.perf_counter() - started


def _weasy(job: Job) -> bytes:
    return weasyprint_pdf.handbook_pdf(job)


def bench_scale(base: Path, groups: int, weasy: bool) -> dict[str, Any]:
    """A cold build of `groups` 30-day campaign groups (bench_build's project, 3 posters each) by
    the real command line with its Typst PDFs; with `weasy`, the same build without PDFs plus
    every handbook by WeasyPrint in two forked workers."""
    from bench_build import make_project as make_scale_project

    root = make_scale_project(base / f"scale-{groups}", groups)
    found: dict[str, Any] = {"groups": groups, "load": [os.getloadavg()[0]]}
    found["typst"], own, samples = command_line(root, base / f"scale-{groups}-typst")
    found["memory"] = pdf_workers(samples)
    found["cpu"] = (own, others_cpu(samples), sum(cpu for _mb, cpu in found["memory"]))
    found["load"].append(os.getloadavg()[0])
    if weasy:
        out = base / f"scale-{groups}-weasy"
        found["no_pdf"], *_ = command_line(root, out, "--no-pdf")
        found["weasy"] = found["no_pdf"] + weasyprint_in_two_workers(root, out)
        found["load"].append(os.getloadavg()[0])
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


def load_note() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


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
    parser.add_argument(
        "--scale-only", action="store_true", help="only the cold build (1,000 groups: minutes)"
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    if args.scale_only:
        with tempfile.TemporaryDirectory() as temporary:
            print_scale(bench_scale(Path(temporary), args.scale, args.scale_weasy))
        print(f"load average after: {os.getloadavg()}")
        return
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
    packages = ("manimgx_fonts_cjk", "manimgx_fonts", "typst", "weasyprint")
    print("installed: " + ", ".join(f"{name} {site_packages_mb(name):.1f} MB" for name in packages))
    if args.cut:
        for weight, seconds, wall in cut_seconds():
            print(f"CJK static cut, weight {weight}: {seconds:.1f} s CPU, {wall:.1f} s wall (once)")
    if scale:
        print_scale(scale)
    print(f"load average after: {os.getloadavg()}")


def print_scale(scale: dict[str, Any]) -> None:
    print(
        f"cold build of {scale['groups']} groups, `build.py build --jobs 2` with Typst PDFs: "
        f"{scale['typst']:.1f} s wall; CPU s: build process {scale['cpu'][0]:.1f}, forked "
        f"workers {scale['cpu'][1]:.1f}, PDF workers {scale['cpu'][2]:.1f}; PDF workers' peak "
        "memory MB: "
        + ", ".join(f"{mb:.0f}" for mb, _cpu in scale["memory"])
        + (
            f"; WeasyPrint: --no-pdf {scale['no_pdf']:.1f} s + PDFs in 2 forked workers = "
            f"{scale['weasy']:.1f} s wall"
            if "weasy" in scale
            else ""
        )
        + f" (load average {' / '.join(f'{x:.1f}' for x in scale['load'])})"
    )


if __name__ == "__main__":
    main()
