//! Roles (役割) and per-user permission grants (個別権限), 仕様 6-(2).
//!
//! A user's effective permissions are the union of what their roles give and what was granted
//! to them individually. The server checks these in its queries; the browser app asks the same
//! functions which menus and buttons to show.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A staff role. A user has one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理者: manages users, departments, settings; reads the audit log.
    Admin,
    /// 承認者: approves contracts before they are sent.
    Approver,
    /// 担当者: creates contracts and sends them to counterparties.
    Staff,
    /// 閲覧者: reads contracts of their department.
    Viewer,
}

/// A single capability. Roles imply a set of them; any of them can also be granted per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create, edit, disable users and reset their passwords.
    ManageUsers,
    /// Create and rename departments.
    ManageDepartments,
    /// Change the tenant's settings (e.g. require TOTP).
    ManageSettings,
    /// Read the operation log (操作ログ).
    ViewAuditLog,
    /// Read the address book.
    ViewAddressBook,
    /// Add and edit organisations and contacts in the address book.
    ManageAddressBook,
    /// See contracts of every department, not only one's own.
    ViewAllDepartments,
    /// Read contracts (of one's own department, or of all with `ViewAllDepartments`).
    ViewContracts,
    /// Download documents and signed PDFs.
    DownloadDocuments,
    /// Create contracts, also by duplicating one.
    CreateContracts,
    /// Edit draft contracts, submit them for approval and withdraw them from approval.
    EditContracts,
    /// Send contracts to counterparties, remind them and recall a sent contract for correction.
    SendContracts,
    /// Approve contracts in an approval route, or send them back.
    ApproveContracts,
    /// Cancel (取消) a contract that is not yet concluded.
    CancelContracts,
    /// Import, activate and retire the service's seal keys and edit its time-stamp authorities.
    /// Service-wide, so no role implies it — not even a city's 管理者: only the operator's
    /// `tachiai admin create-user --grant manage_seal_keys` gives it (and a holder can pass it on
    /// within their tenant).
    ManageSealKeys,
    // Maintenance notices (お知らせ).
    /// Publish, change and withdraw the tenant's maintenance and outage notices (お知らせ),
    /// which its staff and its contracts' counterparties see as banners.
    ManageNotices,
    // Retention and disposition (保存期間・廃棄):
    /// Set a contract's retention years (保存期間) and its legal hold (廃棄保留).
    ManageRetention,
    /// See the disposition candidates (廃棄候補), request their disposition and approve
    /// another administrator's request (廃棄は2人目の承認で実行).
    DisposeRecords,
    // Monthly usage report (月次利用状況報告).
    /// Read and download the monthly usage reports (月次利用状況報告) of the tenant.
    ViewReports,
    // Records management (年度別一括出力).
    /// Export a fiscal year's contracts in bulk (年度別一括出力): every file of every contract
    /// of the tenant, so it is an administrator's permission, not implied by reading contracts.
    ExportRecords,
    // Webhooks (Webhook 通知).
    /// Register, change and delete the tenant's webhook endpoints (通知先), rotate their
    /// secrets, read the delivery log and redeliver.
    ManageWebhooks,
    // Document templates (ひな形) and bulk sending (一括送信).
    /// Create, change and archive document templates (ひな形) of one's own department (of
    /// every department, and those shared by all, with `ViewAllDepartments`). A department's
    /// 担当者 maintain their own templates, so the staff role has it.
    ManageTemplates,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Approver, Role::Staff, Role::Viewer];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Approver => "approver",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the stored name; unknown text is an error, never a default.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Japanese label used in the interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Approver => "承認者",
            Role::Staff => "担当者",
            Role::Viewer => "閲覧者",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Approver => "Approver",
            Role::Staff => "Staff",
            Role::Viewer => "Viewer",
        }
    }

    /// What the role gives by itself.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &Permission::TENANT,
            Role::Approver => &[
                ViewAddressBook,
                ViewContracts,
                DownloadDocuments,
                ApproveContracts,
            ],
            Role::Staff => &[
                ViewAddressBook,
                ViewContracts,
                DownloadDocuments,
                CreateContracts,
                EditContracts,
                SendContracts,
                ManageTemplates,
            ],
            Role::Viewer => &[ViewAddressBook, ViewContracts],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Permission {
    /// Every permission, in display order.
    pub const ALL: [Permission; 22] = [
        Permission::ManageUsers,
        Permission::ManageDepartments,
        Permission::ManageSettings,
        Permission::ViewAuditLog,
        Permission::ViewAddressBook,
        Permission::ManageAddressBook,
        Permission::ViewAllDepartments,
        Permission::ViewContracts,
        Permission::DownloadDocuments,
        Permission::CreateContracts,
        Permission::EditContracts,
        Permission::SendContracts,
        Permission::ApproveContracts,
        Permission::CancelContracts,
        Permission::ManageSealKeys,
        // Maintenance notices (お知らせ).
        Permission::ManageNotices,
        // Retention and disposition:
        Permission::ManageRetention,
        Permission::DisposeRecords,
        // Monthly usage report (月次利用状況報告).
        Permission::ViewReports,
        // Records management (年度別一括出力).
        Permission::ExportRecords,
        // Webhooks (Webhook 通知).
        Permission::ManageWebhooks,
        // Document templates (ひな形).
        Permission::ManageTemplates,
    ];

    /// The permissions within one tenant: all of [`Permission::ALL`] but the service-wide
    /// [`Permission::ManageSealKeys`]; what the 管理者 role gives.
    pub const TENANT: [Permission; Permission::ALL.len() - 1] = {
        let mut tenant = [Permission::ManageUsers; Permission::ALL.len() - 1];
        let (mut i, mut j) = (0, 0);
        while i < Permission::ALL.len() {
            if !matches!(Permission::ALL[i], Permission::ManageSealKeys) {
                tenant[j] = Permission::ALL[i];
                j += 1;
            }
            i += 1;
        }
        tenant
    };

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageUsers => "manage_users",
            Permission::ManageDepartments => "manage_departments",
            Permission::ManageSettings => "manage_settings",
            Permission::ViewAuditLog => "view_audit_log",
            Permission::ViewAddressBook => "view_address_book",
            Permission::ManageAddressBook => "manage_address_book",
            Permission::ViewAllDepartments => "view_all_departments",
            Permission::ViewContracts => "view_contracts",
            Permission::DownloadDocuments => "download_documents",
            Permission::CreateContracts => "create_contracts",
            Permission::EditContracts => "edit_contracts",
            Permission::SendContracts => "send_contracts",
            Permission::ApproveContracts => "approve_contracts",
            Permission::CancelContracts => "cancel_contracts",
            Permission::ManageSealKeys => "manage_seal_keys",
            Permission::ManageNotices => "manage_notices",
            Permission::ManageRetention => "manage_retention",
            Permission::DisposeRecords => "dispose_records",
            Permission::ViewReports => "view_reports",
            // Records management.
            Permission::ExportRecords => "export_records",
            // Webhooks.
            Permission::ManageWebhooks => "manage_webhooks",
            Permission::ManageTemplates => "manage_templates",
        }
    }

    /// Parses the stored name; unknown text is an error, never a default.
    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The Japanese label used in the interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            Permission::ManageUsers => "利用者の管理",
            Permission::ManageDepartments => "所属の管理",
            Permission::ManageSettings => "設定の変更",
            Permission::ViewAuditLog => "操作ログの閲覧",
            Permission::ViewAddressBook => "アドレス帳の閲覧",
            Permission::ManageAddressBook => "アドレス帳の編集",
            Permission::ViewAllDepartments => "他所属の契約の閲覧",
            Permission::ViewContracts => "契約の閲覧",
            Permission::DownloadDocuments => "文書のダウンロード",
            Permission::CreateContracts => "契約の作成",
            Permission::EditContracts => "契約の編集・承認申請",
            Permission::SendContracts => "契約の送信",
            Permission::ApproveContracts => "契約の承認",
            Permission::CancelContracts => "契約の取消",
            Permission::ManageSealKeys => "電子署名鍵・タイムスタンプ局の管理（サービス全体）",
            Permission::ManageNotices => "お知らせ（メンテナンス・障害）の管理",
            Permission::ManageRetention => "保存期間・廃棄保留の設定",
            Permission::DisposeRecords => "廃棄の申請・承認",
            Permission::ViewReports => "月次利用状況報告の閲覧",
            // Records management.
            Permission::ExportRecords => "年度別一括出力",
            // Webhooks.
            Permission::ManageWebhooks => "Webhook 通知先の管理",
            Permission::ManageTemplates => "ひな形の管理",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Permission::ManageUsers => "Manage users",
            Permission::ManageDepartments => "Manage departments",
            Permission::ManageSettings => "Change settings",
            Permission::ViewAuditLog => "Read the audit log",
            Permission::ViewAddressBook => "Read the address book",
            Permission::ManageAddressBook => "Edit the address book",
            Permission::ViewAllDepartments => "See other departments' contracts",
            Permission::ViewContracts => "Read contracts",
            Permission::DownloadDocuments => "Download documents",
            Permission::CreateContracts => "Create contracts",
            Permission::EditContracts => "Edit contracts and submit them for approval",
            Permission::SendContracts => "Send contracts to counterparties",
            Permission::ApproveContracts => "Approve contracts",
            Permission::CancelContracts => "Cancel contracts",
            Permission::ManageSealKeys => "Manage the service's seal keys and TSAs (service-wide)",
            Permission::ManageNotices => "Manage maintenance and outage notices",
            Permission::ManageRetention => "Set retention periods and legal holds",
            Permission::DisposeRecords => "Request and approve dispositions",
            Permission::ViewReports => "Read the monthly usage reports",
            // Records management.
            Permission::ExportRecords => "Export a fiscal year's contracts in bulk",
            // Webhooks.
            Permission::ManageWebhooks => "Manage webhook endpoints",
            Permission::ManageTemplates => "Manage document templates",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The effective permissions of a user: the union of their roles' and their grants.
