//! The blob store: where uploaded files (and their thumbnails) live. Either a directory on this
//! machine (the default, `<data dir>/files`) or a bucket of any S3-compatible service.
//!
//! Keys are plain relative strings such as `p12/3f9a…`: segments of ASCII letters, digits, `.`,
//! `_` and `-` separated by `/`. The database says which keys exist; this module only moves
//! bytes.

pub mod thumbs;

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
    WriteMultipart,
};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Size of one part of a multipart upload (S3 wants at least 5 MiB for all parts but the last;
/// R2 wants them all the same size). A file no larger than this goes up in a single request.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts of one upload in flight at once (so at most about `(1 + this) * PART_SIZE` in memory).
const PARTS_IN_FLIGHT: usize = 2;

/// Longest key accepted (S3's limit is 1,024 bytes, prefix included).
const MAX_KEY_LEN: usize = 512;

/// A blob store, cheap to clone.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// Where the blobs are, for logs and messages (never holds a secret).
    describe: Arc<str>,
}

impl fmt::Debug for Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blobs")
            .field("store", &self.describe)
            .finish()
    }
}

/// How to reach an S3-compatible service. Unset fields fall back to the standard `AWS_*`
/// environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
/// `AWS_ENDPOINT_URL`), then to AWS's defaults.
#[derive(Clone, Default)]
pub struct S3Options {
    /// e.g. `http://127.0.0.1:9000`; requests are then path-style (`<endpoint>/<bucket>/<key>`).
    pub endpoint: Option<String>,
    /// Default `us-east-1`.
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint.
    pub allow_http: bool,
}

