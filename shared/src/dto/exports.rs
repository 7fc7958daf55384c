//! The fiscal-year export (年度別一括出力): every concluded contract of a 年度, with its files,
//! an index and a sealed manifest, in one ZIP written by a background job.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The character encoding of the extra index file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportEncoding {
    /// `index.csv` only: UTF-8 with a byte-order mark (Excel 2016 and later).
    #[default]
    Utf8,
    /// Also `index_cp932.csv` in Shift_JIS (CP932) for older Excel; a character CP932 lacks is
    /// written as its numeric reference (`&#134071;`) and counted, never dropped.
    Cp932,
}

impl ExportEncoding {
    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportEncoding::Utf8 => "utf8",
            ExportEncoding::Cp932 => "cp932",
        }
    }

    /// Parses the stored name; unknown text is an error, never a default.
    pub fn parse(s: &str) -> Option<ExportEncoding> {
        [ExportEncoding::Utf8, ExportEncoding::Cp932]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// `POST /api/v1/exports/fiscal-year`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FiscalYearExportRequest {
    /// 年度 (April–March, named by its April's year), by 契約締結日 in JST; 2000 to next year.
    pub fiscal_year: i32,
    /// Only contracts of these departments (所属); empty or absent: every department.
    #[serde(default)]
    pub department_ids: Vec<Uuid>,
    /// `utf8` (default) or `cp932` (adds a Shift_JIS copy of the index).
    #[serde(default)]
    pub encoding: ExportEncoding,
}

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Waiting for a worker.
    Queued,
    /// Being written; see `entries_done` / `entries_total`.
    Running,
    /// Finished: the ZIP can be downloaded.
    Done,
    /// Given up; `error` says why.
    Failed,
}

impl ExportState {
    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Queued => "queued",
            ExportState::Running => "running",
            ExportState::Done => "done",
            ExportState::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<ExportState> {
        [
            ExportState::Queued,
            ExportState::Running,
            ExportState::Done,
            ExportState::Failed,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// A fiscal-year export and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportView {
    /// Export ID.
    pub id: Uuid,
    /// 年度.
    pub fiscal_year: i32,
    /// The departments asked for (empty: all).
    pub department_ids: Vec<Uuid>,
    /// The index encodings written.
    pub encoding: ExportEncoding,
    /// Queued, running, done or failed.
    pub state: ExportState,
    /// ZIP entries written so far.
    pub entries_done: i64,
    /// ZIP entries to write (known once the contracts are counted; 0 before).
    pub entries_total: i64,
    /// Contracts in the export.
    pub contracts: i64,
    /// Size of the finished ZIP in bytes.
    pub size: Option<i64>,
    /// SHA-256 of the finished ZIP (hex), to record with the handover.
    pub sha256: Option<String>,
    /// SHA-256 of `MANIFEST.sha256` inside it (hex).
    pub manifest_sha256: Option<String>,
    /// Whether the manifest's signature carries an RFC 3161 timestamp (false when no TSA answered).
    pub timestamped: bool,
    /// Index cells written to `index_cp932.csv` as numeric references (characters CP932 lacks).
    pub cp932_replacements: i64,
    /// Why it failed (English), when it did.
    pub error: Option<String>,
    /// The file name offered for download, e.g. `年度別一括出力_2026年度.zip`.
    pub file_name: String,
    /// When it was requested (RFC 3339).
    pub created_at: String,
    /// When it finished (RFC 3339).
    pub finished_at: Option<String>,
}
