//! Which browser bundle answers which path. The app is several wasm bundles, so that nobody
//! downloads the code of pages they do not open (`docs/decisions/0002-three-bundles.md`);
//! the server answers a path with its bundle's HTML file and a bundle's router loads a path
//! of another bundle from the server. Both read this one table.

/// A browser bundle: one HTML file and one wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    /// The daily staff pages: login, home, the contract list and a contract, approvals.
    Staff,
    /// Writing a contract: new, and editing a draft (documents, stamp, recipients, route).
    Editor,
    /// Administration: users, departments, address book, route templates.
    Admin,
    /// The organisation's settings (seal keys, time stamps, retention, webhooks) and the own
    /// account.
    Settings,
    /// Records and oversight: audit log, notices, retention, reports, fiscal-year exports.
    Records,
    /// The pages anyone may open without an account: signing and verification.
    Public,
    /// Document templates (ひな形), a contract from one, and bulk sending (一括送信).
    Templates,
}

/// First path segments of the administration bundle.
const ADMIN: &[&str] = &[
    "/users",
    "/departments",
    "/address-book",
    "/route-templates",
];

/// First path segments of the settings bundle.
const SETTINGS: &[&str] = &[
    "/settings",
    "/account",
    // Webhooks (Webhook 通知).
    "/webhooks",
];

/// First path segments of the records bundle.
const RECORDS: &[&str] = &[
    "/audit-log",
    // Maintenance notices (お知らせ).
    "/notices",
    // Retention and disposition:
    "/dispositions",
    // Monthly usage report (月次利用状況報告).
    "/reports",
    // Records management: the fiscal-year export.
    "/exports",
];

/// Whether `path` is `prefix` or below it (`/users` and `/users/1`, not `/usersx`).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Bundle {
    /// Every bundle.
    pub const ALL: [Bundle; 7] = [
        Bundle::Staff,
        Bundle::Editor,
        Bundle::Admin,
        Bundle::Settings,
        Bundle::Records,
        Bundle::Public,
        Bundle::Templates,
    ];

    /// The bundle whose HTML answers `path` (a path without query); the staff app for
    /// everything not claimed by another (its router shows the 404 page).
    pub fn for_path(path: &str) -> Bundle {
        let contract_page = path.strip_prefix("/contracts/").unwrap_or_default();
        if path.starts_with("/sign/")
            || path == "/verify"
            || path.starts_with("/v/")
            || path == "/trust"
        {
            Bundle::Public
        } else if contract_page == "from-template" || under(path, "/templates") {
            Bundle::Templates
        } else if contract_page == "new"
            || contract_page
                .strip_suffix("/edit")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'))
        {
            Bundle::Editor
        } else if ADMIN.iter().any(|p| under(path, p)) {
            Bundle::Admin
        } else if SETTINGS.iter().any(|p| under(path, p)) {
            Bundle::Settings
        } else if RECORDS.iter().any(|p| under(path, p)) {
            Bundle::Records
        } else {
            Bundle::Staff
        }
    }

    /// The bundle's HTML file in `dist/`.
    pub fn html(self) -> &'static str {
        match self {
            Bundle::Staff => "index.html",
            Bundle::Editor => "editor.html",
            Bundle::Admin => "admin.html",
            Bundle::Settings => "settings.html",
            Bundle::Records => "records.html",
            Bundle::Public => "public.html",
            Bundle::Templates => "templates.html",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_to_their_bundle() {
        let cases = [
            ("/", Bundle::Staff),
            ("/login", Bundle::Staff),
            ("/contracts", Bundle::Staff),
            ("/contracts/1", Bundle::Staff),
            ("/contracts/new", Bundle::Editor),
            ("/contracts/1/edit", Bundle::Editor),
            ("/contracts/1/x/edit", Bundle::Staff),
            ("/contracts//edit", Bundle::Staff),
            ("/approvals", Bundle::Staff),
            ("/users/1", Bundle::Admin),
            ("/account", Bundle::Settings),
            ("/accounts", Bundle::Staff),
            ("/route-templates", Bundle::Admin),
            ("/templates", Bundle::Templates),
            ("/templates/x", Bundle::Templates),
            ("/contracts/from-template", Bundle::Templates),
            ("/settings/trust", Bundle::Settings),
            ("/audit-log", Bundle::Records),
            ("/notices", Bundle::Records),
            ("/exports", Bundle::Records),
            ("/webhooks", Bundle::Settings),
            ("/sign/x", Bundle::Public),
            ("/verify", Bundle::Public),
            ("/verify-something", Bundle::Staff),
            ("/v/xyz", Bundle::Public),
            ("/trust", Bundle::Public),
        ];
        for (path, bundle) in cases {
            assert_eq!(Bundle::for_path(path), bundle, "{path}");
        }
    }

    #[test]
    fn every_bundle_has_its_own_html() {
        let mut files: Vec<&str> = Bundle::ALL.iter().map(|b| b.html()).collect();
        files.sort_unstable();
        files.dedup();
        assert_eq!(files.len(), Bundle::ALL.len());
    }
}
