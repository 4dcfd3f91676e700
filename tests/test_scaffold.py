"""`new playbook` and `new group`: every preset scaffolds a project that passes `check --strict`
and builds."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_cli, write_project

from playpress.commands.cli import main
from playpress.commands.scaffold import PRESETS
from playpress.load import load_project
from playpress.schedule import expand, group_slots

LANGS = ("zh", "en", "es")
TYPES = ("product", "interest", "knowledge", "mixed")
MODELS = {"product": "traffic", "interest": "checkin", "knowledge": "content", "mixed": "content"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def new_project(tmp_path: Path, lang: str) -> Path:
    return write_project(tmp_path / "proj", {"content/site.yml": f"title: Ops\nlang: {lang}\n"})


def scaffold(
    root: Path, kind: str, lang: str | None, playbook: str = "p", group: str = "g"
) -> None:
    lang_args = ["--lang", lang] if lang else []
    assert main(["new", "playbook", playbook, "--type", kind, *lang_args, "--root", str(root)]) == 0
    assert main(["new", "group", group, "--playbook", playbook, "--root", str(root)]) == 0


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_preset_scaffolds_a_project_that_passes_strict_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, kind: str
) -> None:
    """Strict but for the presets' own 【…】 (see the next test): a starter says what to fill."""
    root = new_project(tmp_path, lang)
    site = root / "content/site.yml"
    site.write_text(site.read_text() + "limits: {placeholders: []}\n", encoding="utf-8")
    scaffold(root, kind, lang)
    capsys.readouterr()
    assert main(["check", "--strict", "--root", str(root)]) == 0, capsys.readouterr().err
    assert "(0 errors, 0 warnings)" in capsys.readouterr().out

    assert (root / "playbooks/p.md").read_bytes() == (PRESETS / lang / f"{kind}.md").read_bytes()
    project = load_project(root).project
    assert project is not None
    playbook, group = project.playbooks["p"], project.groups["g"]
    assert (playbook.type, playbook.model) == (kind, MODELS[kind])
    assert bool(CJK.search(playbook.title)) == (lang == "zh")

    # Complete: every part of the format is there, in the sizes the operator expects.
    positioning = playbook.positioning
    assert positioning and all(
        [
            positioning.purpose,
            positioning.who,
            positioning.problem,
            positioning.solution,
            positioning.value,
            positioning.fee,
            positioning.channels,
        ]
    )
    assert (
        playbook.summary
        and 2 <= len(playbook.roles) <= 3
        and all(role.duties for role in playbook.roles)
    )
    rules = playbook.rules
    assert rules and all(
        [rules.name_card, rules.service, rules.help, rules.never, rules.can, rules.penalty]
    )
    assert playbook.welcome and "\n\n" in playbook.welcome.source
    assert {poster.size_name for poster in playbook.posters} == {"story", "a5"}
    assert {poster.layout for poster in playbook.posters} <= {"headline", "offer", "counter"}
    assert len(playbook.faq) == 3
    assert (
        playbook.metrics
        and playbook.metrics.north_star
        and playbook.metrics.related
        and playbook.metrics.review
    )
    assert re.search(r"^## ", playbook.body, re.M) and "[//]: # (" in playbook.body

    # The group fills every role and variable, and the calendar is busy but not noisy.
    assert set(group.people) == {role.id for role in playbook.roles}
    occurrences = expand(playbook, group, group_slots(playbook, group))
    per_day = Counter(occurrence.date for occurrence in occurrences)
    assert len(per_day) == group.days and 3 <= max(per_day.values()) <= 5
    kinds = Counter(occurrence.slot.kind for occurrence in occurrences)
    if playbook.model == "traffic":
        assert kinds["activity"] / len(occurrences) >= 0.5

    if kind == "knowledge":
        assert [(phase.first_day, phase.last_day) for phase in playbook.phases] == [
            (1, 7),
            (8, 16),
            (17, 24),
            (25, 30),
        ]
        peak_days = {
            slot.when.first_day
            for slot in playbook.sop
            if slot.kind == "activity"
            and slot.when.days == "campaign"
            and slot.when.first_day == slot.when.last_day
        }
        assert {1, 30} <= peak_days and any(8 <= day <= 24 for day in peak_days)
        assert group.days == 30


