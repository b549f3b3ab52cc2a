use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

fn base(pid: i64) -> String {
    format!("/v0/projects/{pid}/designelements")
}

async fn element(app: &TestApp, pid: i64, name: &str, parent: Option<i64>) -> Value {
    let mut body = json!({"designElementTypeId": 1, "name": name});
    if let Some(p) = parent {
        body["parentId"] = json!(p);
    }
    app.post(&base(pid), body).await.expect(201)
}

fn id(v: &Value) -> i64 {
    v["designElementId"].as_i64().unwrap()
}

/// (id, parent, index) of every element, by id, straight from the database.
async fn layout(app: &TestApp, pid: i64) -> Vec<(i64, Option<i64>, i64)> {
    let mut tx = app.db.read().await.unwrap();
    tx.all(
        "SELECT design_element_id, parent_id, sibling_index FROM design_elements \
         WHERE project_id = $1 ORDER BY design_element_id",
        questlog::params![pid],
    )
    .await
    .unwrap()
}

/// A role with the given design model permissions; returns its id.
pub async fn design_role(app: &TestApp, pid: i64, can_read: bool, can_write: bool) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let rid = questlog::store::sequences::next_id(&mut tx, pid, "role")
        .await
        .unwrap();
    let perms = json!({"categoryPermissions": [],
        "gameDesignModelPermissions": {"canRead": can_read, "canWrite": can_write}});
    tx.exec(
        "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
         VALUES ($1, $2, $3, FALSE, $4, '2026-01-01T00:00:00.000Z')",
        questlog::params![pid, rid, format!("role{rid}"), perms.to_string()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rid
}

async fn link(app: &TestApp, pid: i64, work_item: i64, de: i64) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(
        "UPDATE work_items SET design_element_id = $1, design_element_index = 3 \
         WHERE project_id = $2 AND work_item_id = $3",
        questlog::params![de, pid, work_item],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn create_reads_back_with_parent_type_and_creator() {
    let app = spawn_app().await;
    let pid = app.project("Design").await;
    let r = app
        .post(
            &base(pid),
            json!({"designElementTypeId": 2, "name": "  Overworld ", "description": "Big",
                   "startDate": "2026-03-01", "dueDate": "2026-03-10T12:00:00Z"}),
        )
        .await
        .expect(201);
    assert_eq!(r["designElementId"], 1);
    assert_eq!(r["projectId"], pid);
    assert_eq!(r["index"], 0);
    assert_eq!(r["name"], "Overworld");
    assert_eq!(r["description"], "Big");
    assert_eq!(r["type"]["designElementTypeId"], 2);
    assert_eq!(r["type"]["name"], "World");
    assert_eq!(r["startDate"], "2026-03-01T00:00:00.000Z");
    assert_eq!(r["dueDate"], "2026-03-10T12:00:00.000Z");
    assert_eq!(r["totalWorkItemCount"], 0);
    assert_eq!(r["closedWorkItemCount"], 0);
    assert_eq!(r["user"]["user"]["id"], 1);
    assert_eq!(r["user"]["projectId"], pid);
    assert_eq!(r["creationDate"], r["updateDate"]);
    assert!(r.get("parent").is_none(), "roots have no parent key");
    assert!(r.get("children").is_none());

    let child = app
        .post(
            &base(pid),
            json!({"designElementTypeId": 3, "name": "Forest", "parentId": 1}),
        )
        .await
        .expect(201);
    assert_eq!(child["designElementId"], 2);
    assert_eq!(child["index"], 0);
    assert_eq!(child["parent"]["designElementId"], 1);
    assert_eq!(child["parent"]["name"], "Overworld");
    assert!(child["parent"].get("children").is_none());
    assert!(child["parent"].get("parent").is_none());
    assert!(child.get("description").is_none());
    assert!(child.get("startDate").is_none());
    let second = element(&app, pid, "Cave", Some(1)).await;
    assert_eq!(
        second["index"], 1,
        "new elements go last among their siblings"
    );
    let root2 = element(&app, pid, "Underworld", None).await;
    assert_eq!(root2["index"], 1);

    let got = app.get(&format!("{}/2", base(pid))).await.expect(200);
    assert_eq!(got, child);
    // Ids restart per project.
    let other = app.project("Other").await;
    assert_eq!(element(&app, other, "X", None).await["designElementId"], 1);
}

#[tokio::test]
async fn list_and_subtree_show_the_tree() {
    let app = spawn_app().await;
    let pid = app.project("Tree").await;
    let a = id(&element(&app, pid, "A", None).await);
    let b = id(&element(&app, pid, "B", Some(a)).await);
    let c = id(&element(&app, pid, "C", Some(b)).await);
    let d = id(&element(&app, pid, "D", Some(c)).await);
    let b2 = id(&element(&app, pid, "B2", Some(a)).await);
    let z = id(&element(&app, pid, "Z", None).await);

    let list = app.get(&base(pid)).await.expect(200);
    let list = list.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["A", "Z", "B", "B2", "C", "D"],
        "roots, then by parent and index"
    );
    let find = |i: i64| list.iter().find(|e| e["designElementId"] == i).unwrap();
    let ea = find(a);
    assert!(ea.get("parent").is_none());
    let kids: Vec<i64> = ea["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["designElementId"].as_i64().unwrap())
        .collect();
    assert_eq!(kids, [b, b2]);
    assert!(
        ea["children"][0].get("children").is_none(),
        "children are shallow"
    );
    assert!(ea["children"][0].get("parent").is_none());
    assert_eq!(ea["children"][1]["index"], 1);
    let eb = find(b);
    assert_eq!(eb["parent"]["designElementId"], a);
    assert!(eb["parent"].get("children").is_none());
    assert_eq!(eb["children"][0]["designElementId"], c);
    assert_eq!(find(d)["children"], json!([]));
    assert_eq!(find(d)["parent"]["name"], "C");
    assert_eq!(find(z)["children"], json!([]));

    // includeChildren: the whole subtree, nested.
    let t = app
        .get(&format!("{}/{a}?includeChildren=True", base(pid)))
        .await
        .expect(200);
    assert_eq!(t["children"][0]["name"], "B");
    assert_eq!(t["children"][1]["name"], "B2");
    assert_eq!(t["children"][1]["children"], json!([]));
    assert_eq!(t["children"][0]["children"][0]["name"], "C");
    assert_eq!(t["children"][0]["children"][0]["children"][0]["name"], "D");
    assert_eq!(
        t["children"][0]["children"][0]["children"][0]["children"],
        json!([])
    );
    let tb = app
        .get(&format!("{}/{b}?includeChildren=true", base(pid)))
        .await
        .expect(200);
    assert_eq!(tb["parent"]["designElementId"], a);
    assert_eq!(tb["children"][0]["children"][0]["designElementId"], d);
    let plain = app.get(&format!("{}/{b}", base(pid))).await.expect(200);
    assert!(plain.get("children").is_none());
    let plain = app
        .get(&format!("{}/{b}?includeChildren=false", base(pid)))
        .await
        .expect(200);
    assert!(plain.get("children").is_none());
    app.get(&format!("{}/{b}?includeChildren=maybe", base(pid)))
        .await
        .expect(400);
    app.get(&format!("{}/99", base(pid)))
        .await
        .expect_empty(404);
    app.get(&format!("{}/99?includeChildren=true", base(pid)))
        .await
        .expect_empty(404);
    app.get(&format!("{}/abc", base(pid)))
        .await
        .expect_empty(404);
    // An element of another project is not found here.
    let other = app.project("Other").await;
    app.get(&format!("{}/{d}", base(other)))
        .await
        .expect_empty(404);
    assert_eq!(app.get(&base(other)).await.expect(200), json!([]));
}

#[tokio::test]
async fn moving_branches_keeps_indexes_dense() {
    let app = spawn_app().await;
    let pid = app.project("Move").await;
    let r1 = id(&element(&app, pid, "R1", None).await); // 1
    let r2 = id(&element(&app, pid, "R2", None).await); // 2
    let a0 = id(&element(&app, pid, "a0", Some(r1)).await); // 3
    let a1 = id(&element(&app, pid, "a1", Some(r1)).await); // 4
    let a2 = id(&element(&app, pid, "a2", Some(r1)).await); // 5
    let b0 = id(&element(&app, pid, "b0", Some(r2)).await); // 6
    let leaf = id(&element(&app, pid, "leaf", Some(a1)).await); // 7
    let before = app.get(&format!("{}/{a1}", base(pid))).await.expect(200);

    // a1 (with its child) moves under R2: last there; a2 closes the gap in R1.
    let moved = app
        .patch(&format!("{}/{a1}", base(pid)), json!({"parentId": r2}))
        .await
        .expect(200);
    assert_eq!(moved["parent"]["designElementId"], r2);
    assert_eq!(moved["index"], 1);
    assert_eq!(moved["name"], "a1", "other fields untouched");
    assert!(moved["updateDate"].as_str().unwrap() >= before["updateDate"].as_str().unwrap());
    assert_eq!(
        layout(&app, pid).await,
        vec![
            (r1, None, 0),
            (r2, None, 1),
            (a0, Some(r1), 0),
            (a1, Some(r2), 1),
            (a2, Some(r1), 1),
            (b0, Some(r2), 0),
            (leaf, Some(a1), 0),
        ]
    );
    // To the root (null), then to the front of R1 with an explicit index.
    let m = app
        .patch(&format!("{}/{a0}", base(pid)), json!({"parentId": null}))
        .await
        .expect(200);
    assert_eq!(m["index"], 2);
    assert!(m.get("parent").is_none());
    app.patch(
        &format!("{}/{b0}", base(pid)),
        json!({"parentId": r1, "index": 0}),
    )
    .await
    .expect(200);
    // Reorder within the parent: a1's sibling b0 left R2, so a1 is now first there.
    assert_eq!(
        layout(&app, pid).await,
        vec![
            (r1, None, 0),
            (r2, None, 1),
            (a0, None, 2),
            (a1, Some(r2), 0),
            (a2, Some(r1), 1),
            (b0, Some(r1), 0),
            (leaf, Some(a1), 0),
        ]
    );
    app.patch(&format!("{}/{a2}", base(pid)), json!({"index": 0}))
        .await
        .expect(200);
    app.patch(&format!("{}/{r1}", base(pid)), json!({"index": 99}))
        .await
        .expect(200);
    assert_eq!(
        layout(&app, pid).await,
        vec![
            (r1, None, 2),
            (r2, None, 0),
            (a0, None, 1),
            (a1, Some(r2), 0),
            (a2, Some(r1), 0),
            (b0, Some(r1), 1),
            (leaf, Some(a1), 0),
        ]
    );
    // PUT replaces everything: without parentId the element becomes a root (last).
    let put = app
        .put(
            &format!("{}/{leaf}", base(pid)),
            json!({"designElementTypeId": 4, "name": "Leaf"}),
        )
        .await
        .expect(200);
    assert!(put.get("parent").is_none());
    assert_eq!(put["index"], 3);
    assert_eq!(put["type"]["name"], "Level");
    let put = app
        .put(
            &format!("{}/{leaf}", base(pid)),
            json!({"designElementTypeId": 4, "name": "Leaf", "parentId": a2}),
        )
        .await
        .expect(200);
    assert_eq!(put["parent"]["designElementId"], a2);
    assert_eq!(put["index"], 0);
    // PATCH with the same parent keeps the position.
    let same = app
        .patch(
            &format!("{}/{b0}", base(pid)),
            json!({"parentId": r1, "name": "b0!"}),
        )
        .await
        .expect(200);
    assert_eq!(same["index"], 1);
    assert_eq!(same["name"], "b0!");
    let roots: Vec<i64> = layout(&app, pid)
        .await
        .into_iter()
        .filter(|(_, p, _)| p.is_none())
        .map(|(_, _, i)| i)
        .collect();
    let mut sorted = roots.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 1, 2]);
}

