"""Values of the wrong kind and control characters (issue 11, item 4; contract Part 1 keys).

Every key of a group, a playbook and the site file given a value it cannot take: `check` (and
for some, `build`) exits 1 with an error at the file and line of that key, never a traceback.
"""

from __future__ import annotations

import pytest

from .batch import Batch, FileCase, write_batch
from .harness import (
    Project,
    assert_no_control_characters,
    assert_no_crash,
    assert_refused,
    assert_unchanged,
    errors_of,
    text_outputs,
)
from .projects import G1, G2, PB, SITE_YML


def g(old: str, new: str, needle: str = "", near: int = 0) -> FileCase:
    return FileCase(G1, old, new, needle, near)


def add(key_line: str) -> FileCase:
    """A key the base group does not set, added after `days:`."""
    return g("days: 14\n", f"days: 14\n{key_line}\n", key_line.split("\n")[0])


def pb(old: str, new: str, needle: str = "", near: int = 0) -> FileCase:
    return FileCase(PB, old, new, needle, near)


NAME, DAYS, VARS = "name: 考研英语冲刺1群", "days: 14", 'vars: {topic: 阅读理解, time: "20:00"}'
PEOPLE = "people: {teacher: 王老师, assistant: 小李}"
BRAND = 'brand:\n  color: "#C62828"\n  accent: "#FFD54F"\n  logo: content/assets/logo.png'
ROLES = (
    "roles:\n  - {id: teacher, title: 主讲老师, duties: [直播授课]}\n"
    "  - {id: assistant, title: 助教, duties: [答疑]}"
)
TEACHER = "  - {id: teacher, title: 主讲老师, duties: [直播授课]}"
NOTICE_SLOT = (
    "  - id: notice\n    when: 周六 10:00\n    post: 周末通知\n    kind: notice\n"
    "    owner: teacher\n    poster: card"
)
COPY = 'copy: "今晚{{ group.vars.time }}直播，{{ group.vars.topic }}，不见不散！"'
FAQ = '  - {q: 资料在哪里领？, a: "私信{{ group.people.assistant }}"}'