impl fmt::Debug for S3Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Options")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "…"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl Blobs {
    /// A directory on this machine, created if missing.
    pub fn local(dir: &Path) -> anyhow::Result<Blobs> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the files directory {}", dir.display()))?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("cannot use the files directory {}", dir.display()))?
            // The database records a file once `put_*` returns: it must survive a crash.
            .with_fsync(true);
        Ok(Blobs {
            store: Arc::new(fs),
            describe: format!("local directory {}", dir.display()).into(),
        })
    }

    /// `file:///abs/dir` → a local directory; `s3://bucket/optional/prefix` → an S3 bucket
    /// reached with `s3`.
    pub fn from_url(url: &str, s3: &S3Options) -> anyhow::Result<Blobs> {
        if let Some(path) = url.strip_prefix("file://") {
            let path = Path::new(path);
            if !path.is_absolute() {
                bail!("the blob URL {url} must name an absolute directory (file:///path/to/dir)");
            }
            return Blobs::local(path);
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            return Blobs::s3(bucket, prefix.trim_matches('/'), s3);
        }
        bail!("the blob URL {url} must start with file:// or s3://")
    }

    fn s3(bucket: &str, prefix: &str, opts: &S3Options) -> anyhow::Result<Blobs> {
        if bucket.is_empty() {
            bail!("the blob URL names no bucket (s3://BUCKET/optional/prefix)");
        }
        // The standard AWS_* variables first; the explicit settings override them.
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(e) = &opts.endpoint {
            b = b.with_endpoint(e);
        }
        let endpoint = b.get_config_value(&object_store::aws::AmazonS3ConfigKey::Endpoint);
        if let Some(r) = &opts.region {
            b = b.with_region(r);
        } else if b
            .get_config_value(&object_store::aws::AmazonS3ConfigKey::Region)
            .is_none()
        {
            b = b.with_region("us-east-1");
        }
        if let Some(k) = &opts.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(s) = &opts.secret_access_key {
            b = b.with_secret_access_key(s);
        }
        let plain_http = endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        if opts.allow_http || plain_http {
            b = b.with_allow_http(true);
        }
        // Self-hosted services (MinIO, Garage, …) are reached path-style.
        if endpoint.is_some() {
            b = b.with_virtual_hosted_style_request(false);
        }
        // Fail within a minute rather than the default three when the service is down.
        b = b.with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 5,
            retry_timeout: Duration::from_secs(60),
        });
        let s3 = b.build().map_err(store_err("bad S3 settings"))?;
        let describe = match &endpoint {
            Some(e) => format!("S3 bucket {bucket} at {e}"),
            None => format!("S3 bucket {bucket}"),
        };
        let describe = if prefix.is_empty() {
            describe
        } else {
            format!("{describe}, under {prefix}/")
        };
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            let p = ObjectPath::parse(prefix)
                .map_err(|e| anyhow!("bad prefix {prefix:?} in the blob URL: {e}"))?;
            Arc::new(PrefixStore::new(s3, p))
        };
        Ok(Blobs {
            store,
            describe: describe.into(),
        })
    }

    /// Where the blobs are, for logs (no secrets).
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// Writes then deletes a small probe object: proves at start-up that the store is reachable
    /// and writable (bucket exists, credentials work).
    pub async fn check(&self) -> anyhow::Result<()> {
        let key = format!("probe-{:016x}", rand::random::<u64>());
        let work = async {
            self.put_bytes(&key, Bytes::from_static(b"questlog"))
                .await
                .context("cannot write")?;
            self.delete(&key).await.context("cannot delete")
        };
        match tokio::time::timeout(Duration::from_secs(90), work).await {
            Ok(r) => r.with_context(|| format!("the blob store ({}) is not usable", self.describe)),
            Err(_) => bail!(
                "the blob store ({}) did not answer within 90 seconds",
                self.describe
            ),
        }
    }

    /// Streams the file at `path` into the store under `key`: one request for a file up to
    /// `PART_SIZE`, else a multipart upload in `PART_SIZE` parts (never the whole file in
    /// memory). On error nothing is left under `key` (the upload is aborted).
    pub async fn put_file(&self, key: &str, path: &Path) -> anyhow::Result<()> {
        let location = location(key)?;
        let file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("cannot open {}", path.display()))?;
        self.put_from(key, location, file, &path.display()).await
    }

    /// Like `put_file`, from any reader (a request body, a pipe). A read error aborts the upload:
    /// nothing is left under `key`. So does dropping the future before it finishes.
    pub async fn put_reader<R: AsyncRead + Unpin + Send>(
        &self,
        key: &str,
        reader: R,
    ) -> anyhow::Result<()> {
        let location = location(key)?;
        self.put_from(key, location, reader, &"the upload").await
    }

    async fn put_from<R: AsyncRead + Unpin + Send>(
        &self,
        key: &str,
        location: ObjectPath,
        mut reader: R,
        source: &(dyn fmt::Display + Sync),
    ) -> anyhow::Result<()> {
        let first = read_chunk(&mut reader, PART_SIZE)
            .await
            .with_context(|| format!("cannot read {source}"))?;
        if first.len() < PART_SIZE {
            self.store
                .put(&location, PutPayload::from(first))
                .await
                .map_err(store_err(format!("cannot store blob {key}")))?;
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(&location)
            .await
            .map_err(store_err(format!("cannot start the upload of blob {key}")))?;
        let mut guard = AbortOnDrop(Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)));
        let writer = guard.0.as_mut().expect("the upload in progress");
        writer.put(first);
        let streamed: anyhow::Result<()> = async {
            loop {
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(store_err(format!("cannot upload a part of blob {key}")))?;
                let chunk = read_chunk(&mut reader, PART_SIZE)
                    .await
                    .with_context(|| format!("cannot read {source}"))?;
                if chunk.is_empty() {
                    return Ok(());
                }
                writer.put(chunk);
            }
        }
        .await;
        let writer = guard.0.take().expect("the upload in progress");
        match streamed {
            Ok(()) => {
                // `finish` aborts the upload itself when it fails.
                writer
                    .finish()
                    .await
                    .map_err(store_err(format!("cannot store blob {key}")))?;
                Ok(())
            }
            Err(e) => {
                if let Err(abort) = abort(writer).await {
                    tracing::warn!(key, "could not abort the upload of a blob: {abort}");
                }
                Err(e)
            }
        }
    }

    /// Stores a small object (a thumbnail) from memory, in one request.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        let location = location(key)?;
        self.store
            .put(&location, PutPayload::from(bytes))
            .await
            .map_err(store_err(format!("cannot store blob {key}")))?;
        Ok(())
    }

    /// The object's bytes as a stream; with `range`, only those bytes (end exclusive). The caller
    /// checks the range against the object's size: an end past it is cut to it, but a start at
    /// or past it is an error (an empty range is an empty stream). A missing object is `Ok(None)`.
    pub async fn get(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> anyhow::Result<Option<BoxStream<'static, std::io::Result<Bytes>>>> {
        let location = location(key)?;
        if let Some(r) = &range
            && r.start >= r.end
        {
            // Stores refuse an empty range; the answer is known without reading.
            return Ok(if self.exists(key).await? {
                Some(stream::empty().boxed())
            } else {
                None
            });
        }
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        match self.store.get_opts(&location, options).await {
            Ok(r) => Ok(Some(r.into_stream().map_err(std::io::Error::other).boxed())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_err(format!("cannot read blob {key}"))(e)),
        }
    }

    /// Deletes the object; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let location = location(key)?;
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_err(format!("cannot delete blob {key}"))(e)),
        }
    }

    /// Whether an object exists under `key`.
    pub async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        let location = location(key)?;
        match self.store.head(&location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_err(format!("cannot look up blob {key}"))(e)),
        }
    }

    /// Every key in the store (under its prefix), sorted.
    pub async fn list_keys(&self) -> anyhow::Result<Vec<String>> {
        let mut keys: Vec<String> = self
            .store
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(store_err("cannot list the blob store"))?;
        keys.sort();
        Ok(keys)
    }
}