#[tokio::test]
async fn cycles_are_rejected_and_nothing_changes() {
    let app = spawn_app().await;
    let pid = app.project("Cycle").await;
    let a = id(&element(&app, pid, "A", None).await);
    let b = id(&element(&app, pid, "B", Some(a)).await);
    let c = id(&element(&app, pid, "C", Some(b)).await);
    let before = app.get(&base(pid)).await.expect(200);
    for (target, parent) in [(a, a), (a, b), (a, c), (b, c), (c, c)] {
        let r = app
            .patch(
                &format!("{}/{target}", base(pid)),
                json!({"parentId": parent, "name": "renamed"}),
            )
            .await
            .expect(400);
        assert_eq!(r["message"], "The request is invalid.");
        assert!(r["modelState"]["parentId"].is_array(), "{r}");
        app.put(
            &format!("{}/{target}", base(pid)),
            json!({"designElementTypeId": 1, "name": "renamed", "parentId": parent}),
        )
        .await
        .expect(400);
    }
    assert_eq!(app.get(&base(pid)).await.expect(200), before);
}

#[tokio::test]
async fn updates_validate_and_put_clears_optionals() {
    let app = spawn_app().await;
    let pid = app.project("Edit").await;
    let other = app.project("Other").await;
    let foreign = id(&element(&app, other, "Foreign", None).await);
    let a = id(&app
        .post(
            &base(pid),
            json!({"designElementTypeId": 1, "name": "A", "description": "d",
                   "startDate": "2026-01-01", "dueDate": "2026-01-05"}),
        )
        .await
        .expect(201));
    let p = app
        .patch(&format!("{}/{a}", base(pid)), json!({"description": "new"}))
        .await
        .expect(200);
    assert_eq!(p["description"], "new");
    assert_eq!(p["startDate"], "2026-01-01T00:00:00.000Z");
    let p = app
        .patch(
            &format!("{}/{a}", base(pid)),
            json!({"description": null, "dueDate": null}),
        )
        .await
        .expect(200);
    assert!(p.get("description").is_none());
    assert!(p.get("dueDate").is_none());
    assert_eq!(p["startDate"], "2026-01-01T00:00:00.000Z");
    // A due date before the kept start date.
    let r = app
        .patch(
            &format!("{}/{a}", base(pid)),
            json!({"dueDate": "2025-12-31"}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["dueDate"].is_array());
    let put = app
        .put(
            &format!("{}/{a}", base(pid)),
            json!({"designElementTypeId": 5, "name": "A2"}),
        )
        .await
        .expect(200);
    assert!(put.get("startDate").is_none());
    assert!(put.get("description").is_none());
    assert_eq!(put["name"], "A2");
    let snapshot = app.get(&format!("{}/{a}", base(pid))).await.expect(200);

    let long = "x".repeat(300);
    let el = format!("{}/{a}", base(pid));
    for (method, body, field) in [
        ("PUT", json!({"name": "N"}), Some("designElementTypeId")),
        ("PUT", json!({"designElementTypeId": 1}), Some("name")),
        (
            "PUT",
            json!({"designElementTypeId": 99, "name": "N"}),
            Some("designElementTypeId"),
        ),
        (
            "PUT",
            json!({"designElementTypeId": 1, "name": long}),
            Some("name"),
        ),
        (
            "PUT",
            json!({"designElementTypeId": 1, "name": "a\u{0}b"}),
            Some("name"),
        ),
        (
            "PUT",
            json!({"designElementTypeId": 1, "name": "N", "parentId": foreign + 50}),
            Some("parentId"),
        ),
        ("PATCH", json!({"name": null}), Some("name")),
        ("PATCH", json!({"name": "  "}), Some("name")),
        (
            "PATCH",
            json!({"designElementTypeId": null}),
            Some("designElementTypeId"),
        ),
        ("PATCH", json!({"parentId": 42}), Some("parentId")),
        ("PATCH", json!({"startDate": "soon"}), Some("startDate")),
        ("PATCH", json!({"index": -1}), Some("index")),
        (
            "PATCH",
            json!({"description": "a\u{0}"}),
            Some("description"),
        ),
        ("PATCH", json!({"name": 5}), None),
        ("PATCH", json!({"parentId": "one"}), None),
        ("PATCH", json!([1]), None),
        ("PUT", json!("text"), None),
    ] {
        let r = app
            .call(method, &el, Some(&app.key), Some(&body.to_string()))
            .await
            .expect(400);
        match field {
            Some(f) => assert!(r["modelState"][f].is_array(), "{method} {body}: {r}"),
            None => assert_eq!(r, json!({"message": "Invalid values object."})),
        }
    }
    for raw in ["{", "", "nope"] {
        let r = app.call("PATCH", &el, Some(&app.key), Some(raw)).await;
        assert_eq!(r.expect(400)["message"], "Invalid values object.");
    }
    assert_eq!(app.get(&el).await.expect(200), snapshot);
    app.patch(&format!("{}/77", base(pid)), json!({"name": "x"}))
        .await
        .expect_empty(404);
    app.put(
        &format!("{}/{foreign}", base(99)),
        json!({"designElementTypeId": 1, "name": "x"}),
    )
    .await
    .expect_empty(404);
}

#[tokio::test]
async fn create_rejects_bad_input_and_writes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Bad").await;
    let other = app.project("Other").await;
    // An element that exists only in the other project.
    element(&app, other, "F1", None).await;
    let foreign2 = id(&element(&app, other, "F2", None).await);
    let long = "y".repeat(300);
    for (body, field) in [
        (json!({"name": "N"}), "designElementTypeId"),
        (
            json!({"designElementTypeId": 0, "name": "N"}),
            "designElementTypeId",
        ),
        (
            json!({"designElementTypeId": 14, "name": "N"}),
            "designElementTypeId",
        ),
        (json!({"designElementTypeId": 1}), "name"),
        (json!({"designElementTypeId": 1, "name": long}), "name"),
        (
            json!({"designElementTypeId": 1, "name": "N", "parentId": foreign2}),
            "parentId",
        ),
        (
            json!({"designElementTypeId": 1, "name": "N", "dueDate": "2026-01-01", "startDate": "2026-02-01"}),
            "dueDate",
        ),
        (
            json!({"designElementTypeId": 1, "name": "N", "startDate": "2026-13-45"}),
            "startDate",
        ),
        (
            json!({"designElementTypeId": 1, "name": "N", "description": "\u{0}"}),
            "description",
        ),
    ] {
        let r = app.post(&base(pid), body.clone()).await.expect(400);
        assert!(r["modelState"][field].is_array(), "{body}: {r}");
    }
    for raw in [
        "{bad",
        "",
        "[]",
        "{\"designElementTypeId\": \"x\", \"name\": \"N\"}",
        "{\"designElementTypeId\": 1.5, \"name\": \"N\"}",
    ] {
        let r = app
            .call("POST", &base(pid), Some(&app.key), Some(raw))
            .await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "{raw}"
        );
    }
    assert_eq!(app.get(&base(pid)).await.expect(200), json!([]));
    assert!(layout(&app, pid).await.is_empty());
    // Parent id 0 means a root element.
    let r = app
        .post(
            &base(pid),
            json!({"designElementTypeId": 1, "name": "N", "parentId": 0}),
        )
        .await
        .expect(201);
    assert!(r.get("parent").is_none());
    assert_eq!(r["designElementId"], 1, "failed creates used no ids");
    app.post(&base(9999), json!({"designElementTypeId": 1, "name": "N"}))
        .await
        .expect_empty(404);
}