WRONG: dict[str, FileCase] = {
    # content/groups/*.md
    "group-name-is-a-mapping": g(NAME, "name: {first: 考研}"),
    "group-name-is-a-list": g(NAME, "name: [考研, 英语]"),
    # `name: yes` is the text "yes" (YAML read as typed: test_yaml_surprises), not a mistake
    "group-playbook-is-a-list": g("playbook: course", "playbook: [course]"),
    "group-playbook-is-a-path": g("playbook: course", "playbook: ../playbooks/course"),
    "group-start-is-words": g("start: 2026-12-01", "start: 下周一"),
    "group-start-is-february-30": g("start: 2026-12-01", "start: 2026-02-30"),
    "group-start-is-a-list": g("start: 2026-12-01", "start: [2026-12-01]"),
    "group-start-is-in-9999": g("start: 2026-12-01", "start: 9999-12-30"),
    "group-days-is-words": g(DAYS, "days: 两周"),
    "group-days-is-negative": g(DAYS, "days: -5"),
    "group-days-is-zero": g(DAYS, "days: 0"),
    "group-days-is-a-fraction": g(DAYS, "days: 1.5"),
    "group-days-is-yes": g(DAYS, "days: yes"),
    "group-days-is-a-list": g(DAYS, "days: [14]"),
    "group-end-is-a-list": g(DAYS, "end: [2026-12-30]"),
    "group-end-is-a-number": g(DAYS, "end: 30"),
    "group-end-is-before-start": g(DAYS, "end: 2026-11-01"),
    "group-timezone-is-a-number": add("timezone: 8"),
    "group-timezone-is-unknown": add("timezone: Mars/Olympus"),
    "group-timezone-is-a-relative-path": add("timezone: ../../../../etc/passwd"),
    "group-timezone-is-an-absolute-path": add("timezone: /etc/localtime"),
    "group-timezone-is-a-list": add("timezone: [Asia/Shanghai]"),
    "group-lang-is-unknown": add("lang: fr"),
    "group-lang-is-a-number": add("lang: 5"),
    "group-lang-is-a-list": add("lang: [zh]"),
    "group-join-url-is-a-mapping": g("join_url: https://example.com/j/abc", "join_url: {url: x}"),
    "group-join-url-is-not-a-link": g("join_url: https://example.com/j/abc", "join_url: 扫码进群"),
    "group-qr-image-is-a-list": FileCase(
        G2, "qr_image: content/assets/qr.png", "qr_image: [content/assets/qr.png]"
    ),
    "group-qr-expires-is-words": FileCase(
        G2, "days: 7\n", "days: 7\nqr_expires: 下周\n", "qr_expires"
    ),
    "group-people-is-a-number": g(PEOPLE, "people: 5"),
    "group-people-is-a-list": g(PEOPLE, "people: [王老师, 小李]"),
    "group-people-is-one-name": g(PEOPLE, "people: 王老师"),
    "group-person-is-a-mapping": g(PEOPLE, "people: {teacher: {name: 王老师}, assistant: 小李}"),
    "group-person-is-a-list": g(PEOPLE, "people: {teacher: [王老师, 李老师], assistant: 小李}"),
    "group-person-is-empty": g(PEOPLE, "people: {teacher: , assistant: 小李}"),
    "group-brand-is-a-number": g(BRAND, "brand: 5"),
    "group-brand-is-a-list": g(BRAND, "brand: [red]"),
    "group-brand-color-is-a-number": g('  color: "#C62828"', "  color: 5"),
    "group-brand-color-is-a-name": g('  color: "#C62828"', "  color: red"),
    "group-brand-color-is-a-list": g('  color: "#C62828"', "  color: [198, 40, 40]"),
    "group-brand-logo-is-a-mapping": g(
        "  logo: content/assets/logo.png", "  logo: {file: logo.png}"
    ),
    "group-brand-logo-is-a-folder": g("  logo: content/assets/logo.png", "  logo: content/assets"),
    "group-brand-logo-is-absolute": g("  logo: content/assets/logo.png", "  logo: /etc/passwd"),
    "group-brand-logo-leaves-the-project": g(
        "  logo: content/assets/logo.png", "  logo: ../../../../etc/passwd"
    ),
    "group-vars-is-a-number": g(VARS, "vars: 5"),
    "group-vars-is-a-list": g(VARS, "vars: [阅读理解]"),
    "group-sop-skip-is-a-number": add("sop_skip: 5"),
    "group-sop-skip-is-a-mapping": add("sop_skip: {morning: yes}"),
    "group-sop-add-is-a-number": add("sop_add: 5"),
    "group-sop-add-is-words": add("sop_add: 加一条"),
    "group-sop-add-item-is-a-number": add("sop_add: [5]"),
    "group-sop-add-item-is-empty": add("sop_add: [{}]"),
    "group-sop-add-when-is-a-number": add(
        "sop_add: [{id: extra, when: 5, post: 加餐, kind: notice, owner: teacher}]"
    ),
    "group-sop-add-when-is-a-list": add(
        "sop_add: [{id: extra, when: [daily], post: 加餐, kind: notice, owner: teacher}]"
    ),
    # playbooks/*.md
    "playbook-title-is-a-mapping": pb("title: 考研英语冲刺", "title: {zh: 考研}"),
    "playbook-title-is-a-list": pb("title: 考研英语冲刺", "title: [考研, 英语]"),
    "playbook-type-is-a-number": pb("type: knowledge", "type: 5"),
    "playbook-type-is-unknown": pb("type: knowledge", "type: school"),
    "playbook-type-is-a-list": pb("type: knowledge", "type: [knowledge]"),
    "playbook-model-is-a-list": pb("model: content", "model: [content]"),
    "playbook-summary-is-a-mapping": pb(
        "summary: 考研英语冲刺群的运营方法。", "summary: {zh: 方法}"
    ),
    "playbook-positioning-is-a-number": pb(
        "model: content\n", "model: content\npositioning: 5\n", "positioning"
    ),
    "playbook-positioning-channels-is-a-number": pb(
        "model: content\n", "model: content\npositioning: {channels: 5}\n", "positioning"
    ),
    "playbook-roles-is-a-number": pb(ROLES, "roles: 5"),
    "playbook-roles-is-a-mapping": pb(ROLES, "roles: {teacher: 老师}"),
    "playbook-role-is-a-number": pb(TEACHER, "  - 5"),
    "playbook-role-id-is-a-list": pb(
        TEACHER, "  - {id: [teacher], title: 主讲老师, duties: [直播授课]}"
    ),
    "playbook-role-duties-is-a-number": pb(
        TEACHER, "  - {id: teacher, title: 主讲老师, duties: 5}"
    ),
    "playbook-rules-is-a-number": pb(
        "rules:\n  name_card:", "rules: 5\nrules_of_old:\n  name_card:"
    ),
    "playbook-rules-never-is-a-number": pb("never: [发广告, 刷屏]", "never: 5"),
    "playbook-rules-never-is-a-mapping": pb("never: [发广告, 刷屏]", "never: {a: 发广告}"),
    "playbook-rules-never-item-is-a-list": pb("never: [发广告, 刷屏]", "never: [[发广告], 刷屏]"),
    "playbook-rules-penalty-is-a-list": pb(
        "penalty: 违规一次提醒，两次移出", "penalty: [提醒, 移出]"
    ),
    "playbook-welcome-is-a-list": pb(
        "welcome: |\n  欢迎加入", "welcome: [欢迎]\nwelcome_of_old: |\n  欢迎加入"
    ),
    "playbook-phases-is-a-number": pb("phases:\n", "phases: 5\nphases_of_old:\n"),
    "playbook-phase-days-run-backwards": pb('days: "1-7"', 'days: "7-1"'),
    "playbook-phase-days-is-a-list": pb('days: "1-7"', "days: [1, 7]"),
    "playbook-phase-days-start-at-0": pb('days: "1-7"', 'days: "0-7"'),
    "playbook-sop-is-a-number": pb("sop:\n", "sop: 5\nsop_of_old:\n"),
    "playbook-slot-is-a-number": pb(NOTICE_SLOT, "  - 5"),
    "playbook-slot-is-a-list": pb(NOTICE_SLOT, "  - [周六 10:00, 周末通知]"),
    "playbook-slot-when-is-a-number": pb("when: daily 08:00", "when: 5"),
    "playbook-slot-when-is-a-list": pb("when: daily 08:00", "when: [daily, '08:00']"),
    "playbook-slot-when-is-a-mapping": pb("when: daily 08:00", "when: {daily: '08:00'}"),
    "playbook-slot-when-at-25:00": pb("when: daily 08:00", "when: daily 25:00"),
    "playbook-slot-when-on-february-30": pb("when: daily 08:00", "when: 2026-02-30 08:00"),
    "playbook-slot-when-on-a-ninth-weekday": pb("when: daily 08:00", "when: 周八 08:00"),
    "playbook-slot-when-is-empty": pb("when: daily 08:00", 'when: ""', near=1),
    "playbook-slot-kind-is-a-number": pb("kind: interaction", "kind: 5"),
    "playbook-slot-kind-is-unknown": pb("kind: interaction", "kind: party"),
    "playbook-slot-owner-is-a-list": pb("owner: assistant", "owner: [assistant]"),
    "playbook-slot-owner-is-unknown": pb("owner: assistant", "owner: nobody"),
    "playbook-slot-id-is-a-path": pb("id: morning", "id: ../../evil"),
    "playbook-slot-id-is-a-list": pb("id: morning", "id: [morning]"),
    "playbook-slot-copy-is-a-mapping": pb(COPY, "copy: {zh: 你好}"),
    "playbook-slot-poster-is-a-list": pb("poster: card", "poster: [card]"),
    "playbook-slot-poster-is-unknown": pb("poster: card", "poster: nope"),
    "playbook-mix-is-a-number": pb("model: content\n", "model: content\nmix: 5\n", "mix:"),
    "playbook-mix-share-is-words": pb(
        "model: content\n", "model: content\nmix: {activity: 很多}\n", "mix:"
    ),
    "playbook-mix-share-is-150-percent": pb(
        "model: content\n", 'model: content\nmix: {activity: ">=150%"}\n', "mix:"
    ),
    "playbook-mix-kind-is-unknown": pb(
        "model: content\n", 'model: content\nmix: {party: ">=50%"}\n', "mix:"
    ),
    "playbook-posters-is-a-number": pb("posters:\n", "posters: 5\nposters_of_old:\n"),
    "playbook-poster-id-is-a-path": pb("  - id: preview", "  - id: ../../evil"),
    "playbook-poster-size-is-words": pb("    size: story", "    size: [宽, 高]"),
    "playbook-poster-size-is-zero": pb("    size: story", "    size: [0, 0]"),
    "playbook-poster-size-is-10-gigapixels": pb("    size: story", "    size: [100000, 100000]"),
    "playbook-poster-size-is-negative": pb("    size: story", "    size: [-1080, 1920]"),
    "playbook-poster-size-has-one-number": pb("    size: story", "    size: [1080]"),
    "playbook-poster-size-is-a-mapping": pb("    size: story", "    size: {w: 1080, h: 1920}"),
    "playbook-poster-lines-is-a-number": pb("    lines: [考点精讲, 真题带练]", "    lines: 5"),
    "playbook-poster-lines-is-a-mapping": pb(
        "    lines: [考点精讲, 真题带练]", "    lines: {a: 考点精讲}"
    ),
    "playbook-poster-title-is-a-mapping": pb("    title: 周末通知", "    title: {zh: 周末通知}"),
    "playbook-poster-qr-is-a-list": pb(
        "    title: 周末通知\n", "    title: 周末通知\n    qr: [a, b]\n", "qr: [a, b]"
    ),
    "playbook-poster-layout-is-unknown": pb(
        "    title: 周末通知\n", "    title: 周末通知\n    layout: nope\n", "layout: nope"
    ),
    "playbook-poster-background-is-a-number": pb(
        "    background: content/assets/bg.png", "    background: 5"
    ),
    "playbook-poster-background-leaves-the-project": pb(
        "    background: content/assets/bg.png", "    background: ../../../../etc/passwd"
    ),
    "playbook-poster-background-is-not-a-colour": pb(
        "    background: content/assets/bg.png", '    background: "#GGGGGG"'
    ),
    "playbook-faq-is-a-number": pb("faq:\n", "faq: 5\nfaq_of_old:\n"),
    "playbook-faq-item-is-words": pb(FAQ, "  - 资料在哪里领？"),
    "playbook-faq-question-is-a-list": pb(FAQ, "  - {q: [资料, 在哪], a: 私信}"),
    "playbook-metrics-is-a-number": pb("metrics:\n  north_star: 到课率", "metrics: 5"),
    "playbook-metrics-north-star-is-a-list": pb("  north_star: 到课率", "  north_star: [到课率]"),
}