/// Whether `key` is a well-formed key: 1 to 512 bytes of `/`-separated segments, each made of
/// ASCII letters, digits, `.`, `_` and `-`, and neither `.` nor `..`.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// Turns a store error into one line: what failed, the store's own message, and the root cause,
/// with the XML body of an S3 error reply shortened to its code and message.
fn store_err(what: impl fmt::Display) -> impl FnOnce(object_store::Error) -> anyhow::Error {
    move |e| {
        let msg = without_xml(e.to_string());
        let mut root: &dyn std::error::Error = &e;
        while let Some(next) = root.source() {
            root = next;
        }
        let root = without_xml(root.to_string());
        let msg = if msg.contains(&root) {
            msg
        } else {
            format!("{msg}: {root}")
        };
        let hint = match &e {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => " (check the credentials)",
            _ => "",
        };
        anyhow!("{what}: {msg}{hint}")
    }
}

/// `…: <?xml …><Error><Code>C</Code><Message>M</Message>…` → `…: C (M)`.
fn without_xml(mut msg: String) -> String {
    let Some(xml) = msg.find("<?xml") else {
        return msg;
    };
    let tag = |name: &str| {
        let body = &msg[xml..];
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find('<')? + start;
        Some(body[start..end].to_string())
    };
    let summary = match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!("{c} ({m})"),
        (Some(c), None) => c,
        _ => String::from("(an XML error reply)"),
    };
    msg.truncate(xml);
    msg.push_str(&summary);
    msg
}

fn location(key: &str) -> anyhow::Result<ObjectPath> {
    if !is_valid_key(key) {
        bail!("invalid blob key {key:?}");
    }
    ObjectPath::parse(key).map_err(|e| anyhow!("invalid blob key {key:?}: {e}"))
}

/// Aborts a multipart upload whose future was dropped half-way (a client that went away), so
/// that its parts do not linger in the store.
struct AbortOnDrop(Option<WriteMultipart>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(writer) = self.0.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                if let Err(e) = abort(writer).await {
                    tracing::warn!("could not abort an interrupted blob upload: {e}");
                }
            });
        }
    }
}

/// Aborts a multipart upload once its parts in flight have landed or failed: S3 may keep a part
/// that finishes after the abort (cancelling the request does not recall one already sent).
async fn abort(mut writer: WriteMultipart) -> object_store::Result<()> {
    let _ = writer.wait_for_capacity(0).await;
    writer.abort().await
}

