//! The binary itself: `serve` on its defaults, and the account commands scripts rely on.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn questlog(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_questlog"));
    c.env_remove("QUESTLOG_DATABASE_URL")
        .env("QUESTLOG_DATA_DIR", dir)
        .env("QUESTLOG_LOG_LEVEL", "warn");
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = questlog(dir).args(args).output().expect("runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn is_key_line(s: &str) -> bool {
    s.len() == 33 && s.ends_with('\n') && questlog::http::auth::is_valid_key(&s[..32])
}

#[test]
fn user_and_key_commands_print_keys_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, out, err) = run(
        d,
        &[
            "user",
            "add",
            "ana",
            "--email",
            "ana@example.com",
            "--admin",
        ],
    );
    assert!(ok, "{err}");
    assert!(is_key_line(&out), "stdout is the key alone: {out:?}");
    assert!(d.join("questlog.db").exists(), "SQLite in the data dir");

    let (ok, out, _) = run(
        d,
        &["key", "add", "ana", "--scope", "read", "--label", "ci"],
    );
    assert!(ok && is_key_line(&out));
    let (ok, out, _) = run(d, &["key", "list", "ana"]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[1].contains("ci") && lines[1].contains("projects:read"));
    let id = lines[1].split('\t').next().unwrap();
    let (ok, _, _) = run(d, &["key", "revoke", id]);
    assert!(ok);
    let (ok, _, err) = run(d, &["key", "revoke", id]);
    assert!(!ok && err.contains("no active key"), "{err}");
    let (_, out, _) = run(d, &["key", "list", "ana"]);
    assert!(out.lines().nth(1).unwrap().contains("revoked"));

    // Mistakes are explained and exit non-zero.
    let (ok, _, err) = run(d, &["user", "add", "ana", "--email", "other@example.com"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = run(d, &["user", "add", "bob", "--email", "not-an-email"]);
    assert!(!ok && err.contains("email"), "{err}");
    let (ok, _, err) = run(d, &["user", "add", "bob"]);
    assert!(!ok && err.contains("--email"), "{err}");
    let (ok, _, err) = run(d, &["key", "add", "nobody"]);
    assert!(!ok && err.contains("nobody"), "{err}");
    let (ok, _, err) = run(d, &["key", "add", "ana", "--scope", "everything"]);
    assert!(!ok && err.contains("scope"), "{err}");

    let (ok, out, _) = run(d, &["team", "add", "Artists"]);
    assert!(ok);
    let team = out.trim().to_string();
    let (ok, _, err) = run(d, &["team", "add-user", &team, "ana"]);
    assert!(ok, "{err}");
    let (ok, out, _) = run(d, &["team", "list"]);
    assert!(ok && out.contains("Artists"));
}

#[test]
fn serve_bootstraps_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let key = "00112233445566778899aabbccddeeff";
    let mut child = questlog(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("QUESTLOG_BOOTSTRAP_API_KEY", key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains(key), "{first}");
    let try_line = lines.next().unwrap().unwrap();
    let url = try_line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("a curl example with the URL")
        .to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .header("Authorization", format!("ApiKey {key}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(body["username"], "owner");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful exit: {exit:?}");

    // A second start finds the data and creates nothing new (prints no key).
    let out = questlog(dir.path())
        .args(["serve", "--listen", "256.0.0.1:1"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a bad address is an error");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot start"));
}

#[test]
fn user_passwd_prints_a_generated_password_alone_or_reads_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, _, err) = run(d, &["user", "add", "ana", "--email", "ana@example.com"]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(d, &["user", "passwd", "ana"]);
    assert!(ok, "{err}");
    let pw = out.strip_suffix('\n').expect("one line");
    assert_eq!(pw.len(), 24, "{out:?}");
    assert!(pw.bytes().all(|b| b.is_ascii_alphanumeric()));

    let passwd_stdin = |user: &str, input: &str| {
        let mut child = questlog(d)
            .args(["user", "passwd", user, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (ok, out, _) = passwd_stdin("ana", "a chosen password\n");
    assert!(ok && out.is_empty(), "{out:?}");
    let (ok, _, err) = passwd_stdin("ana", "short\n");
    assert!(!ok && err.contains("at least 10"), "{err}");
    let (ok, _, err) = passwd_stdin("nobody", "a chosen password\n");
    assert!(!ok && err.contains("nobody"), "{err}");
}

#[test]
fn the_first_start_prints_the_owners_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = questlog(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let _key = lines.next().unwrap().unwrap();
    let _try = lines.next().unwrap().unwrap();
    let sign_in = lines.next().unwrap().unwrap();
    let pw = sign_in.rsplit(' ').next().unwrap();
    assert!(
        sign_in.contains("as 'owner' with the password"),
        "{sign_in}"
    );
    assert_eq!(pw.len(), 24, "{sign_in}");
    child.kill().unwrap();
    child.wait().unwrap();
}
