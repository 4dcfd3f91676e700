"""Property-based cases (issue 11, deliverable 7): random front-matter values for every key and
random `when` strings never give a traceback, a hang or an exit status outside 0/1.

The command line runs in a subprocess (never in-process), so each example is a batch: one
project with many generated files, one `check` (and, where check says ok, one `build`). The
examples are fixed (derandomized) and few, so the module runs in seconds; shrinking is off
(each run costs a subprocess): a failure prints the whole batch and the run's output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# every key the schemas know, so that keys added later are shaken too
from playpress.load.groups import GROUP_KEYS
from playpress.load.playbooks import PLAYBOOK_KEYS, SLOT_KEYS

from .harness import Project, Run, assert_no_crash, errors_of
from .projects import GROUP_1, PLAYBOOK, SITE_YML, base_files

EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


SITE_KEYS = ("title", "lang", "timezone", "theme", "base_url", "limits", "reminder_minutes")

# Scalars as a user types them unquoted: YAML 1.1 reads many of them as something else.
TRICKY = (
    "20:30",
    "1:30:00",
    "0755",
    "0x1F",
    "1_000",
    "1.10",
    ".inf",
    ".nan",
    "NO",
    "off",
    "~",
    "null",
    "#C62828",
    "2026-02-30",
    "2026-12-01 08:00",
    "9999-12-31",
    "[",
    "]",
    "{a",
    "}",
    "*anchor",
    "&a x",
    "!!python/object/apply:os.system [echo x]",
    "!!binary aGk=",
    "? x",
    "- x",
    "|",
    ">",
    "'",
    '"',
    "%TAG",
    "@x",
    "`x`",
    "{{ group.name }}",
    "{{ 7**7**7 }}",
    "{% for x in y %}",
    "...",
    "---",
    "é\u0301",
    "\u202etxt",
    "\ufeff",
    "１２",
    "０７５５",
    "\u3000",
    "✓",
    "🙂",
)

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats()
    | TEXT
    | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    | st.sampled_from(TRICKY)
    | st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(SLOT_KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


def front_matter(data: dict[str, Any], raw: dict[str, str]) -> str:
    """YAML as written by a tool (dumped values), then lines as typed by hand (raw scalars)."""
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6) if data else ""
    typed = "".join(f"{key}: {token}\n" for key, token in raw.items())
    return "---\n" + dumped + typed + "---\n"


def fresh_project(factory: pytest.TempPathFactory) -> Project:
    project = Project(factory.mktemp("prop") / "proj")
    for relpath, content in base_files().items():
        project.write(relpath, content)
    return project


def assert_well_behaved(run: Run, project: Project) -> None:
    """No crash, exit 0 or 1, and every error names a file of the project (or the project)."""
    assert_no_crash(run)
    assert run.returncode in (0, 1), f"exit {run.returncode}\n{run}"
    for match in errors_of(run):
        where = match["where"]
        assert where == "<project>" or (project.root / where).exists() or where == "dist", (
            f"an error names no file of the project: {match.group(0)}\n{run}"
        )


GROUP_BASE = yaml.safe_load(GROUP_1.split("---")[1])
GROUPS = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(GROUP_KEYS + ("nmae", "Days", "")), VALUES, max_size=4),
        st.dictionaries(st.sampled_from(GROUP_KEYS), st.sampled_from(TRICKY), max_size=2),
        st.booleans(),
    ),
    min_size=12,
    max_size=12,
)


@EXAMPLES
@given(groups=GROUPS)
def test_random_group_front_matter(tmp_path_factory: pytest.TempPathFactory, groups: list) -> None:
    """Twelve group files per run, each the good group with some keys given random values (or a
    group of random keys only)."""
    project = fresh_project(tmp_path_factory)
    for number, (values, raw, keep_the_rest) in enumerate(groups):
        data = {**GROUP_BASE, **values} if keep_the_rest else dict(values)
        for key in raw:
            data.pop(key, None)
        project.write(f"content/groups/h{number}.md", front_matter(data, raw) + "备注\n", raw=True)
    assert_well_behaved(project.check(), project)


PLAYBOOK_BASE = yaml.safe_load(PLAYBOOK.split("---")[1])
SLOTS = st.lists(
    st.dictionaries(st.sampled_from(SLOT_KEYS), VALUES, max_size=8), min_size=20, max_size=20
)


@EXAMPLES
@given(slots=SLOTS, extra=st.dictionaries(st.sampled_from(PLAYBOOK_KEYS), VALUES, max_size=2))
def test_random_playbook_values(
    tmp_path_factory: pytest.TempPathFactory, slots: list, extra: dict
) -> None:
    """A playbook with twenty random slots added and a few of its other keys given random values."""
    project = fresh_project(tmp_path_factory)
    data = {**PLAYBOOK_BASE, **extra}
    if isinstance(data.get("sop"), list):
        data["sop"] = data["sop"] + slots
    project.write("playbooks/course.md", front_matter(data, {}) + "## 第一章\n\n正文。\n", raw=True)
    assert_well_behaved(project.check(), project)


DAYS_WORDS = st.sampled_from(
    [
        "daily",
        "weekdays",
        "weekends",
        "Daily",
        "DAILY",
        "mon",
        "tue,thu",
        "sun,mon",
        "周一",
        "周二,周四",
        "星期三",
        "礼拜天",
        "lunes",
        "sáb",
        "day",
        "days",
        "mon,,tue",
        "周八",
        "everyday",
        "ｄａｉｌｙ",
    ]
)
NUMBERS = st.sampled_from(
    [
        "0",
        "1",
        "7",
        "14",
        "-1",
        "60",
        "3660",
        "3661",
        "99999999",
        "1" + "0" * 30,
        "１",
        "٣",
        "1.5",
        "1e3",
    ]
)
DATES = st.sampled_from(
    [
        "2026-12-01",
        "2026-02-30",
        "2026-13-01",
        "9999-12-31",
        "0001-01-01",
        "0000-01-01",
        "2026-1-1",
        "2026/12/01",
    ]
)
TIMES = st.sampled_from(
    [
        "08:00",
        "23:59",
        "00:00",
        "24:00",
        "12:60",
        "8:00",
        "8:0",
        "08:00:00",
        "0800",
        "２０:００",
        "20：00",
        "-1:00",
        "99999999:00",
        "08:00 PM",
    ]
)
WHENS = (
    st.builds(lambda d, t: f"{d} {t}", DAYS_WORDS, TIMES)
    | st.builds(lambda n, t: f"day {n} {t}", NUMBERS, TIMES)
    | st.builds(lambda a, b, t: f"days {a}-{b} {t}", NUMBERS, NUMBERS, TIMES)
    | st.builds(lambda d, t: f"{d} {t}", DATES, TIMES)
    | st.lists(
        DAYS_WORDS
        | NUMBERS
        | DATES
        | TIMES
        | st.sampled_from([" ", "-", ",", ":", "\t", "\u3000"]),
        max_size=6,
    ).map(" ".join)
    | TEXT
)


def slot_with(number: int, when: str) -> dict[str, Any]:
    return {
        "id": f"w{number}",
        "when": when,
        "post": f"帖子{number}",
        "kind": "notice",
        "owner": "assistant",
    }


@EXAMPLES
@given(whens=st.lists(WHENS, min_size=40, max_size=40))
def test_random_when_strings(tmp_path_factory: pytest.TempPathFactory, whens: list[str]) -> None:
    """Forty random `when` strings as slots of one playbook, for groups with and without a span."""
    project = fresh_project(tmp_path_factory)
    data = dict(
        PLAYBOOK_BASE, sop=PLAYBOOK_BASE["sop"] + [slot_with(n, w) for n, w in enumerate(whens)]
    )
    project.write("playbooks/course.md", front_matter(data, {}) + "正文。\n", raw=True)
    project.edit(
        "content/groups/g2.md", "days: 7\n", ""
    )  # g2's span: the playbook's last campaign day
    assert_well_behaved(project.check(), project)


VALID_WHENS = (
    st.builds(
        lambda d, h, m: f"{d} {h:02d}:{m:02d}",
        st.sampled_from(
            ["daily", "weekdays", "weekends", "mon", "tue,thu", "周一,周三,周五", "sat"]
        ),
        st.integers(0, 23),
        st.integers(0, 59),
    )
    | st.builds(lambda n, h: f"day {n} {h:02d}:30", st.integers(1, 40), st.integers(0, 23))
    | st.builds(
        lambda a, k, h: f"days {a}-{a + k} {h:02d}:00",
        st.integers(1, 20),
        st.integers(0, 20),
        st.integers(0, 23),
    )
    | st.builds(
        lambda d, h: f"{d:%Y-%m-%d} {h:02d}:15",
        st.dates(dt.date(2026, 12, 1), dt.date(2027, 1, 20)),
        st.integers(0, 23),
    )
)
NAMES = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=16
)


@settings(EXAMPLES, max_examples=5)
@given(
    whens=st.lists(VALID_WHENS, min_size=6, max_size=6),
    name=NAMES,
    topic=NAMES,
    timezone=st.sampled_from(
        [
            "Asia/Shanghai",
            "America/New_York",
            "Europe/Madrid",
            "Pacific/Chatham",
            "Australia/Lord_Howe",
            "UTC",
        ]
    ),
)
def test_check_ok_means_build_ok(
    tmp_path_factory: pytest.TempPathFactory, whens: list[str], name: str, topic: str, timezone: str
) -> None:
    """Whatever `check` accepts, `build` builds: random valid slots, names and time zones."""
    project = fresh_project(tmp_path_factory)
    data = dict(
        PLAYBOOK_BASE, sop=PLAYBOOK_BASE["sop"] + [slot_with(n, w) for n, w in enumerate(whens)]
    )
    project.write("playbooks/course.md", front_matter(data, {}) + "正文。\n", raw=True)
    group = dict(GROUP_BASE, name=name, timezone=timezone, vars={"topic": topic, "time": "20:00"})
    group.pop("days")
    project.write("content/groups/g1.md", front_matter(group, {}) + "备注\n", raw=True)
    project.edit("content/groups/g2.md", "days: 7\n", "")  # both spans: the last campaign day
    checked = project.check()
    assert_well_behaved(checked, project)
    if checked.returncode == 0:
        built = project.build()
        assert_well_behaved(built, project)
        assert built.returncode == 0, f"check said ok, build failed\n{checked}\n{built}"


@settings(EXAMPLES, max_examples=6)
@given(
    values=st.dictionaries(st.sampled_from(SITE_KEYS), VALUES, min_size=1, max_size=4),
    raw=st.dictionaries(st.sampled_from(SITE_KEYS), st.sampled_from(TRICKY), max_size=1),
)
def test_random_site_values(
    tmp_path_factory: pytest.TempPathFactory, values: dict, raw: dict
) -> None:
    project = fresh_project(tmp_path_factory)
    for key in raw:
        values.pop(key, None)
    project.write(SITE_YML, front_matter(values, raw).strip("-\n") + "\n", raw=True)
    assert_well_behaved(project.check(), project)


def test_the_batches_reach_the_validator(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A guard for the properties above: a batch with a known mistake is seen as one."""
    project = fresh_project(tmp_path_factory)
    project.write(
        "content/groups/h0.md", front_matter(dict(GROUP_BASE, days="两周"), {}) + "备注\n", raw=True
    )
    run = project.check()
    assert run.returncode == 1 and any(
        m["where"] == "content/groups/h0.md" for m in errors_of(run)
    ), run
    assert Path(project.root / "content/groups/h0.md").is_file()
