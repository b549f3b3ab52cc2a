"""The planning pages in a real browser: board (drag, keyboard, live), work item panel
(comment, upload), design model (re-parent), burndown. Fixtures: tests/web/conftest.py."""

import struct
import time
import zlib

import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import new_page, sign_in


class Api:
    """The owner's /v0 calls, asserting success."""

    def __init__(self, server):
        self.server = server

    def __call__(self, method, path, body=None):
        status, reply = self.server.api(method, path, body)
        assert 200 <= status < 300, f"{method} {path}: {status} {reply}"
        return reply


def png(width=8, height=8, rgb=(200, 30, 30)):
    """A small solid-colour PNG, made here (no image library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def wait_for(check, timeout=10.0, what="condition"):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture
def planned(server, receiver):
    """A project with a board (dates for the burndown), two items on it and a webhook to the receiver."""
    api = Api(server)
    pid = api("POST", "/v0/projects", {"name": "Sprint game", "costMetric": "hours"})["id"]
    bid = api("POST", f"/v0/projects/{pid}/boards",
              {"name": "Sprint 1", "startDate": "2026-11-20", "dueDate": "2026-12-31"})["boardId"]
    api("POST", f"/v0/projects/{pid}/webhooks", {"url": receiver.url, "events": ["workitem.updated"]})
    return {"pid": pid, "bid": bid, "api": api}


def card(page, item_id):
    return page.locator(f'li.card[data-id="{item_id}"]')


def column_of(page, item_id):
    # A live update replaces the card element; one read between Playwright finding the card and
    # evaluating on it sees a detached card. That read answers None, and wait_for asks again.
    try:
        return card(page, item_id).evaluate(
            "c => { const col = c.closest('.column'); return col ? col.dataset.stage : null; }",
            timeout=2000,
        )
    except PlaywrightError:
        return None


def test_board_create_drag_keyboard_and_live(server, receiver, planned, browser, signed_in_page, shot):
    pid, bid = planned["pid"], planned["bid"]
    page = signed_in_page
    page.goto(f"{server.base_url}/projects/{pid}/boards/{bid}")
    # Create two items with the form on the board.
    for title in ["Main menu", "Boss fight"]:
        page.fill('form.new-item input[name="title"]', title)
        page.click('form.new-item button[type="submit"]')
        page.wait_for_selector(f'li.card:has-text("{title}")')
    api = planned["api"]
    items = api("GET", f"/v0/projects/{pid}/workitems?boardId={bid}")["items"]
    ids = {w["title"]: w["workItemId"] for w in items}
    menu, boss = ids["Main menu"], ids["Boss fight"]
    shot(page, "board")

    # A second browser on the same board, signed in on its own.
    other = new_page(browser)
    sign_in(other, server)
    other.goto(f"{server.base_url}/projects/{pid}/boards/{bid}")
    other.wait_for_selector('#board[data-live="on"]')

    # Drag "Main menu" to "In progress" (stage 2).
    card(page, menu).drag_to(page.locator('.column[data-stage="2"] ol.cards'))
    wait_for(lambda: api("GET", f"/v0/projects/{pid}/workitems/{menu}")["stage"]["stageId"] == 2,
             what="the API to show the new stage")
    assert column_of(page, menu) == "2"
    receiver.wait_for(lambda b: isinstance(b, dict) and b.get("WorkItemId") == menu
                      and (b.get("Stage") or {}).get("StageId") == 2)
    # The other browser sees it without a reload.
    wait_for(lambda: column_of(other, menu) == "2", what="the second browser to see the move")
    shot(other, "board-live")

    # Keyboard: focus "Boss fight", Alt+Right twice -> Testing (stage 3).
    card(page, boss).focus()
    page.keyboard.press("Alt+ArrowRight")
    wait_for(lambda: api("GET", f"/v0/projects/{pid}/workitems/{boss}")["stage"]["stageId"] == 2,
             what="keyboard move")
    card(page, boss).focus()
    page.keyboard.press("Alt+ArrowRight")
    wait_for(lambda: api("GET", f"/v0/projects/{pid}/workitems/{boss}")["stage"]["stageId"] == 3,
             what="second keyboard move")
    wait_for(lambda: "moved to Testing" in page.locator("#board-status").text_content(),
             what="the live region to announce the move")
    wait_for(lambda: column_of(other, boss) == "3", what="the second browser to see the keyboard move")
    other.context.close()
    # At phone width the columns stack and the page still passes the accessibility check.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    cols = page.locator(".column")
    assert cols.nth(1).bounding_box()["y"] > cols.nth(0).bounding_box()["y"]
    shot(page, "board-phone")


def test_item_panel_comment_and_upload(server, planned, signed_in_page, shot, tmp_path):
    pid, bid, api = planned["pid"], planned["bid"], planned["api"]
    item = api("POST", f"/v0/projects/{pid}/workitems",
                      {"title": "Art pass", "importanceLevelId": 1, "boardId": bid,
                       "description": "Needs **bold** colours"})["workItemId"]
    page = signed_in_page
    page.goto(f"{server.base_url}/projects/{pid}/items/{item}")
    assert page.locator(".description strong").text_content() == "bold"
    page.fill('section.comments textarea[name="text"]', "Looks *great*")
    page.click('section.comments form:last-of-type button[type="submit"]')
    page.wait_for_selector(".comment em")
    comments = api("GET", f"/v0/projects/{pid}/workitems/{item}/comments")
    assert [c["text"] for c in comments["items"]] == ["Looks *great*"]
    # Upload through the file input (the drop zone posts the same request).
    f = tmp_path / "red.png"
    f.write_bytes(png())
    page.set_input_files('form.upload input[type="file"]', str(f))
    page.click('form.upload button[type="submit"]')
    page.wait_for_selector(".thumbs img")
    atts = api("GET", f"/v0/projects/{pid}/workitems/{item}/attachments")
    assert [a["file"]["name"] for a in atts["items"]] == ["red.png"]
    shot(page, "work-item")


def test_design_reparent_and_burndown(server, planned, signed_in_page, shot):
    pid, bid, api = planned["pid"], planned["bid"], planned["api"]
    world = api("POST", f"/v0/projects/{pid}/designelements", {"name": "World", "designElementTypeId": 2})["designElementId"]
    level = api("POST", f"/v0/projects/{pid}/designelements", {"name": "Level 1", "designElementTypeId": 4})["designElementId"]
    page = signed_in_page
    page.goto(f"{server.base_url}/projects/{pid}/design")
    src = page.locator(f'li.element[data-id="{level}"] > details > summary')
    dst = page.locator(f'li.element[data-id="{world}"] > details > summary')
    src.drag_to(dst)
    wait_for(lambda: (api("GET", f"/v0/projects/{pid}/designelements/{level}").get("parent") or {})
             .get("designElementId") == world, what="the re-parent")
    page.wait_for_selector(f'li.element[data-id="{world}"] li.element[data-id="{level}"]')
    shot(page, "design")
    # The keyboard alternative: "Move to" the top level.
    page.select_option(f'li.element[data-id="{level}"] form.move-to select', "")
    page.click(f'li.element[data-id="{level}"] form.move-to button')
    wait_for(lambda: api("GET", f"/v0/projects/{pid}/designelements/{level}").get("parent") is None,
             what="the move to the top level")

    api("POST", f"/v0/projects/{pid}/workitems",
        {"title": "Burn", "importanceLevelId": 1, "boardId": bid, "estimatedCost": 4})
    page.goto(f"{server.base_url}/projects/{pid}/boards/{bid}/burndown")
    assert page.locator("svg.burndown title").first.text_content() == "Burndown of Sprint 1"
    assert page.locator("svg.burndown polyline.series-cost").count() == 1
    assert page.locator("svg.burndown line.ideal").count() == 2
    shot(page, "burndown")
    page.goto(f"{server.base_url}/projects/{pid}/reports")
    assert page.locator("svg.bars").count() >= 3
    shot(page, "reports")
    page.goto(f"{server.base_url}/projects/{pid}/calendar?month=2026-12")
    assert page.locator("table.calendar caption").text_content() == "December 2026"
    assert page.locator('table.calendar a:has-text("Sprint 1")').count() >= 1
    shot(page, "calendar")
