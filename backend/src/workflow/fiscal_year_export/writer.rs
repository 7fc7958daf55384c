//! Writes the fiscal-year export ZIP entry by entry, streamed: every stored file is copied from
//! the blob store in 256 KiB chunks and hashed on the way, the ZIP goes through a hashing writer
//! into a temporary file (no seeking back, so its own SHA-256 comes for free), and only the
//! index and the manifest (a few hundred bytes a contract) are kept in memory. The temporary
//! file is renamed to its final name only when complete and synced: nothing half-written is
//! ever visible under the real name.
//!
//! Layout (docs/fiscal-year-export.md):
//!
//! ```text
//! README.txt                       how to check the export (Japanese and English)
//! contracts/<契約番号>/原本/…        the uploaded original
//! contracts/<契約番号>/電子署名済/…   the final sealed PDF (the newest seal)
//! contracts/<契約番号>/合意締結証明書/…
//! contracts/<契約番号>/添付資料/…
//! contracts/<契約番号>/経過記録.csv  the contract's event log (UTF-8 with BOM)
//! index.csv                        one row per contract (UTF-8 with BOM)
//! index_cp932.csv                  the same in Shift_JIS (CP932), when asked for
//! export.json                      who, what, when
//! MANIFEST.sha256                  `sha256sum` lines for every entry above
//! MANIFEST.sha256.p7s              CMS detached signature over MANIFEST.sha256 (DER)
//! ```

use std::collections::HashMap;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use anyhow::Context;
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::audit::AuditAction;
use shared::contract::DocumentRole;
use shared::dto::ExportEncoding;
use shared::records::{fiscal_year_label_ja, fiscal_year_range};
use zip::write::SimpleFileOptions;

use crate::clock::{Millis, rfc3339};
use crate::db::models::{Contract, Document};
use crate::db::queries::{audit_events, tenants};
use crate::db::{AnyConnection, DbPool};
use crate::storage::BlobStore;
use crate::workflow::archive::{EntryNames, component};
use crate::workflow::contracts::DepartmentNames;
use crate::workflow::contracts::export::write_record;
use crate::workflow::retention;

/// The README entry, first in the ZIP.
pub const README: &str = "README.txt";
/// The index of every contract, UTF-8 with a byte-order mark.
pub const INDEX: &str = "index.csv";
/// The index in Shift_JIS (CP932), when asked for.
pub const INDEX_CP932: &str = "index_cp932.csv";
/// The export's metadata.
pub const INFO: &str = "export.json";
/// The manifest: `<sha256>  <entry>` lines, as `sha256sum` writes and checks them.
pub const MANIFEST: &str = "MANIFEST.sha256";
/// The CMS detached signature (DER) over [`MANIFEST`].
pub const SIGNATURE: &str = "MANIFEST.sha256.p7s";
/// The folder of the contracts' folders.
const CONTRACTS_DIR: &str = "contracts";
/// The most events one contract's log holds in the export.
const MAX_EVENTS: i64 = 100_000;
/// The copy buffer: large enough for few system calls, small enough to keep memory flat.
const CHUNK: usize = 256 * 1024;

/// The columns of `index.csv`.
pub const INDEX_HEADERS: [&str; 17] = [
    "契約番号",
    "件名",
    "相手方",
    "所属",
    "金額",
    "契約期間（開始）",
    "契約期間（終了）",
    "契約締結日",
    "保存期限",
    "状態",
    "フォルダ",
    "電子署名済PDFのSHA-256",
    "原本のSHA-256",
    "合意締結証明書のSHA-256",
    "添付資料のSHA-256",
    "経過記録のSHA-256",
    "契約ID",
];

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    /// The tenant; every query is scoped by it.
    pub tenant_id: String,
    /// 年度.
    pub fiscal_year: i32,
    /// Only these departments (empty: all).
    pub department_ids: Vec<String>,
    /// Whether to add the CP932 index.
    pub encoding: ExportEncoding,
    /// Who asked (login ID, or `operator` for the CLI), written into `export.json`.
    pub requested_by: String,
}

/// The seal over the manifest: the service's active key, and its TSA if one answers.
pub struct Sealer<'a> {
    /// The seal key.
    pub signer: &'a dyn pades::Signer,
    /// The time-stamp authority; `None` or a failing one: the signature has no timestamp.
    pub tsa: Option<&'a dyn pades::TimeStamper>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Contracts in the export.
    pub contracts: u64,
    /// ZIP entries.
    pub entries: u64,
    /// The ZIP's size in bytes.
    pub size: u64,
    /// The ZIP's SHA-256, hex.
    pub sha256: String,
    /// The manifest's SHA-256, hex.
    pub manifest_sha256: String,
    /// The manifest's signature carries an RFC 3161 timestamp.
    pub timestamped: bool,
    /// Index cells written to the CP932 index with numeric references.
    pub cp932_replacements: u64,
}

