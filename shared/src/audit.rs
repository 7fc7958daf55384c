//! The operations recorded in the audit log (操作ログ, 仕様 5-(16)), with their Japanese labels
//! for the log viewer. The wire name is stable; add new actions, never rename.

use serde::{Deserialize, Serialize};

macro_rules! audit_actions {
    ($( $(#[$doc:meta])* $variant:ident = ($name:literal, $ja:literal, $en:literal), )*) => {
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

            /// The English label for the log viewer.
            pub fn label_en(self) -> &'static str {
                match self { $(AuditAction::$variant => $en,)* }
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
    TenantCreated = ("tenant.created", "団体の登録", "Tenant registered"),
    /// Successful login.
    Login = ("auth.login", "ログイン", "Login"),
    /// Failed login (wrong password or code, locked, disabled).
    LoginFailed = ("auth.login_failed", "ログイン失敗", "Failed login"),
    /// An account was locked after too many failed logins (its owner is mailed).
    AccountLocked = ("auth.account_locked", "アカウントのロック", "Account locked"),
    /// A user's API tokens were revoked and other sessions ended (password change, reset,
    /// disable); the counts and the reason are in the details.
    CredentialsRevoked = ("auth.credentials_revoked", "APIトークンの失効とセッションの終了", "API tokens revoked and sessions ended"),
    /// Stored TOTP secrets were encrypted (again) under the current key at start.
    TotpSecretsSealed = ("auth.totp_secrets_sealed", "二段階認証の秘密情報の暗号化", "TOTP secrets encrypted"),
    /// Logout.
    Logout = ("auth.logout", "ログアウト", "Logout"),
    /// A user changed their own password.
    PasswordChanged = ("auth.password_changed", "パスワード変更", "Password changed"),
    /// A user turned on TOTP.
    TotpEnabled = ("auth.totp_enabled", "二段階認証の有効化", "Two-step verification enabled"),
    /// A user turned off TOTP.
    TotpDisabled = ("auth.totp_disabled", "二段階認証の無効化", "Two-step verification disabled"),
    /// A state-changing request was refused for a missing or wrong CSRF token.
    CsrfRejected = ("auth.csrf_rejected", "不正なリクエストの拒否", "Forged request refused"),
    /// A user was created.
    UserCreated = ("user.created", "利用者の登録", "User created"),
    /// A user's profile, roles or grants changed.
    UserUpdated = ("user.updated", "利用者の変更", "User changed"),
    /// A user's roles or grants changed (recorded in addition to `user.updated`).
    PermissionsChanged = ("user.permissions_changed", "権限の変更", "Permissions changed"),
    /// A user was disabled.
    UserDisabled = ("user.disabled", "利用者の無効化", "User disabled"),
    /// A user was enabled again.
    UserEnabled = ("user.enabled", "利用者の有効化", "User enabled"),
    /// An admin reset a user's password.
    PasswordReset = ("user.password_reset", "パスワードの再設定", "Password reset"),
    /// A department was created.
    DepartmentCreated = ("department.created", "所属の登録", "Department created"),
    /// A department was renamed, moved or deactivated.
    DepartmentUpdated = ("department.updated", "所属の変更", "Department changed"),
    /// An address-book organisation was created.
    OrganizationCreated = ("organization.created", "取引先の登録", "Organisation created"),
    /// An address-book organisation changed.
    OrganizationUpdated = ("organization.updated", "取引先の変更", "Organisation changed"),
    /// An address-book contact was created.
    ContactCreated = ("contact.created", "相手方担当者の登録", "Contact created"),
    /// An address-book contact changed.
    ContactUpdated = ("contact.updated", "相手方担当者の変更", "Contact changed"),
    /// A contract draft was created (also by duplicating).
    ContractCreated = ("contract.created", "契約の作成", "Contract created"),
    /// A contract's data, recipients or route changed.
    ContractUpdated = ("contract.updated", "契約の変更", "Contract changed"),
    /// A file was uploaded to a contract.
    DocumentUploaded = ("document.uploaded", "ファイルのアップロード", "File uploaded"),
    /// An upload was refused (not a PDF, damaged, encrypted, certified).
    DocumentRejected = ("document.rejected", "ファイルの受付拒否", "File refused"),
    /// A file was removed from a draft.
    DocumentRemoved = ("document.removed", "ファイルの削除", "File removed"),
    /// A file was downloaded.
    DocumentDownloaded = ("document.downloaded", "ファイルのダウンロード", "File downloaded"),
    /// A file was shown in the page (preview, stamp placement); recorded once per user and file.
    DocumentViewed = ("document.viewed", "ファイルの表示", "File viewed"),
    /// Submitted for internal approval.
    ContractSubmitted = ("contract.submitted", "承認申請", "Submitted for approval"),
    /// An approver approved a step.
    ContractApproved = ("contract.approved", "承認", "Approved"),
    /// An approver sent the contract back.
    ContractRejected = ("contract.rejected", "差し戻し", "Returned by an approver"),
    /// The submitter withdrew the contract from approval.
    ContractWithdrawn = ("contract.withdrawn", "承認申請の取り下げ", "Approval request withdrawn"),
    /// The contract was sent to the recipients.
    ContractSent = ("contract.sent", "送信", "Sent"),
    /// Staff recalled a sent contract for correction.
    ContractSentBack = ("contract.sent_back", "下書きへの差し戻し", "Recalled to draft"),
    /// The contract was cancelled.
    ContractCancelled = ("contract.cancelled", "取消", "Cancelled"),
    /// Pending recipients were reminded (new links mailed).
    ContractReminded = ("contract.reminded", "リマインド", "Reminder sent"),
    /// A refused state change (the action was not allowed).
    ContractActionRefused = ("contract.action_refused", "操作の拒否", "Action refused"),
    /// A signing link was issued (mail to a recipient).
    RecipientNotified = ("recipient.notified", "確認依頼の送信", "Signing request sent"),
    /// A recipient asked for a one-time code.
    RecipientCodeSent = ("recipient.code_sent", "確認コードの送信", "One-time code sent"),
    /// A recipient entered a wrong code.
    RecipientCodeFailed = ("recipient.code_failed", "確認コードの誤り", "Wrong one-time code"),
    /// A recipient was locked after too many wrong codes.
    RecipientLocked = ("recipient.locked", "確認コードのロック", "One-time code locked"),
    /// A recipient's link was closed for good after repeated locks (the sender is mailed).
    RecipientLinkClosed = ("recipient.link_closed", "確認用リンクの停止", "Signing link closed"),
    /// A recipient confirmed with the code and opened the contract.
    RecipientVerified = ("recipient.verified", "相手方の本人確認", "Counterparty verified"),
    /// A recipient downloaded a file.
    RecipientDownloaded = ("recipient.downloaded", "相手方のダウンロード", "Counterparty download"),
    /// A recipient's page showed a file; recorded once per recipient and file.
    RecipientViewed = ("recipient.viewed", "相手方の表示", "Counterparty viewed"),
    /// A recipient agreed.
    RecipientAgreed = ("recipient.agreed", "相手方の合意", "Counterparty agreed"),
    /// A recipient declined.
    RecipientDeclined = ("recipient.declined", "相手方の却下", "Counterparty declined"),
    /// A recipient forwarded to a colleague.
    RecipientForwarded = ("recipient.forwarded", "相手方の転送", "Counterparty forwarded"),
    /// The service sealed the PDF (signature + timestamp).
    ContractSealed = ("contract.sealed", "電子署名・タイムスタンプの付与", "Sealed (signature and timestamp)"),
    /// Sealing failed and will be retried.
    ContractSealFailed = ("contract.seal_failed", "電子署名の失敗（再試行）", "Sealing failed (will retry)"),
    /// The service sealed the file as sent (the city's own act): the sender and the completed
    /// approval route are in its `/Reason`.
    ContractSendingSealed = ("contract.sending_sealed", "送信時の電子署名（決裁の記録）", "Sealed at sending (approval route recorded)"),
    /// A seal job keeps failing or gave up: the administrators were told.
    ContractSealStuck = ("contract.seal_stuck", "電子署名の処理停止（管理者へ通知）", "Sealing stuck (administrators told)"),
    /// The archive timestamp of the sealed file was renewed (長期署名の延長): a new version.
    ContractLtvRenewed = ("contract.ltv_renewed", "長期署名の延長", "Long-term signature renewed"),
    /// Renewing the archive timestamp failed (retried a few times, then administrators act).
    ContractLtvRenewalFailed = ("contract.ltv_renewal_failed", "長期署名の延長の失敗", "Long-term signature renewal failed"),
    /// The answer deadline passed: the contract expired.
    ContractExpired = ("contract.expired", "回答期限切れ", "Answer deadline passed"),
    /// The contract was concluded.
    ContractConcluded = ("contract.concluded", "契約締結", "Concluded"),
    /// Tenant settings changed.
    SettingsUpdated = ("settings.updated", "設定の変更", "Settings changed"),
    /// A seal key was imported into the keyring (not yet in use).
    SealKeyImported = ("seal_key.imported", "電子署名鍵の登録", "Seal key imported"),
    /// A seal key became the one the service seals with (the previous one stands by).
    SealKeyActivated = ("seal_key.activated", "電子署名鍵の切替", "Seal key activated"),
    /// A seal key was retired: it never seals again, its certificates stay trusted for verifying.
    SealKeyRetired = ("seal_key.retired", "電子署名鍵の廃止", "Seal key retired"),
    /// A seal-key operation was refused (bad key file, password, certificate); nothing changed.
    SealKeyRefused = ("seal_key.refused", "電子署名鍵の操作の拒否", "Seal key operation refused"),
    /// A time-stamp authority was added to the list.
    TsaAdded = ("tsa.added", "タイムスタンプ局の追加", "TSA added"),
    /// A time-stamp authority was removed from the list.
    TsaRemoved = ("tsa.removed", "タイムスタンプ局の削除", "TSA removed"),
    /// A time-stamp authority moved in the failover order.
    TsaMoved = ("tsa.moved", "タイムスタンプ局の順序変更", "TSA order changed"),
    /// The contract list was exported as CSV (the filters and the row count in the details).
    ContractsExported = ("contract.exported", "契約一覧のCSV出力", "Contract list exported as CSV"),
    /// An API token was issued (its secret is never recorded).
    ApiTokenCreated = ("api_token.created", "APIトークンの発行", "API token issued"),
    /// An API token was revoked.
    ApiTokenRevoked = ("api_token.revoked", "APIトークンの失効", "API token revoked"),
    /// An approval route template was created.
    RouteTemplateCreated = ("route_template.created", "決裁ルートのひな形の登録", "Approval route template created"),
    /// An approval route template was changed or archived.
    RouteTemplateUpdated = ("route_template.updated", "決裁ルートのひな形の変更", "Approval route template changed"),
    /// The operation log was exported as CSV (the filters and the row count in the details).
    AuditExported = ("audit.exported", "操作ログのCSV出力", "Operation log exported as CSV"),
    /// A forbidden action was attempted.
    AccessDenied = ("access.denied", "権限のない操作の拒否", "Forbidden action refused"),
    /// The chain's events from before the audit key were sealed by a keyed event (on upgrade).
    AuditChainKeyed = ("audit.chain_keyed", "操作ログの鍵による保護の開始", "Operation log keyed"),
    /// A request was refused before a tenant was known (system chain: bad Origin, invalid API
    /// token, throttling, unknown object); method, route and problem code in the details.
    RequestRefused = ("request.refused", "リクエストの拒否", "Request refused"),
    /// Refusals beyond the per-minute audit limit were counted, not recorded one by one.
    RefusalsSummarized = ("request.refusals_summarized", "拒否したリクエストの集計", "Refused requests summarised"),
    // Backups (バックアップ), in the system chain.
    /// A backup was made (by the daily schedule or `tachiai backup`); directory, files and
    /// bytes, and the old generations removed, in the details.
    BackupCreated = ("backup.created", "バックアップの作成", "Backup made"),
    /// A backup could not be made; the error and the attempt in the details.
    BackupFailed = ("backup.failed", "バックアップの失敗", "Backup failed"),
    /// The database was restored from a backup (`tachiai restore`), recorded in the restored
    /// database.
    BackupRestored = ("backup.restored", "バックアップからの復元", "Restored from a backup"),
    // Tenant export and import (全データ返却).
    /// Everything of the tenant was exported for return (`tachiai export tenant`); written
    /// before the data is read, so the export carries its own record.
    TenantExported = ("tenant.exported", "全データの出力（返却）", "Tenant data exported for return"),
    /// The tenant was recreated here from an export (`tachiai import tenant`); its details pin the
    /// imported audit chain (imported head and digest, see `backend/src/audit/chain.rs`).
    TenantImported = ("tenant.imported", "全データの取込み", "Tenant data imported"),
    // Maintenance notices (メンテナンス・障害のお知らせ).
    /// A notice was published (by a tenant's administrator, or service-wide by the operator on
    /// the system chain).
    NoticePublished = ("notice.published", "お知らせの掲載", "Notice published"),
    /// A notice's kind, window, title or text changed (before and after in the details).
    NoticeUpdated = ("notice.updated", "お知らせの変更", "Notice changed"),
    /// A notice was withdrawn: banners stop showing it and no reminder is mailed.
    NoticeWithdrawn = ("notice.withdrawn", "お知らせの取り下げ", "Notice withdrawn"),
    // Retention and disposition (保存期間・廃棄):
    /// The tenant's retention rule (default years, convention, basis) changed.
    RetentionSettingsUpdated = ("retention.settings_updated", "保存期間の設定の変更", "Retention settings changed"),
    /// A contract's retention years were overridden.
    RetentionOverridden = ("contract.retention_changed", "保存期間の変更", "Retention period changed"),
    /// A legal hold was set on a contract (the reason in the details).
    LegalHoldSet = ("contract.legal_hold_set", "廃棄保留の設定", "Legal hold set"),
    /// A legal hold was released.
    LegalHoldReleased = ("contract.legal_hold_released", "廃棄保留の解除", "Legal hold released"),
    /// An administrator requested the disposition of contracts.
    DispositionRequested = ("disposition.requested", "廃棄の申請", "Disposition requested"),
    /// A second administrator approved a disposition: the contracts were disposed of.
    DispositionApproved = ("disposition.approved", "廃棄の承認", "Disposition approved"),
    /// A disposition request was rejected by another administrator.
    DispositionRejected = ("disposition.rejected", "廃棄申請の却下", "Disposition rejected"),
    /// The requester cancelled their disposition request.
    DispositionCancelled = ("disposition.cancelled", "廃棄申請の取消", "Disposition request cancelled"),
    /// A contract was disposed of: files and personal data deleted, tombstone kept.
    ContractDisposed = ("contract.disposed", "契約の廃棄", "Contract disposed of"),
    /// A disposition was refused (legal hold, retention not ended, self-approval).
    DispositionRefused = ("disposition.refused", "廃棄の拒否", "Disposition refused"),
    // Monthly usage report (月次利用状況報告).
    /// A monthly usage report was read or downloaded (the month and format in the details).
    ReportViewed = ("report.viewed", "月次利用状況報告の出力", "Monthly usage report read"),
    /// The monthly job stored a month's report and mailed it to the administrators.
    ReportGenerated = ("report.generated", "月次利用状況報告の作成", "Monthly usage report generated"),
    // Records management: the fiscal-year export (年度別一括出力).
    /// A fiscal-year export was requested (year, departments, encoding in the details).
    RecordsExportRequested = ("records.export_requested", "年度別一括出力の依頼", "Fiscal-year export requested"),
    /// A fiscal-year export was written (contracts, entries, the ZIP's and manifest's SHA-256).
    RecordsExportCompleted = ("records.export_completed", "年度別一括出力の完了", "Fiscal-year export completed"),
    /// A fiscal-year export could not be written (the reason in the details).
    RecordsExportFailed = ("records.export_failed", "年度別一括出力の失敗", "Fiscal-year export failed"),
    /// A finished fiscal-year export was downloaded.
    RecordsExportDownloaded = ("records.export_downloaded", "年度別一括出力のダウンロード", "Fiscal-year export downloaded"),
    // Idempotency keys and rate limits.
    /// The tenant's API rate limit changed (before and after in the details).
    RateLimitUpdated = ("settings.rate_limit_updated", "APIレート制限の変更", "API rate limit changed"),
    // Demonstration data (tachiai admin seed).
    /// Demonstration data was seeded into the tenant (counts and the generator's seed in the
    /// details): one event for the whole seed.
    DemoDataSeeded = ("tenant.demo_data_seeded", "デモデータの投入", "Demonstration data seeded"),
    // Webhooks (Webhook 通知).
    /// A webhook endpoint was registered (URL, events; never the secret).
    WebhookCreated = ("webhook.created", "Webhook通知先の登録", "Webhook endpoint created"),
    /// A webhook endpoint was changed (before and after in the details).
    WebhookUpdated = ("webhook.updated", "Webhook通知先の変更", "Webhook endpoint updated"),
    /// A webhook endpoint and its delivery log were deleted.
    WebhookDeleted = ("webhook.deleted", "Webhook通知先の削除", "Webhook endpoint deleted"),
    /// A webhook endpoint's secret was replaced (the overlap of the old one in the details).
    WebhookSecretRotated = ("webhook.secret_rotated", "Webhook署名シークレットの更新", "Webhook secret rotated"),
    /// A delivery was queued again by hand (same event ID).
    WebhookRedelivered = ("webhook.redelivered", "Webhookの再送", "Webhook redelivered"),
    // Document templates (ひな形) and bulk sending (一括送信).
    /// A document template was created.
    TemplateCreated = ("template.created", "ひな形の登録", "Document template created"),
    /// A document template was changed or archived (its files in `fields`).
    TemplateUpdated = ("template.updated", "ひな形の変更", "Document template updated"),
    /// A contract was created from a document template (the template in the details).
    ContractCreatedFromTemplate = ("contract.created_from_template", "ひな形からの契約作成", "Contract created from a template"),
    /// A bulk send was accepted (template, rows); its contracts follow as jobs.
    BulkSendCreated = ("bulk_send.created", "一括送信の登録", "Bulk send accepted"),
    /// A bulk send's CSV was refused (encoding, columns, row count or invalid rows).
    BulkSendRefused = ("bulk_send.refused", "一括送信の拒否", "Bulk send refused"),
    /// One row of a bulk send could not be created or sent (line and reason in the details).
    BulkSendRowFailed = ("bulk_send.row_failed", "一括送信の行の失敗", "Bulk send row failed"),
    // Network zones (ネットワークゾーン).
    /// The tenant's network zones were set or switched (before and after in the details).
    NetworkZonesUpdated = ("network_zones.updated", "ネットワークゾーンの変更", "Network zones changed"),
    /// The tenant's network zones were removed: staff may log in from any address again.
    NetworkZonesCleared = ("network_zones.cleared", "ネットワークゾーンの解除", "Network zones removed"),
    /// A login or request came from an address outside the tenant's enabled zones.
    NetworkZoneRefused = ("network_zones.refused", "接続元による拒否", "Refused: outside the network zones"),
    // SMS verification of counterparties (SMS認証).
    /// A one-time code was sent by SMS (the number masked in the details).
    RecipientSmsCodeSent = ("recipient.sms_code_sent", "SMS認証コードの送信", "SMS code sent"),
    /// The SMS provider did not take a code (the reason in the details).
    RecipientSmsSendFailed = ("recipient.sms_send_failed", "SMS認証コードの送信失敗", "SMS code not sent"),
    /// The SMS code was confirmed.
    RecipientSmsVerified = ("recipient.sms_verified", "SMS認証の完了", "SMS code verified"),
    /// A wrong SMS code.
    RecipientSmsCodeFailed = ("recipient.sms_code_failed", "SMS認証コードの誤り", "Wrong SMS code"),
    /// Wrong SMS codes locked the link.
    RecipientSmsLocked = ("recipient.sms_locked", "SMS認証のロック", "SMS verification locked"),
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
