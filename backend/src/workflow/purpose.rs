//! Why a file is fetched, for the audit log: a download is recorded each time, a file shown in
//! the page once per person and file.

use shared::audit::AuditAction;

use crate::db::AnyConnection;
use crate::db::queries::audit_events;

/// Why a file is fetched: to save it (every download is recorded) or to show it in the page
/// (a preview, the stamp's page, the counterparty's viewer: recorded once per person and file,
/// however often the page draws it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// Saved as a file.
    #[default]
    Download,
    /// Shown in the page.
    View,
}

impl Purpose {
    /// The action to record, or `None` for a view already recorded. `who` is `(tenant,
    /// contract, actor label, document)`.
    pub(crate) fn action(
        self,
        conn: &mut AnyConnection,
        who: (&str, &str, &str, &str),
        download: AuditAction,
        view: AuditAction,
    ) -> diesel::QueryResult<Option<AuditAction>> {
        let (tenant, contract, label, document) = who;
        Ok(match self {
            Purpose::Download => Some(download),
            Purpose::View => (!audit_events::exists_for_document(
                conn,
                tenant,
                contract,
                view.as_str(),
                label,
                document,
            )?)
            .then_some(view),
        })
    }
}