/// Progress: (entries written, entries in all).
pub type Progress<'a> = dyn FnMut(u64, u64) + 'a;

/// The contracts of the export: concluded (締結日 set, in JST) within the fiscal year, of the
/// tenant, of the departments when given; by 締結日 then 契約番号.
pub fn contracts_of(conn: &mut AnyConnection, spec: &ExportSpec) -> QueryResult<Vec<Contract>> {
    use crate::db::schema::contracts::dsl as c;
    let (from, to) = fiscal_year_range(spec.fiscal_year);
    let mut q = c::contracts
        .filter(c::tenant_id.eq(&spec.tenant_id))
        .filter(c::concluded_on.ge(from.to_string()))
        .filter(c::concluded_on.le(to.to_string()))
        .into_boxed();
    if !spec.department_ids.is_empty() {
        q = q.filter(c::department_id.eq_any(spec.department_ids.clone()));
    }
    q.order((c::concluded_on.asc(), c::contract_number.asc(), c::id.asc()))
        .select(Contract::as_select())
        .load(conn)
}

/// The live documents of the export's contracts, by contract ID, in upload order.
fn documents_of(
    conn: &mut AnyConnection,
    spec: &ExportSpec,
) -> QueryResult<HashMap<String, Vec<Document>>> {
    use crate::db::schema::contracts::dsl as c;
    use crate::db::schema::documents::dsl as d;
    let (from, to) = fiscal_year_range(spec.fiscal_year);
    let mut q = d::documents
        .inner_join(c::contracts)
        .filter(d::tenant_id.eq(&spec.tenant_id))
        .filter(c::tenant_id.eq(&spec.tenant_id))
        .filter(d::removed_at.is_null())
        .filter(c::concluded_on.ge(from.to_string()))
        .filter(c::concluded_on.le(to.to_string()))
        .into_boxed();
    if !spec.department_ids.is_empty() {
        q = q.filter(c::department_id.eq_any(spec.department_ids.clone()));
    }
    let rows: Vec<Document> = q
        .order((d::created_at.asc(), d::id.asc()))
        .select(Document::as_select())
        .load(conn)?;
    let mut by_contract: HashMap<String, Vec<Document>> = HashMap::new();
    for doc in rows {
        by_contract
            .entry(doc.contract_id.clone())
            .or_default()
            .push(doc);
    }
    Ok(by_contract)
}

/// The files of one contract that go into the export, each with its folder: the originals,
/// the newest sealed PDF (older seals are superseded by it), the certificates, attachments.
fn exported_files(docs: &[Document]) -> Vec<(&'static str, &Document)> {
    let newest_sealed = docs.iter().rev().find(|d| d.role == DocumentRole::Sealed);
    docs.iter()
        .filter_map(|d| {
            let folder = match d.role {
                DocumentRole::Main => "原本",
                DocumentRole::Attachment => "添付資料",
                DocumentRole::Sealed if newest_sealed.is_some_and(|n| n.id == d.id) => "電子署名済",
                DocumentRole::Sealed => return None,
                DocumentRole::Certificate => "合意締結証明書",
            };
            Some((folder, d))
        })
        .collect()
}

/// Counts bytes and hashes them on their way to `inner`.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type Zip = zip::ZipWriter<zip::write::StreamWriter<HashingWriter<BufWriter<std::fs::File>>>>;

/// The ZIP being written, with the manifest lines so far and the progress.
struct Entries<'p> {
    zip: Zip,
    manifest: Vec<u8>,
    names: EntryNames,
    buf: Vec<u8>,
    done: u64,
    total: u64,
    /// The entries' modification time: when the export was made, in JST (ZIP has no zone).
    time: zip::DateTime,
    progress: &'p mut dyn FnMut(u64, u64),
}

