"""Join links that never expire: QR images by date, the live join page in headless Chromium, the
posters and the handbook that point at it, and the mistakes an operator makes with them."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
import segno
import zxingcpp
from chromium import Chromium, available, noon, served
from conftest import REPO, run_cli, snapshot, write_project
from PIL import Image, ImageDraw

from playpress.build import Options, build
from playpress.load import load_project
from playpress.media import qr as qr_module
from playpress.outputs.job import POSTERS, Job, Output
from playpress.outputs.posters import poster_png
from playpress.session import Session
from playpress.theme import Theme

BASE_URL = "https://join.example.org/ops/"
SHOP = [f"https://weixin.qq.com/g/HeldOut{n}-{n * 7919}" for n in (1, 2, 3)]
STAFF = "https://u.wechat.com/HeldOutStaffCard"
EVE = [f"https://weixin.qq.com/g/EveningReaders{n}" for n in (1, 2)]

SITE = f"""
title: 测试运营
lang: zh
timezone: Asia/Shanghai
base_url: {BASE_URL}
"""

PLAYBOOK = """
---
title: 社区水果
type: product
roles:
  - {id: manager, title: 店长}
sop:
  - {id: noon, when: "daily 11:30", post: 午间秒杀, kind: activity, owner: manager, poster: story}
posters:
  - id: story
    size: story
    layout: headline
    title: 今日特价
    cta: 扫码进群
  - id: counter
    size: a5
    layout: counter
    title: 扫码进群 天天有特价
  - id: tent
    size: a6
    layout: counter
    title: 扫码进群
    qr: live
  - id: square
    size: square
    title: 活动
    qr: "https://example.com/own-link"
---
"""

SHOP_GROUP = """
---
name: 测试鲜果群
playbook: fruit
start: 2027-03-01
days: 21
people: {manager: 王店长}
qr_images:
  - {file: content/assets/qr/shop-a.png, until: 2027-03-07}
  - {file: content/assets/qr/shop-b.png, until: 2027-03-14}
  - {file: content/assets/qr/shop-c.png, until: 2027-03-21}
join_fallback: {image: content/assets/qr/staff.png, text: 加店长微信，拉你进群}
---
"""

EVE_GROUP = """
---
name: Evening Readers
playbook: fruit
start: 2027-03-01
days: 14
lang: en
timezone: America/New_York
people: {manager: Ann}
qr_images:
  - {file: content/assets/qr/eve-1.png, until: 2027-03-07}
  - {file: content/assets/qr/eve-2.png, until: 2027-03-14}
