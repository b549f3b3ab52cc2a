"""Sign-in, projects, settings and the account page in a real browser."""

import re

from conftest import new_page


def test_sign_in_project_settings_and_api_key(browser, server, shot):
    page = new_page(browser)
    page.goto(server.base_url + "/")
    # Anonymous: the sign-in page, which comes back here after.
    assert "/login" in page.url
    shot(page, "login")
    page.fill("#username", "owner")
    page.fill("#password", "wrong password!")
    page.click("button[type=submit]")
    assert "Wrong username or password." in page.content()
    page.fill("#password", server.password)
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/")
    shot(page, "projects")

    # A project from HacknPlan's presets.
    page.click("text=New project")
    page.fill("#name", "Space Pirates")
    page.select_option("#costMetric", "points")
    shot(page, "project-new")
    page.click("button:has-text('Create project')")
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    pid = int(page.url.rsplit("/", 1)[1])
    shot(page, "project-home")
    status, p = server.api("GET", f"/v0/projects/{pid}")
    assert status == 200 and p["name"] == "Space Pirates" and p["costMetric"] == "points"
    status, cats = server.api("GET", f"/v0/projects/{pid}/categories")
    assert len(cats) >= 5  # the presets

    # Settings: add a category.
    page.click("nav.tabs >> text=Settings")
    shot(page, "settings-modules")
    page.click("nav.subnav >> text=Categories")
    page.fill("#f-name", "Narrative")
    page.click("form.stack button:has-text('Add')")
    page.wait_for_url(re.compile(r".*/settings/categories\?done=added$"))
    assert "Narrative" in page.content()
    shot(page, "settings-categories")
    status, cats = server.api("GET", f"/v0/projects/{pid}/categories")
    assert "Narrative" in [c["name"] for c in cats]
    for sub in ["stages", "importance-levels", "design-element-types", "tags", "roles",
                "members", "webhooks"]:
        page.goto(f"{server.base_url}/projects/{pid}/settings/{sub}")
        shot(page, f"settings-{sub}")

    # The account page: a key with read scopes, shown once, that works on /v0.
    page.click("header >> text=Account")
    shot(page, "account")
    page.fill("#label", "browser test")
    page.click("button:has-text('Create key')")
    key = page.inner_text("#new-key-value").strip()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    shot(page, "account-new-key")
    status, me = server.api("GET", "/v0/users/me", key=key)
    assert status == 200 and me["username"] == "owner"
    # Read scopes only: creating a project is refused.
    status, _ = server.api("POST", "/v0/projects", {"name": "x", "costMetric": "hours"}, key=key)
    assert status == 403
    # Revoke it: the key stops working.
    page.goto(server.base_url + "/account")
    row = page.locator("tr", has_text="browser test")
    row.locator("button:has-text('Revoke')").click()
    page.wait_for_url(re.compile(r".*/account\?done=revoked$"))
    status, _ = server.api("GET", "/v0/users/me", key=key)
    assert status == 401
    page.context.close()


def test_phone_width_and_sign_out_everywhere(browser, server, shot):
    phone = new_page(browser, width=390, height=844)
    from conftest import sign_in
    sign_in(phone, server)
    shot(phone, "projects-phone")
    other = new_page(browser)
    sign_in(other, server)
    other.goto(server.base_url + "/account")
    other.click("button:has-text('Sign out everywhere')")
    other.wait_for_url(re.compile(r".*/login$"))
    # The phone's session ended too.
    phone.goto(server.base_url + "/account")
    assert "/login" in phone.url
    phone.context.close()
    other.context.close()
