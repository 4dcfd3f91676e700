"""Peer benchmark: MkDocs building and serving the same Markdown chapters as our handbook pages."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_build import make_project  # noqa: E402

from playpress.build import Options, build  # noqa: E402
from playpress.load import load_project  # noqa: E402
from playpress.outputs.job import LIGHT, Job, Output  # noqa: E402
from playpress.theme import Theme  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(condition: Callable[[], bool], timeout: float) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.005)
    return time.perf_counter() - started


def mkdocs_site(root: Path, site: Path) -> None:
    """One MkDocs page per group: its playbook's chapters followed by the group's notes, as in its
    handbook."""
    loaded = load_project(root)
    assert loaded.project is not None
    docs = site / "docs"
    docs.mkdir(parents=True)
    for slug, group in sorted(loaded.project.groups.items()):
        playbook = loaded.project.playbook_of(group)
        (docs / f"{slug}.md").write_text(
            f"# {group.name}\n\n{playbook.body}\n\n## 备注\n\n{group.body}\n", encoding="utf-8"
        )
    (docs / "index.md").write_text("# Groups\n", encoding="utf-8")
    (site / "mkdocs.yml").write_text("site_name: Playpress peer\ntheme: mkdocs\n", encoding="utf-8")


def handbook_markdown(job: Job) -> str:
    """What a group's handbook.html shows, written as Markdown: the page MkDocs would build for the
    same content."""
    from playpress.outputs.posts import facts_and_entries
    from playpress.outputs.texts import rules_text
    from playpress.outputs.words import faq_blocks, welcome_text
    from playpress.schedule import group_slots

    group, playbook = job.group, job.playbook
    lines = [
        f"# {group.name}",
        "",
        f"{playbook.title} · {group.start} – {group.end} · {group.timezone}",
        "",
        f"[扫码进群]({group.join_url})",
        "",
        "## 角色分工",
        "",
    ]
    lines += [
        f"- **{role.title}** {group.people.get(role.id, '')}：{'、'.join(role.duties)}"
        for role in playbook.roles
    ]
    lines += ["", "## 群规", "", rules_text(job), "", "## 欢迎语", ""]
    lines += ["> " + line for line in welcome_text(job).split("\n")]
    lines += ["", "## 运营阶段", "", "| 阶段 | 天 | 目标 |", "|---|---|---|"]
    lines += [
        f"| {phase.name} | {phase.first_day}-{phase.last_day} | {phase.goal} |"
        for phase in playbook.phases
    ]
    lines += ["", "## 发布内容与文案", ""]
    facts, items = facts_and_entries(job)
    for number, slot in enumerate(group_slots(playbook, group), 1):
        words, role, person, poster = facts[(slot.path, slot.order)]
        lines += [
            f"### {number} {slot.post}",
            "",
            f"{slot.when.text} · {role} {person} {poster}",
            "",
        ]
        lines += ["> " + line for line in words.split("\n")] + [""]
    lines += ["## SOP日历", ""]
    day = None
    for entry in items:
        if entry.occurrence.date != day:
            day = entry.occurrence.date
            lines += ["", f"### {day} 第{entry.occurrence.day}天", ""]
        lines.append(
            f"- {entry.time} {entry.post} · {entry.role} {entry.person} · {entry.kind} "
            f"{entry.poster}"
        )
    lines += ["", "## 快捷回复", ""] + [f"**{q}**\n\n{a}\n" for q, a in faq_blocks(job)]
    if playbook.metrics:
        lines += ["## 数据指标", "", playbook.metrics.north_star, ""] + [
            f"- [ ] {item}" for item in playbook.metrics.review
        ]
    lines += ["", playbook.body, "", "## 备注", "", group.body, ""]
    return "\n".join(lines)


def mkdocs_full_site(root: Path, site: Path) -> None:
    """One MkDocs page per group with everything its handbook.html shows (cover, roles, rules,
    posts, calendar...)."""
    project = load_project(root).project
    assert project is not None
    theme = Theme(project.theme)
    docs = site / "docs"
    docs.mkdir(parents=True)
    for slug in sorted(project.groups):
        job = Job(
            project,
            theme,
            Output(LIGHT, f"{slug}/handbook.html", "handbook_html", slug),
            root / "dist",
        )
        (docs / f"{slug}.md").write_text(handbook_markdown(job), encoding="utf-8")
    (docs / "index.md").write_text("# Groups\n", encoding="utf-8")
    (site / "mkdocs.yml").write_text("site_name: Playpress peer\ntheme: mkdocs\n", encoding="utf-8")


def mkdocs_build_seconds(site: Path, pages: int) -> float:
    """Wall time of `mkdocs build` for `pages` group pages (the other pages moved away)."""
    docs, spare = site / "docs", site / "spare"
    spare.mkdir(exist_ok=True)
    for page in sorted(docs.glob("g*.md"))[pages:]:
        page.rename(spare / page.name)
    started = time.perf_counter()
    subprocess.run(
        ["mkdocs", "build", "-q", "-f", str(site / "mkdocs.yml"), "-d", str(site / "out")],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    for page in spare.glob("*.md"):
        page.rename(docs / page.name)
    return seconds


def our_page_seconds(root: Path, pages: int = 100) -> tuple[float, int]:
    """Rendering the groups' handbook.html (the same chapters, plus cover, calendar, roles): total
    and count."""
    project = load_project(root).project
    assert project is not None
    theme = Theme(project.theme)
    from playpress.media import qr
    from playpress.media.markdown import render_markdown
    from playpress.outputs.handbook import handbook_html

    # as in a cold build: each page encodes its own links,
    for cache in (qr.svg_data_uri, qr._encoded, render_markdown):
        cache.cache_clear()  # and each playbook's chapters are rendered for its first group
    started = time.perf_counter()
    for slug in sorted(project.groups)[:pages]:
        handbook_html(
            Job(
                project,
                theme,
                Output(LIGHT, f"{slug}/handbook.html", "handbook_html", slug),
                root / "dist",
            )
        )
    return time.perf_counter() - started, min(pages, len(project.groups))


def append_marker(path: Path, marker: str) -> None:
    path.write_text(
        path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8"
    )


def edits_seen(source: Path, url: str, rounds: int) -> list[float]:
    """Seconds from appending a marker to source until the page at url shows it."""
    times = []
    for number in range(rounds):
        marker = f"edit-{number}-{time.time_ns()}"
        started = time.perf_counter()
        append_marker(source, marker)
        wait_for(lambda: marker in fetch(url), 60)  # noqa: B023 - called at once
        times.append(time.perf_counter() - started)
        time.sleep(1.0)
    return times


def mkdocs_serve_edits(site: Path, rounds: int) -> list[float]:
    port = free_port()
    process = subprocess.Popen(
        ["mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}", "-f", str(site / "mkdocs.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/g001/"
    try:
        wait_for(lambda: "Groups" in fetch(f"http://127.0.0.1:{port}/") and bool(fetch(url)), 120)
        return edits_seen(site / "docs/g001.md", url, rounds)
    finally:
        process.terminate()
        process.wait(timeout=10)


def our_serve_edits(root: Path, rounds: int) -> list[float]:
    """`python build.py serve` in its own process, as `mkdocs serve` runs in its own."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "build.py"),
            "serve",
            "--root",
            str(root),
            "--no-pdf",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/g001/handbook.html"
    try:
        wait_for(lambda: "<html" in fetch(url), 600)
        time.sleep(3.0)  # its first pass and warm-up done
        return edits_seen(root / "content/groups/g001.md", url, rounds)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pp-bench-mkdocs-") as temp:
        root = make_project(Path(temp) / "proj").resolve()
        site = Path(temp) / "mkdocs"
        mkdocs_site(root, site)
        whole = mkdocs_build_seconds(site, 100)
        one = mkdocs_build_seconds(site, 1)
        shutil.rmtree(site / "out", ignore_errors=True)
        full_site = Path(temp) / "mkdocs-full"
        mkdocs_full_site(root, full_site)
        full_whole = mkdocs_build_seconds(full_site, 100)
        our_page_seconds(root, 1)  # templates compiled, as in any build after the first page
        ours, pages = our_page_seconds(root)
        build(Options(root, root / "dist", pdf=False))  # a built project, as after a first `build`
        mkdocs_edit = mkdocs_serve_edits(site, args.rounds)
        our_edit = our_serve_edits(root, args.rounds)
    mkdocs_page, mkdocs_marginal, our_page = whole / 100, (whole - one) / 99, ours / pages
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; same 100 pages of "
        "Markdown chapters"
    )
    print(
        f"mkdocs build, 100 pages: {whole:.2f} s wall = {mkdocs_page * 1000:.1f} ms/page "
        f"(marginal, startup removed: {mkdocs_marginal * 1000:.1f} ms/page)"
    )
    print(
        f"ours, 100 handbook.html pages: {ours:.2f} s = {our_page * 1000:.1f} ms/page; ratio "
        "ours/mkdocs "
        f"{our_page / mkdocs_page:.2f} (marginal {our_page / mkdocs_marginal:.2f}); target <= 0.5"
    )
    print(
        f"mkdocs build, 100 pages holding what our handbook.html shows (written as Markdown): "
        f"{full_whole:.2f} s "
        f"= {full_whole * 10:.1f} ms/page; ratio ours/mkdocs {our_page / (full_whole / 100):.2f}"
    )
    me, oe = statistics.median(mkdocs_edit), statistics.median(our_edit)
    print(
        f"edit to visible over HTTP, mkdocs serve --dirty: median {me * 1000:.0f} ms "
        f"(min {min(mkdocs_edit) * 1000:.0f}, max {max(mkdocs_edit) * 1000:.0f})"
    )
    print(
        f"edit to visible over HTTP, playpress serve:      median {oe * 1000:.0f} ms "
        f"(min {min(our_edit) * 1000:.0f}, max {max(our_edit) * 1000:.0f}); ratio {oe / me:.2f}; "
        "target <= 0.2"
    )


if __name__ == "__main__":
    main()
