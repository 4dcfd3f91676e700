"""The command line as the contract describes it: verbs, options, exit status."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO, run_cli, snapshot


def test_bad_command_line_exits_2(minimal_project):
    assert run_cli("build", "--root", str(minimal_project), "--jobs", "x").returncode == 2
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("build", "--root", str(minimal_project / "nope")).returncode == 2
    only = run_cli("build", "--root", str(minimal_project), "--only", "g9", "--no-pdf")
    assert only.returncode == 2 and "g9" in only.stderr and "g1" in only.stderr


def test_build_is_the_default_verb_and_out_is_honoured(minimal_project, tmp_path):
    out = tmp_path / "elsewhere"
    result = run_cli("--root", str(minimal_project), "--out", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr
    assert (out / "g1" / "welcome.txt").is_file() and (out / "index.html").is_file()
    assert not (minimal_project / "dist").exists()


def test_same_inputs_same_bytes_in_two_folders(minimal_project, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert (
        run_cli("build", "--root", str(minimal_project), "--out", str(first), "--no-pdf").returncode
        == 0
    )
    assert (
        run_cli(
            "build", "--root", str(minimal_project), "--out", str(second), "--no-pdf"
        ).returncode
        == 0
    )
    assert snapshot(first) == snapshot(second)


def test_index_links_every_group_and_playbook(minimal_project):
    assert run_cli("build", "--root", str(minimal_project), "--no-pdf").returncode == 0
    index = (minimal_project / "dist" / "index.html").read_text(encoding="utf-8")
    home = (minimal_project / "dist" / "g1" / "index.html").read_text(encoding="utf-8")
    assert "考研英语冲刺1群" in index and 'href="g1/index.html"' in index
    assert "考研英语冲刺" in index
    assert 'href="welcome.txt"' in home and 'href="../index.html"' in home
    assert 'name="viewport"' in index


def test_check_writes_nothing(minimal_project):
    result = run_cli("check", "--root", str(minimal_project))
    assert result.returncode == 0 and "ok: 1 groups" in result.stdout
    assert not (minimal_project / "dist").exists()


def test_python_dash_m_playpress_is_the_same_command_line(minimal_project, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    out = tmp_path / "dist"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "playpress",
            "build",
            "--root",
            str(minimal_project),
            "--out",
            str(out),
            "--no-pdf",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "g1" / "welcome.txt").is_file()
    assert (
        subprocess.run(
            [sys.executable, "-m", "playpress", "frobnicate"],
            env=env,
            capture_output=True,
            timeout=60,
        ).returncode
        == 2
    )


THEME_MISTAKES = {
    "theme.yml": (
        "poster_layouts: [headline, offer, counter]\nfont: {cjk: x.ttc}\n",
        2,
        "unknown key 'font'",
    ),
    "theme.yml ": ("poster_layouts: [headline\n", 2, "opened at line 1"),
    "labels/zh.yml": ("faq: 快捷回复\nfaqq: 问答\n", 2, "did you mean 'faq_q'?"),
    "labels/zh.yml ": ('sop_count: "{m}条"\n', 1, "label 'sop_count' uses {m}"),
    "posters/offer.yml": ("elements:\n  titel: {box: [0, 0, 1, 1]}\n", 2, "did you mean 'title'?"),
}


@pytest.mark.parametrize("relpath", sorted(THEME_MISTAKES))
def test_a_broken_theme_file_is_a_diagnostic_with_its_line(minimal_project, tmp_path, relpath):
    """A project's theme files are the operator's: file:line and what to do, exit 1, no
    traceback."""
    text, line, said = THEME_MISTAKES[relpath]
    out = tmp_path / "dist"
    assert (
        run_cli("build", "--root", str(minimal_project), "--out", str(out), "--no-pdf").returncode
        == 0
    )
    before = snapshot(out)
    target = minimal_project / "themes" / "default" / relpath.strip()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    for verb in ("build", "check"):
        args = [verb, "--root", str(minimal_project)] + (
            ["--out", str(out), "--no-pdf"] if verb == "build" else []
        )
        result = run_cli(*args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert (
            f"themes/default/{relpath.strip()}:{line}:" in result.stderr and said in result.stderr
        ), result.stderr
    assert snapshot(out) == before