---
"""


def export_card(payload: str, path: Path, title: str = "group") -> None:
    """A picture like WeChat's export: the code on a white card, a coloured avatar above it and a
    caption below, on grey."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="h").save(buffer, kind="png", scale=10, border=0)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    card = Image.new("RGB", (code.width + 240, code.height + 460), (237, 237, 237))
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((40, 60, card.width - 40, card.height - 60), 24, fill="white")
    draw.rectangle((100, 110, 190, 200), fill=(46, 125, 50))  # the avatar, close to the code
    draw.text((210, 140), title, fill="black")
    card.paste(code, (120, 240))
    draw.text((120, card.height - 130), "valid for 7 days", fill=(128, 128, 128))
    path.parent.mkdir(parents=True, exist_ok=True)
    card.save(path)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of a file written by write_project (dedented, leading newline dropped)."""
    lines = text.lstrip("\n").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def make_project(root: Path, site: str = SITE) -> Path:
    write_project(
        root,
        {
            "content/site.yml": site,
            "playbooks/fruit.md": PLAYBOOK,
            "content/groups/shop.md": SHOP_GROUP,
            "content/groups/eve.md": EVE_GROUP,
        },
    )
    qr_dir = root / "content/assets/qr"
    for payload, name in zip(SHOP, ("shop-a", "shop-b", "shop-c"), strict=True):
        export_card(payload, qr_dir / f"{name}.png")
    for payload, name in zip(EVE, ("eve-1", "eve-2"), strict=True):
        export_card(payload, qr_dir / f"{name}.png")
    export_card(STAFF, qr_dir / "staff.png", "manager")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("join") / "proj")


@pytest.fixture(scope="module")
def dist(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("join-dist") / "dist"
    result = build(Options(project, out, pdf=False, jobs=1))
    assert not result.failed(), [str(d) for d in result.report.diagnostics]
    return out


@pytest.fixture(scope="module")
def browser() -> object:
    if not available():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (.ci/run installs it)")
        pytest.skip("headless Chromium (apt install chromium) is not installed")
    chromium = Chromium()
    yield chromium
    chromium.close()


def decoded(png: bytes | Image.Image) -> list[str]:
    image = png if isinstance(png, Image.Image) else Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(image)]


# --- the join page in a browser ----------------------------------------------------------------

SHOP_DAYS = [  # (the phone's date, the payload it must show, "valid until" as printed)
    (dt.date(2027, 3, 2), SHOP[0], "有效期至 2027年3月7日"),
    (dt.date(2027, 3, 7), SHOP[0], "有效期至 2027年3月7日"),  # until is inclusive
    (dt.date(2027, 3, 10), SHOP[1], "有效期至 2027年3月14日"),
    (dt.date(2027, 3, 21), SHOP[2], "有效期至 2027年3月21日"),
]


@pytest.mark.parametrize(
    ("date", "payload", "until"), SHOP_DAYS, ids=["03-02", "03-07-inclusive", "03-10", "03-21"]
)
def test_the_page_shows_the_image_valid_on_the_phones_date(
    dist: Path, browser: Chromium, date: dt.date, payload: str, until: str
) -> None:
    with served(dist) as (base, asked):
        page = browser.page(clock=noon(date, "Asia/Shanghai"), timezone="Asia/Shanghai")
        page.open(f"{base}/join/shop/")
        shot = page.screenshot()
        text = page.evaluate("document.body.innerText")
        requests = page.requests()
        page.close()
    assert decoded(shot) == [payload], date  # what a phone's camera would read off the screen
    assert until in text and "加店长微信" not in text and "2027年3月1日 至" not in text
    own = f"{base}/join/shop/"
    assert requests and all(url.startswith(own) for url in requests), requests
    assert all(path.startswith("/join/shop/") for path in asked), asked  # no favicon, nothing else


def test_after_the_last_until_the_page_shows_the_fallback(dist: Path, browser: Chromium) -> None:
    with served(dist) as (base, asked):
        page = browser.page(clock=noon(dt.date(2027, 3, 22), "Asia/Shanghai"))
        page.open(f"{base}/join/shop/")
        shot, text = page.screenshot(), page.evaluate("document.body.innerText")
        page.close()
    assert decoded(shot) == [STAFF]
    assert "群二维码已过期" in text and "加店长微信，拉你进群" in text and "有效期至" not in text
    assert all(path.startswith("/join/shop/") for path in asked), asked


def test_the_date_is_the_groups_time_zone(dist: Path, browser: Chromium) -> None:
    """22:30 on 7 March in New York is 8 March in Shanghai: a phone set to New York still gets the
    shop's code of the 8th; the New York group's page, the 7th's."""
    clock = dt.datetime(2027, 3, 7, 22, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with served(dist) as (base, _asked):
        shots = {}
        for slug in ("shop", "eve"):
            page = browser.page(clock=clock, timezone="America/New_York")
            page.open(f"{base}/join/{slug}/")
            shots[slug] = (page.screenshot(), page.evaluate("document.body.innerText"))
            page.close()
    assert decoded(shots["shop"][0]) == [SHOP[1]]
    assert decoded(shots["eve"][0]) == [EVE[0]]
    assert "Valid until Mar 7, 2027" in shots["eve"][1]  # in the group's language
    assert "ask the group's organiser" not in shots["eve"][1].lower()


def test_without_script_every_image_shows_with_its_dates_and_the_fallback(
    dist: Path, browser: Chromium, tmp_path: Path
) -> None:
    with served(dist) as (base, asked):
        page = browser.page(script=False, clock=noon(dt.date(2027, 3, 10), "Asia/Shanghai"))
        page.open(f"{base}/join/shop/")
        shot = page.screenshot(tmp_path / "noscript.png")
        text = page.evaluate("document.body.innerText")
        page.close()
    assert decoded(shot) == [*SHOP, STAFF]
    for dates in (
        "2027年3月1日 至 2027年3月7日",
        "2027年3月8日 至 2027年3月14日",
        "2027年3月15日 至 2027年3月21日",
    ):
        assert dates in text
    assert "加店长微信，拉你进群" in text
    assert {p.split("?")[0] for p in asked} == {
        "/join/shop/",
        *(f"/join/shop/{name}.png" for name in ("shop-a", "shop-b", "shop-c", "staff")),
    }


def test_the_page_is_small_moves_nowhere_and_does_not_depend_on_the_day(
    dist: Path, project: Path, tmp_path: Path
) -> None:
    page = (dist / "join/shop/index.html").read_bytes()
    images = [p for p in (dist / "join/shop").iterdir() if p.name != "index.html"]
    assert sorted(p.name for p in images) == ["shop-a.png", "shop-b.png", "shop-c.png", "staff.png"]
    for image in images:  # copied as they are
        assert image.read_bytes() == (project / "content/assets/qr" / image.name).read_bytes()
    assert len(page) < 50_000
    html = page.decode()
    assert not re.search(r"https?://", html.split("<script>")[0].replace(BASE_URL, ""))
    assert "http-equiv" not in html and "location" not in html  # no automatic redirect
    assert "@font-face" not in html and '<link rel="stylesheet"' not in html
    # the only dates in it are the group's: built again another day, the same bytes
    dates = set(re.findall(r"\d{4}-\d\d-\d\d", html))
    assert dates <= {"2027-03-07", "2027-03-14", "2027-03-21"}
    again = tmp_path / "again"
    assert not build(Options(project, again, pdf=False, jobs=1)).failed()
    assert snapshot(again / "join") == snapshot(dist / "join")


def test_the_list_of_join_pages(dist: Path) -> None:
    html = (dist / "join/index.html").read_text(encoding="utf-8")
    assert 'href="shop/index.html"' in html and 'href="eve/index.html"' in html
    assert "测试鲜果群" in html and "Evening Readers" in html


# --- posters -----------------------------------------------------------------------------------


def rendered_posters(root: Path, on: dt.date | None = None) -> dict[str, tuple[bytes, Job]]:
    loaded = load_project(root)
    assert loaded.project is not None
    project = loaded.project
    theme = Theme(project.theme)
    found = {}
    for slug, group in project.groups.items():
        for poster in project.playbook_of(group).posters:
            output = Output(POSTERS, f"{slug}/posters/{poster.id}.png", "poster", slug, poster.id)
            job = Job(project, theme, output, root / "dist")
            found[f"{slug}/{poster.id}"] = (poster_png(job, on), job)
    return found


def test_every_poster_decodes_to_the_code_meant_for_it(project: Path) -> None:
    live = {slug: f"{BASE_URL}join/{slug}/" for slug in ("shop", "eve")}
    posters = rendered_posters(project)
    expected = {
        "shop/story": [SHOP[2]],  # a phone poster: the newest export
        "shop/counter": [live["shop"]],  # print: the join page
        "shop/tent": [live["shop"]],  # qr: live
        "shop/square": ["https://example.com/own-link"],
        "eve/story": [EVE[1]],
        "eve/counter": [live["eve"]],
        "eve/tent": [live["eve"]],
        "eve/square": ["https://example.com/own-link"],
    }
    assert {key: decoded(png) for key, (png, _job) in posters.items()} == expected


def test_a_poster_made_for_a_date_carries_the_image_valid_that_day(project: Path) -> None:
    """What per-occurrence posters (posters/ID/DATE.png) get: the image valid on their date, then
    the join page once all have expired."""
    for date, payload in (
        (dt.date(2027, 3, 1), SHOP[0]),
        (dt.date(2027, 3, 8), SHOP[1]),
        (dt.date(2027, 3, 21), SHOP[2]),
        (dt.date(2027, 3, 22), f"{BASE_URL}join/shop/"),
    ):
        png, _job = rendered_posters(project, date)["shop/story"]
        assert decoded(png) == [payload], date


def test_a_poster_that_places_an_image_prints_its_own_valid_until(project: Path) -> None:
    """Under the code, the label: the same for two dates of one image, another for the next."""

    def poster(day: int) -> Image.Image:
        png = rendered_posters(project, dt.date(2027, 3, day))["shop/story"][0]
        return Image.open(io.BytesIO(png))

    first, same, later = poster(2), poster(6), poster(8)
    assert first.tobytes() == same.tobytes()
    corners = zxingcpp.read_barcodes(first)[0].position
    left, right = corners.top_left.x, corners.top_right.x
    bottom = max(corners.bottom_left.y, corners.bottom_right.y)
    # below the code and its quiet zone, as wide as the code
    below = (left - 20, bottom + 60, right + 20, bottom + 160)
    assert first.crop(below).tobytes() != later.crop(below).tobytes()
    assert len(first.crop(below).getcolors(1 << 20) or []) > 2  # text, not an empty band


def test_without_base_url_print_posters_carry_the_newest_image_and_warn(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", SITE.replace(f"base_url: {BASE_URL}", ""))
    (root / "playbooks/fruit.md").write_text(
        (root / "playbooks/fruit.md").read_text().replace("    qr: live\n", ""), encoding="utf-8"
    )
    posters = rendered_posters(root)
    assert decoded(posters["shop/counter"][0]) == [SHOP[2]]
    result = run_cli("check", "--root", str(root))
    assert "print poster" not in result.stdout + result.stderr  # valid to the group's last day
    group = root / "content/groups/shop.md"
    group.write_text(group.read_text().replace("days: 21", "days: 28"), encoding="utf-8")
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    line = line_of(SHOP_GROUP, "qr_images:")
    assert (
        f"content/groups/shop.md:{line}: warning: print poster 'counter' (playbooks/fruit.md:"
        f"{line_of(PLAYBOOK, 'id: counter')}) carries the QR image valid until 2027-03-21, before "
        "the group ends on 2027-03-28" in result.stdout + result.stderr
    )


# --- the example project -----------------------------------------------------------------------


def test_the_example_counter_card_points_at_the_live_page(example_dist: Path) -> None:
    card = Image.open(example_dist / "xianguo-xinhua/posters/counter-card.png")
    assert decoded(card) == ["https://ops.example.com/join/xianguo-xinhua/"]
    names = sorted(p.name for p in (example_dist / "join/xianguo-xinhua").iterdir())
    assert names == [
        "index.html",
        "xianguo-xinhua-1213.png",
        "xianguo-xinhua-1220.png",
        "xianguo-xinhua-1227.png",
        "xianguo-xinhua-staff.png",
    ]


def test_the_example_handbook_cover_shows_the_live_join_code(
    example_dist: Path, browser: Chromium
) -> None:
    page = browser.page(width=1280, height=1000, scale=1)
    page.open((example_dist / "xianguo-xinhua/handbook.html").as_uri())
    shot = page.screenshot(full=False)
    page.close()
    assert "https://ops.example.com/join/xianguo-xinhua/" in decoded(shot)


# --- mistakes ----------------------------------------------------------------------------------


def broken_builds(root: Path, out: Path, change: tuple[str, str, str]) -> tuple[str, dict]:
    """Build, make one change to a file, build again: (what the second build said, dist before)."""
    first = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(out)
    path, old, new = change
    text = (root / path).read_text(encoding="utf-8")
    assert old in text
    (root / path).write_text(text.replace(old, new), encoding="utf-8")
    second = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    said = second.stdout + second.stderr
    assert second.returncode == 1, said
    assert "Traceback" not in said
    assert snapshot(out) == before  # earlier outputs intact
    return said, before


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            ("content/groups/shop.md", "until: 2027-03-14", "until: 2027-03-07"),
            ("content/groups/shop.md", line_of(SHOP_GROUP, "shop-b.png")),
            "'qr_images[1]' overlaps 'qr_images[0]': both are valid until 2027-03-07",
        ),
        (
            ("content/groups/shop.md", "until: 2027-03-14", "until: 2027-03-05"),
            ("content/groups/shop.md", line_of(SHOP_GROUP, "shop-b.png")),
            "'qr_images[1]' (until 2027-03-05) comes after 'qr_images[0]' (until 2027-03-07)",
        ),
        (
            ("content/site.yml", f"base_url: {BASE_URL}", ""),  # a poster of the playbook says
            ("playbooks/fruit.md", line_of(PLAYBOOK, "qr: live")),  # qr: live
            "poster 'tent' has 'qr: live'",
        ),
    ],
    ids=["overlapping", "unordered", "live-without-base-url"],
)
def test_mistakes_are_one_line_each_and_write_nothing(
    tmp_path: Path, change: tuple[str, str, str], where: tuple[str, int], message: str
) -> None:
    root = make_project(tmp_path / "proj")
    said, _before = broken_builds(root, tmp_path / "dist", change)
    path, line = where
    assert f"{path}:{line}: error: {message}" in said, said