@pytest.fixture(scope="module")
def wrong_batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Every group and playbook case of this module in one project, checked once."""
    root = tmp_path_factory.mktemp("wrong-batch") / "proj"
    where = write_batch(root, {**WRONG, **TYPED_CONTROLS})
    return Batch(Project(root).check(), where)


@pytest.mark.parametrize("name", WRONG)
def test_check_refuses_a_value_of_the_wrong_kind(
    wrong_batch: Batch, source_project: Project, name: str
) -> None:
    case = WRONG[name]

    def alone() -> tuple:
        lines = case.apply(source_project)
        return source_project.check(), case.file, lines

    wrong_batch.judge(name, alone)


def site(old: str, new: str) -> tuple[str, str]:
    return old, new


def site_add(key_line: str) -> tuple[str, str]:
    return "timezone: Asia/Shanghai\n", f"timezone: Asia/Shanghai\n{key_line}\n"


SITE_WRONG: dict[str, tuple[str, str]] = {
    "site-title-is-a-list": site("title: 测试社区运营中心", "title: [测试, 社区]"),
    "site-lang-is-unknown": site("lang: zh", "lang: fr"),
    "site-lang-is-a-number": site("lang: zh", "lang: 5"),
    "site-timezone-is-unknown": site("timezone: Asia/Shanghai", "timezone: Mars/Olympus"),
    "site-timezone-is-a-path": site("timezone: Asia/Shanghai", "timezone: ../../../../etc/passwd"),
    "site-theme-is-a-list": site_add("theme: [default]"),
    "site-base-url-is-a-number": site_add("base_url: 5"),
    "site-base-url-is-not-a-link": site_add("base_url: 我们的网站"),
    "site-limits-is-a-number": site_add("limits: 5"),
    "site-limits-posts-per-day-is-words": site_add("limits: {max_posts_per_day: 很多}"),
    "site-limits-screen-is-a-number": site_add("limits: {screen: 5}"),
    "site-limits-screen-columns-is-zero": site_add("limits: {screen: {columns: 0, lines: 20}}"),
    "site-limits-screen-lines-is-negative": site_add("limits: {screen: {columns: 40, lines: -1}}"),
    "site-reminder-minutes-is-words": site_add("reminder_minutes: 十分钟"),
}


@pytest.mark.parametrize("name", SITE_WRONG)
def test_check_refuses_a_site_value_of_the_wrong_kind(source_project: Project, name: str) -> None:
    old, new = SITE_WRONG[name]
    source_project.edit(SITE_YML, old, new)
    line = source_project.line_of(SITE_YML, new.strip().split("\n")[-1])
    assert_refused(source_project.check(), at=SITE_YML, line=line)


SITE_SHAPES = {
    "a-list": "- 测试社区运营中心\n- zh\n",
    "one-word": "测试社区运营中心\n",
    "a-yaml-tag": "title: !!python/object/apply:os.system [echo hacked]\n",
}


@pytest.mark.parametrize("name", SITE_SHAPES)
def test_site_yml_of_the_wrong_shape(source_project: Project, name: str) -> None:
    source_project.write(SITE_YML, SITE_SHAPES[name], raw=True)
    assert_refused(source_project.check(), at=SITE_YML, any_line=True)


BUILT = [
    "group-people-is-a-number",
    "group-start-is-in-9999",
    "group-timezone-is-a-relative-path",
    "playbook-poster-size-is-10-gigapixels",
    "group-playbook-is-a-path",
]


@pytest.mark.parametrize("name", BUILT)
def test_build_refuses_a_value_of_the_wrong_kind_before_writing(project, name: str) -> None:
    lines = WRONG[name].apply(project)
    assert_refused(project.build(), at=WRONG[name].file, line=lines)
    assert_unchanged(project.before, project.snapshot())


@pytest.mark.parametrize("name", ["site-limits-screen-columns-is-zero", "site-timezone-is-a-path"])
def test_build_refuses_a_site_value_of_the_wrong_kind_before_writing(project, name: str) -> None:
    old, new = SITE_WRONG[name]
    project.edit(SITE_YML, old, new)
    line = project.line_of(SITE_YML, new.strip().split("\n")[-1])
    assert_refused(project.build(), at=SITE_YML, line=line)
    assert_unchanged(project.before, project.snapshot())


# --- control characters --------------------------------------------------------------------------

CONTROLS = {
    "NUL": "\x00",
    "SOH": "\x01",
    "BEL": "\x07",
    "BS": "\x08",
    "VT": "\x0b",
    "FF": "\x0c",
    "SO": "\x0e",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "PAD-C1": "\x80",
    "CSI-C1": "\x9b",
    "APC-C1": "\x9f",
}


TYPED_CONTROLS = {
    f"control-{name}-typed-in-a-group-name": g(NAME, f"name: 考研{char}英语冲刺1群", "name:")
    for name, char in CONTROLS.items()
}


@pytest.mark.parametrize("name", TYPED_CONTROLS)
def test_control_character_typed_in_front_matter(
    wrong_batch: Batch, source_project: Project, name: str
) -> None:
    """Pasted from Word, Excel or a chat export into a group's name."""
    case = TYPED_CONTROLS[name]

    def alone() -> tuple:
        lines = case.apply(source_project)
        return source_project.check(), case.file, lines

    wrong_batch.judge(name, alone)


