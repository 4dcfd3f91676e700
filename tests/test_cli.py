"""The command line as the contract describes it: verbs, options, exit status."""

from __future__ import annotations

from conftest import run_cli, snapshot


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
    assert run_cli("build", "--root", str(minimal_project), "--out", str(first), "--no-pdf").returncode == 0
    assert run_cli("build", "--root", str(minimal_project), "--out", str(second), "--no-pdf").returncode == 0
    assert snapshot(first) == snapshot(second)


def test_index_links_every_group_and_playbook(minimal_project):
    assert run_cli("build", "--root", str(minimal_project), "--no-pdf").returncode == 0
    index = (minimal_project / "dist" / "index.html").read_text(encoding="utf-8")
    assert "考研英语冲刺1群" in index and 'href="g1/welcome.txt"' in index and "考研英语冲刺" in index
    assert 'name="viewport"' in index


def test_check_writes_nothing(minimal_project):
    result = run_cli("check", "--root", str(minimal_project))
    assert result.returncode == 0 and "ok: 1 groups" in result.stdout
    assert not (minimal_project / "dist").exists()
