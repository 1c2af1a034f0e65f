//! Reading the official REST documentation: its changelog from a checkout, a file or its public
//! address, and its pages from a checkout.
//!
//! The English docs live in github.com/bitrix24/b24restdocs, the Russian ones in
//! github.com/bitrix-tools/b24-rest-docs; both keep the changelog as `whats-new.md` at the root
//! and the method pages under `api-reference/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::rules::changelog::MAX_BYTES;
use crate::rules::deprecations::Deprecation;
use crate::rules::doc_pages::{self, PAGE_BYTES};

/// Where the changelog is read from without `--from`: the English docs' file on GitHub.
pub const DEFAULT_CHANGELOG_URL: &str = "https://raw.githubusercontent.com/bitrix24/b24restdocs/main/whats-new.md";

/// The changelog's name in a documentation checkout.
pub const CHANGELOG_FILE: &str = "whats-new.md";

/// The most pages a checkout walk reads (the docs hold about 6,000).
pub const MAX_PAGES: usize = 50_000;

/// Where documentation is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocSource {
    /// A checkout of the documentation repository.
    Checkout(PathBuf),
    /// The changelog file itself.
    File(PathBuf),
    /// An `http(s)` address of the changelog.
    Url(String),
}

impl DocSource {
    /// What `--from` names (the public address when absent).
    pub fn of(from: Option<&str>) -> Self {
        match from {
            None => DocSource::Url(DEFAULT_CHANGELOG_URL.to_owned()),
            Some(f) if f.starts_with("http://") || f.starts_with("https://") => DocSource::Url(f.to_owned()),
            Some(f) if Path::new(f).is_dir() => DocSource::Checkout(PathBuf::from(f)),
            Some(f) => DocSource::File(PathBuf::from(f)),
        }
    }

    /// How to show it.
    pub fn label(&self) -> String {
        match self {
            DocSource::Checkout(p) => format!("checkout {}", p.display()),
            DocSource::File(p) => p.display().to_string(),
            DocSource::Url(u) => u.clone(),
        }
    }
}

/// Why the documentation could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A file or directory.
    #[error("cannot read {path}: {reason}")]
    File {
        /// Which.
        path: String,
        /// Why.
        reason: String,
    },
    /// The network, with the way out.
    #[error(
        "cannot fetch {url}: {reason} — offline? read a local copy with --from PATH (a docs checkout or its whats-new.md)"
    )]
    Fetch {
        /// Which address.
        url: String,
        /// Why.
        reason: String,
    },
    /// Pages need a checkout.
    #[error(
        "{0} is not a documentation checkout (no api-reference/ directory); clone bitrix24/b24restdocs and give its path to --from"
    )]
    NotCheckout(String),
}

/// Runs file reading off the async threads.
async fn blocking<T: Send + 'static>(
    path: PathBuf,
    f: impl FnOnce(PathBuf) -> Result<T, DocsError> + Send + 'static,
) -> Result<T, DocsError> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || f(path))
        .await
        .map_err(|e| DocsError::File { path: shown, reason: e.to_string() })?
}

fn read_capped(path: &Path, cap: usize) -> Result<String, DocsError> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| DocsError::File { path: path.display().to_string(), reason: e.to_string() })?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DocsError::File { path: path.display().to_string(), reason: e.to_string() })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The changelog's text (cut a little past the parser's limit, which then says so).
pub async fn changelog_text(source: &DocSource) -> Result<String, DocsError> {
    match source {
        DocSource::Checkout(root) => blocking(root.join(CHANGELOG_FILE), |p| read_capped(&p, MAX_BYTES)).await,
        DocSource::File(path) => blocking(path.clone(), |p| read_capped(&p, MAX_BYTES)).await,
        DocSource::Url(url) => fetch(url).await,
    }
}

async fn fetch(url: &str) -> Result<String, DocsError> {
    let fail = |reason: String| DocsError::Fetch { url: url.to_owned(), reason };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut resp = client.get(url).send().await.map_err(|e| fail(without_url(&e)))?;
    if !resp.status().is_success() {
        return Err(fail(format!("HTTP {}", resp.status())));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| fail(without_url(&e)))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_BYTES {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The error's own reason, without the address the message already names.
fn without_url(e: &reqwest::Error) -> String {
    let mut reason = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        reason = s.to_string();
        src = s.source();
    }
    reason
}

/// A page of a checkout: its path relative to the root and its text (cut to [`PAGE_BYTES`]).
pub struct Page {
    /// Relative path with `/` separators.
    pub path: String,
    /// Text.
    pub text: String,
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Page>) -> Result<(), DocsError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| DocsError::File { path: dir.display().to_string(), reason: e.to_string() })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if out.len() >= MAX_PAGES {
            return Ok(());
        }
        // Symlinks are not followed: a checkout has none, and a loop must not hang the walk.
        let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
        if meta.is_dir() && !hidden {
            walk(root, &p, out)?;
        } else if meta.is_file() && p.extension().is_some_and(|e| e == "md") {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.push(Page { path: rel, text: read_capped(&p, PAGE_BYTES)? });
        }
    }
    Ok(())
}

/// Every page of a checkout (one with an `api-reference/` directory): the REST reference and
/// the SDK pages beside it, without `_includes`-style and hidden directories.
pub async fn api_pages(root: &Path) -> Result<Vec<Page>, DocsError> {
    if !root.join("api-reference").is_dir() {
        return Err(DocsError::NotCheckout(root.display().to_string()));
    }
    blocking(root.to_path_buf(), move |root| {
        let mut out = Vec::new();
        walk(&root, &root, &mut out)?;
        Ok(out)
    })
    .await
}

/// The deprecations the pages declare, with the name as each page writes it.
pub fn deprecations_in(pages: &[Page]) -> Vec<(String, Deprecation)> {
    pages
        .iter()
        .filter_map(|p| {
            let d = doc_pages::deprecation(&p.path, &p.text)?;
            let written = doc_pages::documented_name(&p.text).unwrap_or(&d.method).to_owned();
            Some((written, d))
        })
        .collect()
}
