"""The code style the README promises: ruff's checks and its formatter, lines of 100 columns."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(command: list[str]) -> None:
    if not shutil.which(RUFF):
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [RUFF, *command, "playpress", "tests", "bench", "build.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_line_over_100_columns() -> None:
    """E501 is on: ruff's setting is the one the code keeps."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert (
        "line-length = 100" in text
        and "E501" not in text.split("[tool.ruff.lint]")[1].split("[")[0]
    )
    assert sys.version_info >= (3, 11)
