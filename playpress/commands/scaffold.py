"""`new playbook` and `new group`: files that build as they are, ready to edit."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

import yaml

from ..load import GROUPS_DIR, PLAYBOOKS_DIR, load_project
from ..load.fields import IDENT
from ..model import walk_templates

PRESETS = Path(__file__).parent / "presets"
PLACEHOLDER = {"zh": "待定", "en": "TBD", "es": "por definir"}


def new(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if not IDENT.match(args.name):
        print(
            f"playpress: error: '{args.name}' cannot be a file name: use letters, digits, '-' and "
            "'_'",
            file=sys.stderr,
        )
        return 2
    if args.what == "playbook":
        return new_playbook(root, args.name, args.type, args.lang)
    return new_group(root, args.name, args.playbook)


def _refuse_existing(target: Path, root: Path) -> bool:
    if target.exists():
        print(
            f"playpress: error: {target.relative_to(root)} already exists; choose another name",
            file=sys.stderr,
        )
        return True
    return False


def _quoted(text: str) -> str:
    """A YAML scalar that stays text: names like 'yes', 'null' or '123' are quoted."""
    try:
        plain = yaml.safe_load(text) == text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def _site_lang(root: Path) -> str:
    site = root / "content" / "site.yml"
    if site.is_file():
        match = re.search(r"^lang:\s*['\"]?(zh|en|es)", site.read_text(encoding="utf-8"), re.M)
        if match:
            return match.group(1)
    return "zh"


def new_playbook(root: Path, name: str, kind: str, lang: str | None) -> int:
    target = root / PLAYBOOKS_DIR / f"{name}.md"
    if _refuse_existing(target, root):
        return 1
    lang = lang or _site_lang(root)
    preset = PRESETS / lang / f"{kind}.md"
    if not preset.is_file():
        preset = PRESETS / "zh" / f"{kind}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(preset.read_text(encoding="utf-8"), encoding="utf-8")
    print(
        f"created {target.relative_to(root)} ({kind} preset, {preset.parent.name}); "
        f"next: python build.py new group GROUP --playbook {name}"
    )
    return 0


def new_group(root: Path, name: str, playbook_name: str) -> int:
    target = root / GROUPS_DIR / f"{name}.md"
    if _refuse_existing(target, root):
        return 1
    loaded = load_project(root)
    project = loaded.project
    playbook = project.playbooks.get(playbook_name) if project else None
    if playbook is None and (root / PLAYBOOKS_DIR / f"{playbook_name}.md").is_file():
        # The file is there but could not be read: show why instead of saying it is missing.
        for diagnostic in loaded.report.sorted():
            if diagnostic.path == f"{PLAYBOOKS_DIR}/{playbook_name}.md":
                print(str(diagnostic), file=sys.stderr)
        print(
            f"playpress: error: playbook '{playbook_name}' has errors; fix them, then run new "
            "group again",
            file=sys.stderr,
        )
        return 1
    if playbook is None:
        known = ", ".join(sorted(project.playbooks)) if project else ""
        print(
            f"playpress: error: no playbook '{playbook_name}' in {root / PLAYBOOKS_DIR}"
            + (
                f" (playbooks: {known})"
                if known
                else " (create one with: new playbook NAME --type TYPE)"
            ),
            file=sys.stderr,
        )
        return 1
    lang = project.site.lang if project else "zh"
    placeholder = PLACEHOLDER.get(lang, "TBD")
    # Only templates count: a 'group.vars.X' in a YAML comment is not a variable to fill in.
    sources: list[str] = [playbook.body]
    walk_templates(playbook, lambda template: sources.append(template.source))
    var_names = sorted(
        set(re.findall(r"group\.vars\.([A-Za-z_][A-Za-z0-9_]*)", "\n".join(sources)))
    )
    people = ", ".join(f"{role.id}: {placeholder}" for role in playbook.roles)
    variables = ", ".join(f"{var}: {placeholder}" for var in var_names)
    days = playbook.last_campaign_day or 28
    lines = [
        "---",
        f"name: {_quoted(name)}",
        f"playbook: {_quoted(playbook.slug)}",
        f"start: {dt.date.today().isoformat()}",
        f"days: {days}",
        f"join_url: https://example.com/join/{name}   # a stable link to join (WeChat group QR "
        "images expire in 7 days)",
        f"people: {{{people}}}",
        'brand: {color: "#1F6FEB", accent: "#FFB300"}',
    ]
    if variables:
        lines.append(f"vars: {{{variables}}}")
    lines += [
        "---",
        "",
        {
            "zh": "这个群的备注：群主、特殊约定、重要日期。",
            "en": "Notes about this group: owner, special arrangements, key dates.",
            "es": "Notas sobre este grupo: responsable, acuerdos, fechas clave.",
        }.get(lang, "Notes about this group."),
        "",
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines), encoding="utf-8")
    print(f"created {target.relative_to(root)}; fill in people and join_url, then: python build.py")
    return 0
