//! The change records of the design model (`designelement.*`, and the `workitem.*` records of a
//! design element delete), read back through the activity feed.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

fn base(pid: i64) -> String {
    format!("/v0/projects/{pid}/designelements")
}

/// The project's whole activity, newest first, read page by page (100 is the page cap).
async fn activity(app: &TestApp, pid: i64) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    loop {
        let page = app
            .get(&format!(
                "/v0/projects/{pid}/activity?offset={}&limit=100",
                out.len()
            ))
            .await
            .expect(200);
        let items = page["items"].as_array().unwrap();
        out.extend(items.iter().cloned());
        if items.is_empty() || out.len() as i64 >= page["totalCount"].as_i64().unwrap() {
            return out;
        }
    }
}

/// (event, entityId) of each change, newest first.
fn events(items: &[Value]) -> Vec<(String, i64)> {
    items
        .iter()
        .map(|c| {
            (
                c["event"].as_str().unwrap().to_string(),
                c["entityId"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn element(app: &TestApp, key: &str, pid: i64, name: &str, parent: Option<i64>) -> i64 {
    let mut body = json!({"designElementTypeId": 1, "name": name});
    if let Some(p) = parent {
        body["parentId"] = json!(p);
    }
    app.as_user(key, "POST", &base(pid), Some(body))
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap()
}

async fn item(app: &TestApp, pid: i64, mut body: Value) -> i64 {
    body["importanceLevelId"] = json!(3);
    app.post(&format!("/v0/projects/{pid}/workitems"), body)
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn element_writes_record_created_updated_and_deleted_with_the_actor() {
    let app = spawn_app().await;
    let pid = app.project("Events").await;
    let (ana_id, ana) = app.add_user("ana").await;
    app.add_member(pid, ana_id, json!({})).await;
    let before = activity(&app, pid).await.len();

    let root = element(&app, &app.key, pid, "World", None).await;
    let child = element(&app, &ana, pid, "Forest", Some(root)).await;
    let log = activity(&app, pid).await;
    assert_eq!(log.len(), before + 2);
    assert_eq!(
        events(&log[..2]),
        vec![
            ("designelement.created".to_string(), child),
            ("designelement.created".to_string(), root)
        ]
    );
    let c = &log[0];
    assert_eq!(c["entityKind"], "designelement");
    assert_eq!(c["projectId"], pid);
    assert_eq!(c["user"]["id"], ana_id);
    // The entity is the element as its GET shows it, `user` being the actor as a project user.
    let got = app.get(&format!("{}/{child}", base(pid))).await.expect(200);
    assert_eq!(c["entity"], got);
    assert_eq!(c["entity"]["user"]["user"]["username"], "ana");
    assert_eq!(c["entity"]["user"]["user"]["name"], "ana");
    assert_eq!(c["entity"]["user"]["projectId"], pid);
    assert_eq!(c["entity"]["parent"]["designElementId"], root);
    assert_eq!(c["entity"]["type"]["designElementTypeId"], 1);
    assert_eq!(log[1]["entity"]["user"]["user"]["id"], 1);
    assert!(log[1]["entity"].get("parent").is_none());

    // Ana edits the owner's element: the record names her, the element's own GET its creator.
    app.as_user(
        &ana,
        "PATCH",
        &format!("{}/{root}", base(pid)),
        Some(json!({"name": "Overworld", "description": "Big"})),
    )
    .await
    .expect(200);
    // A move (new parent) is an update too.
    app.as_user(
        &ana,
        "PUT",
        &format!("{}/{child}", base(pid)),
        Some(json!({"designElementTypeId": 2, "name": "Forest"})),
    )
    .await
    .expect(200);
    let log = activity(&app, pid).await;
    assert_eq!(
        events(&log[..2]),
        vec![
            ("designelement.updated".to_string(), child),
            ("designelement.updated".to_string(), root)
        ]
    );
    assert_eq!(log[1]["entity"]["name"], "Overworld");
    assert_eq!(log[1]["entity"]["description"], "Big");
    assert_eq!(log[1]["entity"]["user"]["user"]["id"], ana_id);
    let root_now = app.get(&format!("{}/{root}", base(pid))).await.expect(200);
    assert_eq!(
        root_now["user"]["user"]["id"], 1,
        "the GET keeps the creator"
    );
    assert!(
        log[0]["entity"].get("parent").is_none(),
        "moved to the root"
    );
    assert_eq!(log[0]["entity"]["index"], 1);
    assert_eq!(log[0]["entity"]["type"]["designElementTypeId"], 2);

    // A delete records the element as it was.
    let before_delete = app.get(&format!("{}/{child}", base(pid))).await.expect(200);
    app.as_user(&ana, "DELETE", &format!("{}/{child}", base(pid)), None)
        .await
        .expect_empty(200);
    let log = activity(&app, pid).await;
    assert_eq!(log.len(), before + 5);
    assert_eq!(
        events(&log[..1]),
        vec![("designelement.deleted".to_string(), child)]
    );
    let mut expected = before_delete.clone();
    expected["user"] = log[1]["entity"]["user"].clone();
    assert_eq!(log[0]["entity"], expected);
    assert_eq!(log[0]["entity"]["name"], "Forest");
}

#[tokio::test]
async fn refused_writes_record_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Refusals").await;
    let e = element(&app, &app.key, pid, "E", None).await;
    let c = element(&app, &app.key, pid, "C", Some(e)).await;
    item(
        &app,
        pid,
        json!({"title": "linked", "categoryId": 1, "designElementId": e}),
    )
    .await;
    let (guest_id, guest) = app.add_user("guest").await;
    app.add_member(pid, guest_id, json!({"isGuest": true}))
        .await;
    let (writer_id, writer) = app.add_user("writer").await;
    app.add_member(pid, writer_id, json!({})).await;
    let design_only = app
        .add_key(writer_id, Scopes::parse("designmodel:write").unwrap())
        .await;
    let before = activity(&app, pid).await;
    let el = format!("{}/{e}", base(pid));
    for (key, method, path, body, status) in [
        (
            &app.key,
            "POST",
            base(pid),
            json!({"designElementTypeId": 1}),
            400,
        ),
        (
            &app.key,
            "POST",
            base(pid),
            json!({"designElementTypeId": 1, "name": "x", "parentId": 99}),
            400,
        ),
        (
            &guest,
            "POST",
            base(pid),
            json!({"designElementTypeId": 1, "name": "x"}),
            403,
        ),
        (&app.key, "PATCH", el.clone(), json!({"parentId": c}), 400),
        (
            &app.key,
            "PATCH",
            format!("{}/99", base(pid)),
            json!({"name": "x"}),
            404,
        ),
        (
            &guest,
            "PUT",
            el.clone(),
            json!({"designElementTypeId": 1, "name": "x"}),
            403,
        ),
        (&guest, "DELETE", el.clone(), json!({}), 403),
        (
            &design_only,
            "DELETE",
            el.clone(),
            json!({"removeWorkItems": true}),
            403,
        ),
        (
            &writer,
            "DELETE",
            format!("{}/99", base(pid)),
            json!({}),
            404,
        ),
    ] {
        let r = app.as_user(key, method, &path, Some(body)).await;
        assert_eq!(r.status.as_u16(), status, "{method} {path}: {}", r.text);
    }
    assert_eq!(activity(&app, pid).await, before);
    app.get(&el).await.expect(200);
}

#[tokio::test]
async fn deleting_a_branch_records_each_element_and_each_unlinked_item() {
    let app = spawn_app().await;
    let pid = app.project("Branch").await;
    let a = element(&app, &app.key, pid, "A", None).await;
    let b = element(&app, &app.key, pid, "B", Some(a)).await;
    let c = element(&app, &app.key, pid, "C", Some(b)).await;
    let d = element(&app, &app.key, pid, "D", Some(a)).await;
    let keep = element(&app, &app.key, pid, "Keep", None).await;
    let w1 = item(
        &app,
        pid,
        json!({"title": "on B", "categoryId": 2, "designElementId": b}),
    )
    .await;
    let w2 = item(
        &app,
        pid,
        json!({"title": "on C", "categoryId": 1, "designElementId": c}),
    )
    .await;
    let w3 = item(
        &app,
        pid,
        json!({"title": "on Keep", "categoryId": 1, "designElementId": keep}),
    )
    .await;
    let before_b = app.get(&format!("{}/{b}", base(pid))).await.expect(200);
    assert_eq!(before_b["totalWorkItemCount"], 1);
    let n = activity(&app, pid).await.len();

    app.delete(&format!("{}/{a}", base(pid)))
        .await
        .expect_empty(200);
    let log = activity(&app, pid).await;
    assert_eq!(log.len(), n + 6, "4 elements and 2 work items");
    let new = &log[..6];
    // Newest first: the elements were recorded deepest first, after the items.
    assert_eq!(
        events(&new[..4]),
        vec![
            ("designelement.deleted".to_string(), a),
            ("designelement.deleted".to_string(), d),
            ("designelement.deleted".to_string(), b),
            ("designelement.deleted".to_string(), c),
        ]
    );
    let mut items = events(&new[4..]);
    items.sort();
    assert_eq!(
        items,
        vec![
            ("workitem.updated".to_string(), w1),
            ("workitem.updated".to_string(), w2)
        ]
    );
    // The elements as they were, with their parents and counts.
    let rec_b = &new[2]["entity"];
    assert_eq!(rec_b["name"], "B");
    assert_eq!(rec_b["parent"]["designElementId"], a);
    assert_eq!(rec_b["totalWorkItemCount"], 1);
    assert_eq!(rec_b["user"]["user"]["id"], 1);
    let mut expected_b = before_b.clone();
    expected_b["user"] = rec_b["user"].clone();
    assert_eq!(*rec_b, expected_b);
    assert!(new[0]["entity"].get("parent").is_none());
    // The unlinked items as they are now.
    for w in &new[4..] {
        let id = w["entityId"].as_i64().unwrap();
        let now = app
            .get(&format!("/v0/projects/{pid}/workitems/{id}"))
            .await
            .expect(200);
        assert!(now.get("designElement").is_none());
        assert_eq!(w["entity"], now);
    }
    assert!(
        !events(new)
            .iter()
            .any(|e| e.1 == w3 && e.0.starts_with("workitem")),
        "an item of another element is untouched"
    );
}

#[tokio::test]
async fn remove_work_items_records_each_deleted_item() {
    let app = spawn_app().await;
    let pid = app.project("Remove").await;
    let e = element(&app, &app.key, pid, "E", None).await;
    let child = element(&app, &app.key, pid, "Child", Some(e)).await;
    let story = item(
        &app,
        pid,
        json!({"title": "Story", "isStory": true, "designElementId": e}),
    )
    .await;
    let task = item(
        &app,
        pid,
        json!({"title": "Task of the story", "categoryId": 1, "parentStoryId": story}),
    )
    .await;
    let art = item(
        &app,
        pid,
        json!({"title": "Art", "categoryId": 2, "designElementId": child}),
    )
    .await;
    // `later` waits on `art`: deleting `art` unblocks it.
    let later = item(&app, pid, json!({"title": "Later", "categoryId": 1})).await;
    app.post(
        &format!("/v0/projects/{pid}/workitems/{later}/dependencies"),
        json!(art),
    )
    .await
    .expect(201);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/workitems/{later}"))
            .await
            .expect(200)["isBlocked"],
        true
    );
    let art_before = app
        .get(&format!("/v0/projects/{pid}/workitems/{art}"))
        .await
        .expect(200);
    let story_before = app
        .get(&format!("/v0/projects/{pid}/workitems/{story}"))
        .await
        .expect(200);
    let n = activity(&app, pid).await.len();

    app.call(
        "DELETE",
        &format!("{}/{e}", base(pid)),
        Some(&app.key),
        Some("{\"removeWorkItems\": true}"),
    )
    .await
    .expect_empty(200);
    let log = activity(&app, pid).await;
    let new = &log[..log.len() - n];
    let mut got = events(new);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("designelement.deleted".to_string(), e),
            ("designelement.deleted".to_string(), child),
            ("workitem.deleted".to_string(), story),
            ("workitem.deleted".to_string(), art),
            ("workitem.unblocked".to_string(), later),
            ("workitem.updated".to_string(), task),
        ]
    );
    let find = |ev: &str, id: i64| {
        new.iter()
            .find(|c| c["event"] == ev && c["entityId"] == id)
            .unwrap()
            .clone()
    };
    // Deleted items as they were.
    assert_eq!(find("workitem.deleted", art)["entity"], art_before);
    assert_eq!(find("workitem.deleted", story)["entity"], story_before);
    assert_eq!(
        find("workitem.deleted", art)["entity"]["category"]["categoryId"],
        2
    );
    // The story's task lost its story; `later` is no longer blocked.
    for (ev, id) in [("workitem.updated", task), ("workitem.unblocked", later)] {
        let now = app
            .get(&format!("/v0/projects/{pid}/workitems/{id}"))
            .await
            .expect(200);
        assert_eq!(find(ev, id)["entity"], now);
    }
    assert!(
        find("workitem.updated", task)["entity"]
            .get("parentStoryId")
            .is_none()
    );
    assert_eq!(
        find("workitem.unblocked", later)["entity"]["isBlocked"],
        false
    );
}

#[tokio::test]
async fn a_large_subtree_records_one_delete_per_element() {
    let app = spawn_app().await;
    let pid = app.project("Large").await;
    let root = element(&app, &app.key, pid, "Root", None).await;
    // 1,200 children straight in the database (more than two id chunks of 500).
    {
        let mut tx = app.db.write().await.unwrap();
        for i in 0..1200i64 {
            let id = questlog::store::sequences::next_id(&mut tx, pid, "designelement")
                .await
                .unwrap();
            tx.exec(
                "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, parent_id, \
                 sibling_index, name, creation_date, update_date, creator_id) \
                 VALUES ($1, $2, 1, $3, $4, $5, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)",
                questlog::params![pid, id, root, i, format!("n{i}")],
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let n = activity(&app, pid).await.len();
    app.delete(&format!("{}/{root}", base(pid)))
        .await
        .expect_empty(200);
    let log = activity(&app, pid).await;
    assert_eq!(log.len(), n + 1201);
    let new = &log[..1201];
    assert!(new.iter().all(|c| c["event"] == "designelement.deleted"));
    let mut ids: Vec<i64> = new
        .iter()
        .map(|c| c["entityId"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1201);
    assert_eq!(new[0]["entityId"], root, "the root last");
    assert_eq!(new[1]["entity"]["parent"]["designElementId"], root);
}
