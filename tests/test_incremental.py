"""Incremental builds: what each output records as its inputs, and what a change rebuilds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import segno
from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK, snapshot, write_project
from PIL import Image

from playpress.build import Options, Result, build
from playpress.diagnostics import WARNING, Diagnostic
from playpress.outputs.job import LIGHT, POSTERS
from playpress.state import MISSING, BuildState
from playpress.theme import BUILTIN_THEMES

BUILTIN = BUILTIN_THEMES / "default"
PLAIN_PLAYBOOK = """
---
title: Running club
type: interest
roles:
  - {id: captain, title: Captain, duties: [lead runs]}
rules:
  service: Saturday runs
  never: [ads]
welcome: "Welcome to {{ group.name }}!"
sop:
  - {id: run, when: "sat 07:00", post: Saturday run, kind: activity, owner: captain}
faq:
  - {q: Where?, a: The park gate}
---
## Chapter
"""
PLAIN_GROUP = """
---
name: {name}
playbook: {playbook}
start: 2026-12-05
days: 14
lang: en
join_url: https://example.com/j/{slug}
people: {{captain: Ana}}
---
"""


def group_text(slug: str, playbook: str = "running", name: str = "") -> str:
    return PLAIN_GROUP.format(name=name or f"Runners {slug}", playbook=playbook, slug=slug).lstrip(
        "\n"
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two playbooks (one without posters), three groups."""
    return write_project(
        tmp_path / "proj",
        {
            "playbooks/course.md": MINIMAL_PLAYBOOK,
            "playbooks/running.md": PLAIN_PLAYBOOK,
            "content/groups/g1.md": MINIMAL_GROUP,
            "content/groups/r1.md": group_text("r1"),
            "content/groups/r2.md": group_text("r2"),
        },
    )


def run(root: Path, out: Path, **options: object) -> Result:
    # type: ignore[arg-type]
    result = build(Options(root.resolve(), out.resolve(), pdf=False, **options))
    assert not result.bug, result.bug
    assert not result.report.errors, [str(d) for d in result.report.errors]
    return result


def recorded(out: Path, output: str) -> set[str]:
    return set(BuildState(out, Path("/")).inputs_of(output))


