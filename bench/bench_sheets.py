"""Benchmark of reading sheets: openpyxl and python-calamine side by side, cold and warm.

A 2,000-row plan workbook over 100 groups (issue 12) and a 2,000-group sheet (issue 13), as .xlsx
and as CSV (UTF-8, GB18030). Cold: a fresh interpreter per run that imports the reader and reads
the file, timed inside the child (interpreter start, and what a build has imported anyway, YAML
and the validation, excluded); the variants take turns, so load from other work on the machine
falls on all of them alike. Warm: best of N in one process, as a
`watch` session re-reads an edited sheet. Prints Markdown tables for bench/results/sheets.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import xlsxwriter  # noqa: E402

ROWS, GROUPS, COLD_RUNS, WARM_RUNS = 2_000, 100, 7, 15
PLAN_COLUMNS = ["slot", "date", "group", "商品", "价格", "原价", "限量", "图片", "卖点", "备注"]
GROUP_COLUMNS = [
    "slug",
    "name",
    "playbook",
    "start",
    "days",
    "tags",
    "people.manager",
    "people.assistant",
    "vars.store",
    "vars.address",
    "vars.phone",
    "brand.color",
    "join_url",
    "plans",
    "sop_skip",
]


def plan_rows() -> list[list[object]]:
    rng = random.Random(12)
    products = ["赣南脐橙", "丹东草莓", "阿克苏苹果", "海南芒果", "智利车厘子", "新疆哈密瓜"]
    rows = []
    for n in range(ROWS):
        group = f"shop-{n % GROUPS:03d}" if n % 5 else f"tag:{rng.choice(['杭州', '上海'])}"
        rows.append(
            [
                rng.choice(["noon-flash", "morning-menu", "evening-deal"]),
                dt.date(2026, 12, 1) + dt.timedelta(days=n % 60),
                group,
                rng.choice(products),
                rng.choice([9.8, 16, 12.5, 29.9]),
                39.9,
                rng.randint(10, 200),
                f"content/assets/products/p{n % 30:02d}.jpg",
                "果大汁多，产地直发，坏果包赔。" * rng.randint(1, 4),
                "" if n % 3 else "限自提",
            ]
        )
    return rows


def group_rows() -> list[list[object]]:
    rows = []
    for n in range(ROWS):
        rows.append(
            [
                f"store-{n:04d}",
                f"鲜果铺·{n:04d}号店",
                "fruit-shop",
                dt.date(2026, 12, 1) + dt.timedelta(days=n % 30),
                28,
                "杭州；连锁" if n % 2 else "上海",
                f"manager-{n % 20}",
                f"assistant-{n % 20}",
                f"{n:04d}号店",
                f"文三路{n}号",
                f"0571-8800{n:04d}",
                "#C62828",
                f"https://example.com/j/{n}",
                "content/plans/fruit-selection.xlsx",
                "evening-deal" if n % 7 == 0 else "",
            ]
        )
    return rows


def write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list[object]]) -> None:
    book = xlsxwriter.Workbook(str(path), {"in_memory": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet(sheet)
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value:
                ws.write_string(r, c, str(value))
    book.close()


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> None:
    import csv

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(
            [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in rows]
        )


# The children: each prints {"import": s, "read": s, "rows": n}.
CHILD = {
    "openpyxl (read-only, values)": """
