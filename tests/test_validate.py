"""Broken inputs through the real command line: one line per problem, exit 1, no traceback, outputs
kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import segno
from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK, run_cli, snapshot, write_project

GROUP = "content/groups/g1.md"
PLAYBOOK = "playbooks/course.md"

# (name, file to edit, old text, new text, expected line (None: the edited line), words the message
# must carry)
BROKEN = [
    (
        "yaml typo",
        GROUP,
        "people: {teacher: 王老师, assistant: 小李}",
        "people: {teacher: 王老师, assistant: [小李}",
        None,
        "YAML",
    ),
    (
        "unknown playbook",
        GROUP,
        "playbook: course",
        "playbook: corse",
        None,
        "did you mean 'course'",
    ),
    ("bad when", PLAYBOOK, "when: daily 08:00", "when: dayly 08:00", None, "'dayly'"),
    ("25:00", PLAYBOOK, "when: daily 08:00", "when: daily 25:00", None, "25:00"),
    ("day 0", PLAYBOOK, "when: daily 08:00", "when: day 0 08:00", None, "start at 1"),
    ("backwards range", PLAYBOOK, "when: daily 08:00", "when: days 9-3 08:00", None, "backwards"),
    ("bad weekday", PLAYBOOK, "when: 周二,周四 20:00", "when: 周二,周八 20:00", None, "周八"),
    (
        "path out of project",
        GROUP,
        "vars: {topic: 阅读理解}",
        "vars: {topic: 阅读理解}\nbrand: {logo: ../../secret.png}",
        None,
        "leaves the project",
    ),
    (
        "absolute path",
        GROUP,
        "vars: {topic: 阅读理解}",
        "vars: {topic: 阅读理解}\nqr_image: /etc/hostname",
        None,
        "absolute",
    ),
    (
        "missing asset",
        GROUP,
        "vars: {topic: 阅读理解}",
        "vars: {topic: 阅读理解}\nbrand: {logo: content/assets/nope.png}",
        None,
        "does not exist",
    ),
    (
        "unknown template name",
        PLAYBOOK,
        "{{ group.vars.topic }}，不见不散",
        "{{ group.vars.topik }}，不见不散",
        None,
        "group.vars.topik",
    ),
    (
        "template reaching internals",
        PLAYBOOK,
        "{{ group.vars.topic }}，不见不散",
        "{{ group.name.__class__.__mro__[1].__subclasses__() }}，不见不散",
        None,
        "__class__",
    ),
    (
        "unknown role",
        PLAYBOOK,
        "owner: assistant",
        "owner: asistant",
        None,
        "did you mean 'assistant'",
    ),
    (
        "campaign day outside span",
        PLAYBOOK,
        "when: daily 08:00",
        "when: day 20 08:00",
        "content/groups/g1.md:5",
        "day 20",
    ),
    ("bad time zone", GROUP, "days: 14", "days: 14\ntimezone: China/Beijing", None, "time zone"),
    ("bad date", GROUP, "start: 2026-12-01", "start: 2026-13-01", None, "not a date"),
    (
        "unknown key",
        PLAYBOOK,
        "    kind: interaction",
        "    kind: interaction\n    onwer: assistant",
        None,
        "did you mean 'owner'",
    ),
    ("duplicate slot id", PLAYBOOK, "  - id: live", "  - id: morning", None, "duplicate slot id"),
    ("unknown poster", PLAYBOOK, "poster: preview", "poster: previw", None, "unknown poster"),
    ("missing required key", PLAYBOOK, "type: knowledge\n", "", 2, "'type'"),
    (
        "no join link for a QR poster",
        GROUP,
        "join_url: https://example.com/j/abc\n",
        "",
        2,
        "join_url",
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    root = write_project(
        tmp_path_factory.mktemp("valid") / "proj",
        {PLAYBOOK: MINIMAL_PLAYBOOK, GROUP: MINIMAL_GROUP},
    )
    result = run_cli("build", "--root", str(root), "--no-pdf")
    assert result.returncode == 0, result.stderr
    return root, snapshot(root / "dist")


@pytest.mark.parametrize("name, relpath, old, new, line, words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_input(built, tmp_path, name, relpath, old, new, line, words):
    source, before = built
    root = tmp_path / "proj"
    shutil.copytree(source, root)
    target = root / relpath
    text = target.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {relpath}"
    edited = text.replace(old, new, 1)
    target.write_text(edited, encoding="utf-8")
    if line is None:  # the problem is on the last line the edit wrote
        line = text[: text.index(old)].count("\n") + new.rstrip("\n").count("\n") + 1
    where = line if isinstance(line, str) else f"{relpath}:{line}"

    result = run_cli("build", "--root", str(root), "--no-pdf")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert problems, result.stderr
    matching = [line for line in problems if line.startswith(where + ":") and words in line]
    assert matching, f"expected {where} with {words!r} in:\n{result.stderr}"
    assert snapshot(root / "dist") == before  # earlier outputs left byte-identical


def test_every_problem_of_a_run_is_reported_at_once(minimal_project):
    playbook = minimal_project / PLAYBOOK
    text = playbook.read_text(encoding="utf-8")
    text = text.replace("when: daily 08:00", "when: daily 8am").replace(
        "owner: teacher", "owner: chef"
    )
    playbook.write_text(
        text.replace("title: 考研英语冲刺", "title: 考研英语冲刺\nsumary: x"), encoding="utf-8"
    )
    result = run_cli("check", "--root", str(minimal_project))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 3, result.stderr
    assert any("sumary" in e and "did you mean 'summary'" in e for e in errors)


def test_warnings_pass_check_but_fail_strict(minimal_project):
    group = minimal_project / GROUP
    # no person for the teacher role; more posts on Tuesdays than allowed
    group.write_text(
        group.read_text(encoding="utf-8").replace("teacher: 王老师, ", ""), encoding="utf-8"
    )
    (minimal_project / "content/site.yml").write_text(
        "limits: {max_posts_per_day: 1}\n", encoding="utf-8"
    )
    result = run_cli("check", "--root", str(minimal_project))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert any("role 'teacher'" in w for w in warnings)
    assert any("2 posts on 2026-12-01" in w for w in warnings)  # a Tuesday: morning + live
    strict = run_cli("check", "--root", str(minimal_project), "--strict")
    assert strict.returncode == 1
    assert run_cli("build", "--root", str(minimal_project), "--strict", "--no-pdf").returncode == 1


def test_long_welcome_and_expiring_qr_are_warned(minimal_project):
    playbook = minimal_project / PLAYBOOK
    long_welcome = "welcome: |\n" + "".join(
        f"  第{n}段：欢迎欢迎欢迎欢迎欢迎欢迎欢迎欢迎欢迎欢迎欢迎欢迎。\n\n" for n in range(12)
    )
    text = playbook.read_text(encoding="utf-8")
    start = text.index("welcome: |")
    end = text.index("phases:")
    playbook.write_text(text[:start] + long_welcome + text[end:], encoding="utf-8")
    qr = minimal_project / "content/assets/qr.png"
    qr.parent.mkdir(parents=True)
    segno.make_qr("https://weixin.qq.com/g/AbCdEf").save(str(qr), scale=6)  # a real exported code
    group = minimal_project / GROUP
    group.write_text(
        group.read_text(encoding="utf-8").replace(
            "vars:", "qr_image: content/assets/qr.png\nqr_expires: 2026-12-07\nvars:"
        ),
        encoding="utf-8",
    )
    result = run_cli("check", "--root", str(minimal_project))
    assert result.returncode == 0, result.stderr
    assert "more than one screen" in result.stderr
    assert "qr_image expires on 2026-12-07" in result.stderr


def test_activity_share_under_the_mix_target_is_warned(minimal_project):
    playbook = minimal_project / PLAYBOOK
    playbook.write_text(
        playbook.read_text(encoding="utf-8").replace("faq:", 'mix: {activity: ">=50%"}\nfaq:'),
        encoding="utf-8",
    )
    result = run_cli("check", "--root", str(minimal_project))
    assert result.returncode == 0
    assert "activity posts are" in result.stderr and "target >=50%" in result.stderr