def test_texts_record_exactly_their_group_playbook_settings_theme_and_labels(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    run(project, out)
    theme = "themes/default"  # looked for, missing: creating it rebuilds (recorded relative)
    base = {
        "content/site.yml",
        "content/groups/g1.md",
        "playbooks/course.md",
        f"{theme}/theme.yml",
        f"{BUILTIN}/theme.yml",
    }
    labels = {f"{theme}/labels/zh.yml", f"{BUILTIN}/labels/zh.yml"}
    for name in ("welcome.txt", "rules.txt", "faq.txt"):
        assert recorded(out, f"g1/{name}") == base | labels, name
    state = BuildState(out, project.resolve())
    hashes = state.inputs_of("g1/welcome.txt")
    assert hashes["content/site.yml"] == MISSING and hashes[f"{theme}/theme.yml"] == MISSING
    assert hashes["content/groups/g1.md"] != MISSING


def test_index_records_listings_every_group_and_playbook_and_its_templates(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    run(project, out)
    theme = "themes/default"
    templates = {
        f"{folder}/templates/{name}"
        for folder in (theme, BUILTIN)
        for name in ("index.html", "base.html")
    }
    inputs = recorded(out, "index.html")
    assert {
        "listing:groups",
        "listing:playbooks",
        "content/site.yml",
        "content/groups/g1.md",
        "content/groups/r1.md",
        "content/groups/r2.md",
        "playbooks/course.md",
        "playbooks/running.md",
        f"{theme}/labels/zh.yml",
        f"{BUILTIN}/labels/zh.yml",
        f"{theme}/theme.yml",
        f"{BUILTIN}/theme.yml",
    } | templates <= inputs
    # stylesheets the page includes, say
    extra = {p for p in inputs - templates if "/templates/" in p}
    assert all(p.startswith((f"{theme}/templates/", f"{BUILTIN}/templates/")) for p in extra)
    assert all(
        p.startswith(("listing:", "content/", "playbooks/", str(theme), str(BUILTIN)))
        for p in inputs
    )


def test_poster_records_fonts_layout_qr_image_and_logo(tmp_path: Path) -> None:
    pytest.importorskip("playpress.outputs.posters")
    from PIL import Image

    group = MINIMAL_GROUP.replace(
        "join_url: https://example.com/j/abc",
        "qr_image: content/assets/qr.png\nbrand: {logo: content/assets/logo.png}",
    )
    root = write_project(
        tmp_path / "proj", {"playbooks/course.md": MINIMAL_PLAYBOOK, "content/groups/g1.md": group}
    )
    (root / "content/assets").mkdir(parents=True)
    segno.make_qr("https://weixin.qq.com/g/first").save(
        str(root / "content/assets/qr.png"), scale=4
    )
    Image.new("RGB", (60, 60), "red").save(root / "content/assets/logo.png")
    out = tmp_path / "dist"
    run(root, out)
    inputs = recorded(out, "g1/posters/preview.png")
    assert {
        "content/groups/g1.md",
        "playbooks/course.md",
        "content/site.yml",
        "content/assets/qr.png",
        "content/assets/logo.png",
    } <= inputs
    fonts = [p for p in inputs if p.lower().endswith((".ttf", ".otf", ".ttc", ".otc"))]
    assert fonts and all(os.path.isabs(p) and os.path.isfile(p) for p in fonts)
    (root / "content/assets/qr.png").unlink()
    segno.make_qr("https://weixin.qq.com/g/next").save(str(root / "content/assets/qr.png"), scale=4)
    written = run(root, out).written  # a new QR image redraws what shows it, not the texts
    assert "g1/posters/preview.png" in written and not any(
        p.endswith((".txt", ".ics", ".csv")) for p in written
    )
    assert {"join/g1/index.html", "join/g1/qr.png"} <= set(written)  # the page and its copy


def test_editing_one_group_rebuilds_that_group_and_the_index_only(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    first = run(project, out)
    assert "r1/welcome.txt" in first.written and "index.html" in first.written
    (project / "content/groups/r1.md").write_text(
        group_text("r1", name="Night runners"), encoding="utf-8"
    )
    second = run(project, out)
    # and the pages that list it: its days, the SCRM rules (no people.yml, no tags here), its join
    # page and the list of them
    assert second.written and {p.split("/")[0] for p in second.written} == {
        "r1",
        "index.html",
        "days",
        "scrm",
        "join",
    }
    assert {p for p in second.written if p.startswith("days/")} == {
        "days/index.html",
        *(f"days/2026-12-{d:02d}.html" for d in range(5, 19)),
    }
    joins = {p for p in second.written if p.startswith("join/")}
    assert joins == {"join/r1/index.html", "join/index.html"}
    assert "Night runners" in (out / "r1/welcome.txt").read_text(encoding="utf-8")
    assert not second.removed


def test_editing_a_playbook_rebuilds_its_groups_only(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    run(project, out)
    path = project / "playbooks/running.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Welcome to", "Hello,"), encoding="utf-8"
    )
    result = run(project, out)
    assert {p.split("/")[0] for p in result.written} == {
        "r1",
        "r2",
        "index.html",
        "days",
        "scrm",
        "join",
    }
    assert (out / "r2/welcome.txt").read_text(encoding="utf-8").startswith("Hello, Runners r2!")


def test_adding_a_theme_override_rebuilds_what_used_it(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    run(project, out)
    override = project / "themes/default/templates/index.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        (BUILTIN / "templates/index.html")
        .read_text(encoding="utf-8")
        .replace("<main>", "<main><!-- our override -->", 1),
        encoding="utf-8",
    )
    result = run(project, out)
    assert "index.html" in result.written
    assert not any(p.endswith(".txt") for p in result.written)
    assert "our override" in (out / "index.html").read_text(encoding="utf-8")

    labels = project / "themes/default/labels/en.yml"
    labels.parent.mkdir(parents=True)
    labels.write_text("faq_q: Question\n", encoding="utf-8")
    result = run(project, out)
    assert {"r1/faq.txt", "r2/faq.txt"} <= set(result.written)
    # g1 is Chinese: zh labels untouched
    assert not any(p.startswith("g1/") for p in result.written)
    assert (out / "r1/faq.txt").read_text(encoding="utf-8").startswith("Question: Where?")


def test_removed_group_loses_its_outputs_and_folder(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    run(project, out)
    (project / "content/groups/r2.md").unlink()
    result = run(project, out)
    assert "r2/welcome.txt" in result.removed and not (out / "r2").exists()
    assert (
        "index.html" in result.written and "r2/welcome.txt" not in BuildState(out, project).outputs
    )


def test_build_with_nothing_changed_writes_nothing_not_even_the_state(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    run(project, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = run(project, out)
    assert result.written == [] and result.removed == [] and result.current > 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_output_edited_by_hand_is_made_again(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    run(project, out)
    good = (out / "r1/rules.txt").read_bytes()
    (out / "r1/rules.txt").write_text("scribbled\n", encoding="utf-8")
    assert run(project, out).written == ["r1/rules.txt"]
    assert (out / "r1/rules.txt").read_bytes() == good


def test_invalid_project_writes_nothing_and_keeps_outputs(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    run(project, out)
    before = snapshot(out)
    state = (out / ".playpress/state.json").read_bytes()
    (project / "content/groups/r1.md").write_text("---\nname: [broken\n---\n", encoding="utf-8")
    result = build(Options(project.resolve(), out.resolve(), pdf=False))
    assert result.report.errors and result.report.errors[0].path == "content/groups/r1.md"
    assert snapshot(out) == before and (out / ".playpress/state.json").read_bytes() == state


def test_validation_cache_sees_a_deleted_asset(project: Path, tmp_path: Path) -> None:
    """Validation results are reused within a process only while the files they checked are
    unchanged."""
    out = tmp_path / "dist"
    (project / "content/assets").mkdir(parents=True)
    Image.new("RGB", (64, 64), "#C62828").save(project / "content/assets/logo.png")
    path = project / "content/groups/r1.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "people:", "brand: {logo: content/assets/logo.png}\npeople:"
        ),
        encoding="utf-8",
    )
    run(project, out)
    (project / "content/assets/logo.png").unlink()
    result = build(Options(project.resolve(), out.resolve(), pdf=False))
    assert any(
        "does not exist" in d.message and d.path == "content/groups/r1.md"
        for d in result.report.errors
    )


def test_stage_limit_defers_later_outputs_and_keeps_a_stale_pdf_until_its_successor(
    tmp_path: Path, minimal_project: Path
) -> None:
    """A stale PDF stays in place (never a 404 while it is made again) but is no longer current;
    the pass that makes it replaces it atomically."""
    out = tmp_path / "dist"
    stale = out / "g1/handbook.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.7 old")
    result = build(Options(minimal_project.resolve(), out.resolve(), upto=LIGHT))
    assert not result.bug and "g1/welcome.txt" in result.written
    assert "g1/handbook.pdf" in result.deferred and stale.read_bytes() == b"%PDF-1.7 old"
    assert "g1/handbook.pdf" not in BuildState(out, minimal_project).outputs  # not current
    if "g1/posters/preview.png" in result.deferred:
        assert not (out / "g1/posters/preview.png").exists()
        result = build(Options(minimal_project.resolve(), out.resolve(), upto=POSTERS))
        # the posters' stage also cuts the pages' fonts from the pages the first pass wrote
        fonts = ["fonts/days.woff2", "fonts/index.woff2", "g1/cjk.woff2"]
        assert sorted(result.written) == sorted(["g1/posters/preview.png", *fonts])
        assert result.deferred == ["g1/handbook.pdf"]
    result = build(Options(minimal_project.resolve(), out.resolve()))
    assert result.written == ["g1/handbook.pdf"] and stale.read_bytes().startswith(b"%PDF")
    assert stale.read_bytes() != b"%PDF-1.7 old"


def test_warnings_of_a_current_output_are_repeated(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    (out / "g").mkdir(parents=True)
    (out / "g/a.txt").write_text("a", encoding="utf-8")
    state = BuildState(out, tmp_path)
    warning = Diagnostic("playbooks/x.md", 3, 1, WARNING, "text overflows the poster", "shorten it")
    state.record("g/a.txt", [], "s", [warning])
    state.save()
    again = BuildState(out, tmp_path)
    assert again.is_current("g/a.txt", "s") and again.warnings_of("g/a.txt") == [warning]
    assert not again.changed


def test_same_inputs_same_bytes_in_two_folders(project: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "dist", tmp_path / "b" / "dist"
    run(project, first)
    copy = tmp_path / "b" / "proj"
    shutil.copytree(project, copy)
    run(copy, second)
    shutil.rmtree(first)
    run(project, first)
    one, two = snapshot(first), snapshot(second)
    assert one == two and len(one) >= 20
    state = json.loads((second / ".playpress/state.json").read_text(encoding="utf-8"))
    assert set(state["outputs"]) == set(one)


def test_an_input_rewritten_with_its_old_size_and_mtime_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashes are reused by stat across builds of one process (watch): a same-size edit that
    keeps the mtime (a copy with preserved times, a write within one timestamp tick) is still
    seen."""
    # remember every hash, however fresh the file
    monkeypatch.setattr("playpress.state.SETTLED_NS", -1)
    source = tmp_path / "content/groups/g.md"
    source.parent.mkdir(parents=True)
    source.write_text("name: aaaa\n", encoding="utf-8")
    old = 1_600_000_000_000_000_000
    os.utime(source, ns=(old, old))  # long settled: its hash is remembered by stat
    first = BuildState(tmp_path / "dist", tmp_path).hash_input("content/groups/g.md")
    assert BuildState(tmp_path / "dist", tmp_path).hash_input("content/groups/g.md") == first
    source.write_text("name: bbbb\n", encoding="utf-8")
    os.utime(source, ns=(old, old))
    assert BuildState(tmp_path / "dist", tmp_path).hash_input("content/groups/g.md") not in (
        first,
        MISSING,
    )


def test_state_saved_again_after_an_entry_changed_holds_the_new_entry(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    (out / "g").mkdir(parents=True)
    for name in ("a.txt", "b.txt"):
        (out / "g" / name).write_text(name, encoding="utf-8")
    state = BuildState(out, tmp_path)
    state.record("g/a.txt", [], "one")
    state.record("g/b.txt", [], "one")
    state.save()
    state.record("g/b.txt", [], "two")
    state.save()
    saved = json.loads((out / ".playpress/state.json").read_text(encoding="utf-8"))
    assert {path: entry["settings"] for path, entry in saved["outputs"].items()} == {
        "g/a.txt": "one",
        "g/b.txt": "two",
    }
    again = BuildState(out, tmp_path)
    assert again.is_current("g/a.txt", "one") and again.is_current("g/b.txt", "two")


def test_a_long_stage_is_announced_with_its_size_and_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import playpress.build

    # a small project standing in for a big one
    monkeypatch.setitem(playpress.build.SHOW_PROGRESS_FROM, LIGHT, 20)
    files = {"playbooks/running.md": PLAIN_PLAYBOOK}
    files |= {f"content/groups/r{n}.md": group_text(f"r{n}") for n in range(4)}
    root = write_project(tmp_path / "proj", files)
    told: list[tuple[str, int, int]] = []
    build(
        Options(root, tmp_path / "dist", pdf=False, jobs=2),
        progress=lambda *said: told.append(said),
    )
    # 58 outputs (each group's 9 and its join page, the index, the days, 14 day pages, the SCRM
    # rules, the list of join pages): announced, made by two processes (40 or more)
    assert told == [("texts, calendars and pages", 4 * 10 + 4 + 14, 2)]
    (root / "content/groups/r0.md").unlink()
    told.clear()
    build(
        Options(root, tmp_path / "dist", pdf=False, jobs=2),
        progress=lambda *said: told.append(said),
    )
    assert told == []  # only the pages listing every group to make again: nothing said
