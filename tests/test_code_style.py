"""The code style the README promises: ruff's checks and its formatter, lines of 100 columns."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "playpress", "tests", "bench", "build.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lines_are_100_columns_and_e501_is_on() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    lint = text.split("[tool.ruff.lint]")[1].split("\n[")[0]
    assert "line-length = 100" in text and "E501" not in lint
