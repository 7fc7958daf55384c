//! Checks a fiscal-year export without the service's database: the manifest's CMS signature
//! (and its timestamp), then every entry against the manifest, streamed. Anything missing,
//! added or changed is a failure named in one sentence.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::writer::{MANIFEST, SIGNATURE};

/// The largest manifest read (about 700,000 entries).
const MAX_MANIFEST: u64 = 64 * 1024 * 1024;
/// The largest signature read.
const MAX_SIGNATURE: u64 = 1024 * 1024;

/// A verified export.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Entries whose SHA-256 matched the manifest.
    pub entries: usize,
    /// The manifest's SHA-256, hex.
    pub manifest_sha256: String,
    /// The seal certificate's subject.
    pub signer_subject: String,
    /// The signature timestamp's time (RFC 3339), when there is one.
    pub timestamp: Option<String>,
    /// The signer chains to one of the given trust roots (false when none were given).
    pub trusted: bool,
    /// The signature carries a timestamp that could not be checked (its TSA chains to none of
    /// the given roots, e.g. none were given).
    pub timestamp_unchecked: bool,
}

/// Why an export does not verify; each message is one sentence.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not a readable ZIP.
    #[error("{0} is not a readable ZIP file: {1}.")]
    NotZip(String, String),
    /// The manifest or its signature is absent.
    #[error("the export has no {0}, so it cannot be checked.")]
    Missing(&'static str),
    /// The signature over the manifest fails.
    #[error(
        "the signature over MANIFEST.sha256 does not verify ({0}): the manifest was changed or not signed by the service."
    )]
    BadSignature(String),
    /// A manifest line is malformed.
    #[error("MANIFEST.sha256 line {0} is not `<sha256>  <path>`.")]
    BadManifest(usize),
    /// A listed entry is not in the ZIP.
    #[error("the entry {0} listed in MANIFEST.sha256 is missing from the ZIP.")]
    EntryMissing(String),
    /// An entry's content differs from the manifest.
    #[error("the entry {0} does not match its SHA-256 in MANIFEST.sha256: it was changed.")]
    HashMismatch(String),
    /// An entry is not listed.
    #[error("the entry {0} is not listed in MANIFEST.sha256: it was added after the export.")]
    Unlisted(String),
    /// Reading failed.
    #[error("reading the entry {0} failed: {1}.")]
    Io(String, String),
}

fn read_entry<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &'static str,
    limit: u64,
) -> Result<Vec<u8>, VerifyError> {
    let entry = zip.by_name(name).map_err(|_| VerifyError::Missing(name))?;
    let mut out = Vec::new();
    entry
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| VerifyError::Io(name.into(), e.to_string()))?;
    Ok(out)
}

/// Parses `<64 hex>  <path>` lines (as `sha256sum` writes them).
fn parse_manifest(manifest: &[u8]) -> Result<Vec<(String, String)>, VerifyError> {
    let text = std::str::from_utf8(manifest).map_err(|_| VerifyError::BadManifest(1))?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || VerifyError::BadManifest(i + 1);
        let (sha, path) = line.split_once("  ").ok_or_else(bad)?;
        let hex = sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex || path.is_empty() || !seen.insert(path.to_owned()) {
            return Err(bad());
        }
        out.push((sha.to_owned(), path.to_owned()));
    }
    Ok(out)
}

/// Verifies the export at `path`; `trust` holds the roots the seal should chain to (the
/// service's; empty: only the signature itself is checked).
pub fn verify_zip(
    path: &Path,
    trust: &pades::ValidationContext,
) -> Result<VerifyReport, VerifyError> {
    let shown = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| VerifyError::NotZip(shown.clone(), e.to_string()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| VerifyError::NotZip(shown, e.to_string()))?;
    let manifest = read_entry(&mut zip, MANIFEST, MAX_MANIFEST)?;
    let signature = read_entry(&mut zip, SIGNATURE, MAX_SIGNATURE)?;
    let status = pades::verify_detached(&signature, &manifest, trust)
        .map_err(|e| VerifyError::BadSignature(e.to_string()))?;
    if !status.intact || !status.valid {
        return Err(VerifyError::BadSignature(status.problems.join("; ")));
    }
    let trusted = status.trusted && !trust.trust_roots.is_empty();
    if !trust.trust_roots.is_empty() && !trusted {
        return Err(VerifyError::BadSignature(status.problems.join("; ")));
    }
    let listed = parse_manifest(&manifest)?;
    let mut names = BTreeSet::new();
    for n in zip.file_names() {
        let n = n.map_err(|e| VerifyError::NotZip(path.display().to_string(), e.to_string()))?;
        if !n.ends_with('/') {
            names.insert(n.into_owned());
        }
    }
    let listed_names: BTreeSet<&str> = listed.iter().map(|(_, p)| p.as_str()).collect();
    if let Some(extra) = names
        .iter()
        .find(|n| *n != MANIFEST && *n != SIGNATURE && !listed_names.contains(n.as_str()))
    {
        return Err(VerifyError::Unlisted(extra.clone()));
    }
    for (sha, name) in &listed {
        let mut entry = zip
            .by_name(name)
            .map_err(|_| VerifyError::EntryMissing(name.clone()))?;
        let (got, _) = crate::storage::hash_reader(&mut entry)
            .map_err(|e| VerifyError::Io(name.clone(), e.to_string()))?;
        if got != *sha {
            return Err(VerifyError::HashMismatch(name.clone()));
        }
    }
    Ok(VerifyReport {
        entries: listed.len(),
        manifest_sha256: data_encoding::HEXLOWER.encode(&Sha256::digest(&manifest)),
        signer_subject: status.signer_subject.unwrap_or_default(),
        timestamp: status
            .timestamp
            .map(|t| crate::clock::rfc3339(t.gen_time_unix * 1000)),
        trusted,
        timestamp_unchecked: status
            .problems
            .iter()
            .any(|p| p.starts_with("signature timestamp")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lines_must_be_sha256sum_lines() {
        let ok = format!("{}  a/b.pdf\n{}  c.csv\n", "0".repeat(64), "f".repeat(64));
        assert_eq!(parse_manifest(ok.as_bytes()).unwrap().len(), 2);
        assert!(matches!(
            parse_manifest(b"abc  x\n"),
            Err(VerifyError::BadManifest(1))
        ));
        let dup = format!("{0}  a\n{0}  a\n", "0".repeat(64));
        assert!(matches!(
            parse_manifest(dup.as_bytes()),
            Err(VerifyError::BadManifest(2))
        ));
    }
}
