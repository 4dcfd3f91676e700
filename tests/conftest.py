"""Shared test helpers: small real projects on disk and the real command line in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD_PY = REPO / "build.py"


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root (dedented); returns root."""
    for relpath, text in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `python build.py ARGS` as a user would."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, str(BUILD_PY), *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (build state excluded) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".playpress" not in p.parts
    }


MINIMAL_PLAYBOOK = """
---
title: 考研英语冲刺
type: knowledge
model: content
roles:
  - {id: teacher, title: 主讲老师, duties: [直播授课]}
  - {id: assistant, title: 助教, duties: [答疑]}
rules:
  name_card: 请改为“城市-姓名”
  service: 每周二、四晚8点直播课
  help: "有问题请@{{ group.people.assistant }}"
  never: [发广告, 刷屏]
  can: [分享笔记]
  penalty: 违规一次提醒，两次移出
welcome: |
  欢迎加入{{ group.name }}！

  本群主题：{{ group.vars.topic }}。
phases:
  - {name: 准备期, days: "1-7", goal: 建立信任}
sop:
  - id: morning
    when: daily 08:00
    post: 早安打卡
    kind: interaction
    owner: assistant
  - id: live
    when: 周二,周四 20:00
    post: 直播课
    kind: activity
    owner: teacher
    poster: preview
    copy: "今晚8点直播，{{ group.vars.topic }}，不见不散！"
posters:
  - id: preview
    size: story
    title: "{{ group.name }}"
    cta: 扫码进群
faq:
  - {q: 资料在哪里领？, a: "私信{{ group.people.assistant }}"}
---
## 第一章

正文。
"""

MINIMAL_GROUP = """
---
name: 考研英语冲刺1群
playbook: course
start: 2026-12-01
days: 14
join_url: https://example.com/j/abc
people: {teacher: 王老师, assistant: 小李}
vars: {topic: 阅读理解}
---
本群备注。
"""


@pytest.fixture
def minimal_project(tmp_path: Path) -> Path:
    """A one-playbook, one-group Chinese project."""
    return write_project(
        tmp_path / "proj",
        {
            "playbooks/course.md": MINIMAL_PLAYBOOK,
            "content/groups/g1.md": MINIMAL_GROUP,
        },
    )


@pytest.fixture(scope="session")
def example_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example project, built once per test session with the real CLI (PDFs
    included)."""
    out = tmp_path_factory.mktemp("example") / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out