pub fn effective_permissions(roles: &[Role], grants: &[Permission]) -> BTreeSet<Permission> {
    roles
        .iter()
        .flat_map(|r| r.permissions().iter().copied())
        .chain(grants.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn a_viewer_with_a_download_grant_may_download_but_not_manage_users() {
        let p = effective_permissions(&[Role::Viewer], &[Permission::DownloadDocuments]);
        assert!(p.contains(&Permission::DownloadDocuments));
        assert!(!p.contains(&Permission::ManageUsers));
    }

    #[test]
    fn role_defaults_for_contracts() {
        use Permission::*;
        let admin = effective_permissions(&[Role::Admin], &[]);
        assert_eq!(
            admin.len(),
            Permission::ALL.len() - 1,
            "an admin has every permission of the tenant"
        );
        assert!(
            !admin.contains(&ManageSealKeys),
            "the service's seal keys are not a city admin's"
        );
        let approver = effective_permissions(&[Role::Approver], &[]);
        assert!(approver.contains(&ViewContracts) && approver.contains(&ApproveContracts));
        assert!(!approver.contains(&CreateContracts) && !approver.contains(&SendContracts));
        let staff = effective_permissions(&[Role::Staff], &[]);
        for p in [ViewContracts, CreateContracts, EditContracts, SendContracts] {
            assert!(staff.contains(&p), "{p:?}");
        }
        assert!(!staff.contains(&ApproveContracts) && !staff.contains(&CancelContracts));
        let viewer = effective_permissions(&[Role::Viewer], &[]);
        assert!(viewer.contains(&ViewContracts) && !viewer.contains(&EditContracts));
    }

    #[test]
    fn only_admins_manage_notices_by_role() {
        for r in Role::ALL {
            let p = effective_permissions(&[r], &[]);
            assert_eq!(
                p.contains(&Permission::ManageNotices),
                r == Role::Admin,
                "{r}"
            );
        }
    }

    #[test]
    fn staff_and_admins_manage_templates_by_role() {
        for r in Role::ALL {
            let p = effective_permissions(&[r], &[]);
            assert_eq!(
                p.contains(&Permission::ManageTemplates),
                matches!(r, Role::Admin | Role::Staff),
                "{r}"
            );
        }
    }

    #[test]
    fn only_admins_manage_users_by_role() {
        for r in Role::ALL {
            let p = effective_permissions(&[r], &[]);
            assert_eq!(p.contains(&Permission::ManageUsers), r == Role::Admin);
        }
    }
}
