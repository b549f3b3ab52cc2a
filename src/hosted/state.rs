//! The crawl's state in the data dir: every reply of an incomplete crawl, so a rerun after a
//! kill reuses them and fetches only the rest.
//!
//! `DATA_DIR/import-hacknplan/<host>/replies/<sha256 of the URL>` holds a JSON reply,
//! `files/<sha256 of the URL>` a downloaded file (with its content type in `….type`). Each is
//! written to a temporary name and renamed, so a kill never leaves half a reply. Once an import
//! has been written the directory is removed: the next run crawls afresh and sees upstream
//! changes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache for the API at `base` under `data_dir`.
    pub fn open(data_dir: &Path, base: &str) -> anyhow::Result<Cache> {
        let host = reqwest::Url::parse(base)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| {
                    format!(
                        "{h}{}",
                        u.port().map(|p| format!("_{p}")).unwrap_or_default()
                    )
                })
            })
            .with_context(|| format!("--base-url {base} is not an http(s) URL"))?;
        let dir = data_dir.join("import-hacknplan").join(host);
        for sub in ["replies", "files"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("cannot create {}", dir.join(sub).display()))?;
        }
        Ok(Cache { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Replies kept from an earlier run.
    pub fn kept(&self) -> usize {
        std::fs::read_dir(self.dir.join("replies"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn name(url: &str) -> String {
        hex::encode(Sha256::digest(url.as_bytes()))
    }

    pub fn reply(&self, url: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let path = self.dir.join("replies").join(Self::name(url));
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn save_reply(&self, url: &str, body: &[u8]) -> anyhow::Result<()> {
        write_atomic(&self.dir.join("replies").join(Self::name(url)), body)
    }

    /// A downloaded file: its path and content type.
    pub fn download(&self, url: &str) -> anyhow::Result<Option<(PathBuf, String)>> {
        let path = self.dir.join("files").join(Self::name(url));
        let Ok(ct) = std::fs::read_to_string(path.with_extension("type")) else {
            return Ok(None);
        };
        Ok(path.is_file().then_some((path, ct)))
    }

    pub fn save_download(&self, url: &str, body: &[u8], ct: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join("files").join(Self::name(url));
        write_atomic(&path, body)?;
        // The type last: its presence says the bytes are whole.
        write_atomic(&path.with_extension("type"), ct.as_bytes())?;
        Ok(path)
    }

    /// Forgets the crawl (after it was written).
    pub fn clear(self) -> anyhow::Result<()> {
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("cannot remove {}", self.dir.display()))
    }
}

fn write_atomic(path: &Path, body: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, body).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