impl Entries<'_> {
    /// Adds one entry from `input`, streamed; returns its SHA-256 (hex) and size.
    fn add(
        &mut self,
        path: &str,
        size_hint: u64,
        compress: bool,
        mut input: impl Read,
    ) -> anyhow::Result<(String, u64)> {
        let options = SimpleFileOptions::default()
            .compression_method(if compress {
                zip::CompressionMethod::Deflated
            } else {
                // PDFs and most attachments are compressed already: storing them is several
                // times faster and hardly larger.
                zip::CompressionMethod::Stored
            })
            .large_file(size_hint >= u32::MAX as u64)
            .last_modified_time(self.time);
        self.zip.start_file(path, options)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        loop {
            let n = input.read(&mut self.buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&self.buf[..n]);
            self.zip.write_all(&self.buf[..n])?;
            size += n as u64;
        }
        let sha = data_encoding::HEXLOWER.encode(&hasher.finalize());
        self.manifest
            .extend_from_slice(format!("{sha}  {path}\n").as_bytes());
        self.done += 1;
        (self.progress)(self.done, self.total);
        Ok((sha, size))
    }

    fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> anyhow::Result<String> {
        Ok(self.add(path, bytes.len() as u64, true, bytes)?.0)
    }
}

/// Writes the export of `spec` to `out` (temporary file + rename), reading the database through
/// `pool` one short query at a time and the files from `store`.
pub fn write_export(
    pool: &DbPool,
    store: &BlobStore,
    spec: &ExportSpec,
    sealer: &Sealer<'_>,
    out: &Path,
    progress: &mut Progress<'_>,
) -> anyhow::Result<Written> {
    let mut conn = pool.get()?;
    let tenant = tenants::get(&mut conn, &spec.tenant_id)?;
    // 保存期限 as the contract page shows it: the tenant's rule and the contract's years.
    let rule = retention::rule_of(&mut conn, &tenant)
        .map_err(|e| anyhow::anyhow!("retention rule: {e:?}"))?;
    let contracts = contracts_of(&mut conn, spec)?;
    let mut documents = documents_of(&mut conn, spec)?;
    let departments = DepartmentNames::load(&mut conn, &spec.tenant_id)
        .map_err(|e| anyhow::anyhow!("departments: {e}"))?;
    drop(conn);

    let files: u64 = contracts
        .iter()
        .map(|c| {
            documents
                .get(&c.id)
                .map_or(0, |d| exported_files(d).len() as u64)
        })
        .sum();
    let cp932 = spec.encoding == ExportEncoding::Cp932;
    // README, each file, each event log, the index(es), export.json, manifest, signature.
    let total = 1 + files + contracts.len() as u64 + 1 + u64::from(cp932) + 1 + 2;

    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("export"),
        uuid::Uuid::new_v4()
    ));
    let file = crate::private_fs::create_file(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = (|| -> anyhow::Result<Written> {
        let mut e = Entries {
            zip: zip::ZipWriter::new_stream(HashingWriter {
                inner: BufWriter::with_capacity(CHUNK, file),
                hasher: Sha256::new(),
                bytes: 0,
            }),
            manifest: Vec::new(),
            names: EntryNames::default(),
            buf: vec![0u8; CHUNK],
            done: 0,
            total,
            time: zip_time(Millis::now()),
            progress: &mut *progress,
        };
        for reserved in [README, INDEX, INDEX_CP932, INFO, MANIFEST, SIGNATURE] {
            e.names.unique(reserved);
        }
        (e.progress)(0, total);
        e.add_bytes(README, readme(&tenant.name, spec.fiscal_year).as_bytes())?;

        let mut index = "\u{feff}".as_bytes().to_vec();
        write_record(&mut index, INDEX_HEADERS);
        for c in &contracts {
            let folder = e.names.unique(&format!(
                "{CONTRACTS_DIR}/{}",
                component(&c.contract_number)
            ));
            let docs = documents.remove(&c.id).unwrap_or_default();
            let mut hashes: HashMap<&'static str, Vec<String>> = HashMap::new();
            for (kind, d) in exported_files(&docs) {
                let entry = e
                    .names
                    .unique(&format!("{folder}/{kind}/{}", component(&d.file_name)));
                let input = store
                    .open(&d.sha256)
                    .with_context(|| format!("cannot open stored file {}", d.sha256))?;
                let (sha, _) = e.add(&entry, d.size.max(0) as u64, false, input)?;
                // The blob store names files by their hash: a difference is damage.
                anyhow::ensure!(
                    sha == d.sha256,
                    "stored file {} of contract {} does not match its SHA-256",
                    d.sha256,
                    c.contract_number
                );
                hashes.entry(kind).or_default().push(sha);
            }
            let events = {
                let mut conn = pool.get()?;
                audit_events::for_target(&mut conn, &spec.tenant_id, &c.id, MAX_EVENTS)?
            };
            let mut log = "\u{feff}".as_bytes().to_vec();
            write_record(
                &mut log,
                [
                    "連番",
                    "日時",
                    "操作者",
                    "操作",
                    "操作コード",
                    "結果",
                    "IPアドレス",
                    "詳細",
                    "ハッシュ",
                ],
            );
            for ev in &events {
                let label = AuditAction::parse(&ev.action).map_or("", |a| a.label_ja());
                write_record(
                    &mut log,
                    [
                        ev.seq.to_string().as_str(),
                        rfc3339(ev.at).as_str(),
                        &ev.actor_label,
                        label,
                        &ev.action,
                        &ev.result,
                        ev.ip.as_deref().unwrap_or(""),
                        &ev.details,
                        &ev.hash,
                    ],
                );
            }
            let log_sha = e.add_bytes(&format!("{folder}/経過記録.csv"), &log)?;
            let joined = |k: &str| hashes.get(k).map(|v| v.join(" ")).unwrap_or_default();
            write_record(
                &mut index,
                [
                    c.contract_number.as_str(),
                    &c.title,
                    &c.counterparty_name,
                    &departments.of(c).unwrap_or_default(),
                    &c.amount_yen.map(|a| a.to_string()).unwrap_or_default(),
                    c.period_start.as_deref().unwrap_or(""),
                    c.period_end.as_deref().unwrap_or(""),
                    c.concluded_on.as_deref().unwrap_or(""),
                    &retention::retention_end_of(rule, c)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    c.state.label_ja(),
                    &folder,
                    &joined("電子署名済"),
                    &joined("原本"),
                    &joined("合意締結証明書"),
                    &joined("添付資料"),
                    &log_sha,
                    &c.id,
                ],
            );
        }
        e.add_bytes(INDEX, &index)?;
        let mut cp932_replacements = 0;
        if cp932 {
            let text = std::str::from_utf8(&index[3..]).context("the index is UTF-8")?;
            let (bytes, replaced) = to_cp932(text);
            cp932_replacements = replaced;
            e.add_bytes(INDEX_CP932, &bytes)?;
        }
        let (from, to) = fiscal_year_range(spec.fiscal_year);
        let info = json!({
            "format": "tachiai-fiscal-year-export/1",
            "tenant": { "code": tenant.code, "name": tenant.name },
            "fiscal_year": spec.fiscal_year,
            "fiscal_year_label": fiscal_year_label_ja(spec.fiscal_year),
            "concluded_from": from.to_string(),
            "concluded_to": to.to_string(),
            "department_ids": spec.department_ids,
            "encoding": spec.encoding.as_str(),
            "contracts": contracts.len(),
            "cp932_replacements": cp932_replacements,
            "requested_by": spec.requested_by,
            "generated_at": rfc3339(Millis::now().0),
            "generator": format!("Tachiai {}", env!("CARGO_PKG_VERSION")),
        });
        e.add_bytes(INFO, &serde_json::to_vec_pretty(&info)?)?;

        // The manifest lists every entry before it; it is sealed, then both are added.
        let manifest = std::mem::take(&mut e.manifest);
        let manifest_digest: [u8; 32] = Sha256::digest(&manifest).into();
        let (signature, timestamped) = seal_manifest(sealer, &manifest_digest)?;
        e.add_bytes(MANIFEST, &manifest)?;
        e.add_bytes(SIGNATURE, &signature)?;

        let mut hashing = e.zip.finish()?.into_inner();
        hashing.flush()?;
        let sha256 = data_encoding::HEXLOWER.encode(&hashing.hasher.finalize());
        let size = hashing.bytes;
        let file = hashing
            .inner
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write the export: {}", e.error()))?;
        file.sync_all()?;
        Ok(Written {
            contracts: contracts.len() as u64,
            entries: e.done,
            size,
            sha256,
            manifest_sha256: data_encoding::HEXLOWER.encode(&manifest_digest),
            timestamped,
            cp932_replacements,
        })
    })();
    match result {
        Ok(w) => {
            std::fs::rename(&tmp, out)
                .with_context(|| format!("cannot rename the export to {}", out.display()))?;
            Ok(w)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&tmp);
            Err(err)
        }
    }
}