/// Reads up to `size` bytes (fewer only at the end of the input).
async fn read_chunk<R: AsyncRead + Unpin>(file: &mut R, size: usize) -> std::io::Result<Bytes> {
    let mut buf = BytesMut::with_capacity(size);
    while buf.len() < size {
        // `read_buf` fills the spare capacity, which never grows past `size`.
        if file.read_buf(&mut buf).await? == 0 {
            break;
        }
    }
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic, non-repeating-looking content so a misplaced part would show.
    fn pattern(len: usize) -> Vec<u8> {
        let mut x: u32 = 0x9e37_79b9;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    async fn read_all(blobs: &Blobs, key: &str, range: Option<Range<u64>>) -> Option<Vec<u8>> {
        let s = blobs.get(key, range).await.unwrap()?;
        let chunks: Vec<Bytes> = s.try_collect().await.unwrap();
        Some(chunks.concat())
    }

    #[tokio::test]
    async fn local_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(&dir.path().join("files")).unwrap();
        blobs.check().await.unwrap();
        assert!(blobs.list_keys().await.unwrap().is_empty());

        // 20 MiB and a bit: three parts, the last one short.
        let data = pattern(20 * 1024 * 1024 + 123);
        let src = dir.path().join("upload.bin");
        std::fs::write(&src, &data).unwrap();
        blobs.put_file("p12/big", &src).await.unwrap();
        assert!(blobs.exists("p12/big").await.unwrap());
        assert_eq!(read_all(&blobs, "p12/big", None).await.unwrap(), data);

        // Ranges, across a part boundary too.
        let r = PART_SIZE as u64 - 10..PART_SIZE as u64 + 20;
        assert_eq!(
            read_all(&blobs, "p12/big", Some(r.clone())).await.unwrap(),
            &data[r.start as usize..r.end as usize]
        );
        assert_eq!(
            read_all(&blobs, "p12/big", Some(0..1)).await.unwrap(),
            &data[..1]
        );
        assert_eq!(read_all(&blobs, "p12/big", Some(5..5)).await.unwrap(), b"");

        // A small file and bytes from memory.
        let small = dir.path().join("small.txt");
        std::fs::write(&small, b"hello").unwrap();
        blobs.put_file("p12/small", &small).await.unwrap();
        blobs
            .put_bytes("p3/thumb.png", Bytes::from_static(b"PNG"))
            .await
            .unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        blobs.put_file("p3/empty", &empty).await.unwrap();
        assert_eq!(read_all(&blobs, "p12/small", None).await.unwrap(), b"hello");
        assert_eq!(
            read_all(&blobs, "p3/thumb.png", None).await.unwrap(),
            b"PNG"
        );
        assert_eq!(read_all(&blobs, "p3/empty", None).await.unwrap(), b"");
        assert_eq!(
            blobs.list_keys().await.unwrap(),
            ["p12/big", "p12/small", "p3/empty", "p3/thumb.png"]
        );

        // Overwrite replaces.
        blobs
            .put_bytes("p12/small", Bytes::from_static(b"bye"))
            .await
            .unwrap();
        assert_eq!(read_all(&blobs, "p12/small", None).await.unwrap(), b"bye");

        // Delete, twice; missing keys.
        blobs.delete("p12/big").await.unwrap();
        blobs.delete("p12/big").await.unwrap();
        assert!(!blobs.exists("p12/big").await.unwrap());
        assert!(read_all(&blobs, "p12/big", None).await.is_none());
        assert!(read_all(&blobs, "p12/big", Some(0..4)).await.is_none());
        assert!(read_all(&blobs, "p12/big", Some(4..4)).await.is_none());
        assert!(!blobs.exists("nope/never").await.unwrap());
        assert_eq!(
            blobs.list_keys().await.unwrap(),
            ["p12/small", "p3/empty", "p3/thumb.png"]
        );
    }

    #[tokio::test]
    async fn failed_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(&dir.path().join("files")).unwrap();
        let err = blobs
            .put_file("p1/x", &dir.path().join("missing"))
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains("cannot open"), "{err:#}");
        assert!(!blobs.exists("p1/x").await.unwrap());
        assert!(blobs.list_keys().await.unwrap().is_empty());
    }

    /// A reader that fails on its first read.
    struct Broken;

    impl AsyncRead for Broken {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            _: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Err(std::io::Error::other("the disk is on fire")))
        }
    }

    /// Every file under `dir`, staging files of unfinished uploads included.
    fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[tokio::test]
    async fn read_error_mid_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("files");
        let blobs = Blobs::local(&files).unwrap();
        // Two whole parts, then the source fails: the multipart upload is under way.
        let data = pattern(2 * PART_SIZE + 5);
        let reader = std::io::Cursor::new(data).chain(Broken);
        let err = blobs.put_reader("p1/x", reader).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("the disk is on fire"),
            "{err:#}"
        );
        assert!(!blobs.exists("p1/x").await.unwrap());
        assert!(blobs.list_keys().await.unwrap().is_empty());
        assert_eq!(files_under(&files), Vec::<std::path::PathBuf>::new());
        // A small source that fails: nothing was started.
        assert!(blobs.put_reader("p1/y", Broken).await.is_err());
        assert!(blobs.list_keys().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn dropped_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("files");
        let blobs = Blobs::local(&files).unwrap();
        // A source that sends a part and a half, then stalls (a client gone quiet).
        let (stalled, _writer) = tokio::io::duplex(16);
        let reader = std::io::Cursor::new(pattern(PART_SIZE * 3 / 2)).chain(stalled);
        let put = blobs.put_reader("p1/x", reader);
        assert!(
            tokio::time::timeout(Duration::from_millis(500), put)
                .await
                .is_err()
        );
        // The abort runs in the background.
        for _ in 0..50 {
            if files_under(&files).is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(files_under(&files), Vec::<std::path::PathBuf>::new());
        assert!(!blobs.exists("p1/x").await.unwrap());
    }

    #[tokio::test]
    async fn bad_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).unwrap();
        for key in ["", "/a", "a/", "a//b", "../x", "a/./b", "a b", "a#1", "é"] {
            assert!(!is_valid_key(key), "{key:?}");
            assert!(blobs.put_bytes(key, Bytes::new()).await.is_err(), "{key:?}");
            assert!(blobs.get(key, None).await.is_err(), "{key:?}");
        }
        assert!(is_valid_key("p12/0123abcd.thumb-1_x"));
    }

    #[test]
    fn s3_error_replies_are_shortened() {
        let raw = "PUT x: 404 Not Found: <?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>\
                   <Message>The specified bucket does not exist</Message><RequestId>1</RequestId></Error>";
        assert_eq!(
            without_xml(raw.to_string()),
            "PUT x: 404 Not Found: NoSuchBucket (The specified bucket does not exist)"
        );
        assert_eq!(without_xml("plain".into()), "plain");
    }

    #[tokio::test]
    async fn unreachable_s3_fails_the_check() {
        let s3 = S3Options {
            endpoint: Some("http://127.0.0.1:1".into()),
            access_key_id: Some("k".into()),
            secret_access_key: Some("s".into()),
            allow_http: true,
            ..S3Options::default()
        };
        let blobs = Blobs::from_url("s3://bucket", &s3).unwrap();
        let err = format!("{:#}", blobs.check().await.unwrap_err());
        assert!(err.contains("is not usable"), "{err}");
        assert!(err.contains("127.0.0.1:1"), "{err}");
    }

    #[test]
    fn urls() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("f").display());
        let b = Blobs::from_url(&url, &S3Options::default()).unwrap();
        assert!(b.describe().starts_with("local directory"));
        assert!(dir.path().join("f").is_dir());
        assert!(Blobs::from_url("file://relative/dir", &S3Options::default()).is_err());
        assert!(Blobs::from_url("ftp://x", &S3Options::default()).is_err());
        assert!(Blobs::from_url("s3://", &S3Options::default()).is_err());
        let s3 = S3Options {
            endpoint: Some("http://127.0.0.1:9".into()),
            access_key_id: Some("k".into()),
            secret_access_key: Some("s".into()),
            ..S3Options::default()
        };
        let b = Blobs::from_url("s3://bucket/some/prefix/", &s3).unwrap();
        assert_eq!(
            b.describe(),
            "S3 bucket bucket at http://127.0.0.1:9, under some/prefix/"
        );
        assert!(!format!("{s3:?}").contains("\"s\""));
    }
}
