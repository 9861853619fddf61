"""The browser pages end to end, in Chromium against the live app (see ``conftest.py``).

Sign in, open a hearing, play, seek by clicking a word, keyboard control, the flag
filter, edit and save, the version list and diff, approval (judges only), search and
jump, the Kazakh interface, the party's page with its downloads and hash, a party kept
out of another case's hearing, and the review page on a tablet. Screenshots of the
review and party pages (``web-review.png``, ``web-party.png``) go to the directory in
``CR_SCREENSHOTS_DIR`` (``CR_SCREENSHOTS_DIR=docs`` refreshes the ones in the docs),
else to a temporary directory, so a test run leaves the checkout clean.

The pages are found by their ``data-testid`` attributes only; no request may leave the
app (the ``page`` fixture fails a test that tries).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.web.conftest import (
    CASE,
    FLAGGED,
    IIN,
    LINES,
    OTHER_CASE,
    OTHER_WORD,
    PASSWORDS,
    NetworkGuard,
    World,
)

DOCS = Path(os.environ.get("CR_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="courtrec-shots-"))
PLAYER = "[data-testid=player]"
SEGMENT = "[data-testid=segment]"


def tid(name: str) -> str:
    return f"[data-testid={name}]"


# -- helpers ---------------------------------------------------------------------------


def sign_in(page: Any, name: str) -> None:
    """Sign in through the form; returns when the form is gone."""
    page.goto("/")
    page.fill(tid("login-username"), name)
    page.fill(tid("login-password"), PASSWORDS[name])
    page.click(tid("login-submit"))
    page.wait_for_selector(tid("login-submit"), state="detached")


def go(page: Any, route: str) -> None:
    """Change the hash route in place (the page keeps its token)."""
    page.evaluate("route => { location.hash = route }", route)


def open_hearing(page: Any, recording_id: str, segments: int = len(LINES)) -> None:
    go(page, f"#/hearing/{recording_id}")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length === n", arg=[SEGMENT, segments]
    )
    page.wait_for_function(
        "sel => { const a = document.querySelector(sel); return a && a.readyState >= 1 }",
        arg=PLAYER,
    )


def player(page: Any, prop: str) -> Any:
    return page.eval_on_selector(PLAYER, f"a => a.{prop}")


def set_time(page: Any, seconds: float) -> None:
    page.eval_on_selector(PLAYER, "(a, t) => { a.currentTime = t }", seconds)
    page.wait_for_function(
        "([sel, t]) => { const a = document.querySelector(sel);"
        " return Math.abs(a.currentTime - t) < 0.05 && !a.seeking }",
        arg=[PLAYER, seconds],
    )


def wait_current(page: Any, text: str) -> None:
    """Wait until exactly one segment is current and it shows ``text``."""
    page.wait_for_function(
        "([sel, text]) => { const c = document.querySelectorAll(sel + '.current');"
        " return c.length === 1 && c[0].innerText.includes(text) }",
        arg=[SEGMENT, text],
    )


def blur(page: Any) -> None:
    page.evaluate("() => { if (document.activeElement) document.activeElement.blur() }")


def download(page: Any, testid: str) -> bytes:
    with page.expect_download() as info:
        page.click(tid(testid))
    path = info.value.path()
    return Path(path).read_bytes()


def wait_shown(page: Any, count: int) -> None:
    """Wait until ``count`` segments are visible."""
    page.wait_for_function(
        "([sel, n]) => [...document.querySelectorAll(sel)]"
        ".filter(s => s.offsetParent !== null).length === n",
        arg=[SEGMENT, count],
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# -- the judge's review page -----------------------------------------------------------


def test_judge_signs_in_plays_seeks_and_uses_the_keyboard(page: Any, live: World) -> None:
    hearing = live.hearings["other"]
    sign_in(page, "judge")
    expect(page).to_have_url(re.compile(r"#/hearings$"))  # a judge's first page
    rows = page.locator(tid("hearing-row"))
    rows.first.wait_for()
    assert rows.count() >= 3
    for i in range(rows.count()):
        assert rows.nth(i).locator(tid("hearing-status")).inner_text().strip()
    rows.filter(has_text=OTHER_CASE).first.click()
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length === n", arg=[SEGMENT, len(LINES)]
    )
    assert hearing.id in page.url
    open_hearing(page, hearing.id)
    segments = page.locator(SEGMENT)
    for i, segment in enumerate(hearing.protocol.segments):
        assert segment.text in segments.nth(i).inner_text()

    # play: time advances and exactly one segment (the one being said) is highlighted
    page.eval_on_selector(PLAYER, "a => a.play()")
    page.wait_for_function(f"() => document.querySelector('{PLAYER}').currentTime > 1.0")
    wait_current(page, LINES[0][4])
    page.screenshot(path=str(DOCS / "web-review.png"))
    page.eval_on_selector(PLAYER, "a => a.pause()")

    # clicking a word seeks to it and highlights its segment
    word = segments.nth(5).locator(tid("word")).nth(2)
    start = float(word.get_attribute("data-start"))
    assert abs(start - hearing.protocol.segments[5].words[2].start) < 0.01
    word.click()
    page.wait_for_function(
        "([sel, t]) => Math.abs(document.querySelector(sel).currentTime - t) < 0.05",
        arg=[PLAYER, start],
    )
    wait_current(page, LINES[5][4])

    # Space toggles playback, ArrowLeft goes back about 5 s
    blur(page)
    assert player(page, "paused") is True
    page.keyboard.press("Space")
    page.wait_for_function(f"() => !document.querySelector('{PLAYER}').paused")
    page.keyboard.press("Space")
    page.wait_for_function(f"() => document.querySelector('{PLAYER}').paused")
    set_time(page, 20.0)
    blur(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('{PLAYER}').currentTime - 15.0) < 0.6"
    )

    # "n" jumps to the next flagged segment
    set_time(page, 0.2)
    blur(page)
    for index in FLAGGED[:2]:
        page.keyboard.press("n")
        page.wait_for_function(
            "([sel, t]) => Math.abs(document.querySelector(sel).currentTime - t) < 0.3",
            arg=[PLAYER, LINES[index][0]],
        )
        wait_current(page, LINES[index][4])

    # the flag filter shows only the flagged segments, and back
    page.select_option(tid("flag-filter"), "flagged")
    wait_shown(page, len(FLAGGED))
    shown = [s.inner_text() for s in segments.all() if s.is_visible()]
    assert all(LINES[i][4] in text for i, text in zip(FLAGGED, shown, strict=True)), shown
    page.select_option(tid("flag-filter"), "all")
    wait_shown(page, len(LINES))


def test_judge_edits_saves_sees_the_diff_and_approves(page: Any, live: World) -> None:
    hearing = live.add_hearing()
    new_text = "Сот отырысы ашық деп жарияланады, тараптар келді."
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "judge")
    open_hearing(page, hearing.id)
    segment = page.locator(SEGMENT).nth(1)
    segment.locator(tid("edit-segment")).click()
    editor = page.locator(tid("segment-editor"))
    editor.wait_for()
    editor.fill(new_text)
    page.click(tid("segment-save"))
    page.wait_for_function(
        "([sel, text]) => document.querySelectorAll(sel)[1].innerText.includes(text)",
        arg=[SEGMENT, new_text],
    )
    assert page.locator(tid("segment-editor")).count() == 0
    page.locator(f"{tid('versions')} {tid('version')}[data-version='2']").wait_for()

    stored = live.api("judge", "GET", f"/recordings/{hearing.id}/versions").json()["versions"]
    assert [v["version"] for v in stored] == [1, 2]
    saved = live.api("judge", "GET", f"/recordings/{hearing.id}/protocol", params={"version": 2})
    assert saved.json()["segments"][1]["text"] == new_text

    page.click(f"{tid('version')}[data-version='2'] {tid('version-compare-prev')}")
    diff = page.locator(tid("diff"))
    diff.locator("ins", has_text="келді").wait_for()
    assert "тараптар келді" in diff.inner_text()

    page.click(tid("approve"))
    page.locator(tid("approved-badge")).wait_for()
    versions = live.api("judge", "GET", f"/recordings/{hearing.id}/versions").json()["versions"]
    assert [v["approved"] for v in versions] == [False, True]


def test_clerk_sees_no_approve_button(page: Any, live: World) -> None:
    sign_in(page, "clerk")
    open_hearing(page, live.hearings["other"].id)
    assert page.locator(tid("edit-segment")).count() >= 1
    assert page.locator(tid("approve")).count() == 0


def test_search_and_jump_to_the_hit(page: Any, live: World) -> None:
    hearing = live.hearings["other"]
    sign_in(page, "judge")
    search = page.locator(tid("search-input"))
    if not search.is_visible():
        go(page, "#/search")
    search.fill(OTHER_WORD)
    page.click(tid("search-submit"))
    hits = page.locator(tid("search-hit"))
    hits.first.wait_for()
    assert hits.count() == 1
    start = float(hits.first.get_attribute("data-start"))
    assert abs(start - LINES[7][0]) < 0.01
    assert OTHER_WORD in hits.first.inner_text()
    hits.first.click()
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length === n", arg=[SEGMENT, len(LINES)]
    )
    assert hearing.id in page.url
    page.wait_for_function(
        "([sel, t]) => { const a = document.querySelector(sel);"
        " return a && a.readyState >= 1 && Math.abs(a.currentTime - t) < 0.3 }",
        arg=[PLAYER, start],
    )
    wait_current(page, OTHER_WORD)


def test_the_interface_speaks_kazakh(page: Any, live: World) -> None:
    sign_in(page, "judge")
    go(page, "#/hearings")
    page.locator(tid("hearing-row")).first.wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "ru"
    heading = page.locator("h1, h2").first
    before = heading.inner_text()
    page.click(tid("lang-kk"))
    page.wait_for_function("() => document.documentElement.lang === 'kk'")
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel).innerText !== before",
        arg=["h1, h2", before],
    )
    assert re.search("[әғқңөұүһі]", page.inner_text("body").lower())


# -- parties -----------------------------------------------------------------------------


def test_party_sees_the_approved_hearing_checks_the_hash_and_downloads(
    page: Any, live: World
) -> None:
    hearing = live.hearings["approved"]
    sign_in(page, "party")
    expect(page).to_have_url(re.compile(r"#/party$"))  # a party's first page
    rows = page.locator(tid("party-hearing"))
    rows.first.wait_for()
    assert rows.count() == 1
    assert CASE in rows.first.inner_text()

    copy = live.api("party", "GET", f"/recordings/{hearing.id}/protocol")
    assert copy.status_code == 200 and IIN not in copy.text
    expect(page.locator(tid("protocol-hash"))).to_have_text(copy.headers["X-Protocol-SHA256"])
    assert page.locator(tid("verify-help")).count() == 1
    page.click(f"{tid('verify-help')} summary")
    page.screenshot(path=str(DOCS / "web-party.png"), full_page=True)

    pdf = download(page, "download-pdf")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert CASE in text and IIN not in text

    docx = download(page, "download-docx")
    assert zipfile.is_zipfile(io.BytesIO(docx))
    document = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert LINES[0][4] in document and IIN not in document

    txt = download(page, "download-txt").decode("utf-8")
    assert LINES[0][4] in txt and LINES[1][4] in txt and IIN not in txt

    document_json = download(page, "download-json")
    assert hashlib.sha256(document_json).hexdigest() == copy.headers["X-Protocol-SHA256"]

    # the party's review page: the masked copy, read-only
    page.click(tid("party-open"))
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length === n", arg=[SEGMENT, len(LINES)]
    )
    text = page.inner_text(tid("segments"))
    assert IIN not in text and "•" in text and LINES[0][4] in text
    for absent in ("edit-segment", "approve", "version"):
        assert page.locator(tid(absent)).count() == 0, absent


def test_party_is_kept_out_of_other_hearings(page: Any, live: World) -> None:
    answers: list[tuple[str, int]] = []
    page.on("response", lambda r: answers.append((r.url, r.status)))
    sign_in(page, "party")
    for name in ("other", "pending"):  # another case's hearing; an unapproved one of theirs
        rid = live.hearings[name].id
        answers.clear()
        go(page, f"#/hearing/{rid}")
        page.locator(tid("not-found")).wait_for()
        mine = [(url, status) for url, status in answers if f"/api/v1/recordings/{rid}" in url]
        assert mine, f"the page asked the API nothing about {name}"
        assert {status for _, status in mine} == {404}, mine
        assert page.locator(SEGMENT).count() == 0
    assert live.api("party", "GET", f"/recordings/{live.hearings['other'].id}").status_code == 404


# -- layout and the harness --------------------------------------------------------------


def test_review_page_fits_a_tablet(page: Any, live: World) -> None:
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, "judge")
    open_hearing(page, live.hearings["other"].id)
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    box = page.locator(PLAYER).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 768


def test_the_guard_blocks_and_reports_other_hosts(page: Any, guard: NetworkGuard) -> None:
    stray = page.context.new_page()
    with pytest.raises(PlaywrightError):
        stray.goto("https://example.com/")
    stray.close()
    assert guard.blocked == ["https://example.com/"]
    page.goto("/")  # the app's pages: their CSP refuses other hosts before the network
    page.evaluate("() => fetch('https://example.com/font.woff2').catch(() => null)")
    page.wait_for_timeout(300)
    assert guard.refused and all("example.com" in text for text in guard.refused)
    guard.blocked.clear()  # this test made both requests on purpose
    guard.refused.clear()
