"""Benchmark of plan sheets: a 2,000-row .xlsx plan over 100 groups.

- Cold: what reading the plan adds to a cold build. The same 100 groups built twice in fresh
  processes, taking turns: once with the plan (every copy reads plan.*, the workbook is read,
  checked and resolved per group) and once without it (the same copies read group.vars). Both
  build texts, calendars and pages (the posters' stage is left out: with the plan it makes 2,000
  per-occurrence posters that the other variant does not have). Also load_project alone.
- Watch: `python build.py watch --no-pdf` on the built project (posters included), then one cell
  of the workbook edited and saved as Excel saves (a new file renamed into place): the time from
  the save to that group's texts on disk and to that occurrence's poster on disk.

    python bench/bench_plans.py [--rounds 5] [--turns 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_watch import mtime, wait_rewritten, watching  # noqa: E402

from playpress.build import Options, build  # noqa: E402

GROUPS, DAYS, START = 100, 20, dt.date(2026, 12, 1)
CHAIN = 5  # the last five stores run the chain's flash sale (tag:连锁), not their own
COLUMNS = ["slot", "date", "group", "商品", "价格", "原价", "单位", "限量", "图片", "卖点"]
PRODUCTS = sorted(p.name for p in (REPO / "content/assets/products").glob("*.jpg"))

PLAYBOOK = """---
title: 社区水果店
type: product
{plans}roles:
  - {{id: assistant, title: 群助理}}
sop:
  - id: morning-menu
    when: daily 08:30
    post: 今日到货
    kind: activity
    owner: assistant
    copy: "早上好！今天到货：{morning}"
  - id: noon-flash
    when: daily 11:30
    post: 午间秒杀
    kind: activity
    owner: assistant
    poster: flash
    copy: "{noon}"
  - id: evening-deal
    when: daily 17:30
    post: 晚间拼团
    kind: activity
    owner: assistant
    copy: "今晚拼团：{evening}"
posters:
  - id: flash
    size: square
    layout: offer
{image}    title: "{title}"
    subtitle: "{{{{ group.name }}}}"
    lines: ["{line}"]
    cta: 扫码进群 每天都有特价
---
"""
WITH_PLAN = {
    "plans": "plans: [content/plans/selection.xlsx]\n",
    "morning": "{{ plan.商品 }}，{{ plan.卖点 }}",
    "noon": "{{ plan.商品 }}：门店价{{ plan.原价 }}元，秒杀价{{ plan.价格 }}元/{{ plan.单位 }}，"
    "限量{{ plan.限量 }}份。{{ plan.卖点 }}",
    "evening": "{{ plan.商品 }} {{ plan.价格 }}元",
    "image": '    image: "{{ plan.图片 }}"\n',
    "title": "{{ plan.商品 }}",
    "line": "秒杀价 {{ plan.价格 }}元/{{ plan.单位 }}",
}
WITHOUT_PLAN = {
    "plans": "",
    "morning": "{{ group.vars.product }}，{{ group.vars.point }}",
    "noon": "{{ group.vars.product }}：门店价{{ group.vars.was }}元，"
    "秒杀价{{ group.vars.price }}元/{{ group.vars.unit }}，"
    "限量{{ group.vars.limit }}份。{{ group.vars.point }}",
    "evening": "{{ group.vars.product }} {{ group.vars.price }}元",
    "image": "",
    "title": "{{ group.vars.product }}",
    "line": "秒杀价 {{ group.vars.price }}元/{{ group.vars.unit }}",
}
GROUP = """---
name: 鲜果铺·{n:03d}号店
playbook: shop
start: {start}
days: {days}
tags: [{tags}]
join_url: https://example.com/j/shop-{n:03d}
people: {{assistant: 小{n:03d}}}
vars: {{product: 赣南脐橙, point: 果大汁多, was: 5.98, price: 3.98, unit: 斤, limit: 30}}
---
"""


def plan_rows(edit: int = 0) -> list[list[object]]:
    """2,000 rows: each store's own flash sale every day (slug rows), the chain's flash sale for
    the five stores tagged 连锁 (tag rows), the morning's arrivals for every store and the
    evening deal by city (tag rows), and twenty stores' own evening deal on the first day (slug
    rows over tag rows). `edit` changes one cell: shop-000's flash-sale price on its fifth day."""
    rows: list[list[object]] = []
    for day in range(DAYS):
        date = START + dt.timedelta(days=day)
        rows.append(["morning-menu", date, "", f"到货{day}号", "", "", "", "", "", "产地直发"])
        for tag in ("杭州", "上海"):
            rows.append(
                ["evening-deal", date, f"tag:{tag}", f"{tag}拼团{day}", 29.9, 39.9] + [""] * 4
            )
        photo = f"content/assets/products/{PRODUCTS[day % len(PRODUCTS)]}"
        rows.append(
            ["noon-flash", date, "tag:连锁", "砂糖橘", 2.49, 4.98, "斤", 50, photo, "小而甜"]
        )
        for n in range(GROUPS - CHAIN):
            price = 3.98 + (edit / 100 if (n, day) == (0, 4) else 0)
            photo = f"content/assets/products/{PRODUCTS[(n + day) % len(PRODUCTS)]}"
            rows.append(
                ["noon-flash", date, f"shop-{n:03d}", f"商品{(n + day) % 40}", round(price, 2)]
                + [5.98, "斤", 30, photo, "果大汁多，产地直发，坏果包赔。"]
            )
    for n in range(20):
        rows.append(["evening-deal", START, f"shop-{n:03d}", f"{n}号店拼团", 19.9, 29.9] + [""] * 4)
    assert len(rows) == 2000
    return rows