def test_a_file_that_is_not_a_qr_code_is_an_error_naming_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    out = tmp_path / "dist"
    first = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(out)
    photo = Image.new("RGB", (600, 800), (250, 240, 230))
    ImageDraw.Draw(photo).ellipse((100, 100, 500, 500), fill=(200, 60, 40))  # an apple, not a code
    photo.save(root / "content/assets/qr/shop-b.png")
    second = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    said = second.stdout + second.stderr
    assert second.returncode == 1 and "Traceback" not in said, said
    line = line_of(SHOP_GROUP, "shop-b.png")
    assert (
        f"content/groups/shop.md:{line}: error: qr_images[1] 'content/assets/qr/shop-b.png' "
        "holds no QR code" in said
    ), said
    assert snapshot(out) == before


def test_a_gap_after_the_last_image_warns_with_its_dates(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    path = root / "content/groups/shop.md"
    path.write_text(path.read_text().replace("days: 21", "days: 30"), encoding="utf-8")
    result = run_cli("check", "--root", str(root))
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    line = line_of(SHOP_GROUP, "qr_images:")
    assert (
        f"content/groups/shop.md:{line}: warning: no qr_images entry covers 2027-03-22 to "
        "2027-03-30 (9 days of the group's span" in said
    ), said
    assert run_cli("check", "--root", str(root), "--strict").returncode == 1


def test_a_code_that_is_not_a_wechat_group_is_a_note(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    export_card("https://shop.example.com/join", root / "content/assets/qr/eve-2.png")
    result = run_cli("check", "--root", str(root), "--strict")
    said = result.stdout + result.stderr
    assert result.returncode == 0, said  # a note never fails a build
    line = line_of(EVE_GROUP, "eve-2.png")
    assert (
        f"content/groups/eve.md:{line}: note: qr_images[1] 'content/assets/qr/eve-2.png' encodes "
        "'https://shop.example.com/join', not a WeChat group link" in said
    ), said
    assert "staff.png" not in said  # the fallback is a person's card: not a group's, rightly


def test_qr_image_and_qr_expires_are_a_list_of_one(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    path = root / "content/groups/eve.md"
    text = re.sub(
        r"qr_images:\n(  - .*\n)+",
        "qr_image: content/assets/qr/eve-1.png\nqr_expires: 2027-03-20\n",
        path.read_text(),
    )
    path.write_text(text, encoding="utf-8")
    loaded = load_project(root)
    assert loaded.project is not None, [str(d) for d in loaded.report.diagnostics]
    group = loaded.project.groups["eve"]
    assert [(i.file, i.until) for i in group.qr_images] == [
        ("content/assets/qr/eve-1.png", dt.date(2027, 3, 20))
    ]
    assert decoded(rendered_posters(root)["eve/story"][0]) == [EVE[0]]


def test_codes_are_read_once_per_version_of_the_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = qr_module.codes_in
    monkeypatch.setattr(
        qr_module, "codes_in", lambda image: reads.append(image.filename) or real(image)
    )
    session = Session()
    load_project(project, session)
    assert len(reads) == 6  # 3 + 2 exports and the fallback
    load_project(project, session)
    assert len(reads) == 6  # a save in watch mode: nothing decoded again
    target = project / "content/assets/qr/shop-a.png"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    load_project(project, session)
    assert reads[6:] == [str(target)]


def test_the_example_builds_with_its_three_exports() -> None:
    loaded = load_project(REPO)
    assert loaded.project is not None
    group = loaded.project.groups["xianguo-xinhua"]
    assert [i.until for i in group.qr_images] == [
        dt.date(2026, 12, 20),
        dt.date(2026, 12, 27),
        dt.date(2027, 1, 3),
    ]
    assert group.join_fallback is not None
    assert not loaded.report.errors and not loaded.report.warnings
