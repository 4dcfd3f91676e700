"""Benchmark of a project of many groups: 2,000 stores of a chain in one sheet, 20 people.

Measures, without PDFs: the cold build, the no-op build (a fresh `python build.py`, as an operator
runs it), one row of the sheet edited under `python build.py watch` (save -> that group's texts,
and its people's run sheets, on disk), the memory peak of the cold and the no-op build, and the
page sizes. The project is the example's fruit-shop playbook with one poster (the other three
would only multiply the cold build's poster time, measured in bench/results/posters.md), and a
sheet written by xlsxwriter: every person runs 300 (assistant), 400 (manager) or 400 (clerk)
stores, so a run sheet merges the same post across hundreds of groups.

    python bench/bench_many_groups.py [--groups 2000] [--people 20] [--edits 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playpress.media.xlsx import Table, workbook_bytes  # noqa: E402

KEPT_POSTER = "flash-sale"
SITE = """\
title: 鲜果铺连锁运营中心
lang: zh
timezone: Asia/Shanghai
base_url: https://ops.example.com/
"""
DEFAULTS = """\
playbook: fruit-shop
brand: {color: "#2E7D32", accent: "#FFB300", logo: content/assets/logo-xianguo-xinhua.png}
vars: {delivery_range: 3公里内, hours: 每天 08:00-22:00}
"""
COLUMNS = (
    "slug",
    "name",
    "start",
    "days",
    "tags",
    "join_url",
    "people.manager",
    "people.assistant",
    "people.clerk",
    "vars.address",
    "vars.pickup_time",
    "vars.newcomer_gift",
)
CITIES = ("杭州", "宁波", "温州", "绍兴", "嘉兴")
ROLES = ("assistant", "manager", "clerk")


def playbook_with_one_poster() -> str:
    """playbooks/fruit-shop.md with only KEPT_POSTER, and no slot naming another poster."""
    text = (REPO / "playbooks/fruit-shop.md").read_text(encoding="utf-8")
    head, _, body = text.partition("\nposters:\n")
    posters, _, rest = body.partition("\nfaq:\n")
    kept = [p for p in re.split(r"\n(?=  - id: )", posters) if f"id: {KEPT_POSTER}" in p]
    head = re.sub(r"\n    poster: (?!" + KEPT_POSTER + r")\S+", "", head)
    return f"{head}\nposters:\n{kept[0].rstrip()}\n\nfaq:\n{rest}"


def people(count: int) -> tuple[str, dict[str, list[str]]]:
    """people.yml and the ids per role: half assistants, a quarter managers, a quarter clerks."""
    roles = {"assistant": [], "manager": [], "clerk": []}
    lines = []
    for n in range(count):
        role = "assistant" if n % 2 == 0 else "manager" if n % 4 == 1 else "clerk"
        ident = f"{role[:3]}{n:02d}"
        roles[role].append(ident)
        lines.append(f"- {{id: {ident}, name: 员工{n:02d}, wecom: staff{n:02d}}}")
    return "\n".join(lines) + "\n", roles


def sheet_rows(groups: int, roles: dict[str, list[str]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(1, groups + 1):
        city = CITIES[n % len(CITIES)]
        rows.append(
            [
                f"s{n:04d}",
                f"鲜果铺·{city}{n:04d}店福利群",
                dt.date(2026, 12, 1) + dt.timedelta(days=7 * (n % 3)),
                56,
                f"{city};{'老小区' if n % 2 else '新小区'}",
                f"https://example.com/j/s{n:04d}",
                roles["manager"][n % len(roles["manager"])],
                roles["assistant"][n % len(roles["assistant"])],
                roles["clerk"][n % len(roles["clerk"])],
                f"{city}路{n}号",
                ("下午3点后", "下午4点后", "下午5点后")[n % 3],
                "首单立减5元",
            ]
        )
    return rows


def make_project(root: Path, groups: int = 2000, people_count: int = 20) -> Path:
    shutil.copytree(REPO / "content/assets", root / "content/assets", dirs_exist_ok=True)
    (root / "content/site.yml").write_text(SITE, encoding="utf-8")
    (root / "playbooks").mkdir(parents=True, exist_ok=True)
    (root / "playbooks/fruit-shop.md").write_text(playbook_with_one_poster(), encoding="utf-8")
    staff, roles = people(people_count)
    (root / "content/people.yml").write_text(staff, encoding="utf-8")
    chain = root / "content/groups/chain"
    chain.mkdir(parents=True, exist_ok=True)
    (chain / "_defaults.yml").write_text(DEFAULTS, encoding="utf-8")
    write_sheet(chain / "stores.xlsx", sheet_rows(groups, roles))
    return root


def write_sheet(path: Path, rows: list[list[object]]) -> None:
    path.write_bytes(workbook_bytes([Table("门店", COLUMNS, rows)]))


def run_build(root: Path, out: Path, *flags: str) -> tuple[float, float, float, str]:
    """`python build.py` in a fresh process: wall seconds, the seconds it reports, its peak
    memory (MB: the largest resident size of the build or one of its workers, GNU time's %M)."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "peak-kb %M",
            sys.executable,
            str(REPO / "build.py"),
            "--root",
            str(root),
            "--out",
            str(out),
            "--no-pdf",
            *flags,
        ],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    reported = re.search(r" in ([0-9.]+) s ", done.stdout)
    peak = re.search(r"peak-kb (\d+)", done.stderr)
    return (
        wall,
        float(reported.group(1)) if reported else wall,
        int(peak.group(1)) / 1024 if peak else 0.0,
        done.stdout,
    )