@pytest.mark.parametrize("kind", TYPES)
def test_a_chinese_preset_s_brackets_are_the_placeholders_check_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """The zh presets write 【商品】-style blanks for the operator to fill: with the default
    `limits.placeholders` each occurrence still holding one is a warning (not an error)."""
    root = new_project(tmp_path, "zh")
    scaffold(root, kind, "zh")
    capsys.readouterr()
    assert main(["check", "--root", str(root)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if ": warning: " in line]
    assert warnings and all("its copy still holds 【" in line for line in warnings), warnings[:3]


def test_a_scaffolded_project_builds_with_the_real_command_line(tmp_path: Path) -> None:
    root = new_project(tmp_path, "es")
    for args in (
        ["new", "playbook", "cafe", "--type", "product"],
        ["new", "group", "centro", "--playbook", "cafe"],
    ):
        result = run_cli(*args, "--root", str(root))
        assert result.returncode == 0, result.stderr
    result = run_cli("build", "--no-pdf", "--root", str(root))
    assert result.returncode == 0, result.stderr
    welcome = (root / "dist/centro/welcome.txt").read_text(encoding="utf-8")
    assert welcome.startswith("¡Bienvenida, bienvenido a\ncentro!\n\n")
    assert "por definir" in welcome  # the placeholder people and vars of `new group`
    assert sorted(p.name for p in (root / "dist/centro/posters").iterdir()) == [
        "counter-card.png",
        "daily-offer.png",
    ]


def test_new_playbook_takes_the_site_language_when_no_lang_is_given(tmp_path: Path) -> None:
    root = new_project(tmp_path, "en")
    assert main(["new", "playbook", "p", "--type", "mixed", "--root", str(root)]) == 0
    assert (root / "playbooks/p.md").read_bytes() == (PRESETS / "en/mixed.md").read_bytes()


def test_new_playbook_refuses_an_existing_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = new_project(tmp_path, "zh")
    assert main(["new", "playbook", "p", "--type", "interest", "--root", str(root)]) == 0
    (root / "playbooks/p.md").write_text("my edits", encoding="utf-8")
    assert main(["new", "playbook", "p", "--type", "product", "--root", str(root)]) == 1
    assert "playbooks/p.md already exists" in capsys.readouterr().err
    assert (root / "playbooks/p.md").read_text(encoding="utf-8") == "my edits"


def test_new_group_with_an_unknown_playbook_says_which_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = new_project(tmp_path, "zh")
    assert main(["new", "playbook", "course", "--type", "knowledge", "--root", str(root)]) == 0
    assert main(["new", "group", "g", "--playbook", "cours", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "no playbook 'cours'" in err and "course" in err
    assert not (root / "content/groups/g.md").exists()


def test_new_group_shows_why_a_playbook_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "proj", {"playbooks/p.md": "---\ntitle: [broken\n---\n"})
    assert main(["new", "group", "g", "--playbook", "p", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "playbooks/p.md:2:" in err and "playbook 'p' has errors" in err


def test_bad_type_is_a_command_line_error(tmp_path: Path) -> None:
    result = run_cli(
        "new", "playbook", "p", "--type", "shop", "--root", str(new_project(tmp_path, "zh"))
    )
    assert result.returncode == 2
    assert "invalid choice: 'shop'" in result.stderr
    assert not (tmp_path / "proj/playbooks").exists()


def test_bad_file_name_is_a_command_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "new",
                "playbook",
                "my shop",
                "--type",
                "product",
                "--root",
                str(new_project(tmp_path, "zh")),
            ]
        )
        == 2
    )
    assert "cannot be a file name" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["yes", "null", "123"])
def test_group_names_that_yaml_would_read_as_other_things_stay_text(
    tmp_path: Path, name: str
) -> None:
    root = new_project(tmp_path, "en")
    scaffold(root, "interest", None, group=name)
    loaded = load_project(root)
    assert not loaded.report.errors and not loaded.report.warnings
    assert loaded.project is not None and loaded.project.groups[name].name == name


def test_new_group_fills_only_variables_that_templates_use(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {
            "playbooks/p.md": """
        ---
        # a comment about group.vars.not_used
        title: T
        type: interest
        welcome: "Hi {{ group.vars.city }}"
        ---
        Body.
        """
        },
    )
    assert main(["new", "group", "g", "--playbook", "p", "--root", str(root)]) == 0
    text = (root / "content/groups/g.md").read_text(encoding="utf-8")
    assert "vars: {city: 待定}" in text
