"""Webhook settings in a real browser, with a real receiver."""

import re


def test_webhook_created_in_the_browser_delivers_and_logs(signed_in_page, server, receiver, shot):
    page = signed_in_page
    status, p = server.api("POST", "/v0/projects", {"name": "Hooked", "costMetric": "hours"})
    assert status == 201
    pid = p["id"]
    page.goto(f"{server.base_url}/projects/{pid}/settings/webhooks")
    page.fill("#url", receiver.url)
    # Subscribe to tag.created only.
    for box in page.locator("input[name=event]").all():
        box.set_checked(box.get_attribute("value") == "tag.created")
    page.click("button:has-text('Create webhook')")
    page.wait_for_url(re.compile(r".*/settings/webhooks/\d+\?done=added$"))
    status, _ = server.api("POST", f"/v0/projects/{pid}/tags", {"name": "from-the-api"})
    assert status == 201
    d = receiver.wait_for(lambda b: isinstance(b, dict) and "from-the-api" in str(b))
    assert d["headers"].get("content-type", "").startswith("application/json")
    # The delivery log shows it delivered; redeliver sends it again.
    for _ in range(50):
        page.reload()
        if "delivered" in page.content():
            break
        page.wait_for_timeout(100)
    assert "tag.created" in page.content()
    shot(page, "settings-webhook-log")
    page.click("button:has-text('Redeliver')")
    page.wait_for_url(re.compile(r".*\?done=queued$"))
    for _ in range(100):
        if len([b for b in receiver.bodies if "from-the-api" in str(b["body"])]) >= 2:
            break
        page.wait_for_timeout(100)
    assert len([b for b in receiver.bodies if "from-the-api" in str(b["body"])]) >= 2