/// `now` in JST as a ZIP time (1980–2107; the DOS epoch outside that range).
fn zip_time(now: Millis) -> zip::DateTime {
    let t = crate::clock::jst(now.0);
    zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).unwrap_or(1980),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default()
}

/// The CMS detached signature over the manifest's SHA-256 with the seal key, timestamped when
/// a TSA answers (if none does, the signature still proves who wrote the manifest; the export
/// records that it has no timestamp).
fn seal_manifest(sealer: &Sealer<'_>, digest: &[u8; 32]) -> anyhow::Result<(Vec<u8>, bool)> {
    if let Some(tsa) = sealer.tsa {
        match pades::build_cades_detached(sealer.signer, digest, Some(tsa)) {
            Ok(sig) => return Ok((sig, true)),
            Err(pades::PadesError::Timestamp { reason }) => {
                tracing::warn!(%reason, "no TSA answered: the export's manifest is sealed without a timestamp");
            }
            Err(e) => return Err(anyhow::anyhow!("cannot seal the manifest: {e}")),
        }
    }
    let sig = pades::build_cades_detached(sealer.signer, digest, None)
        .map_err(|e| anyhow::anyhow!("cannot seal the manifest: {e}"))?;
    Ok((sig, false))
}

/// `text` in Shift_JIS (CP932, as encoding_rs's WHATWG Shift_JIS encoder maps it). A character
/// CP932 lacks (e.g. 𠮷, U+20BB7) is written as the numeric character reference `&#134071;`,
/// so nothing is lost and a reader can restore it; the count of such characters is returned.
pub fn to_cp932(text: &str) -> (Vec<u8>, u64) {
    let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut replaced = 0u64;
    let mut rest = text;
    let mut chunk = [0u8; 4096];
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut chunk, true);
        out.extend_from_slice(&chunk[..written]);
        rest = &rest[read..];
        match result {
            encoding_rs::EncoderResult::InputEmpty => break,
            encoding_rs::EncoderResult::OutputFull => {}
            encoding_rs::EncoderResult::Unmappable(c) => {
                replaced += 1;
                out.extend_from_slice(format!("&#{};", u32::from(c)).as_bytes());
            }
        }
    }
    (out, replaced)
}