def edit_row(path: Path, rows: list[list[object]], index: int, round_: int) -> None:
    rows[index][COLUMNS.index("vars.newcomer_gift")] = f"首单送砂糖橘{round_}斤"
    write_sheet(path, rows)


def watch_edits(
    root: Path, out: Path, rows: list[list[object]], edits: int
) -> list[tuple[float, float]]:
    """Seconds from saving the sheet (one row changed) to that group's welcome.txt rewritten, and
    to the run sheets of all its people (assistant, manager, clerk) rewritten, under
    `python build.py watch`."""
    sheet = root / "content/groups/chain/stores.xlsx"
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "build.py"),
            "watch",
            "--root",
            str(root),
            "--out",
            str(out),
            "--no-pdf",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_line(process, "texts and pages", 900)
        wait_idle(process.pid)  # the rest of the first pass, and the warm-up after it
        times = []
        for round_ in range(1, edits + 1):
            index = 7 * round_
            slug = rows[index][0]
            people = [rows[index][COLUMNS.index(f"people.{role}")] for role in ROLES]
            texts = out / f"{slug}/welcome.txt"
            sheets = [out / f"people/{person}/index.html" for person in people]
            before = {t: t.stat().st_mtime_ns for t in [texts, *sheets]}
            started = time.perf_counter()
            edit_row(sheet, rows, index, round_)
            done: dict[Path, float] = {}
            while len(done) < len(before):
                if time.perf_counter() - started > 120:
                    raise SystemExit("timed out waiting for the edited row's outputs")
                for target in before:
                    if target not in done and target.stat().st_mtime_ns != before[target]:
                        done[target] = time.perf_counter() - started
                time.sleep(0.002)
            times.append((done[texts], max(done[t] for t in sheets)))
            wait_idle(process.pid)  # the rest of the pass (day pages, the index, posters)
        peak = re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{process.pid}/status").read_text())
        print(f"watch process peak memory {int(peak.group(1)) / 1024:.0f} MB" if peak else "")
        return times
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its waited-for children, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, quiet: float = 2.0, timeout: float = 900) -> None:
    """Until the process has used no CPU for `quiet` seconds."""
    started = time.perf_counter()
    last, since = cpu_seconds(pid), time.perf_counter()
    while time.perf_counter() - since < quiet:
        if time.perf_counter() - started > timeout:
            raise SystemExit("the watcher never went idle")
        time.sleep(0.25)
        now = cpu_seconds(pid)
        if now != last:
            last, since = now, time.perf_counter()


def wait_for_line(process: subprocess.Popen, text: str, timeout: float) -> None:
    started = time.perf_counter()
    assert process.stdout is not None
    for line in process.stdout:
        if text in line:
            return
        if time.perf_counter() - started > timeout:
            break
    raise SystemExit(f"watch never printed '{text}'")


def sizes(out: Path) -> str:
    pages = [p for p in out.rglob("*.html") if ".playpress" not in p.parts]
    largest = sorted(pages, key=lambda p: p.stat().st_size)[-3:]
    state = out / ".playpress"
    kept = {p.name: p.stat().st_size for p in state.iterdir()}
    shown = ", ".join(f"{p.relative_to(out)} {p.stat().st_size / 1e6:.2f} MB" for p in largest)
    extra = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(kept.items()))
    return f"largest pages: {shown}; build state: {extra}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="pp-many-") as temp:
        root = make_project(Path(temp) / "proj", args.groups, args.people)
        out = Path(temp) / "dist"
        wall, inside, peak, text = run_build(root, out)
        files = re.search(r"built (\d+) file", text)
        print(
            f"cold build: {inside:.1f} s ({wall:.1f} s wall), {files.group(1) if files else '?'} "
            f"files, peak memory {peak:.0f} MB"
        )
        print(sizes(out))
        runs = [run_build(root, out) for _ in range(5)]
        print(
            "no-op build: "
            + ", ".join(f"{r[1]:.2f}" for r in runs)
            + f" s as reported (median {statistics.median(r[1] for r in runs):.2f}); "
            f"wall {statistics.median(r[0] for r in runs):.2f} s; peak memory "
            f"{max(r[2] for r in runs):.0f} MB; "
            + ("wrote nothing" if all(" 0 file(s)" in r[3] for r in runs) else "WROTE FILES")
        )
        rows = sheet_rows(args.groups, people(args.people)[1])
        times = watch_edits(root, out, rows, args.edits)
        print(
            "one row edited under watch -> its welcome.txt: "
            + ", ".join(f"{t * 1000:.0f}" for t, _ in times)
            + f" ms (median {statistics.median(t for t, _ in times) * 1000:.0f}); "
            "-> the run sheets of its 3 people: "
            + ", ".join(f"{t * 1000:.0f}" for _, t in times)
            + f" ms (median {statistics.median(t for _, t in times) * 1000:.0f})"
        )


if __name__ == "__main__":
    main()