def workbook(edit: int = 0) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("选品")
    sheet.write_row(0, 0, COLUMNS)
    for r, row in enumerate(plan_rows(edit), start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, str(value))
    book.set_properties({"created": dt.datetime(2026, 11, 30)})
    book.close()
    return buffer.getvalue()


def make_project(root: Path, with_plan: bool) -> Path:
    (root / "content/groups").mkdir(parents=True, exist_ok=True)
    (root / "playbooks").mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "content/assets/products", root / "content/assets/products")
    (root / "content/site.yml").write_text(
        "title: 鲜果连锁\nlang: zh\nbase_url: https://ops.example.com/\n", encoding="utf-8"
    )
    values = WITH_PLAN if with_plan else WITHOUT_PLAN
    (root / "playbooks/shop.md").write_text(PLAYBOOK.format(**values), encoding="utf-8")
    for n in range(GROUPS):
        tags = ("杭州" if n % 2 else "上海") + (", 连锁" if n >= GROUPS - CHAIN else "")
        text = GROUP.format(n=n, start=START, days=DAYS, tags=tags)
        (root / f"content/groups/shop-{n:03d}.md").write_text(text, encoding="utf-8")
    if with_plan:
        (root / "content/plans").mkdir(parents=True)
        (root / "content/plans/selection.xlsx").write_bytes(workbook())
    return root


CHILD = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from playpress.build import Options, build
from playpress.load import load_project
from playpress.outputs.job import LIGHT
root, out, what = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if what == "load":
    loaded = load_project(root)
    assert not loaded.report.errors, loaded.report.errors[:3]
else:
    result = build(Options(root, out, pdf=False, upto=LIGHT))
    assert not result.failed(), result.report.errors[:3]
print(time.perf_counter() - started)
"""


def child(root: Path, out: Path, what: str) -> float:
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(out), what],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    return float(done.stdout.strip().splitlines()[-1])


def save_like_excel(path: Path, data: bytes) -> None:
    """Excel writes a new file beside the workbook and renames it into place."""
    temporary = path.with_name("~$" + path.stem + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--turns", type=int, default=3, help="cold builds of each variant")
    parser.add_argument("--watch-only", action="store_true", help="skip the cold builds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pp-bench-plans-") as temp:
        base = Path(temp)
        with_plan = make_project(base / "with", True)
        without = make_project(base / "without", False)
        print(f"workbook: {(with_plan / 'content/plans/selection.xlsx').stat().st_size // 1024} kB")
        times: dict[tuple[str, str], list[float]] = {}
        for _turn in range(0 if args.watch_only else args.turns):
            for what in ("load", "build"):
                for name, root in (("with plan", with_plan), ("without", without)):
                    seconds = child(root, base / "out-cold", what)
                    times.setdefault((what, name), []).append(seconds)
        for (what, name), values in sorted(times.items()):
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"cold {what:5} {name:9}: median {statistics.median(values):.2f} s ({shown})")
        for what in ("load", "build") if times else ():
            added = statistics.median(times[(what, "with plan")]) - statistics.median(
                times[(what, "without")]
            )
            print(f"the plan adds {added:.2f} s to a cold {what}")

        out = base / "dist"
        started = time.perf_counter()
        first = build(Options(with_plan, out, pdf=False))
        assert not first.failed(), first.report.errors[:3]
        print(
            f"full build with posters: {time.perf_counter() - started:.1f} s, "
            f"{len(first.written)} files"
        )
        texts = [out / "shop-000" / name for name in ("sop.csv", "sop.ics", "sop.html")]
        poster = out / "shop-000/posters/flash/2026-12-05.png"
        other = out / "shop-001/sop.csv"
        path = with_plan / "content/plans/selection.xlsx"
        text_times, poster_times = [], []
        with watching(with_plan, out, "--no-pdf") as idle:
            for number in range(1, args.rounds + 1):
                data = workbook(edit=number)
                before = {p: mtime(p) for p in [*texts, poster, other]}
                started = time.perf_counter()
                save_like_excel(path, data)
                wait_rewritten(texts, before)
                text_times.append(time.perf_counter() - started)
                wait_rewritten([poster], before)
                poster_times.append(time.perf_counter() - started)
                idle()
                assert mtime(other) == before[other], "another group's texts were made again"
        for label, values, target in (
            ("one cell -> its group's sop.csv/ics/html on disk", text_times, 0.150),
            ("one cell -> its occurrence's poster on disk", poster_times, 0.400),
        ):
            median = statistics.median(values)
            shown = ", ".join(f"{v * 1000:.0f}" for v in values)
            verdict = "met" if median < target else "NOT met"
            print(
                f"{label}: median {median * 1000:.0f} ms (each {shown} ms; "
                f"target < {target * 1000:.0f} ms: {verdict})"
            )


if __name__ == "__main__":
    main()