/// The README: what is inside and how to check it, Japanese first.
pub fn readme(tenant_name: &str, fiscal_year: i32) -> String {
    format!(
        "{tenant_name} {label} 契約書類一括出力（立会 / Tachiai）\r\n\
         \r\n\
         ■ 内容\r\n\
         contracts/<契約番号>/  契約ごとのフォルダ（原本・電子署名済・合意締結証明書・添付資料・経過記録.csv）\r\n\
         index.csv              全契約の索引（UTF-8 BOM付き）。各ファイルのSHA-256を含みます\r\n\
         index_cp932.csv        同じ索引のShift_JIS（CP932）版（指定した場合のみ）。CP932にない文字は &#数値; で記載\r\n\
         export.json            出力の情報（団体・年度・件数・日時）\r\n\
         MANIFEST.sha256        すべてのファイルのSHA-256（sha256sum形式）\r\n\
         MANIFEST.sha256.p7s    MANIFEST.sha256 に対するサービスの電子署名（CMS、タイムスタンプ付き）\r\n\
         \r\n\
         ■ 改ざんされていないことの確認\r\n\
         1. 展開したフォルダで: sha256sum -c MANIFEST.sha256\r\n\
         2. 署名の確認: openssl cms -verify -binary -inform DER -in MANIFEST.sha256.p7s \\\r\n\
            -content MANIFEST.sha256 -purpose any -CAfile <サービスのルート証明書.pem> -out /dev/null\r\n\
            （証明書の信頼を問わず署名だけを確認する場合は -CAfile の代わりに -noverify）\r\n\
         3. または: tachiai export verify <このZIPファイル>\r\n\
         \r\n\
         ---\r\n\
         Fiscal-year export of {tenant_name}, FY{fiscal_year} (April {fiscal_year} to March {next}).\r\n\
         Check it: `sha256sum -c MANIFEST.sha256` in the unpacked folder, then\r\n\
         `openssl cms -verify -binary -inform DER -in MANIFEST.sha256.p7s -content MANIFEST.sha256\r\n\
         -purpose any -CAfile <the service's root certificate> -out /dev/null`,\r\n\
         or `tachiai export verify <this ZIP>`.\r\n",
        label = fiscal_year_label_ja(fiscal_year),
        next = fiscal_year + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_keeps_what_it_can_and_references_the_rest() {
        let (bytes, replaced) = to_cp932("契約,髙橋,𠮷野家\r\n");
        assert_eq!(replaced, 1);
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, "契約,髙橋,&#134071;野家\r\n");
    }
}
