//! The blob store against a real S3-compatible server (scripts/s3-temp starts one and exports
//! `QUESTLOG_TEST_S3_URL`, `QUESTLOG_TEST_S3_ENDPOINT`, `QUESTLOG_TEST_S3_KEY`,
//! `QUESTLOG_TEST_S3_SECRET`). Without `QUESTLOG_TEST_S3_URL` these tests print "skipped" and pass.

use std::ops::Range;

use bytes::Bytes;
use futures_util::TryStreamExt;
use questlog::blobs::{Blobs, PART_SIZE, S3Options};

/// The `S3Options` for the test server named by the `QUESTLOG_TEST_S3_*` variables.
pub(crate) fn s3_options() -> S3Options {
    let endpoint = std::env::var("QUESTLOG_TEST_S3_ENDPOINT").ok();
    S3Options {
        allow_http: endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://")),
        endpoint,
        region: None,
        access_key_id: std::env::var("QUESTLOG_TEST_S3_KEY").ok(),
        secret_access_key: std::env::var("QUESTLOG_TEST_S3_SECRET").ok(),
    }
}

/// A store under a prefix of its own inside the test bucket (tests run in parallel), or None
/// when no S3 server was given.
pub(crate) fn s3_store(test: &str) -> Option<Blobs> {
    let Ok(url) = std::env::var("QUESTLOG_TEST_S3_URL") else {
        eprintln!("{test}: skipped (QUESTLOG_TEST_S3_URL is not set; see scripts/s3-temp)");
        return None;
    };
    let url = format!(
        "{}/{test}-{:08x}",
        url.trim_end_matches('/'),
        rand::random::<u32>()
    );
    Some(Blobs::from_url(&url, &s3_options()).expect("S3 store"))
}

fn pattern(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            x ^= x << 7;
            x ^= x >> 9;
            (x >> 24) as u8
        })
        .collect()
}

async fn read_all(blobs: &Blobs, key: &str, range: Option<Range<u64>>) -> Option<Vec<u8>> {
    let s = blobs.get(key, range).await.expect("get")?;
    let chunks: Vec<Bytes> = s.try_collect().await.expect("stream");
    Some(chunks.concat())
}

#[tokio::test]
async fn s3_round_trip() {
    let Some(blobs) = s3_store("round-trip") else {
        return;
    };
    blobs.check().await.expect("start-up check");
    assert_eq!(blobs.list_keys().await.unwrap(), Vec::<String>::new());

    // 20 MiB and a bit: a multipart upload of three parts, the last one short.
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(20 * 1024 * 1024 + 77);
    let src = dir.path().join("big.bin");
    std::fs::write(&src, &data).unwrap();
    blobs.put_file("p7/big", &src).await.expect("multipart put");
    assert!(blobs.exists("p7/big").await.unwrap());
    assert_eq!(read_all(&blobs, "p7/big", None).await.unwrap(), data);

    // Ranged reads, one across the first part boundary, one at the very end.
    let part = PART_SIZE as u64;
    for r in [
        part - 3..part + 5,
        0..1,
        data.len() as u64 - 10..data.len() as u64,
    ] {
        assert_eq!(
            read_all(&blobs, "p7/big", Some(r.clone())).await.unwrap(),
            &data[r.start as usize..r.end as usize],
            "range {r:?}"
        );
    }

    // A small file (one request) and a thumbnail from memory.
    let small = dir.path().join("small.txt");
    std::fs::write(&small, b"small file").unwrap();
    blobs.put_file("p7/small", &small).await.unwrap();
    blobs
        .put_bytes("p7/small.thumb", Bytes::from_static(b"\x89PNG"))
        .await
        .unwrap();
    assert_eq!(
        read_all(&blobs, "p7/small", None).await.unwrap(),
        b"small file"
    );
    assert_eq!(
        read_all(&blobs, "p7/small.thumb", None).await.unwrap(),
        b"\x89PNG"
    );
    assert_eq!(
        blobs.list_keys().await.unwrap(),
        ["p7/big", "p7/small", "p7/small.thumb"]
    );

    // Delete (twice: a missing object is fine) and the missing-object answers.
    blobs.delete("p7/big").await.unwrap();
    blobs.delete("p7/big").await.unwrap();
    assert!(!blobs.exists("p7/big").await.unwrap());
    assert!(read_all(&blobs, "p7/big", None).await.is_none());
    assert!(read_all(&blobs, "p7/big", Some(0..10)).await.is_none());
    assert_eq!(
        blobs.list_keys().await.unwrap(),
        ["p7/small", "p7/small.thumb"]
    );
    blobs.delete("p7/small").await.unwrap();
    blobs.delete("p7/small.thumb").await.unwrap();
    assert_eq!(blobs.list_keys().await.unwrap(), Vec::<String>::new());
}

/// A reader that fails on its first read.
struct Broken;

impl tokio::io::AsyncRead for Broken {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Err(std::io::Error::other("the disk is on fire")))
    }
}

/// The multipart uploads still open in the test bucket (ListMultipartUploads; the test server
/// answers it unsigned), as the XML listing.
async fn open_uploads() -> String {
    let endpoint = std::env::var("QUESTLOG_TEST_S3_ENDPOINT").expect("QUESTLOG_TEST_S3_ENDPOINT");
    let url = std::env::var("QUESTLOG_TEST_S3_URL").unwrap();
    let bucket = url
        .trim_start_matches("s3://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let reply = reqwest::get(format!("{endpoint}/{bucket}?uploads"))
        .await
        .expect("list multipart uploads");
    assert!(reply.status().is_success(), "{}", reply.status());
    reply.text().await.unwrap()
}

#[tokio::test]
async fn s3_failed_uploads_leave_nothing() {
    let Some(blobs) = s3_store("aborted") else {
        return;
    };
    use tokio::io::AsyncReadExt;
    // Two whole parts, then the source fails: the multipart upload is aborted.
    let reader = std::io::Cursor::new(pattern(2 * PART_SIZE + 9)).chain(Broken);
    let err = blobs.put_reader("p1/failed", reader).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("the disk is on fire"),
        "{err:#}"
    );

    // A part and a half, then the source stalls and the upload's future is dropped.
    let (stalled, _writer) = tokio::io::duplex(16);
    let reader = std::io::Cursor::new(pattern(PART_SIZE * 3 / 2)).chain(stalled);
    let put = blobs.put_reader("p1/dropped", reader);
    assert!(
        tokio::time::timeout(std::time::Duration::from_secs(2), put)
            .await
            .is_err()
    );

    assert!(!blobs.exists("p1/failed").await.unwrap());
    assert!(!blobs.exists("p1/dropped").await.unwrap());
    assert_eq!(blobs.list_keys().await.unwrap(), Vec::<String>::new());
    // The service holds no parts for either (the dropped one is aborted in the background).
    let mut listing = open_uploads().await;
    for _ in 0..100 {
        if !listing.contains("p1/dropped") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        listing = open_uploads().await;
    }
    assert!(!listing.contains("p1/failed"), "{listing}");
    assert!(!listing.contains("p1/dropped"), "{listing}");
}

#[tokio::test]
async fn s3_missing_bucket_fails_the_check() {
    let Some(_) = s3_store("missing-bucket") else {
        return;
    };
    let blobs = Blobs::from_url("s3://questlog-no-such-bucket/x", &s3_options()).unwrap();
    let err = blobs.check().await.expect_err("no such bucket");
    let msg = format!("{err:#}");
    assert!(msg.contains("questlog-no-such-bucket"), "{msg}");
    assert!(msg.contains("not usable"), "{msg}");
}