import time; t0 = time.perf_counter()
import openpyxl
t1 = time.perf_counter()
book = openpyxl.load_workbook(PATH, read_only=True, data_only=True)
rows = [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
book.close()
t2 = time.perf_counter()
""",
    "python-calamine (values)": """
import time; t0 = time.perf_counter()
import python_calamine
t1 = time.perf_counter()
book = python_calamine.CalamineWorkbook.from_path(PATH)
rows = [r for name in book.sheet_names
        for r in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
t2 = time.perf_counter()
""",
    "playpress.sheets (calamine + checks + rows + mappings)": """
import time; t0 = time.perf_counter()
from playpress.load.sheets import read_sheets
t1 = time.perf_counter()
found, problems = read_sheets(PATH, open(PATH, "rb").read(), REQUIRED)
assert not problems, problems
rows = [row.mapping(lists=("tags", "plans", "sop_skip")) for s in found for row in s.rows]
t2 = time.perf_counter()
""",
}
CHILD_END = 'print(json.dumps({"import": t1 - t0, "read": t2 - t1, "rows": len(rows)}))'


def cold(path: Path, variant: str, required: tuple) -> dict[str, float]:
    # What a build has imported before it reads a sheet (YAML, the validation) is not counted.
    code = (
        "import json\nimport playpress.validate\n"
        + f"PATH = {str(path)!r}\nREQUIRED = {required!r}\n"
        + CHILD[variant]
        + CHILD_END
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    return json.loads(out)


def warm(path: Path, required: tuple) -> dict[str, float]:
    import openpyxl
    import python_calamine

    from playpress.load.sheets import read_sheets

    raw = path.read_bytes()

    def with_openpyxl() -> None:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
        book.close()

    def with_calamine() -> None:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        [book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names]

    def with_playpress() -> None:
        found, _ = read_sheets(str(path), raw, required)
        [row.mapping(lists=("tags", "plans", "sop_skip")) for s in found for row in s.rows]

    def with_playpress_no_mapping() -> None:
        read_sheets(str(path), raw, required)

    result = {}
    for name, work in (
        ("openpyxl", with_openpyxl),
        ("calamine", with_calamine),
        ("read_sheets", with_playpress_no_mapping),
        ("read_sheets + mappings", with_playpress),
    ):
        times = []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        result[name] = min(times)
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-sheets-"))
    plan, groups = plan_rows(), group_rows()
    files = {
        "plan.xlsx (2,000 rows x 10)": (work / "plan.xlsx", ("slot", ("date", "day"))),
        "groups.xlsx (2,000 rows x 15)": (work / "groups.xlsx", ("slug", "playbook")),
    }
    write_xlsx(files["plan.xlsx (2,000 rows x 10)"][0], "十二月", PLAN_COLUMNS, plan)
    write_xlsx(files["groups.xlsx (2,000 rows x 15)"][0], "杭州", GROUP_COLUMNS, groups)
    write_csv(work / "plan-utf8.csv", PLAN_COLUMNS, plan, "utf-8-sig")
    write_csv(work / "plan-gb18030.csv", PLAN_COLUMNS, plan, "gb18030")
    print(
        f"machine: {os.cpu_count()} cores, load average before {os.getloadavg()[0]:.1f}, "
        f"Python {sys.version.split()[0]}"
    )
    for label, (path, _) in files.items():
        print(f"{label}: {path.stat().st_size / 1024:.0f} kB")

    print(
        "\n## Cold: a fresh interpreter, import + read (median of "
        f"{COLD_RUNS}, best in brackets), ms\n"
    )
    print("| file | variant | import | read | import + read |")
    print("|---|---|---:|---:|---:|")
    for label, (path, required) in files.items():
        runs: dict[str, list[dict[str, float]]] = {variant: [] for variant in CHILD}
        for _ in range(COLD_RUNS):
            for variant in CHILD:  # in turns, so that load falls on every variant alike
                runs[variant].append(cold(path, variant, required))
        for variant, results in runs.items():
            imp = [r["import"] for r in results]
            read = [r["read"] for r in results]
            total = [r["import"] + r["read"] for r in results]
            print(
                f"| {label} | {variant} | {ms(statistics.median(imp))} | "
                f"{ms(statistics.median(read))} ({ms(min(read))}) | "
                f"**{ms(statistics.median(total))}** ({ms(min(total))}) |"
            )

    print(f"\n## Warm: one process, best of {WARM_RUNS}, ms\n")
    print("| file | openpyxl | calamine | read_sheets | read_sheets + mappings |")
    print("|---|---:|---:|---:|---:|")
    for label, (path, required) in files.items():
        result = warm(path, required)
        print(f"| {label} | " + " | ".join(ms(v) for v in result.values()) + " |")

    from playpress.load.sheets import read_sheets

    print("\n## CSV, warm, best of 15, ms\n")
    for name in ("plan-utf8.csv", "plan-gb18030.csv"):
        raw = (work / name).read_bytes()
        times = []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            found, problems = read_sheets(name, raw, ("slot", ("date", "day")))
            [row.mapping() for row in found[0].rows]
            times.append(time.perf_counter() - started)
        assert not problems and len(found[0].rows) == ROWS
        print(f"- {name} ({len(raw) / 1024:.0f} kB): {ms(min(times))}")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
