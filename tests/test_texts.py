"""welcome.txt, rules.txt and faq.txt: what a member reads in the chat."""

from __future__ import annotations

from conftest import run_cli, write_project

EN_PLAYBOOK = """
---
title: Book club
type: interest
roles:
  - {id: host, title: Host}
rules:
  name_card: "Rename yourself: first name + neighbourhood"
  service: A chapter a week, a meetup a month
  help: "Ask {{ group.people.host }}"
  never: [Ads, Spoilers]
  can: [Share quotes, Suggest books]
  penalty: One warning, then removal
welcome: |
  Welcome to {{ group.name }}!



  This month we read {{ group.vars.book }}.
faq:
  - {q: Is it free?, a: "Yes. Ask {{ group.people.host }} anything."}
  - {q: "Commas, \\"quotes\\"?", a: Fine}
---
"""

ES_GROUP = """
---
name: Club de lectura
playbook: club
start: 2026-12-01
lang: es
timezone: America/Mexico_City
people: {host: Lucía}
vars: {book: Pedro Páramo}
---
"""


def build_texts(tmp_path, group_text: str, group_lang: str = "en") -> dict[str, str]:
    root = write_project(
        tmp_path / "p",
        {
            "playbooks/club.md": EN_PLAYBOOK,
            "content/groups/g.md": group_text.replace("lang: es", f"lang: {group_lang}"),
        },
    )
    result = run_cli("build", "--root", str(root), "--no-pdf")
    assert result.returncode == 0, result.stderr
    return {
        name: (root / "dist" / "g" / name).read_bytes().decode("utf-8")
        for name in ("welcome.txt", "rules.txt", "faq.txt")
    }


def test_welcome_then_rules_with_blank_lines(tmp_path):
    texts = build_texts(tmp_path, ES_GROUP, "en")
    welcome = texts["welcome.txt"]
    assert welcome.startswith(
        "Welcome to Club de lectura!\n\nThis month we read Pedro Páramo.\n\nGroup rules\n\n"
    )
    assert "\n\n\n" not in welcome and welcome.endswith("\n") and not welcome.endswith("\n\n")
    assert welcome.endswith(texts["rules.txt"])
    for rule in (
        "first name + neighbourhood",
        "A chapter a week",
        "Ask Lucía",
        "1. Ads",
        "2. Spoilers",
        "1. Share quotes",
        "2. Suggest books",
        "One warning, then removal",
    ):
        assert rule in texts["rules.txt"]


def test_rules_are_headed_in_the_group_language(tmp_path):
    spanish = build_texts(tmp_path / "es", ES_GROUP, "es")["rules.txt"]
    assert spanish.startswith("Normas del grupo\n\nTu nombre en el grupo\n")
    for heading in (
        "Lo que ofrece este grupo",
        "Cómo pedir ayuda",
        "No está permitido",
        "Te animamos a",
        "Si no se cumplen las normas",
    ):
        assert f"\n\n{heading}\n" in spanish
    chinese = build_texts(tmp_path / "zh", ES_GROUP, "zh")["rules.txt"]
    assert chinese.startswith("群规\n\n一、修改群名片\n")


def test_faq_blocks(tmp_path):
    faq = build_texts(tmp_path, ES_GROUP, "en")["faq.txt"]
    assert faq == 'Q: Is it free?\nA: Yes. Ask Lucía anything.\n\nQ: Commas, "quotes"?\nA: Fine\n'
    chinese = build_texts(tmp_path / "zh", ES_GROUP, "zh")["faq.txt"]
    assert chinese.startswith("问：Is it free?\n答：")