ESCAPED = {
    "yaml-\\0": r'"考研\0群"',
    "yaml-\\u0000": r'"考研\u0000群"',
    "yaml-\\e-colour": r'"\e[31m考研\e[0m"',
    "yaml-\\x9b": r'"考研\x9b群"',
    "yaml-\\x07": r'"考研\x07群"',
}


@pytest.mark.parametrize("name", ESCAPED)
def test_control_character_written_as_a_yaml_escape(project, name: str) -> None:
    """A double-quoted YAML string turns `\\0` or `\\e` into the control character itself."""
    project.edit(G1, NAME, f"name: {ESCAPED[name]}")
    run = project.build()
    assert_refused(run, at=G1, line=project.line_of(G1, "name:"))
    assert_unchanged(project.before, project.snapshot())


def test_nul_in_group_front_matter_leaves_dist_alone(project) -> None:
    project.edit(G1, NAME, "name: 考研\x00英语冲刺1群")
    run = project.build()
    assert_refused(run, at=G1, line=project.line_of(G1, "name:"))
    assert_unchanged(project.before, project.snapshot())


def test_nul_in_playbook_front_matter(project) -> None:
    project.edit(PB, "title: 考研英语冲刺", "title: 考研\x00英语冲刺")
    assert_refused(project.build(), at=PB, line=project.line_of(PB, "title:"))
    assert_unchanged(project.before, project.snapshot())