#[tokio::test]
async fn delete_removes_the_branch_and_unlinks_or_deletes_work_items() {
    let app = spawn_app().await;
    let pid = app.project("Del").await;
    let a = id(&element(&app, pid, "A", None).await); // 1
    let b = id(&element(&app, pid, "B", Some(a)).await); // 2
    let c = id(&element(&app, pid, "C", Some(b)).await); // 3
    let b2 = id(&element(&app, pid, "B2", Some(a)).await); // 4
    let b3 = id(&element(&app, pid, "B3", Some(a)).await); // 5
    let z = id(&element(&app, pid, "Z", None).await); // 6
    let w1 = app.work_item_sql(pid, "on B").await;
    let w2 = app.work_item_sql(pid, "on C").await;
    let w3 = app.work_item_sql(pid, "on B3").await;
    let w4 = app.work_item_sql(pid, "on B3 too").await;
    let child = app.work_item_sql(pid, "child of w3").await;
    link(&app, pid, w1, b).await;
    link(&app, pid, w2, c).await;
    link(&app, pid, w3, b3).await;
    link(&app, pid, w4, b3).await;
    {
        let mut tx = app.db.write().await.unwrap();
        tx.exec(
            "UPDATE work_items SET is_story = TRUE WHERE project_id = $1 AND work_item_id = $2",
            questlog::params![pid, w3],
        )
        .await
        .unwrap();
        tx.exec(
            "UPDATE work_items SET parent_story_id = $1 WHERE project_id = $2 AND work_item_id = $3",
            questlog::params![w3, pid, child],
        )
        .await
        .unwrap();
        // w4 is done: the last stage is closed.
        tx.exec(
            "UPDATE work_items SET stage_id = 4 WHERE project_id = $1 AND work_item_id = $2",
            questlog::params![pid, w4],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let e3 = app.get(&format!("{}/{b3}", base(pid))).await.expect(200);
    assert_eq!(e3["totalWorkItemCount"], 2);
    assert_eq!(e3["closedWorkItemCount"], 1);
    let e2 = app.get(&format!("{}/{b}", base(pid))).await.expect(200);
    assert_eq!(
        e2["totalWorkItemCount"], 1,
        "only directly linked items count"
    );
    // A comment on C goes with it.
    app.post(&format!("{}/{c}/comments", base(pid)), json!("bye"))
        .await
        .expect(201);

    // No body at all: B and C go, their work items stay unlinked; B2, B3 shift left.
    app.delete(&format!("{}/{b}", base(pid)))
        .await
        .expect_empty(200);
    assert_eq!(
        layout(&app, pid).await,
        vec![
            (a, None, 0),
            (b2, Some(a), 0),
            (b3, Some(a), 1),
            (z, None, 1)
        ]
    );
    let mut tx = app.db.read().await.unwrap();
    let items: Vec<(i64, Option<i64>, i64)> = tx
        .all(
            "SELECT work_item_id, design_element_id, design_element_index FROM work_items \
             WHERE project_id = $1 ORDER BY work_item_id",
            questlog::params![pid],
        )
        .await
        .unwrap();
    let (comments,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM design_element_comments WHERE project_id = $1",
            questlog::params![pid],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        items,
        vec![
            (w1, None, 0),
            (w2, None, 0),
            (w3, Some(b3), 3),
            (w4, Some(b3), 3),
            (child, None, 0)
        ]
    );
    assert_eq!(comments, 0);
    app.get(&format!("{}/{c}", base(pid)))
        .await
        .expect_empty(404);

    // removeWorkItems: the linked items go too; the story's child stays, without its story.
    app.call(
        "DELETE",
        &format!("{}/{b3}", base(pid)),
        Some(&app.key),
        Some("{\"removeWorkItems\": true}"),
    )
    .await
    .expect_empty(200);
    let mut tx = app.db.read().await.unwrap();
    let items: Vec<(i64, Option<i64>)> = tx
        .all(
            "SELECT work_item_id, parent_story_id FROM work_items WHERE project_id = $1 ORDER BY work_item_id",
            questlog::params![pid],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(items, vec![(w1, None), (w2, None), (child, None)]);
    let list = app.get(&base(pid)).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[0]["children"].as_array().unwrap().len(), 1);

    // {} works; bad bodies and unknown ids change nothing.
    let el = format!("{}/{b2}", base(pid));
    for raw in ["{nope", "[1]", "{\"removeWorkItems\": \"yes\"}"] {
        app.call("DELETE", &el, Some(&app.key), Some(raw))
            .await
            .expect(400);
    }
    app.delete(&format!("{}/99", base(pid)))
        .await
        .expect_empty(404);
    assert_eq!(layout(&app, pid).await.len(), 3);
    app.call("DELETE", &el, Some(&app.key), Some("{}"))
        .await
        .expect_empty(200);
    // Deleting a whole root tree.
    app.delete(&format!("{}/{a}", base(pid)))
        .await
        .expect_empty(200);
    assert_eq!(layout(&app, pid).await, vec![(z, None, 0)]);
}

#[tokio::test]
async fn permissions_follow_roles_scopes_and_guests() {
    let app = spawn_app().await;
    let pid = app.project("Perms").await;
    let e = id(&element(&app, pid, "E", None).await);
    let el = format!("{}/{e}", base(pid));
    let (admin_id, admin) = app.add_user("admin").await;
    let (member_id, member) = app.add_user("member").await;
    let (guest_id, guest) = app.add_user("guest").await;
    let (_, outsider) = app.add_user("outsider").await;
    let (noread_id, noread) = app.add_user("noread").await;
    let (nowrite_id, nowrite) = app.add_user("nowrite").await;
    app.add_member_sql(pid, admin_id, true, false, None).await;
    app.add_member_sql(pid, member_id, false, false, None).await;
    app.add_member_sql(pid, guest_id, false, true, None).await;
    let r_noread = design_role(&app, pid, false, false).await;
    let r_nowrite = design_role(&app, pid, true, false).await;
    app.add_member_sql(pid, noread_id, false, false, Some(r_noread))
        .await;
    app.add_member_sql(pid, nowrite_id, false, false, Some(r_nowrite))
        .await;
    let read_key = app.add_key(member_id, Scopes::parse("read").unwrap()).await;
    let projects_key = app
        .add_key(member_id, Scopes::parse("projects:admin").unwrap())
        .await;

    for (key, read, write) in [
        (app.key.as_str(), 200, 201),
        (admin.as_str(), 200, 201),
        (member.as_str(), 200, 201),
        (guest.as_str(), 200, 403),
        (outsider.as_str(), 403, 403),
        (noread.as_str(), 403, 403),
        (nowrite.as_str(), 200, 403),
        (read_key.as_str(), 200, 403),
        (projects_key.as_str(), 403, 403),
    ] {
        let r = app.as_user(key, "GET", &base(pid), None).await;
        assert_eq!(r.status.as_u16(), read, "list: {}", r.text);
        let r = app
            .as_user(key, "GET", &format!("{el}?includeChildren=true"), None)
            .await;
        assert_eq!(r.status.as_u16(), read, "get: {}", r.text);
        let r = app
            .as_user(
                key,
                "POST",
                &base(pid),
                Some(json!({"designElementTypeId": 1, "name": "by someone"})),
            )
            .await;
        assert_eq!(r.status.as_u16(), write, "create: {}", r.text);
        if write == 403 {
            assert!(r.json()["message"].is_string());
            for (method, body) in [
                ("PATCH", Some(json!({"name": "x"}))),
                ("PUT", Some(json!({"designElementTypeId": 1, "name": "x"}))),
                ("DELETE", None),
            ] {
                let r = app.as_user(key, method, &el, body).await;
                assert_eq!(r.status.as_u16(), 403, "{method}: {}", r.text);
            }
        }
    }
    // Created by the member: the creator is nested as that project user.
    let list = app.get(&base(pid)).await.expect(200);
    let by_member = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["user"]["user"]["id"] == member_id)
        .unwrap();
    assert_eq!(by_member["user"]["user"]["username"], "member");
    assert_eq!(list.as_array().unwrap().len(), 4);
    let r = app
        .as_user(&member, "PATCH", &el, Some(json!({"name": "M"})))
        .await;
    assert_eq!(r.expect(200)["name"], "M");
    assert_eq!(app.get(&el).await.expect(200)["name"], "M");
    app.call("GET", &base(pid), None, None).await.expect(401);
    app.get(&base(424242)).await.expect_empty(404);
}

#[tokio::test]
async fn the_module_flag_switches_the_design_model_off() {
    let app = spawn_app().await;
    let pid = app.project("Modules").await;
    let e = id(&element(&app, pid, "E", None).await);
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"gameDesignModel": false}}),
    )
    .await
    .expect(200);
    let el = format!("{}/{e}", base(pid));
    for (method, path, body) in [
        ("GET", base(pid), None),
        (
            "POST",
            base(pid),
            Some(json!({"designElementTypeId": 1, "name": "x"})),
        ),
        ("GET", el.clone(), None),
        (
            "PUT",
            el.clone(),
            Some(json!({"designElementTypeId": 1, "name": "x"})),
        ),
        ("PATCH", el.clone(), Some(json!({"name": "x"}))),
        ("DELETE", el.clone(), None),
        ("GET", format!("{el}/comments"), None),
        ("POST", format!("{el}/comments"), Some(json!("hi"))),
    ] {
        let r = app.as_user(&app.key, method, &path, body).await;
        assert_eq!(r.status.as_u16(), 403, "{method} {path}");
        assert_eq!(
            r.json()["message"],
            "The game design model module is disabled in this project."
        );
    }
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"gameDesignModel": true}}),
    )
    .await
    .expect(200);
    assert_eq!(app.get(&el).await.expect(200)["name"], "E");
}

