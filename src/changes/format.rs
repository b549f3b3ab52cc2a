//! The `discord` and `slack` payload formats: one readable line per event, posted to the chat
//! service's incoming-webhook URL so a studio needs no bridge.

use serde_json::{Value, json};

/// Discord refuses longer messages.
const MAX_CHARS: usize = 2000;

/// The chat message body for `format` (`discord` or `slack`).
pub fn body(format: &str, event: &str, actor: &str, project: &str, entity: &Value) -> Value {
    match format {
        "slack" => json!({ "text": message(event, actor, project, entity, &SLACK) }),
        // No @everyone / role / user pings from names users typed.
        _ => {
            json!({ "content": message(event, actor, project, entity, &DISCORD), "allowed_mentions": {"parse": []} })
        }
    }
}

/// How a chat service marks text up.
pub struct Style {
    bold: &'static str,
    italic: &'static str,
    esc: fn(&str) -> String,
}

pub const DISCORD: Style = Style {
    bold: "**",
    italic: "*",
    esc: discord_escape,
};
pub const SLACK: Style = Style {
    bold: "*",
    italic: "_",
    esc: slack_escape,
};

fn discord_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '*' | '_' | '~' | '`' | '|' | '\\' | '>') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Slack's three control characters (its docs: escape &, <, >).
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let mut t: String = flat.chars().take(max).collect();
        t.push('…');
        t
    } else {
        flat
    }
}

/// "**alice** created work item #12 *Fix jump* in Project X".
pub fn message(event: &str, actor: &str, project: &str, e: &Value, st: &Style) -> String {
    let esc = st.esc;
    let i = st.italic;
    let parts: Vec<&str> = event.split('.').collect();
    let verb = parts.last().copied().unwrap_or(event);
    let named = |kind: &str| match text(e, "name") {
        Some(n) => format!("{kind} {i}{}{i}", esc(&one_line(&n, 200))),
        None => kind.to_string(),
    };
    let item = |v: &Value| {
        let id = text(v, "workItemId").unwrap_or_default();
        match text(v, "title") {
            Some(t) => format!("work item #{id} {i}{}{i}", esc(&one_line(&t, 200))),
            None => format!("work item #{id}"),
        }
    };
    let thing = match parts.as_slice() {
        ["workitem", "comment", _] => format!(
            "a comment on {}: \"{}\"",
            item(e),
            esc(&one_line(&text(e, "text").unwrap_or_default(), 300))
        ),
        ["workitem", "subtask", _] => format!(
            "sub-task {i}{}{i} of {}",
            esc(&one_line(&text(e, "title").unwrap_or_default(), 200)),
            item(&json!({"workItemId": e.get("workItemId")}))
        ),
        ["workitem", "worklog", _] => format!(
            "a work log of {} on {}",
            text(e, "value").unwrap_or_default(),
            item(&json!({"workItemId": e.get("workItemId")}))
        ),
        ["workitem", "dependency", _] => format!(
            "a dependency of work item #{} on {}",
            text(e, "workItemId").unwrap_or_default(),
            item(e.get("workItem").unwrap_or(&Value::Null))
        ),
        ["workitem", "user", _] => format!("a user on {}", item(e)),
        ["workitem", "attachment", _] => format!("an attachment on {}", item(e)),
        ["workitem", _] => item(e),
        ["designelement", "comment", _] => "a comment on a design element".to_string(),
        ["designelement", "attachment", _] => "an attachment on a design element".to_string(),
        ["designelement", _] => named("design element"),
        ["designelementtype", _] => named("design element type"),
        ["importancelevel", _] => named("importance level"),
        ["projectuser", _] => {
            let who = e
                .get("user")
                .and_then(|u| text(u, "username"))
                .unwrap_or_default();
            format!("member {i}{}{i}", esc(&who))
        }
        ["project", _] => "the project".to_string(),
        [kind, _] => named(kind),
        _ => event.to_string(),
    };
    let b = st.bold;
    let line = format!(
        "{b}{}{b} {} {} in {}",
        esc(actor),
        verb,
        thing,
        esc(&one_line(project, 200))
    );
    if line.chars().count() > MAX_CHARS {
        let mut t: String = line.chars().take(MAX_CHARS - 1).collect();
        t.push('…');
        t
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_item_line() {
        let e = json!({"workItemId": 12, "title": "Fix jump"});
        assert_eq!(
            message("workitem.created", "alice", "Project X", &e, &DISCORD),
            "**alice** created work item #12 *Fix jump* in Project X"
        );
    }

    #[test]
    fn discord_body_is_capped_and_mutes_mentions() {
        let e = json!({"name": "@everyone ".repeat(1000)});
        let b = body("discord", "tag.created", "bob", "P", &e);
        assert!(b["content"].as_str().unwrap().chars().count() <= MAX_CHARS);
        assert_eq!(b["allowed_mentions"]["parse"], json!([]));
        let s = body(
            "slack",
            "tag.created",
            "bob",
            "P<&>",
            &json!({"name": "<!channel>"}),
        );
        assert_eq!(
            s["text"],
            "*bob* created tag _&lt;!channel&gt;_ in P&lt;&amp;&gt;"
        );
    }
}
