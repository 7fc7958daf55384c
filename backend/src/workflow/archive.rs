//! ZIP downloads (仕様 5-(19)): one contract or many, each with its files (the uploaded
//! originals, the newest sealed PDF, the completion certificate, attachments), its event log as
//! CSV and JSON and its data as JSON, and a `manifest.json` with the SHA-256 and size of every
//! entry, so that the archive can be checked without the service. The files are copied
//! byte-exact from the blob store.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use sha2::{Digest, Sha256};
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::DocumentRole;
use zip::write::SimpleFileOptions;

use crate::clock::{Millis, rfc3339};
use crate::db::queries::audit_events::{self, AuditFilter};
use crate::db::{self, AnyConnection};
use crate::storage::BlobStore;
use crate::workflow::actor::Actor;
use crate::workflow::contracts;
use crate::workflow::contracts::export::write_record;
use crate::workflow::error::{WorkflowError, WorkflowResult};

/// Most contracts in one download.
pub const MAX_CONTRACTS: usize = 200;

/// The manifest's entry name, at the archive's root.
const MANIFEST: &str = "manifest.json";

/// A finished archive in a temporary file (deleted by the caller after sending).
pub struct Archive {
    /// The file.
    pub path: PathBuf,
    /// The name to offer, e.g. `R8-000123.zip`.
    pub file_name: String,
}

/// A name safe as one path component inside the ZIP.
pub(crate) fn component(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '.' || c == ' ');
    if trimmed.is_empty() {
        "_".into()
    } else {
        trimmed.chars().take(120).collect()
    }
}

/// Entry names already used in one archive. Two files may share a name (two attachments both
/// called `見積書.pdf`, two contract numbers that clean to the same folder name): the later one
/// becomes `見積書 (2).pdf`. Compared case-insensitively, as Windows and macOS unpack them.
#[derive(Default)]
pub(crate) struct EntryNames {
    used: std::collections::HashSet<String>,
}

impl EntryNames {
    /// `path` itself if unused, else the first free `stem (n).ext`; then marked used.
    pub(crate) fn unique(&mut self, path: &str) -> String {
        let (dir, file) = path.rsplit_once('/').map_or(("", path), |(d, f)| (d, f));
        let (stem, ext) = match file.rfind('.') {
            Some(i) if i > 0 => (&file[..i], &file[i..]),
            _ => (file, ""),
        };
        let join = |name: String| {
            if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            }
        };
        let mut candidate = path.to_owned();
        let mut n = 2;
        while !self.used.insert(candidate.to_lowercase()) {
            candidate = join(format!("{stem} ({n}){ext}"));
            n += 1;
        }
        candidate
    }
}

struct Manifest {
    entries: Vec<serde_json::Value>,
}

fn add(
    zip: &mut zip::ZipWriter<std::fs::File>,
    manifest: &mut Manifest,
    path: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(bytes.len() as u64 >= u32::MAX as u64);
    zip.start_file(path, options)?;
    zip.write_all(bytes)?;
    manifest.entries.push(json!({
        "path": path,
        "sha256": data_encoding::HEXLOWER.encode(&Sha256::digest(bytes)),
        "size": bytes.len(),
    }));
    Ok(())
}

/// What an archive holds from the database: the contracts (each visible to the actor) and the
/// events of each, oldest first. Read by [`gather`] with a connection; the ZIP is then written by
/// [`write`] without one, since copying and compressing the files may take a while.
pub struct ArchiveContents {
    contracts: Vec<(
        shared::dto::ContractView,
        Vec<crate::db::models::AuditEvent>,
    )>,
    generated_by: String,
}

/// Checks the permission and reads `ids` (another tenant's is a 404) with their event logs.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn gather(
    conn: &mut AnyConnection,
    actor: &Actor,
    ids: &[String],
) -> WorkflowResult<ArchiveContents> {
    actor.require(conn, Permission::DownloadDocuments)?;
    if ids.is_empty() || ids.len() > MAX_CONTRACTS {
        return Err(WorkflowError::field(
            "ids",
            shared::validate::ValidationError::OutOfRange,
        ));
    }
    let mut contracts = Vec::new();
    for id in ids {
        let view = contracts::get(conn, actor, id)?;
        // 廃棄済み: the files are gone; the tombstone is on the contract's page.
        if view.disposal.is_some() {
            return Err(shared::problem::ProblemCode::ContractDisposed.into());
        }
        let (mut events, _) = audit_events::list(
            conn,
            &actor.tenant_id,
            &AuditFilter {
                action: None,
                actor_id: None,
                target_id: Some(&view.id.to_string()),
                from: None,
                until: None,
            },
            1,
            10_000,
        )?;
        events.reverse();
        contracts.push((view, events));
    }
    Ok(ArchiveContents {
        contracts,
        generated_by: actor.login_id.clone(),
    })
}

