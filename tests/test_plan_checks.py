"""Plan sheets at load time: each mistake found by `check`, at its cell, with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_cli, write_project
from PIL import Image

from playpress.build import Options, build
from playpress.load import load_project
from playpress.theme import BUILTIN_THEMES

PLAYBOOK = """
---
title: Shop
type: product
plans: [content/plans/p.csv]
roles:
  - {id: clerk, title: Clerk}
sop:
  - id: offer
    when: daily 11:30
    post: Offer
    kind: activity
    owner: clerk
    copy: "Today: {{ plan.item }} at {{ plan.price }}"
  - id: quiz
    when: sat 20:00
    post: Quiz
    kind: interaction
    owner: clerk
    copy: "Quiz night{% if plan.prize %}: win {{ plan.prize }}{% endif %}"
posters:
  - id: flyer
    size: square
    title: Shop
---
"""


def project(tmp_path: Path, sheet: str, **files: str) -> Path:
    group = (
        "---\nname: {slug}\nplaybook: shop\nstart: 2026-12-07\ndays: 7\nlang: {lang}\n"
        "join_url: https://example.com/j/{slug}\npeople: {{clerk: Ana}}\n{extra}---\n"
    )
    base = {
        "content/site.yml": "title: Ops\nlang: en\n",
        "playbooks/shop.md": PLAYBOOK,
        "content/plans/p.csv": sheet,
        "content/groups/a.md": group.format(slug="a", lang="en", extra="tags: [north]\n"),
        "content/groups/b.md": group.format(slug="b", lang="es", extra="tags: [north, south]\n"),
    }
    base.update(
        {path.replace("__", "/").replace("_dot_", "."): text for path, text in files.items()}
    )
    return write_project(tmp_path / "proj", base)


def full_week(extra: str = "") -> str:
    rows = "".join(f"offer,2026-12-{day:02d},,Apples,2\n" for day in range(7, 14))
    return "slot,date,group,item,price,prize\n" + rows + extra


def problems(root: Path) -> list[str]:
    return [str(d) for d in load_project(root).report.diagnostics if d.severity != "note"]


def test_a_full_sheet_gives_no_word_and_an_optional_column_is_optional(tmp_path: Path) -> None:
    assert problems(project(tmp_path, full_week("quiz,2026-12-12,,,,\n"))) == []


def test_markers_in_each_language_and_one_warning_per_occurrence(tmp_path: Path) -> None:
    root = project(tmp_path, full_week().replace("offer,2026-12-09,,Apples,2\n", ""))
    found = problems(root)
    assert len(found) == 2 and all("'offer' on 2026-12-09" in line for line in found), found
    out = tmp_path / "dist"
    assert not build(Options(root, out, pdf=False)).failed()
    assert "Today: [TO FILL: item] at [TO FILL: price]" in (out / "a/sop.csv").read_text("utf-8")
    spanish = (out / "b/sop.csv").read_text("utf-8")
    assert "Today: [POR COMPLETAR: item] at [POR COMPLETAR: price]" in spanish


def test_a_misspelt_column_is_an_error_at_the_text_with_a_did_you_mean(tmp_path: Path) -> None:
    root = project(
        tmp_path, full_week(), playbooks__shop_dot_md=PLAYBOOK.replace("plan.price", "plan.prize_")
    )
    lines = [p for p in problems(root) if ": error: " in p]
    assert len(lines) == 2  # once for each group
    for line in lines:
        assert line.startswith("playbooks/shop.md:13: error: 'plan.prize_' in 'sop[0].copy': no")
        assert "did you mean 'prize'?" in line


def test_plan_outside_a_slot_s_texts_is_an_error(tmp_path: Path) -> None:
    text = PLAYBOOK.replace("posters:", 'welcome: "Hi! {{ plan.item }}"\nposters:')
    lines = problems(project(tmp_path, full_week(), playbooks__shop_dot_md=text))
    assert [line.split(" for group")[0] for line in lines] == 2 * [
        "playbooks/shop.md:20: error: unknown name 'plan' in 'welcome'"
    ]
    assert all("not here" in line for line in lines)


def test_rows_naming_the_same_occurrence_at_one_level_are_an_error_naming_both(
    tmp_path: Path,
) -> None:
    # b has both tags: its two tag rows for 12-08 tie; a (north only) takes the north row
    sheet = full_week("offer,2026-12-08,tag:north,Pears,3\noffer,2026-12-08,tag:south,Plums,4\n")
    found = problems(project(tmp_path, sheet))
    (line,) = [p for p in found if ": error: " in p]
    assert line.startswith("content/plans/p.csv:10:3: error: slot 'offer' on 2026-12-08 for group")
    assert "'b' has two rows at one level: content/plans/p.csv:9 and content/plans/p.csv:10" in line


def test_two_sheets_of_a_playbook_with_the_same_row_are_an_error(tmp_path: Path) -> None:
    text = PLAYBOOK.replace("plans: [content/plans/p.csv]", "plans: [content/plans/p.csv, q.csv]")
    text = text.replace("q.csv", "content/plans/q.csv")
    root = project(
        tmp_path,
        full_week(),
        playbooks__shop_dot_md=text,
        content__plans__q_dot_csv="slot,date,item,price\noffer,2026-12-10,Kiwis,5\n",
    )
    errors = [p for p in problems(root) if ": error: " in p]
    assert errors and all("content/plans/p.csv:5 and content/plans/q.csv:2" in e for e in errors)


def test_row_mistakes_each_at_their_cell(tmp_path: Path) -> None:
    sheet = (
        "slot,date,day,group,item,price\n"
        "offer,2026-12-07,3,,Apples,2\n"  # a date and a day
        ",2026-12-08,,,Apples,2\n"  # no slot
        "offer,,,,Apples,2\n"  # neither date nor day
        "offer,,9,,Apples,2\n"  # after every reader's last day (7 days)
        "offer,,1,tag:,Apples,2\n"  # a tag with no name
        "offer,,2,nobody,Apples,2\n"  # a group that does not exist
        "offer,,3,tag:east,Apples,2\n"  # a tag no group has
    )
    found = problems(project(tmp_path, sheet))
    expected = [
        "content/plans/p.csv:2:3: error: this row gives both a date and a day",
        "content/plans/p.csv:3:1: error: this row has no slot",
        "content/plans/p.csv:4:2: error: slot 'offer' has no date in this row",
        "content/plans/p.csv:5:3: error: day 9 is after the last day of every group reading",
        "content/plans/p.csv:6:4: error: 'tag:' names no tag",
        "content/plans/p.csv:7:4: warning: group 'nobody' is not a group of this project",
        "content/plans/p.csv:8:4: warning: no group reading this sheet has the tag 'east'",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in found), (start, found)


def test_a_row_for_a_date_its_slot_does_not_run_is_a_warning(tmp_path: Path) -> None:
    found = problems(project(tmp_path, full_week("quiz,2026-12-09,,,,TV\nquiz,2027-05-01,,,,TV\n")))
    # the second row is after every span: a sheet may hold next season's rows already
    assert found == [
        "content/plans/p.csv:9:2: warning: slot 'quiz' does not run on 2026-12-09 (Wednesday) "
        "(no group reading the sheet uses the row; 'quiz' runs 'sat 20:00': fix the date or the "
        "slot)"
    ]


def test_a_picture_a_cell_names_must_be_a_picture_of_the_project(tmp_path: Path) -> None:
    sheet = (
        "slot,date,item,price,photo\n"
        "offer,2026-12-07,Apples,2,content/assets/apple.jpg\n"
        "offer,2026-12-08,Apples,2,../outside.png\n"
        "offer,2026-12-09,Apples,2,content/assets/notes.png\n"
    )
    root = project(tmp_path, sheet, content__assets__notes_dot_png="not a picture")
    Image.new("RGB", (40, 40), "red").save(root / "content/assets/apple.jpg")
    found = [p for p in problems(root) if ": error: " in p]
    assert [line.split(": error: ")[0] for line in found] == [
        "content/plans/p.csv:3:5",
        "content/plans/p.csv:4:5",
    ], found
    assert "leaves the project" in found[0] and "is not an image" in found[1]


def test_a_poster_image_a_template_makes_must_exist(tmp_path: Path) -> None:
    text = PLAYBOOK.replace(
        "    title: Shop\n", '    title: Shop\n    image: "content/{{ plan.item }}.jpg"\n'
    )
    text = text.replace(
        '    owner: clerk\n    copy: "Today',
        '    owner: clerk\n    poster: flyer\n    copy: "Today',
        1,
    )
    root = project(tmp_path, full_week(), playbooks__shop_dot_md=text)
    errors = [p for p in problems(root) if ": error: " in p]
    assert errors and errors[0].startswith("playbooks/shop.md:")
    assert "its image 'content/Apples.jpg' (from content/plans/p.csv:2) is not a file" in errors[0]


def test_plans_must_name_sheets_in_the_project(tmp_path: Path) -> None:
    text = PLAYBOOK.replace("[content/plans/p.csv]", "[content/plans/p.csv, content/plans/x.txt]")
    text = text.replace("plans: [", "plans: [content/plans/gone.csv, ")
    found = problems(project(tmp_path, full_week(), playbooks__shop_dot_md=text))
    assert any("'plans[2]' is 'content/plans/x.txt', not a sheet" in line for line in found)
    assert any("'plans[0]' names a file that does not exist" in line for line in found)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ('["(a+)+"]', "too complex a pattern"),
        ('["[unclosed"]', "not a regular expression"),
        ('["x*"]', "matches empty text"),
    ],
)
def test_bad_placeholder_patterns_are_errors(tmp_path: Path, patterns: str, expected: str) -> None:
    root = project(
        tmp_path,
        full_week(),
        content__site_dot_yml=f"title: Ops\nlang: en\nlimits: {{placeholders: {patterns}}}\n",
    )
    (line,) = problems(root)
    assert (
        line.startswith("content/site.yml:3: error: 'limits.placeholders[0]'") and expected in line
    )


def test_a_project_s_own_placeholders_and_check_as_of(tmp_path: Path) -> None:
    sheet = full_week().replace("Apples,2\n", "Apples (XXX),2\n", 1)
    root = project(
        tmp_path,
        sheet,
        content__site_dot_yml="title: Ops\nlang: en\nlimits: {placeholders: [XXX]}\n",
    )
    found = problems(root)
    assert len(found) == 2 and all("its copy still holds XXX" in line for line in found)
    assert all(line.startswith("playbooks/shop.md:13: warning:") for line in found)
    result = run_cli("check", "--root", str(root), "--as-of", "2026-12-07", "--ahead", "1")
    assert result.returncode == 1
    assert result.stderr.count("not ready: slot 'offer' on 2026-12-07") == 2


def test_a_poster_whose_row_is_missing_shows_the_marker_in_its_image_box(tmp_path: Path) -> None:
    text = PLAYBOOK.replace(
        "    title: Shop\n", '    title: "{{ plan.item }}"\n    image: "{{ plan.photo }}"\n'
    ).replace(
        '    owner: clerk\n    copy: "Today',
        '    owner: clerk\n    poster: flyer\n    copy: "Today',
        1,
    )
    sheet = "slot,date,item,price,photo\n" + "".join(
        f"offer,2026-12-{day:02d},Apples,2,content/assets/apple.jpg\n" for day in range(7, 13)
    )  # nothing for 12-13
    root = project(tmp_path, sheet, playbooks__shop_dot_md=text)
    (root / "content/assets").mkdir()
    Image.new("RGB", (300, 200), (200, 30, 40)).save(root / "content/assets/apple.jpg")
    out = tmp_path / "dist"
    result = build(Options(root, out, pdf=False, jobs=1))
    assert not result.failed(), result.report.diagnostics
    filled = Image.open(out / "a/posters/flyer/2026-12-12.png").convert("RGB")
    unfilled = Image.open(out / "a/posters/flyer/2026-12-13.png").convert("RGB")
    assert filled.size == unfilled.size == (1080, 1080)
    # the middle of the image box of a square 'headline': the photo (red), or the pale box with
    # the marker
    spec = yaml.safe_load((BUILTIN_THEMES / "default/posters/headline.yml").read_text("utf-8"))
    x, y, w, h = spec["square"]["with_image"]["elements"]["image"]["box"]
    middle = (round((x + w / 2) * filled.width), round((y + h / 2) * filled.height))
    assert filled.getpixel(middle)[0] > 150
    assert unfilled.getpixel(middle) != filled.getpixel(middle)
    warned = [d for d in result.report.diagnostics if "'offer' on 2026-12-13" in d.message]
    assert len(warned) == 2 and "item, price, photo" in warned[0].message


def test_a_fixed_poster_image_is_checked_as_a_picture(tmp_path: Path) -> None:
    text = PLAYBOOK.replace(
        "    title: Shop\n", "    title: Shop\n    image: content/assets/x.png\n"
    )
    root = project(tmp_path, full_week(), playbooks__shop_dot_md=text)
    (root / "content/assets").mkdir()
    (root / "content/assets/x.png").write_text("not a picture")
    errors = [p for p in problems(root) if ": error: " in p]
    assert errors == [
        "playbooks/shop.md:24: error: poster 'flyer' image 'content/assets/x.png' is not an image "
        "(it may be text renamed) (use a PNG or JPEG picture (export it again from the app that "
        "made it))"
    ]


def test_a_slot_whose_when_names_no_date_is_one_error_not_a_warning_per_row(
    tmp_path: Path,
) -> None:
    """A typo in `when` leaves the slot no date: its rows in the sheet are not each a warning."""
    broken = PLAYBOOK.replace("when: daily 11:30", "when: dayly 11:30")
    found = problems(project(tmp_path, full_week(), playbooks__shop_dot_md=broken))
    assert [p for p in found if "error" in p] and all("does not run" not in p for p in found)
    assert len([p for p in found if "'dayly'" in p]) == 1, found
