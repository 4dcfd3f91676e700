"""The schedule written for people: every form of the `when` grammar phrased in each language
from the built-in labels, the raw text where the labels cannot phrase it, and the example's
handbooks (HTML and PDF text) showing the phrase instead of the grammar."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from playpress.diagnostics import Report
from playpress.load.theme import theme_labels
from playpress.outputs.words import when_text
from playpress.schedule import ANY_NAME, parse_when
from playpress.theme import BUILTIN_THEMES

DIRS = (str(BUILTIN_THEMES / "default"),)

CASES = {
    "daily 07:30": ("每天 07:30", "every day 07:30", "todos los días 07:30"),
    "weekdays 12:00": ("周一至周五 12:00", "every weekday 12:00", "de lunes a viernes 12:00"),
    "weekends 10:00": ("周末 10:00", "weekends 10:00", "fines de semana 10:00"),
    "workdays 09:00": ("工作日 09:00", "every working day 09:00", "días laborables 09:00"),
    "offdays 09:00": ("休息日 09:00", "days off 09:00", "días de descanso 09:00"),
    "holidays 09:00": ("节假日 09:00", "public holidays 09:00", "festivos 09:00"),
    "mon,wed 19:00": ("周一、周三 19:00", "every Mon, Wed 19:00", "cada lun, mié 19:00"),
    "周一、周三 19:00": ("周一、周三 19:00", "every Mon, Wed 19:00", "cada lun, mié 19:00"),
    "sat,sun 10:00": ("周末 10:00", "weekends 10:00", "fines de semana 10:00"),
    "day 1 20:00": ("第1天 20:00", "day 1 20:00", "día 1 20:00"),
    "days 2-29 19:00": ("第2-29天 19:00", "days 2-29 19:00", "días 2-29 19:00"),
    "2026-12-14 20:00": (
        "2026年12月14日 20:00",
        "Dec 14, 2026 20:00",
        "14 de diciembre de 2026 20:00",
    ),
    "monthly 1,15 09:00": (
        "每月1、15日 09:00",
        "days 1, 15 of each month 09:00",
        "los días 1, 15 de cada mes 09:00",
    ),
    "1st sat 10:00": (
        "每月第一个周六 10:00",
        "the 1st Sat of each month 10:00",
        "el primer sáb de cada mes 10:00",
    ),
    "最后一个周五 18:00": (
        "每月最后一个周五 18:00",
        "the last Fri of each month 18:00",
        "el último vie de cada mes 18:00",
    ),
    "every 2 weeks sat 10:00": (
        "每2周的周六 10:00",
        "every 2 weeks on Sat 10:00",
        "cada 2 semanas, sáb 10:00",
    ),
    "春节 20:00": ("春节 20:00", "春节 20:00", "春节 20:00"),
    "春节 -3 20:00": ("春节前3天 20:00", "3 days before 春节 20:00", "3 días antes de 春节 20:00"),
    "春节 +1 20:00": (
        "春节后1天 20:00",
        "the day after 春节 20:00",
        "el día después de 春节 20:00",
    ),
    "双11 -1..0 20:00": (
        "双11前1天至双11当天 20:00",
        "the day before 双11 to 双11 20:00",
        "el día antes de 双11 hasta el día de 双11 20:00",
    ),
}


@pytest.fixture(scope="module")
def labels() -> dict[str, dict]:
    return {lang: theme_labels(DIRS, lang, BUILTIN_THEMES, Report()) for lang in ("zh", "en", "es")}


@pytest.mark.parametrize("text", sorted(CASES))
def test_every_form_in_three_languages(labels: dict[str, dict], text: str) -> None:
    when = parse_when(text, ANY_NAME)
    assert [when_text(when, labels[lang]) for lang in ("zh", "en", "es")] == list(CASES[text])


def test_every_parsed_form_is_covered() -> None:
    forms = {parse_when(text, ANY_NAME).days for text in CASES}
    assert forms == {
        "daily", "weekdays", "weekends", "workdays", "offdays", "holidays", "weekly",
        "campaign", "date", "monthly", "ordinal", "every", "named",
    }  # fmt: skip


def test_labels_that_cannot_phrase_it_give_the_text_as_written(labels: dict[str, dict]) -> None:
    when = parse_when("days 2-29 19:00", ANY_NAME)
    assert when_text(when, {k: v for k, v in labels["zh"].items() if k != "when"}) == when.text
    broken = {**labels["zh"], "when": {**labels["zh"]["when"], "days": "第{start}天"}}
    assert when_text(when, broken) == "days 2-29 19:00"
    assert when_text(parse_when("mon 19:00", ANY_NAME), broken) == "周一 19:00"


GRAMMAR_WORDS = re.compile(r"\b(daily|days?|weekdays|weekends|workdays|monthly|every)\b")


def schedule_lines(text: str) -> list[str]:
    return re.findall(r"时间安排：([^·\n]*)", text)


def test_chinese_handbooks_show_the_schedule_in_chinese(example_dist: Path) -> None:
    handbooks = sorted(example_dist.glob("*/handbook.html"))
    chinese = [p for p in handbooks if '<html lang="zh' in p.read_text(encoding="utf-8")]
    assert chinese
    shown = []
    for page in chinese:
        lines = schedule_lines(page.read_text(encoding="utf-8"))
        pdf = page.with_suffix(".pdf")
        assert pdf.exists()
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        pdf_lines = schedule_lines(text)
        assert lines and pdf_lines, page
        for line in lines + pdf_lines:
            assert not GRAMMAR_WORDS.search(line), (page, line)
        shown += lines
    assert any(line.startswith("每天 ") for line in shown)