#[tokio::test]
async fn metrics_cover_the_element_or_its_whole_subtree() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let root = id(&element(&app, pid, "World", None).await);
    let child = id(&element(&app, pid, "Zone", Some(root)).await);
    let grandchild = id(&element(&app, pid, "Level", Some(child)).await);
    let other = id(&element(&app, pid, "Elsewhere", None).await);
    // Items: one on the root (estimate 3), two below (5 and 7; the 7 is closed), one elsewhere.
    for (de, cost, closed) in [
        (root, 3.0, false),
        (child, 5.0, false),
        (grandchild, 7.0, true),
        (other, 11.0, false),
    ] {
        let w = app.work_item_sql(pid, "item").await;
        link(&app, pid, w, de).await;
        let mut tx = app.db.write().await.unwrap();
        tx.exec(
            "UPDATE work_items SET estimated_cost = $1, stage_id = $2 WHERE project_id = $3 AND work_item_id = $4",
            questlog::params![cost, if closed { 4i64 } else { 1 }, pid, w],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let url = format!("{}/{root}/metrics", base(pid));
    let m = app.get(&url).await.expect(200);
    assert_eq!(m["totalWorkItems"], 1);
    assert_eq!(m["estimatedCost"], 3);
    assert_eq!(m["openWorkItems"], 1);
    let m = app
        .get(&format!("{url}?includeChildren=true"))
        .await
        .expect(200);
    assert_eq!(m["totalWorkItems"], 3);
    assert_eq!(m["closedWorkItems"], 1);
    assert_eq!(m["estimatedCost"], 15);
    assert_eq!(m["remainingCost"], 8, "open items only");
    assert_eq!(m["categories"][0]["category"]["categoryId"], 1);
    assert_eq!(m["categories"][0]["totalWorkItems"], 3);
    app.get(&format!("{}/999/metrics", base(pid)))
        .await
        .expect_empty(404);
    let r = app.get(&format!("{url}?includeChildren=perhaps")).await;
    assert_eq!(r.status, 400);
    let (_, key) = app.add_user("zed").await;
    assert_eq!(app.as_user(&key, "GET", &url, None).await.status, 403);
}

/// Nesting levels of an `includeChildren` reply along its first children, and whether the
/// last one carries a `children` key.
fn nesting(v: &Value) -> (usize, bool) {
    let mut levels = 1;
    let mut at = v;
    loop {
        match at.get("children").and_then(|c| c.as_array()) {
            Some(kids) if !kids.is_empty() => {
                levels += 1;
                at = &kids[0];
            }
            Some(_) => return (levels, true),
            None => return (levels, false),
        }
    }
}

#[tokio::test]
async fn the_model_is_at_most_32_levels_deep() {
    let app = spawn_app().await;
    let pid = app.project("Deep").await;
    let mut chain = vec![id(&element(&app, pid, "L1", None).await)];
    for level in 2..=32 {
        let parent = *chain.last().unwrap();
        chain.push(id(
            &element(&app, pid, &format!("L{level}"), Some(parent)).await
        ));
    }
    let before = layout(&app, pid).await;
    // A 33rd level is refused on create, and by moves that would go deeper.
    let r = app
        .post(
            &base(pid),
            json!({"designElementTypeId": 1, "name": "L33", "parentId": chain[31]}),
        )
        .await
        .expect(400);
    assert_eq!(
        r["modelState"]["parentId"][0],
        "A design model can be at most 32 levels deep."
    );
    let loose = id(&element(&app, pid, "Loose", None).await);
    let leaf = id(&element(&app, pid, "Leaf", Some(loose)).await);
    let r = app
        .patch(
            &format!("{}/{loose}", base(pid)),
            json!({"parentId": chain[30]}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["parentId"].is_array(), "{r}");
    app.put(
        &format!("{}/{loose}", base(pid)),
        json!({"designElementTypeId": 1, "name": "Loose", "parentId": chain[30]}),
    )
    .await
    .expect(400);
    app.get(&format!("{}/{leaf}", base(pid))).await.expect(200);
    // One level less fits exactly.
    let moved = app
        .patch(
            &format!("{}/{loose}", base(pid)),
            json!({"parentId": chain[29]}),
        )
        .await
        .expect(200);
    assert_eq!(moved["parent"]["designElementId"], chain[29]);
    let whole = app
        .get(&format!("{}/{}?includeChildren=true", base(pid), chain[0]))
        .await
        .expect(200);
    assert_eq!(
        nesting(&whole),
        (32, true),
        "the whole model, leaves with []"
    );
    app.patch(&format!("{}/{loose}", base(pid)), json!({"parentId": null}))
        .await
        .expect(200);
    let mut after = layout(&app, pid).await;
    after.retain(|e| e.0 != loose && e.0 != leaf);
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_chain_of_2000_stored_elements_is_served_without_crashing() {
    let app = spawn_app().await;
    let pid = app.project("Chain").await;
    let root = id(&element(&app, pid, "Root", None).await);
    // Deeper than the API allows (a database from before the limit, or edited by hand).
    {
        let mut tx = app.db.write().await.unwrap();
        for i in 2..=2001i64 {
            tx.exec(
                "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, \
                 parent_id, sibling_index, name, creation_date, update_date, creator_id) \
                 VALUES ($1, $2, 1, $3, 0, $4, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)",
                questlog::params![pid, i, i - 1, format!("E{i}")],
            )
            .await
            .unwrap();
        }
        tx.exec(
            "UPDATE project_sequences SET last_value = 2001 WHERE project_id = $1 AND kind = 'designelement'",
            questlog::params![pid],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let w = app.work_item_sql(pid, "deep down").await;
    link(&app, pid, w, 1500).await;

    let got = app
        .get(&format!("{}/{root}?includeChildren=true", base(pid)))
        .await
        .expect(200);
    assert_eq!(
        nesting(&got),
        (32, false),
        "32 levels nested; the last one is not expanded"
    );
    let deepest = app.get(&format!("{}/2001", base(pid))).await.expect(200);
    assert_eq!(deepest["parent"]["designElementId"], 2000);
    let sub = app
        .get(&format!("{}/1990?includeChildren=true", base(pid)))
        .await
        .expect(200);
    assert_eq!(nesting(&sub), (12, true));
    assert_eq!(
        app.get(&base(pid))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        2001
    );
    let m = app
        .get(&format!(
            "{}/{root}/metrics?includeChildren=true",
            base(pid)
        ))
        .await
        .expect(200);
    assert_eq!(m["totalWorkItems"], 1);
    // Too-deep elements stay editable; cycles are still refused; moves toward the root work.
    app.patch(&format!("{}/2001", base(pid)), json!({"name": "Bottom"}))
        .await
        .expect(200);
    let r = app
        .patch(&format!("{}/{root}", base(pid)), json!({"parentId": 2001}))
        .await
        .expect(400);
    assert_eq!(
        r["modelState"]["parentId"][0],
        "A design element can't be moved under itself or one of its descendants."
    );
    app.patch(&format!("{}/1000", base(pid)), json!({"parentId": null}))
        .await
        .expect(200);
    app.post(
        &base(pid),
        json!({"designElementTypeId": 1, "name": "Under 1100", "parentId": 1100}),
    )
    .await
    .expect(400);
    // Deleting the deep branch removes all of it, in one transaction.
    app.call(
        "DELETE",
        &format!("{}/1000", base(pid)),
        Some(&app.key),
        Some("{\"removeWorkItems\": true}"),
    )
    .await
    .expect_empty(200);
    let left = layout(&app, pid).await;
    assert_eq!(left.len(), 999);
    assert_eq!(left.last().unwrap().0, 999);
    let r = app.get(&format!("/v0/projects/{pid}/workitems/{w}")).await;
    assert_eq!(r.status, 404, "the linked item went with its element");
}

/// Creates a work item through the API; returns (id, boardIndex).
async fn api_item(app: &TestApp, pid: i64, mut body: Value) -> (i64, i64) {
    body["importanceLevelId"] = json!(3);
    let r = app
        .post(&format!("/v0/projects/{pid}/workitems"), body)
        .await
        .expect(200);
    (
        r["workItemId"].as_i64().unwrap(),
        r["boardIndex"].as_i64().unwrap(),
    )
}

/// (work item, board, boardIndex) of every item, by id.
async fn positions(app: &TestApp, pid: i64) -> Vec<(i64, Option<i64>, i64)> {
    let mut tx = app.db.read().await.unwrap();
    tx.all(
        "SELECT work_item_id, board_id, board_index FROM work_items WHERE project_id = $1 \
         ORDER BY work_item_id",
        questlog::params![pid],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn removing_work_items_needs_their_scope_and_category_rights() {
    let app = spawn_app().await;
    let pid = app.project("Remove").await;
    let board = app.get(&format!("/v0/projects/{pid}")).await.expect(200)["defaultBoardId"]
        .as_i64()
        .unwrap();
    let e = id(&element(&app, pid, "E", None).await);
    let child = id(&element(&app, pid, "Child", Some(e)).await);
    // Backlog: 1, 2 (Art, on E), 3; board: 4 (Art, on Child), 5.
    api_item(&app, pid, json!({"title": "b1", "categoryId": 1})).await;
    api_item(
        &app,
        pid,
        json!({"title": "b2", "categoryId": 2, "designElementId": e}),
    )
    .await;
    api_item(&app, pid, json!({"title": "b3", "categoryId": 1})).await;
    let (_, at) = api_item(
        &app,
        pid,
        json!({"title": "s1", "categoryId": 2, "designElementId": child, "boardId": board}),
    )
    .await;
    assert_eq!(at, 0);
    api_item(
        &app,
        pid,
        json!({"title": "s2", "categoryId": 1, "boardId": board}),
    )
    .await;
    let before = positions(&app, pid).await;
    assert_eq!(
        before,
        vec![
            (1, None, 0),
            (2, None, 1),
            (3, None, 2),
            (4, Some(board), 0),
            (5, Some(board), 1)
        ]
    );
    let role = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": "No Art edits", "permissions": {"categoryPermissions": [
                {"categoryId": 2, "canRead": true, "canWrite": false, "canUpdate": true}]}}),
        )
        .await
        .expect(201)["roleId"]
        .as_i64()
        .unwrap();
    let (artless_id, artless) = app.add_user("artless").await;
    app.add_member(pid, artless_id, json!({"roleId": role}))
        .await;
    let (writer_id, writer) = app.add_user("writer").await;
    app.add_member(pid, writer_id, json!({})).await;
    let design_only = app
        .add_key(writer_id, Scopes::parse("designmodel:write").unwrap())
        .await;
    let el = format!("{}/{e}", base(pid));
    let remove = Some(json!({"removeWorkItems": true}));
    for key in [&artless, &design_only] {
        let r = app.as_user(key, "DELETE", &el, remove.clone()).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(r.json()["message"].is_string());
        assert_eq!(positions(&app, pid).await, before, "nothing deleted");
        assert_eq!(layout(&app, pid).await.len(), 2);
    }
    // Without work items to delete, the design-model scope is enough.
    let empty = id(&element(&app, pid, "Empty", None).await);
    let r = app
        .as_user(
            &design_only,
            "DELETE",
            &format!("{}/{empty}", base(pid)),
            remove.clone(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A member allowed to edit both categories, with a full key: the items go, and the
    // backlog and the board stay dense.
    let r = app.as_user(&writer, "DELETE", &el, remove).await;
    r.expect_empty(200);
    assert_eq!(
        positions(&app, pid).await,
        vec![(1, None, 0), (3, None, 1), (5, Some(board), 0)]
    );
    assert!(layout(&app, pid).await.is_empty());
    let (_, at) = api_item(&app, pid, json!({"title": "b4", "categoryId": 1})).await;
    assert_eq!(at, 2, "new items go right after the last one");
}

#[tokio::test]
async fn counts_and_metrics_leave_out_hidden_categories() {
    let app = spawn_app().await;
    let pid = app.project("Hidden").await;
    let e = id(&element(&app, pid, "E", None).await);
    let below = id(&element(&app, pid, "Below", Some(e)).await);
    // On E: Programming (open), Art (closed), Art (open); below: Art (open).
    for (cat, de, stage) in [(1, e, 1), (2, e, 4), (2, e, 1), (2, below, 1)] {
        let (w, _) = api_item(
            &app,
            pid,
            json!({"title": "t", "categoryId": cat, "designElementId": de}),
        )
        .await;
        app.patch(
            &format!("/v0/projects/{pid}/workitems/{w}"),
            json!({"stageId": stage}),
        )
        .await
        .expect(200);
    }
    let role = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": "No Art", "permissions": {"categoryPermissions": [
                {"categoryId": 2, "canRead": false, "canWrite": false, "canUpdate": false}]}}),
        )
        .await
        .expect(201)["roleId"]
        .as_i64()
        .unwrap();
    let (uid, key) = app.add_user("coder").await;
    app.add_member(pid, uid, json!({"roleId": role})).await;
    let el = format!("{}/{e}", base(pid));

    let owner = app.get(&el).await.expect(200);
    assert_eq!(
        (
            owner["totalWorkItemCount"].as_i64(),
            owner["closedWorkItemCount"].as_i64()
        ),
        (Some(3), Some(1))
    );
    let mine = app.as_user(&key, "GET", &el, None).await.expect(200);
    assert_eq!(mine["totalWorkItemCount"], 1);
    assert_eq!(mine["closedWorkItemCount"], 0);
    let tree = app
        .as_user(&key, "GET", &format!("{el}?includeChildren=true"), None)
        .await
        .expect(200);
    assert_eq!(tree["totalWorkItemCount"], 1);
    assert_eq!(tree["children"][0]["totalWorkItemCount"], 0);
    let list = app.as_user(&key, "GET", &base(pid), None).await.expect(200);
    assert_eq!(list[0]["totalWorkItemCount"], 1);
    assert_eq!(list[0]["children"][0]["totalWorkItemCount"], 0);
    assert_eq!(list[1]["parent"]["totalWorkItemCount"], 1);
    let renamed = app
        .as_user(&key, "PATCH", &el, Some(json!({"name": "E2"})))
        .await
        .expect(200);
    assert_eq!(renamed["totalWorkItemCount"], 1);
    // Nested in a work item the caller can see.
    let item = app
        .as_user(
            &key,
            "GET",
            &format!("/v0/projects/{pid}/workitems/1"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(item["designElement"]["totalWorkItemCount"], 1);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/workitems/1"))
            .await
            .expect(200)["designElement"]["totalWorkItemCount"],
        3
    );
    // Metrics: the Art items are in neither the categories nor the totals.
    let m = app
        .as_user(
            &key,
            "GET",
            &format!("{el}/metrics?includeChildren=true"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(m["totalWorkItems"], 1);
    assert_eq!(m["closedWorkItems"], 0);
    assert!(
        m["categories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["category"]["categoryId"] != 2)
    );
    let all = app
        .get(&format!("{el}/metrics?includeChildren=true"))
        .await
        .expect(200);
    assert_eq!(all["totalWorkItems"], 4);
}

/// Deleting an element with `removeWorkItems` can't delete items on a closed board (issue 8 #7).
#[tokio::test]
async fn remove_work_items_respects_closed_boards() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let de = id(&element(&app, pid, "Level 1", None).await);
    let board = app
        .post(
            &format!("/v0/projects/{pid}/boards"),
            json!({"name": "Old sprint"}),
        )
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    let (w, _) = api_item(
        &app,
        pid,
        json!({"title": "On the old sprint", "categoryId": 1, "boardId": board, "designElementId": de}),
    )
    .await;
    app.post(
        &format!("/v0/projects/{pid}/boards/{board}/closure"),
        json!({}),
    )
    .await
    .expect_empty(200);
    let r = app
        .call(
            "DELETE",
            &format!("{}/{de}", base(pid)),
            Some(&app.key),
            Some("{\"removeWorkItems\": true}"),
        )
        .await
        .expect(403);
    assert_eq!(r["message"], "The board is closed.");
    app.get(&format!("{}/{de}", base(pid))).await.expect(200);
    let item = app
        .get(&format!("/v0/projects/{pid}/workitems/{w}"))
        .await
        .expect(200);
    assert_eq!(item["designElement"]["designElementId"], de);
}