def test_nul_in_site_yml(source_project: Project) -> None:
    source_project.edit(SITE_YML, "title: 测试社区运营中心", "title: 测试\x00社区")
    assert_refused(source_project.check(), at=SITE_YML, line=1)


@pytest.mark.parametrize(
    "where,char",
    [(G1, "\x00"), (PB, "\x1b"), (PB, "\x9b")],
    ids=["NUL-in-group-notes", "ESC-in-playbook-body", "C1-CSI-in-playbook-body"],
)
def test_control_character_in_a_markdown_body(project, where: str, char: str) -> None:
    """In a body the character is refused at its line, or left out of every output."""
    body = "本群备注。" if where == G1 else "正文。"
    project.edit(where, body, f"正文{char}[31m红色{char}")
    run = project.build()
    assert_no_crash(run)
    if run.returncode == 1:
        assert_refused(run, at=where, line=project.line_of(where, "红色"))
        assert_unchanged(project.before, project.snapshot())
    else:
        assert run.returncode == 0, run
        assert_no_control_characters(text_outputs(project.dist))


FRONT_MATTERS = {
    "a-list": "---\n- 考研英语冲刺1群\n- course\n---\n备注\n",
    "one-word": "---\n考研英语冲刺1群\n---\n备注\n",
    "empty": "---\n---\n备注\n",
    "not-closed": "---\nname: 考研英语冲刺1群\nplaybook: course\n",
    "missing": "name: 考研英语冲刺1群\nplaybook: course\n",
    "a-yaml-tag": "---\nname: !!python/object/apply:os.system [echo x]\nplaybook: course\n---\n",
}


@pytest.mark.parametrize("name", FRONT_MATTERS)
def test_group_front_matter_of_the_wrong_shape(source_project: Project, name: str) -> None:
    source_project.write(G1, FRONT_MATTERS[name], raw=True)
    assert_refused(source_project.check(), at=G1, any_line=True)


def test_group_file_that_is_not_utf8(source_project: Project) -> None:
    text = source_project.read(G1).replace("考研英语冲刺1群", "考研")
    (source_project / G1).write_bytes(text.encode("gb18030") + b"\xff\xfe\x00")
    assert_refused(source_project.check(), at=G1)


def test_group_file_saved_as_utf16(source_project: Project) -> None:
    (source_project / G1).write_bytes(source_project.read(G1).encode("utf-16"))
    run = source_project.check()
    assert_refused(run, at=G1)
    assert len(errors_of(run)) < 20, f"one problem, one line\n{run}"
