//! The operations recorded in the audit log (操作ログ, 仕様 5-(16)), with their Japanese labels
//! for the log viewer. The wire name is stable; add new actions, never rename.

use serde::{Deserialize, Serialize};

macro_rules! audit_actions {
    ($( $(#[$doc:meta])* $variant:ident = ($name:literal, $ja:literal), )*) => {
        /// An operation that writes an audit event.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum AuditAction {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )*
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The stored name, e.g. `user.created`.
            pub fn as_str(self) -> &'static str {
                match self { $(AuditAction::$variant => $name,)* }
            }

            /// The Japanese label for the log viewer.
            pub fn label_ja(self) -> &'static str {
                match self { $(AuditAction::$variant => $ja,)* }
            }

            /// Parses the stored name.
            pub fn parse(s: &str) -> Option<AuditAction> {
                AuditAction::ALL.iter().copied().find(|a| a.as_str() == s)
            }
        }
    };
}

audit_actions! {
    /// A tenant was created (operator CLI).
    TenantCreated = ("tenant.created", "団体の登録"),
    /// Successful login.
    Login = ("auth.login", "ログイン"),
    /// Failed login (wrong password or code, locked, disabled).
    LoginFailed = ("auth.login_failed", "ログイン失敗"),
    /// Logout.
    Logout = ("auth.logout", "ログアウト"),
    /// A user changed their own password.
    PasswordChanged = ("auth.password_changed", "パスワード変更"),
    /// A user turned on TOTP.
    TotpEnabled = ("auth.totp_enabled", "二段階認証の有効化"),
    /// A user turned off TOTP.
    TotpDisabled = ("auth.totp_disabled", "二段階認証の無効化"),
    /// A state-changing request was refused for a missing or wrong CSRF token.
    CsrfRejected = ("auth.csrf_rejected", "不正なリクエストの拒否"),
    /// A user was created.
    UserCreated = ("user.created", "利用者の登録"),
    /// A user's profile, roles or grants changed.
    UserUpdated = ("user.updated", "利用者の変更"),
    /// A user's roles or grants changed (recorded in addition to `user.updated`).
    PermissionsChanged = ("user.permissions_changed", "権限の変更"),
    /// A user was disabled.
    UserDisabled = ("user.disabled", "利用者の無効化"),
    /// A user was enabled again.
    UserEnabled = ("user.enabled", "利用者の有効化"),
    /// An admin reset a user's password.
    PasswordReset = ("user.password_reset", "パスワードの再設定"),
    /// A department was created.
    DepartmentCreated = ("department.created", "所属の登録"),
    /// A department was renamed, moved or deactivated.
    DepartmentUpdated = ("department.updated", "所属の変更"),
    /// An address-book organisation was created.
    OrganizationCreated = ("organization.created", "取引先の登録"),
    /// An address-book organisation changed.
    OrganizationUpdated = ("organization.updated", "取引先の変更"),
    /// An address-book contact was created.
    ContactCreated = ("contact.created", "相手方担当者の登録"),
    /// An address-book contact changed.
    ContactUpdated = ("contact.updated", "相手方担当者の変更"),
    /// A contract draft was created (also by duplicating).
    ContractCreated = ("contract.created", "契約の作成"),
    /// A contract's data, recipients or route changed.
    ContractUpdated = ("contract.updated", "契約の変更"),
    /// A file was uploaded to a contract.
    DocumentUploaded = ("document.uploaded", "ファイルのアップロード"),
    /// An upload was refused (not a PDF, damaged, encrypted, certified).
    DocumentRejected = ("document.rejected", "ファイルの受付拒否"),
    /// A file was removed from a draft.
    DocumentRemoved = ("document.removed", "ファイルの削除"),
    /// A file was downloaded.
    DocumentDownloaded = ("document.downloaded", "ファイルのダウンロード"),
    /// Submitted for internal approval.
    ContractSubmitted = ("contract.submitted", "承認申請"),
    /// An approver approved a step.
    ContractApproved = ("contract.approved", "承認"),
    /// An approver sent the contract back.
    ContractRejected = ("contract.rejected", "差し戻し"),
    /// The submitter withdrew the contract from approval.
    ContractWithdrawn = ("contract.withdrawn", "承認申請の取り下げ"),
    /// The contract was sent to the recipients.
    ContractSent = ("contract.sent", "送信"),
    /// Staff recalled a sent contract for correction.
    ContractSentBack = ("contract.sent_back", "下書きへの差し戻し"),
    /// The contract was cancelled.
    ContractCancelled = ("contract.cancelled", "取消"),
    /// Pending recipients were reminded (new links mailed).
    ContractReminded = ("contract.reminded", "リマインド"),
    /// A refused state change (the action was not allowed).
    ContractActionRefused = ("contract.action_refused", "操作の拒否"),
    /// A signing link was issued (mail to a recipient).
    RecipientNotified = ("recipient.notified", "確認依頼の送信"),
    /// A recipient asked for a one-time code.
    RecipientCodeSent = ("recipient.code_sent", "確認コードの送信"),
    /// A recipient entered a wrong code.
    RecipientCodeFailed = ("recipient.code_failed", "確認コードの誤り"),
    /// A recipient was locked after too many wrong codes.
    RecipientLocked = ("recipient.locked", "確認コードのロック"),
    /// A recipient confirmed with the code and opened the contract.
    RecipientVerified = ("recipient.verified", "相手方の本人確認"),
    /// A recipient downloaded a file.
    RecipientDownloaded = ("recipient.downloaded", "相手方のダウンロード"),
    /// A recipient agreed.
    RecipientAgreed = ("recipient.agreed", "相手方の合意"),
    /// A recipient declined.
    RecipientDeclined = ("recipient.declined", "相手方の却下"),
    /// A recipient forwarded to a colleague.
    RecipientForwarded = ("recipient.forwarded", "相手方の転送"),
    /// The service sealed the PDF (signature + timestamp).
    ContractSealed = ("contract.sealed", "電子署名・タイムスタンプの付与"),
    /// Sealing failed and will be retried.
    ContractSealFailed = ("contract.seal_failed", "電子署名の失敗（再試行）"),
    /// The answer deadline passed: the contract expired.
    ContractExpired = ("contract.expired", "回答期限切れ"),
    /// The contract was concluded.
    ContractConcluded = ("contract.concluded", "契約締結"),
    /// Tenant settings changed.
    SettingsUpdated = ("settings.updated", "設定の変更"),
    /// The contract list was exported as CSV (the filters and the row count in the details).
    ContractsExported = ("contract.exported", "契約一覧のCSV出力"),
    /// An API token was issued (its secret is never recorded).
    ApiTokenCreated = ("api_token.created", "APIトークンの発行"),
    /// An API token was revoked.
    ApiTokenRevoked = ("api_token.revoked", "APIトークンの失効"),
    /// A forbidden action was attempted.
    AccessDenied = ("access.denied", "権限のない操作の拒否"),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for &a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }
}