/// Writes the archive into a temporary file (no database connection needed).
#[tracing::instrument(skip_all)]
pub fn write(contents: &ArchiveContents, store: &BlobStore) -> WorkflowResult<Archive> {
    let views: Vec<&shared::dto::ContractView> =
        contents.contracts.iter().map(|(v, _)| v).collect();
    let path = std::env::temp_dir().join(format!("tachiai-archive-{}.zip", uuid::Uuid::new_v4()));
    let written = (|| -> anyhow::Result<()> {
        let mut zip = zip::ZipWriter::new(crate::private_fs::create_file(&path)?);
        let mut manifest = Manifest {
            entries: Vec::new(),
        };
        let mut names = EntryNames::default();
        names.unique(MANIFEST);
        for (v, events) in &contents.contracts {
            let dir = names.unique(&component(&v.contract_number));
            let newest_sealed = v
                .documents
                .iter()
                .rev()
                .find(|d| d.role == DocumentRole::Sealed);
            for d in &v.documents {
                let folder = match d.role {
                    DocumentRole::Main => "原本",
                    DocumentRole::Attachment => "添付資料",
                    DocumentRole::Sealed if newest_sealed.is_some_and(|n| n.id == d.id) => {
                        "電子署名済"
                    }
                    DocumentRole::Certificate => "合意締結証明書",
                    // Older seals are kept in the database, not in the archive.
                    DocumentRole::Sealed => continue,
                };
                let bytes = store.read(&d.sha256)?;
                let entry = names.unique(&format!("{dir}/{folder}/{}", component(&d.file_name)));
                add(&mut zip, &mut manifest, &entry, &bytes)?;
            }
            let mut csv = "\u{feff}".as_bytes().to_vec();
            write_record(
                &mut csv,
                ["日時", "操作者", "操作", "結果", "IPアドレス", "詳細"],
            );
            let rows: Vec<serde_json::Value> = events
                .iter()
                .map(|e| {
                    let label = AuditAction::parse(&e.action)
                        .map_or(e.action.as_str(), |a| a.label_ja());
                    write_record(
                        &mut csv,
                        [
                            rfc3339(e.at).as_str(),
                            &e.actor_label,
                            label,
                            &e.result,
                            e.ip.as_deref().unwrap_or(""),
                            &e.details,
                        ],
                    );
                    json!({
                        "seq": e.seq, "at": rfc3339(e.at), "actor": e.actor_label,
                        "action": e.action, "label_ja": label, "result": e.result,
                        "ip": e.ip, "user_agent": e.user_agent,
                        "details": serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or_default(),
                        "hash": e.hash, "prev_hash": e.prev_hash,
                    })
                })
                .collect();
            add(
                &mut zip,
                &mut manifest,
                &format!("{dir}/経過記録.csv"),
                &csv,
            )?;
            add(
                &mut zip,
                &mut manifest,
                &format!("{dir}/経過記録.json"),
                serde_json::to_vec_pretty(&rows)?.as_slice(),
            )?;
            add(
                &mut zip,
                &mut manifest,
                &format!("{dir}/契約情報.json"),
                serde_json::to_vec_pretty(v)?.as_slice(),
            )?;
        }
        let manifest_json = json!({
            "generator": "Tachiai",
            "generated_at": rfc3339(Millis::now().0),
            "generated_by": contents.generated_by,
            "contracts": views.iter().map(|v| json!({"id": v.id, "contract_number": v.contract_number})).collect::<Vec<_>>(),
            "entries": manifest.entries,
        });
        zip.start_file(MANIFEST, SimpleFileOptions::default())?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest_json)?)?;
        zip.finish()?.sync_all()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(WorkflowError::Internal(e));
    }
    let file_name = if views.len() == 1 {
        format!("{}.zip", component(&views[0].contract_number))
    } else {
        format!("contracts-{}.zip", views.len())
    };
    Ok(Archive { path, file_name })
}

/// Records that the archive was downloaded.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn record_download(
    conn: &mut AnyConnection,
    actor: &Actor,
    contents: &ArchiveContents,
) -> WorkflowResult<()> {
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        actor.audit(
            conn,
            AuditAction::DocumentDownloaded,
            None,
            json!({ "archive": true, "contracts": contents.contracts.iter().map(|(v, _)| v.contract_number.clone()).collect::<Vec<_>>() }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_safe_path_parts() {
        assert_eq!(component("R8/000..1"), "R8_000..1");
        assert_eq!(component(".."), "_");
    }

    #[test]
    fn entry_names_are_unique_case_insensitively() {
        let mut n = EntryNames::default();
        assert_eq!(
            n.unique("R8-1/添付資料/見積書.pdf"),
            "R8-1/添付資料/見積書.pdf"
        );
        assert_eq!(
            n.unique("R8-1/添付資料/見積書.pdf"),
            "R8-1/添付資料/見積書 (2).pdf"
        );
        assert_eq!(
            n.unique("R8-1/添付資料/見積書.PDF"),
            "R8-1/添付資料/見積書 (3).PDF"
        );
        assert_eq!(n.unique("R8-1/添付資料/README"), "R8-1/添付資料/README");
        assert_eq!(n.unique("R8-1/添付資料/readme"), "R8-1/添付資料/readme (2)");
        assert_eq!(n.unique(".hidden"), ".hidden");
        assert_eq!(n.unique(".hidden"), ".hidden (2)");
    }
}
