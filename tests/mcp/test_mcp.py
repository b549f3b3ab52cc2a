#!/usr/bin/env python3
"""The MCP endpoint through a real MCP client (the official Python SDK, `mcp`).

Starts `questlog serve` on a fresh data dir (SQLite) and, when QUESTLOG_TEST_DATABASE_URL names a
PostgreSQL server, again on a fresh database there. Against each it drives /mcp over Streamable
HTTP and `questlog mcp` over stdio: every tool with valid and invalid arguments, effects checked
through the v0 API (plain urllib) and a webhook receiver (a tiny http.server here), a read-only key
that cannot write, a non-member that sees nothing, resources and prompts.

Run through scripts/mcp-test, which makes the virtualenv; or directly:
    QUESTLOG_BIN=target/debug/questlog python3 tests/mcp/test_mcp.py
"""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("QUESTLOG_BIN", os.path.join(ROOT, "target", "debug", "questlog"))
OWNER_KEY = uuid.uuid4().hex

TOOLS = {
    "whoami", "list_projects", "project_overview", "project_metrics", "board_metrics",
    "calendar", "recent_activity", "search_work_items", "get_work_item", "create_work_item",
    "update_work_item", "move_work_item", "close_work_item", "assign_user", "unassign_user",
    "tag_work_item", "untag_work_item", "my_open_work", "add_sub_task", "update_sub_task",
    "delete_sub_task", "add_comment", "log_work", "add_dependency", "remove_dependency",
    "design_tree", "get_design_element", "create_design_element", "move_design_element",
    "create_board",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A webhook receiver on loopback: records every delivery as {"event": …, "body": …}."""

    def __init__(self):
        self.bodies = []
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                rx.bodies.append({
                    "event": self.headers.get("X-HacknPlan-Event"),
                    "body": json.loads(self.rfile.read(n) or b"null"),
                })
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, pred, what, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            hits = [b for b in list(self.bodies) if pred(b)]
            if hits:
                return hits
            time.sleep(0.1)
        raise AssertionError(f"no webhook delivery for {what}; got {self.bodies}")

    def stop(self):
        self.server.shutdown()


class Questlog:
    """A `questlog serve` process on a fresh data dir (and database, on PostgreSQL)."""

    def __init__(self, database_url=None):
        self.dir = tempfile.mkdtemp(prefix="questlog-mcp-")
        self.data = ["--data-dir", self.dir]
        if database_url:
            self.data += ["--database-url", database_url]
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        env = dict(os.environ, QUESTLOG_BOOTSTRAP_API_KEY=OWNER_KEY)
        self.proc = subprocess.Popen(
            [BIN, *self.data, "serve", "--listen", f"127.0.0.1:{port}"],
            stdout=self.log, stderr=self.log, env=env,
        )
        end = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > end:
                    raise RuntimeError("questlog serve did not start:\n" + self.logs())
                time.sleep(0.1)

    def logs(self):
        with open(os.path.join(self.dir, "serve.log")) as f:
            return f.read()

    def cli(self, *args):
        return subprocess.run(
            [BIN, *self.data, *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    def v0(self, method, path, body=None, key=OWNER_KEY):
        """A v0 API call; returns (status, JSON body or None)."""
        req = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"ApiKey {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def ok(self, method, path, body=None, status=200):
        s, b = self.v0(method, path, body)
        assert s == status, f"{method} {path}: {s} {b}"
        return b

    def http_client(self, key, scheme="Bearer", mode="auto"):
        """`mode="auto"` negotiates the newest protocol (server/discover), "legacy" the
        initialize handshake of the earlier versions."""
        client = httpx2.AsyncClient(headers={"Authorization": f"{scheme} {key}"}, timeout=30)
        return Client(streamable_http_client(self.base + "/mcp", http_client=client),
                      cache=None, mode=mode)

    def stdio_client(self, key):
        params = StdioServerParameters(
            command=BIN, args=[*self.data, "mcp", "--key", key],
            env=dict(os.environ, QUESTLOG_LOG_LEVEL="warn"),
        )
        return Client(params, cache=None)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


async def call(c, name, args=None):
    """A tool call that must succeed; returns its structured content."""
    r = await c.call_tool(name, args or {})
    text = " ".join(getattr(b, "text", "") for b in r.content)
    assert not r.is_error, f"{name}({args}) failed: {text}"
    assert text, f"{name} gave no text form"
    assert isinstance(r.structured_content, dict), f"{name}: {r.structured_content!r}"
    return r.structured_content


async def fails(c, name, args, status=None):
    """A tool call that must come back as a tool error (never a protocol error)."""
    r = await c.call_tool(name, args)
    text = " ".join(getattr(b, "text", "") for b in r.content)
    assert r.is_error, f"{name}({args}) should have failed: {text}"
    if status is not None:
        got = (r.structured_content or {}).get("status")
        assert got == status, f"{name}({args}): status {got}, wanted {status}: {text}"
    return text


async def owner_session(q, rx, pid, bob_id):
    """Every tool as the owner over HTTP, valid and invalid, effects checked through /v0."""
    async with q.http_client(OWNER_KEY) as c:
        print(f"  HTTP protocol {c.protocol_version} (auto)")
        assert c.server_info.name == "questlog"
        tools = (await c.list_tools()).tools
        assert {t.name for t in tools} == TOOLS, sorted(t.name for t in tools)
        for t in tools:
            assert t.description and len(t.description) > 20, t.name
            assert t.input_schema["type"] == "object", t.name
        create = next(t for t in tools if t.name == "create_work_item")
        assert set(create.input_schema["required"]) == {"projectId", "title"}

        me = await call(c, "whoami")
        assert me["user"]["username"] == "owner" and "workitems:write" in me["scopes"]
        owner_id = me["user"]["id"]
        projects = await call(c, "list_projects")
        assert [p["id"] for p in projects["items"]] == [pid]

        ov = await call(c, "project_overview", {"projectId": pid})
        assert ov["project"]["name"] == "Dungeon Crawl"
        stages = {s["status"]: s["stageId"] for s in reversed(ov["stages"])}
        assert {"created", "started", "closed"} <= set(stages)
        assert {m["user"]["id"] for m in ov["members"]} == {owner_id, bob_id}
        assert ov["metrics"]["openWorkItems"] == 0
        await fails(c, "project_overview", {"projectId": 999999}, 404)
        # A schema violation is a tool error too, not a protocol failure.
        await fails(c, "project_overview", {"projectId": "abc"})

        board = await call(c, "create_board", {"projectId": pid, "name": "Sprint 1",
                                                "startDate": "2030-01-01", "dueDate": "2030-01-14"})
        bid = board["boardId"]
        got = q.ok("GET", f"/v0/projects/{pid}/boards/{bid}")
        assert got["name"] == "Sprint 1" and got["dueDate"].startswith("2030-01-14")
        await fails(c, "create_board", {"projectId": pid, "name": ""}, 400)
        tag = q.ok("POST", f"/v0/projects/{pid}/tags", {"name": "art"}, 201)["tagId"]

        # Create: defaults filled in, checked through /v0 and the webhook.
        w = await call(c, "create_work_item", {
            "projectId": pid, "title": "Boss fight", "description": "The dragon.",
            "estimatedCost": 5, "subTasks": ["Model", "Animate"],
        })
        wid = w["workItemId"]
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert got["title"] == "Boss fight" and got["estimatedCost"] == 5
        assert "board" not in got and got["stage"]["stageId"] == stages["created"]
        rx.wait_for(lambda b: b.get("event") == "workitem.created"
                    and json.dumps(b).find('"Boss fight"') >= 0, "workitem.created")
        await fails(c, "create_work_item", {"projectId": pid, "title": ""}, 400)
        await fails(c, "create_work_item", {"projectId": pid, "title": "x", "boardId": 424242}, None)
        await fails(c, "create_work_item", {"projectId": 999999, "title": "x"}, 404)
        await fails(c, "create_work_item", {"projectId": pid})  # no title: schema
        w2 = await call(c, "create_work_item", {"projectId": pid, "title": "Dragon model", "boardId": bid})
        wid2 = w2["workItemId"]
        assert w2["board"]["boardId"] == bid

        # Search, paged.
        found = await call(c, "search_work_items", {"projectId": pid, "searchTerms": "boss"})
        assert found["totalCount"] == 1 and found["items"][0]["workItemId"] == wid
        page = await call(c, "search_work_items", {"projectId": pid, "limit": 1, "offset": 1})
        assert page["totalCount"] == 2 and len(page["items"]) == 1 and page["offset"] == 1
        on_board = await call(c, "search_work_items", {"projectId": pid, "boardId": bid})
        assert [i["workItemId"] for i in on_board["items"]] == [wid2]
        await fails(c, "search_work_items", {"projectId": pid, "limit": 1000}, 400)
        await fails(c, "search_work_items", {"projectId": pid, "sortField": "nope"}, 400)

        # Update, move, assign, tag.
        u = await call(c, "update_work_item", {
            "projectId": pid, "workItemId": wid, "estimatedCost": 8, "dueDate": "2030-01-15",
            "title": "Boss fight v2",
        })
        assert u["estimatedCost"] == 8 and u["title"] == "Boss fight v2"
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert got["estimatedCost"] == 8 and got["dueDate"].startswith("2030-01-15")
        assert got["description"] == "The dragon."
        await fails(c, "update_work_item", {"projectId": pid, "workItemId": wid, "importanceLevelId": 9999}, 400)
        await fails(c, "update_work_item", {"projectId": pid, "workItemId": 999999, "title": "x"}, 404)
        u = await call(c, "update_work_item", {"projectId": pid, "workItemId": wid, "description": ""})
        assert "description" not in q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")

        m = await call(c, "move_work_item", {
            "projectId": pid, "workItemId": wid, "stageId": stages["started"], "boardId": bid})
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert got["board"]["boardId"] == bid and got["stage"]["stageId"] == stages["started"]
        await fails(c, "move_work_item", {"projectId": pid, "workItemId": wid, "stageId": 9999}, 400)

        await call(c, "assign_user", {"projectId": pid, "workItemId": wid, "userId": owner_id})
        a = await call(c, "assign_user", {"projectId": pid, "workItemId": wid, "userId": bob_id})
        assert {u["user"]["id"] for u in a["assignedUsers"]} == {owner_id, bob_id}
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert {u["user"]["id"] for u in got["assignedUsers"]} == {owner_id, bob_id}
        await call(c, "unassign_user", {"projectId": pid, "workItemId": wid, "userId": bob_id})
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert [u["user"]["id"] for u in got["assignedUsers"]] == [owner_id]
        await fails(c, "assign_user", {"projectId": pid, "workItemId": wid, "userId": 999999})
        rx.wait_for(lambda b: b.get("event") == "workitem.user.assigned", "workitem.user.assigned")

        t = await call(c, "tag_work_item", {"projectId": pid, "workItemId": wid, "tagId": tag})
        assert [x["tagId"] for x in t["tags"]] == [tag]
        assert [x["tagId"] for x in q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")["tags"]] == [tag]
        await call(c, "untag_work_item", {"projectId": pid, "workItemId": wid, "tagId": tag})
        assert q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")["tags"] == []
        await fails(c, "tag_work_item", {"projectId": pid, "workItemId": wid, "tagId": 9999})

        # Sub-tasks, comments, work logs, dependencies.
        st = await call(c, "add_sub_task", {"projectId": pid, "workItemId": wid, "title": "Rig"})
        sid = st["subTaskId"]
        done = await call(c, "update_sub_task", {
            "projectId": pid, "workItemId": wid, "subTaskId": sid, "isCompleted": True})
        assert done["isCompleted"] is True
        subs = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}/subtasks")
        assert [(s["title"], s["isCompleted"]) for s in subs] == [
            ("Model", False), ("Animate", False), ("Rig", True)]
        first = subs[0]["subTaskId"]
        left = await call(c, "delete_sub_task", {"projectId": pid, "workItemId": wid, "subTaskId": first})
        assert [s["title"] for s in left["items"]] == ["Animate", "Rig"]
        await fails(c, "delete_sub_task", {"projectId": pid, "workItemId": wid, "subTaskId": first}, 404)
        await fails(c, "add_sub_task", {"projectId": pid, "workItemId": wid, "title": ""}, 400)
        rx.wait_for(lambda b: b.get("event") == "workitem.subtask.closed", "workitem.subtask.closed")

        cm = await call(c, "add_comment", {"projectId": pid, "workItemId": wid, "text": "Looks great"})
        comments = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}/comments")
        assert [x["text"] for x in comments["items"]] == ["Looks great"]
        assert comments["items"][0]["commentId"] == cm["commentId"]
        await fails(c, "add_comment", {"projectId": pid, "workItemId": wid, "text": "  "}, 400)
        rx.wait_for(lambda b: b.get("event") == "workitem.comment.created", "workitem.comment.created")

        log = await call(c, "log_work", {"projectId": pid, "workItemId": wid, "value": 2.5,
                                         "comment": "Blocked out the arena"})
        assert log["value"] == 2.5
        assert q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")["loggedCost"] == 2.5
        await fails(c, "log_work", {"projectId": pid, "workItemId": wid, "value": -1}, 400)

        dep = await call(c, "add_dependency", {"projectId": pid, "workItemId": wid, "dependsOnId": wid2})
        assert dep["workItem"]["workItemId"] == wid2 and dep["isResolved"] is False
        deps = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}/dependencies")
        assert [d["workItem"]["workItemId"] for d in deps] == [wid2]
        await fails(c, "add_dependency", {"projectId": pid, "workItemId": wid, "dependsOnId": wid}, 400)

        full = await call(c, "get_work_item", {"projectId": pid, "workItemId": wid})
        assert full["workItem"]["title"] == "Boss fight v2"
        assert [s["title"] for s in full["subTasks"]] == ["Animate", "Rig"]
        assert [x["text"] for x in full["comments"]] == ["Looks great", "Blocked out the arena"]
        assert full["commentCount"] == 2
        assert [d["workItem"]["workItemId"] for d in full["dependencies"]] == [wid2]
        assert [lg["value"] for lg in full["workLogs"]] == [2.5]
        await fails(c, "get_work_item", {"projectId": pid, "workItemId": 999999}, 404)

        await call(c, "remove_dependency", {"projectId": pid, "workItemId": wid, "dependsOnId": wid2})
        assert q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}/dependencies") == []
        await fails(c, "remove_dependency", {"projectId": pid, "workItemId": wid, "dependsOnId": wid2}, 404)
        rx.wait_for(lambda b: b.get("event") == "workitem.dependency.removed", "workitem.dependency.removed")

        # Metrics agree with /v0.
        bm = await call(c, "board_metrics", {"projectId": pid, "boardId": bid})
        v0bm = q.ok("GET", f"/v0/projects/{pid}/boards/{bid}/metrics")
        assert bm["openWorkItems"] == v0bm["openWorkItems"] == 2
        assert bm["estimatedCost"] == 8
        mine = await call(c, "board_metrics", {"projectId": pid, "boardId": bid, "userId": owner_id})
        assert mine["openWorkItems"] == 1
        await fails(c, "board_metrics", {"projectId": pid, "boardId": 9999}, 404)
        pm = await call(c, "project_metrics", {"projectId": pid})
        assert pm == q.ok("GET", f"/v0/projects/{pid}/metrics")
        assert pm["openWorkItems"] == 2

        # My open work, then close.
        mw = await call(c, "my_open_work", {})
        assert [i["workItemId"] for i in mw["items"]] == [wid] and mw["totalCount"] == 1
        mw = await call(c, "my_open_work", {"projectId": pid, "offset": 1})
        assert mw["items"] == [] and mw["totalCount"] == 1
        await fails(c, "my_open_work", {"limit": 0}, 400)
        closed = await call(c, "close_work_item", {"projectId": pid, "workItemId": wid})
        assert closed["stage"]["status"] == "closed"
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert got["stage"]["stageId"] == stages["closed"] and "closingDate" in got
        assert (await call(c, "my_open_work", {}))["totalCount"] == 0
        await fails(c, "close_work_item", {"projectId": pid, "workItemId": 999999}, 404)

        # Calendar and activity.
        cal = await call(c, "calendar", {"projectId": pid, "from": "2030-01-01", "to": "2030-01-31"})
        assert sorted(e["name"] for e in cal["items"]) == ["Boss fight v2", "Sprint 1"]
        cal = await call(c, "calendar", {"projectId": pid, "from": "2031-01-01", "to": "2031-01-31"})
        assert cal["items"] == []
        await fails(c, "calendar", {"projectId": pid, "from": "2030-02-01", "to": "2030-01-01"}, 400)
        act = await call(c, "recent_activity", {"projectId": pid, "limit": 5})
        v0act = q.ok("GET", f"/v0/projects/{pid}/activity?limit=5")
        assert act["totalCount"] == v0act["totalCount"] > 20
        assert [x["changeId"] for x in act["items"]] == [x["changeId"] for x in v0act["items"]]
        assert act["items"][0]["event"] == "workitem.updated"  # the close
        await fails(c, "recent_activity", {"projectId": pid, "offset": -1}, 400)

        # The design model.
        tree = await call(c, "design_tree", {"projectId": pid})
        assert tree["elements"] == [] and tree["types"]
        ty = tree["types"][0]["designElementTypeId"]
        combat = await call(c, "create_design_element", {"projectId": pid, "designElementTypeId": ty, "name": "Combat"})
        levels = await call(c, "create_design_element", {"projectId": pid, "designElementTypeId": ty, "name": "Levels"})
        boss = await call(c, "create_design_element", {
            "projectId": pid, "designElementTypeId": ty, "name": "Boss AI",
            "parentId": combat["designElementId"]})
        assert boss["parent"]["designElementId"] == combat["designElementId"]
        await fails(c, "create_design_element", {"projectId": pid, "designElementTypeId": 9999, "name": "X"}, 400)
        moved = await call(c, "move_design_element", {
            "projectId": pid, "designElementId": boss["designElementId"],
            "parentId": levels["designElementId"]})
        assert moved["parent"]["designElementId"] == levels["designElementId"]
        got = q.ok("GET", f"/v0/projects/{pid}/designelements/{boss['designElementId']}")
        assert got["parent"]["designElementId"] == levels["designElementId"]
        await fails(c, "move_design_element", {
            "projectId": pid, "designElementId": levels["designElementId"],
            "parentId": boss["designElementId"]}, 400)  # under its own child
        one = await call(c, "get_design_element", {
            "projectId": pid, "designElementId": levels["designElementId"], "includeChildren": True})
        assert [k["name"] for k in one["children"]] == ["Boss AI"]
        await fails(c, "get_design_element", {"projectId": pid, "designElementId": 9999}, 404)
        tree = await call(c, "design_tree", {"projectId": pid})
        assert sorted(e["name"] for e in tree["elements"]) == ["Boss AI", "Combat", "Levels"]

        # Resources and prompts.
        res = (await c.list_resources()).resources
        uris = {str(r.uri) for r in res}
        assert f"questlog://projects/{pid}/summary" in uris
        assert f"questlog://projects/{pid}/boards/{bid}" in uris
        templates = (await c.list_resource_templates()).resource_templates
        assert {t.uri_template for t in templates} == {
            "questlog://projects/{projectId}/summary",
            "questlog://projects/{projectId}/boards/{boardId}"}
        summary = (await c.read_resource(f"questlog://projects/{pid}/summary")).contents[0].text
        assert summary.startswith("# Dungeon Crawl") and "Sprint 1" in summary and "bob" in summary
        board_md = (await c.read_resource(f"questlog://projects/{pid}/boards/{bid}")).contents[0].text
        assert "# Sprint 1" in board_md and "Boss fight v2" in board_md and "Dragon model" in board_md
        try:
            await c.read_resource(f"questlog://projects/{pid}/boards/9999")
            raise AssertionError("a missing board should not read")
        except Exception as e:  # an MCP error, not a crash
            assert "AssertionError" not in type(e).__name__, e

        prompts = {p.name for p in (await c.list_prompts()).prompts}
        assert prompts == {"plan_sprint", "standup"}
        backlog_item = await call(c, "create_work_item", {"projectId": pid, "title": "Loot tables"})
        plan = await c.get_prompt("plan_sprint", {"projectId": str(pid), "boardId": str(bid), "capacity": "40"})
        text = plan.messages[0].content.text
        assert "Loot tables" in text and "Dragon model" not in text and "40" in text
        standup = await c.get_prompt("standup", {"projectId": str(pid)})
        assert "workitem.created" in standup.messages[0].content.text
        await sprint(q, c, pid, owner_id, backlog_item["workItemId"])
        return wid


async def sprint(q, c, pid, owner_id, loot):
    """A sprint end to end, as an assistant runs it: plan from the backlog, make the board, move
    the items on, work them, close them, report."""
    for title in ["Save system", "Main menu"]:
        await call(c, "create_work_item", {"projectId": pid, "title": title, "estimatedCost": 3})
    plan = (await c.get_prompt("plan_sprint", {"projectId": str(pid)})).messages[0].content.text
    backlog = await call(c, "search_work_items", {"projectId": pid, "boardId": 0})
    titles = [w["title"] for w in backlog["items"]]
    assert sorted(titles) == ["Loot tables", "Main menu", "Save system"]
    assert all(t in plan for t in titles)
    ov = await call(c, "project_overview", {"projectId": pid})
    started = next(s["stageId"] for s in ov["stages"] if s["status"] == "started")
    b = (await call(c, "create_board", {"projectId": pid, "name": "Sprint 2"}))["boardId"]
    for w in backlog["items"]:
        await call(c, "move_work_item", {"projectId": pid, "workItemId": w["workItemId"],
                                         "boardId": b, "stageId": started})
        await call(c, "assign_user", {"projectId": pid, "workItemId": w["workItemId"], "userId": owner_id})
    assert (await call(c, "search_work_items", {"projectId": pid, "boardId": 0}))["totalCount"] == 0
    mine = await call(c, "my_open_work", {"projectId": pid})
    assert {w["workItemId"] for w in backlog["items"]} <= {w["workItemId"] for w in mine["items"]}
    for w in backlog["items"]:
        await call(c, "log_work", {"projectId": pid, "workItemId": w["workItemId"], "value": 2})
        await call(c, "close_work_item", {"projectId": pid, "workItemId": w["workItemId"]})
    m = await call(c, "board_metrics", {"projectId": pid, "boardId": b})
    assert (m["openWorkItems"], m["closedWorkItems"], m["loggedCost"]) == (0, 3, 6)
    assert m == q.ok("GET", f"/v0/projects/{pid}/boards/{b}/metrics")
    md = (await c.read_resource(f"questlog://projects/{pid}/boards/{b}")).contents[0].text
    assert "Loot tables" in md and "Save system" in md
    standup = (await c.get_prompt("standup", {"projectId": str(pid)})).messages[0].content.text
    assert "workitem.worklog.created" in standup
    assert q.ok("GET", f"/v0/projects/{pid}/workitems/{loot}")["stage"]["status"] == "closed"


async def restricted_sessions(q, pid, wid, read_key, eve_key):
    # A read-only key (`--scope read`) reads but cannot write, over HTTP with the ApiKey scheme.
    before = q.ok("GET", f"/v0/projects/{pid}/workitems")["totalCount"]
    async with q.http_client(read_key, scheme="ApiKey", mode="legacy") as c:
        print(f"  HTTP protocol {c.protocol_version} (legacy handshake)")
        assert (await call(c, "get_work_item", {"projectId": pid, "workItemId": wid}))["workItem"]["workItemId"] == wid
        assert (await call(c, "search_work_items", {"projectId": pid}))["totalCount"] == before
        await fails(c, "create_work_item", {"projectId": pid, "title": "Nope"}, 403)
        await fails(c, "add_comment", {"projectId": pid, "workItemId": wid, "text": "Nope"}, 403)
        await fails(c, "move_work_item", {"projectId": pid, "workItemId": wid, "boardId": 0}, 403)
        await fails(c, "log_work", {"projectId": pid, "workItemId": wid, "value": 1}, 403)
    assert q.ok("GET", f"/v0/projects/{pid}/workitems")["totalCount"] == before
    assert len(q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}/comments")["items"]) == 2

    # A user outside the project sees nothing of it.
    async with q.http_client(eve_key) as c:
        assert (await call(c, "whoami"))["user"]["username"] == "eve"
        assert (await call(c, "list_projects"))["items"] == []
        assert (await call(c, "my_open_work", {}))["totalCount"] == 0
        for name, args in [
            ("project_overview", {"projectId": pid}),
            ("get_work_item", {"projectId": pid, "workItemId": wid}),
            ("search_work_items", {"projectId": pid}),
            ("recent_activity", {"projectId": pid}),
            ("design_tree", {"projectId": pid}),
            ("create_work_item", {"projectId": pid, "title": "Intruder"}),
        ]:
            text = await fails(c, name, args)
            assert "Boss" not in text, text
        assert (await c.list_resources()).resources == []
        try:
            await c.read_resource(f"questlog://projects/{pid}/summary")
            raise AssertionError("a non-member read the summary")
        except Exception as e:
            assert "AssertionError" not in type(e).__name__, e
    assert q.ok("GET", f"/v0/projects/{pid}/workitems")["totalCount"] == before

    # No key, or a bad one: 401 before any MCP message is read.
    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}).encode()
    for headers in [{}, {"Authorization": "Bearer " + "0" * 32}, {"Authorization": "Basic eA=="}]:
        req = urllib.request.Request(q.base + "/mcp", data=init, method="POST", headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            **headers})
        try:
            urllib.request.urlopen(req, timeout=5)
            raise AssertionError(f"/mcp answered without a valid key ({headers})")
        except urllib.error.HTTPError as e:
            assert e.code == 401, e.code


async def stdio_session(q, rx, pid, bob_key, read_key):
    """`questlog mcp --key` as a subprocess: the same tools, as bob."""
    async with q.stdio_client(bob_key) as c:
        assert {t.name for t in (await c.list_tools()).tools} == TOOLS
        assert (await call(c, "whoami"))["user"]["username"] == "bob"
        w = await call(c, "create_work_item", {"projectId": pid, "title": "Stdio item", "estimatedCost": 3})
        wid = w["workItemId"]
        got = q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}")
        assert got["title"] == "Stdio item" and got["user"]["username"] == "bob"
        await call(c, "add_comment", {"projectId": pid, "workItemId": wid, "text": "From stdio"})
        assert [x["text"] for x in q.ok("GET", f"/v0/projects/{pid}/workitems/{wid}/comments")["items"]] == ["From stdio"]
        await fails(c, "create_work_item", {"projectId": pid, "title": ""}, 400)
        await fails(c, "get_work_item", {"projectId": pid, "workItemId": 999999}, 404)
        summary = (await c.read_resource(f"questlog://projects/{pid}/summary")).contents[0].text
        assert summary.startswith("# Dungeon Crawl")
        # The serve process delivers what the stdio process recorded.
        rx.wait_for(lambda b: b.get("event") == "workitem.comment.created"
                    and "From stdio" in json.dumps(b), "the stdio comment")
    async with q.stdio_client(read_key) as c:
        await fails(c, "create_work_item", {"projectId": pid, "title": "Nope"}, 403)
        assert (await call(c, "whoami"))["user"]["username"] == "owner"
        # Revoked while the process runs: the next call is refused.
        key_id = next(line.split("\t")[0] for line in q.cli("key", "list", "owner").splitlines()
                      if "workitems:read" in line and "write" not in line and "active" in line)
        q.cli("key", "revoke", key_id)
        await fails(c, "whoami", {}, 403)
    # A key that is not active: the process exits with a message, no session starts.
    r = subprocess.run([BIN, *q.data, "mcp", "--key", "f" * 32], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30)
    assert r.returncode != 0 and "not an active" in r.stderr, r.stderr


async def run(label, database_url=None):
    started = time.time()
    rx = Receiver()
    q = Questlog(database_url)
    try:
        pid = q.ok("POST", "/v0/projects", {"name": "Dungeon Crawl", "costMetric": "hours"}, 201)["id"]
        bob_key = q.cli("user", "add", "bob", "--email", "bob@example.com")
        eve_key = q.cli("user", "add", "eve", "--email", "eve@example.com")
        read_key = q.cli("key", "add", "owner", "--scope", "read")
        bob_id = next(u for u in q.cli("user", "list").splitlines() if "\tbob\t" in u).split("\t")[0]
        q.ok("POST", f"/v0/projects/{pid}/users", {"userId": int(bob_id)}, 201)
        q.ok("POST", f"/v0/projects/{pid}/webhooks", {"url": rx.url, "events": [
            "workitem.created", "workitem.updated", "workitem.user.assigned",
            "workitem.comment.created", "workitem.subtask.closed", "workitem.dependency.removed"]}, 201)
        wid = await owner_session(q, rx, pid, int(bob_id))
        await restricted_sessions(q, pid, wid, read_key, eve_key)
        await stdio_session(q, rx, pid, bob_key, read_key)
        print(f"ok: MCP on {label} ({time.time() - started:.1f}s)")
    except BaseException:
        print("---- questlog serve log ----\n" + q.logs(), file=sys.stderr)
        raise
    finally:
        q.stop()
        rx.stop()


def fresh_pg_database(server_url):
    """A new database on the server of QUESTLOG_TEST_DATABASE_URL (a role that may CREATE DATABASE)."""
    psql = shutil.which("psql") or next(
        iter(sorted(__import__("glob").glob("/usr/lib/postgresql/*/bin/psql"))[-1:]), None)
    if not psql:
        raise RuntimeError("psql is needed to create the test database")
    name = "questlog_mcp_" + uuid.uuid4().hex[:12]
    subprocess.run([psql, server_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    base, _, _ = server_url.rpartition("/")
    return base + "/" + name


def main():
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} is missing: run cargo build first")
    asyncio.run(run("SQLite"))
    pg = os.environ.get("QUESTLOG_TEST_DATABASE_URL")
    if pg:
        asyncio.run(run("PostgreSQL", fresh_pg_database(pg)))


if __name__ == "__main__":
    main()
