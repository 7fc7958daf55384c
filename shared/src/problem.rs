//! RFC 9457 problem details and the stable machine codes of every error the API returns.
//!
//! The code is the contract: integrators switch on it and the browser app turns it into the
//! Japanese message below. Codes are never renamed once released.

use serde::{Deserialize, Serialize};

/// The `application/problem+json` body of every 4xx/5xx answer (RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI reference naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short English summary (RFC 9457 `title`).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// English explanation of this occurrence (RFC 9457 `detail`).
    pub detail: String,
    /// Stable machine-readable code.
    pub code: ProblemCode,
    /// 日本語の説明: the Japanese message shown to users.
    pub detail_ja: String,
    /// Per-field validation errors, when `code` is `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request's ID (also its `X-Request-Id` answer header): the server log's lines about
    /// this request carry it (for `internal`, the cause of the failure is only there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The JSON field name, e.g. `email`.
    pub field: String,
    /// What is wrong with it.
    pub code: crate::validate::ValidationError,
}

macro_rules! problem_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($name:literal, $status:literal, $en:literal, $ja:literal), )*) => {
        /// Every error the API can answer with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ProblemCode {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The wire name, e.g. `invalid_credentials`.
            // Inlined so that a call with a known code (the browser makes only a few)
            // keeps that code's text alone in the wasm, not the whole table.
            #[inline(always)]
            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $name,)* }
            }

            /// The HTTP status this code is always answered with.
            #[inline(always)]
            pub fn status(self) -> u16 {
                match self { $(ProblemCode::$variant => $status,)* }
            }

            /// The English message.
            #[inline(always)]
            pub fn message_en(self) -> &'static str {
                match self { $(ProblemCode::$variant => $en,)* }
            }

            /// The Japanese message: what happened and what to do.
            #[inline(always)]
            pub fn message_ja(self) -> &'static str {
                match self { $(ProblemCode::$variant => $ja,)* }
            }
        }
    };
}

problem_codes! {
    /// The request body is not valid JSON, has unknown fields or wrong types.
    MalformedRequest = ("malformed_request", 400, "The request is malformed: invalid JSON, an unknown field or a wrong type.", "リクエストの形式が正しくありません。"),
    /// A field's value breaks a rule (see `errors`).
    ValidationFailed = ("validation_failed", 422, "One or more fields are invalid.", "入力内容に誤りがあります。表示された項目を確認してください。"),
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge = ("payload_too_large", 413, "The request body is too large.", "送信されたデータが大きすぎます。"),
    /// The body's media type is not accepted.
    UnsupportedMediaType = ("unsupported_media_type", 415, "Unsupported content type; send application/json.", "送信形式が正しくありません。"),
    /// No session cookie or API token was presented.
    Unauthenticated = ("unauthenticated", 401, "Log in to continue.", "ログインしてください。"),
    /// The session ended by the idle or absolute timeout, or by logout.
    SessionExpired = ("session_expired", 401, "Your session has expired. Please log in again.", "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"),
    /// The `Authorization: Bearer` API token is unknown, revoked or expired.
    ApiTokenInvalid = ("api_token_invalid", 401, "The API token is invalid, revoked or expired.", "APIトークンが無効です（失効済み、期限切れ、または誤り）。管理画面で新しいトークンを発行してください。"),
    /// The login failed: unknown organisation or login ID, wrong password, or an account that is
    /// locked or disabled — deliberately one answer for all, so that it does not tell which
    /// accounts exist (a locked account's owner is told by mail).
    InvalidCredentials = ("invalid_credentials", 401, "Login failed: the organisation code, login ID or password is incorrect, or the account cannot log in at the moment.", "ログインできませんでした。団体コード、ログインID、パスワードが正しくないか、アカウントが現在ログインできない状態です。"),
    /// The password is right but a TOTP code is needed.
    TotpRequired = ("totp_required", 401, "Enter the 6-digit code from your authenticator app.", "認証アプリに表示されている6桁の確認コードを入力してください。"),
    /// The TOTP code is wrong or expired.
    TotpInvalid = ("totp_invalid", 401, "The authenticator code is incorrect or expired.", "確認コードが正しくないか、有効期限が切れています。"),
    /// The tenant requires TOTP and the user has not set it up.
    TotpSetupRequired = ("totp_setup_required", 403, "Your organisation requires two-step verification. Set it up under My account.", "二段階認証の設定が必要です。「アカウント」から設定してください。"),
    /// Too many failed password checks: the account is locked for a while. Answered where a
    /// logged-in user confirms a change with their password; the login itself says
    /// `invalid_credentials` instead, so as not to tell which accounts exist.
    AccountLocked = ("account_locked", 423, "Too many failed attempts. The account is locked for a while; try again later.", "ログインに続けて失敗したため、一時的にロックされています。しばらくしてから再度お試しください。"),
    /// The account has been disabled by an administrator.
    AccountDisabled = ("account_disabled", 403, "This account has been disabled. Contact your administrator.", "このアカウントは無効化されています。管理者にお問い合わせください。"),
    /// Too many requests from this address.
    TooManyRequests = ("too_many_requests", 429, "Too many attempts from your network. Try again later.", "試行回数が多すぎます。しばらくしてから再度お試しください。"),
    /// A state-changing request came without the session's CSRF token.
    CsrfTokenMissing = ("csrf_token_missing", 403, "The X-CSRF-Token header is missing.", "画面の有効期限が切れました。ページを再読み込みしてください。"),
    /// The CSRF token or the Origin does not match the session.
    CsrfTokenInvalid = ("csrf_token_invalid", 403, "The CSRF token or request origin is invalid.", "画面の有効期限が切れました。ページを再読み込みしてください。"),
    /// An administrator reset the password: only changing it is allowed until then.
    PasswordChangeRequired = ("password_change_required", 403, "Change your password before continuing.", "パスワードの変更が必要です。新しいパスワードを設定してください。"),
    /// The user lacks the permission for this action.
    Forbidden = ("forbidden", 403, "You do not have permission for this action.", "この操作を行う権限がありません。"),
    /// Users and API tokens are managed from a logged-in session only, never with an API token.
    ApiTokenNotAllowed = ("api_token_not_allowed", 403, "API tokens cannot manage users or API tokens; log in to do this.", "APIトークンでは利用者やAPIトークンを管理できません。画面からログインして操作してください。"),
    /// A role or permission the acting user does not hold themselves cannot be given, nor can a
    /// user who holds more than the acting user be changed, disabled or reset.
    GrantNotHeld = ("grant_not_held", 403, "You can only give roles and permissions you hold yourself, and only manage users who hold no more than you.", "自分が持っていない役割や権限は付与できません。また、自分より多くの権限を持つ利用者は変更できません。"),
    /// The administrator role, and administrators' accounts, are managed by administrators only.
    AdminOnly = ("admin_only", 403, "Only administrators can give the administrator role or manage an administrator's account.", "管理者の役割の付与や管理者のアカウントの管理は、管理者のみが行えます。"),
    /// No such object (or it belongs to another tenant).
    NotFound = ("not_found", 404, "Not found.", "対象が見つかりません。"),
    /// The login ID is already used in this organisation.
    LoginIdTaken = ("login_id_taken", 409, "This login ID is already in use.", "このログインIDは既に使われています。"),
    /// The tenant code is already used.
    TenantCodeTaken = ("tenant_code_taken", 409, "This organisation code is already in use.", "この団体コードは既に使われています。"),
    /// A department cannot be its own ancestor.
    DepartmentCycle = ("department_cycle", 409, "A department cannot be placed under itself or its sub-departments.", "所属を自分自身またはその配下に移動することはできません。"),
    /// The new password breaks the password policy.
    PasswordPolicy = ("password_policy", 422, "The password does not meet the policy: at least 12 characters, letters and digits, not the login ID.", "パスワードは12文字以上で、英字と数字を含め、ログインIDと異なるものにしてください。"),
    /// The current password given to confirm a change is wrong.
    CurrentPasswordWrong = ("current_password_wrong", 403, "The current password is incorrect.", "現在のパスワードが正しくありません。"),
    /// An administrator cannot disable themselves or remove their own admin role.
    SelfLockout = ("self_lockout", 409, "You cannot disable your own account or remove your own administrator role.", "自分自身のアカウントの無効化や管理者権限の削除はできません。"),
    /// A conflicting concurrent change.
    Conflict = ("conflict", 409, "The request conflicts with the current state.", "他の操作と競合しました。画面を再読み込みしてください。"),
    /// The contract's state does not allow this action (e.g. editing a sent contract).
    ContractStateConflict = ("contract_state_conflict", 409, "This action is not possible in the contract's current state.", "現在の契約の状態では、この操作はできません。画面を再読み込みしてください。"),
    /// The tenant requires internal approval before sending (仕様 5-(15)).
    ApprovalRequired = ("approval_required", 409, "This contract must be approved internally before it is sent.", "送信する前に、承認ルートによる承認が必要です。"),
    /// The approval route has no steps, or not every step has approved.
    RouteIncomplete = ("route_incomplete", 409, "The approval route is missing or not complete.", "承認ルートが設定されていないか、承認が完了していません。"),
    /// Submitting or sending needs the main PDF.
    DocumentMissing = ("document_missing", 409, "Upload the contract PDF first.", "契約書のPDFをアップロードしてください。"),
    /// Submitting or sending needs at least one recipient.
    RecipientsMissing = ("recipients_missing", 409, "Add at least one recipient first.", "送信先を1件以上設定してください。"),
    /// An approver cannot approve a contract they created.
    SelfApproval = ("self_approval", 409, "You cannot approve a contract you created.", "自分が作成した契約を承認することはできません。"),
    /// The user is not an approver of the current step (or has already approved it).
    NotCurrentApprover = ("not_current_approver", 409, "You are not an approver of the current step, or you have already approved it.", "現在の承認段階の承認者ではないか、既に承認済みです。"),
    /// A recipient has already agreed: the contract can no longer be recalled.
    AlreadyAgreed = ("already_agreed", 409, "A recipient has already agreed; the contract can no longer be recalled.", "既に合意した送信先があるため、差し戻しできません。"),
    /// The seal is not yet on the document.
    NotSealed = ("not_sealed", 409, "The document is not sealed yet.", "まだ電子署名とタイムスタンプが付与されていません。"),
    /// A seal key file could not be opened: wrong password, or not a PKCS#12 / PEM key.
    SealKeyUnreadable = ("seal_key_unreadable", 422, "The key file cannot be opened: the password is wrong or it is not a PKCS#12 or PEM key.", "鍵ファイルを開けません。パスワードが誤っているか、PKCS#12またはPEM形式の鍵ではありません。"),
    /// The seal certificate has expired.
    SealCertificateExpired = ("seal_certificate_expired", 422, "The seal certificate has expired; import a current one.", "電子署名の証明書の有効期限が切れています。有効な証明書を登録してください。"),
    /// The seal certificate is not valid yet.
    SealCertificateNotYetValid = ("seal_certificate_not_yet_valid", 422, "The seal certificate is not valid yet; import it on or after its start date.", "電子署名の証明書はまだ有効期間が始まっていません。有効期間の開始後に登録してください。"),
    /// The private key does not belong to the certificate.
    SealKeyMismatch = ("seal_key_mismatch", 422, "The private key does not match the certificate.", "秘密鍵が証明書と対応していません。同じ組の鍵と証明書を指定してください。"),
    /// The certificate's key usage does not allow digital signatures.
    SealCertificateNotForSigning = ("seal_certificate_not_for_signing", 422, "The certificate's key usage does not allow digital signatures (digitalSignature).", "この証明書は電子署名に使えません（鍵用途にdigitalSignatureがありません）。"),
    /// The chain does not lead to the seal certificate.
    SealChainBroken = ("seal_chain_broken", 422, "The certificate chain does not lead to the seal certificate.", "証明書チェーンが電子署名の証明書につながっていません。発行元の中間証明書とルート証明書を指定してください。"),
    /// The key is already in the keyring.
    SealKeyDuplicate = ("seal_key_duplicate", 409, "This certificate is already in the keyring.", "この証明書の鍵は既に登録されています。"),
    /// The key cannot be activated: it is retired, or it cannot be loaded now.
    SealKeyNotActivatable = ("seal_key_not_activatable", 409, "This key cannot be activated: it is retired, expired or cannot be loaded.", "この鍵は使用開始できません（廃止済み、期限切れ、または読み込めません）。"),
    /// The active key cannot be retired before another one is activated.
    SealKeyActive = ("seal_key_active", 409, "The active key cannot be retired; activate another key first.", "使用中の鍵は廃止できません。先に別の鍵を使用開始してください。"),
    /// A TSA URL is not an http(s) URL.
    TsaUrlInvalid = ("tsa_url_invalid", 422, "The time-stamp authority's URL must be an http:// or https:// URL.", "タイムスタンプ局のURLは http:// または https:// で始まる必要があります。"),
    /// The TSA is already in the list.
    TsaDuplicate = ("tsa_duplicate", 409, "This time-stamp authority is already in the list.", "このタイムスタンプ局は既に登録されています。"),
    /// The uploaded file is not a PDF.
    PdfNotPdf = ("pdf_not_pdf", 422, "The file is not a PDF.", "PDFファイルではありません。PDF形式のファイルを選択してください。"),
    /// The PDF is damaged (no usable cross-reference table or trailer).
    PdfDamaged = ("pdf_damaged", 422, "The PDF is damaged and cannot be signed safely.", "PDFファイルが破損しているため、署名できません。元のアプリケーションからPDFを作成し直してください。"),
    /// The PDF is encrypted or password-protected.
    PdfEncrypted = ("pdf_encrypted", 422, "The PDF is encrypted or password-protected; upload it without protection.", "PDFにパスワードまたはセキュリティ設定がされているため、署名できません。保護を解除したPDFをアップロードしてください。"),
    /// The PDF is certified with no changes permitted.
    PdfCertifiedNoChanges = ("pdf_certified_no_changes", 422, "The PDF is certified with no changes permitted; signing it would invalidate the existing signature.", "このPDFには変更を禁止する証明署名が付いているため、署名すると既存の署名が無効になります。"),
    /// A visible stamp cannot be placed (certified document, page out of range, too small).
    PdfStampImpossible = ("pdf_stamp_impossible", 422, "The visible stamp cannot be placed on this PDF as requested.", "指定された位置に署名欄（印影）を配置できません。"),
    /// A main PDF and attachments together exceed the contract's size limit.
    ContractTooLarge = ("contract_too_large", 413, "The files of this contract exceed the size limit.", "この契約のファイルの合計サイズが上限を超えています。"),
    /// The signing link has expired or was replaced (forwarded, recalled, re-sent).
    SigningLinkExpired = ("signing_link_expired", 410, "This link is no longer valid. Ask the sender for a new one.", "このリンクは有効期限が切れたか、無効になっています。送信者に再送を依頼してください。"),
    /// The one-time code (or access code) is wrong.
    SigningCodeInvalid = ("signing_code_invalid", 401, "The confirmation code or access code is incorrect.", "確認コードまたはアクセスコードが正しくありません。"),
    /// The one-time code has expired or none was requested.
    SigningCodeExpired = ("signing_code_expired", 401, "The confirmation code has expired. Request a new one.", "確認コードの有効期限が切れています。新しい確認コードを送信してください。"),
    /// Too many wrong codes: the link is locked for a while.
    SigningLocked = ("signing_locked", 423, "Too many wrong codes. The link is locked for a while (30 minutes, longer after repeated locks).", "確認コードの入力に続けて失敗したため、一時的にロックされています（30分間。繰り返すと長くなります）。"),
    /// So many wrong codes that the link was closed for good; the sender has been told and can
    /// send a new link.
    SigningLinkClosed = ("signing_link_closed", 410, "Too many wrong codes: this link has been closed. Ask the sender for a new one.", "確認コードの誤りが多いため、このリンクは停止されました。送信者に新しいリンクの発行を依頼してください。"),
    /// A code was sent a moment ago.
    SigningCodeTooSoon = ("signing_code_too_soon", 429, "A code was just sent. Wait a minute before requesting another.", "確認コードを送信したばかりです。1分ほど待ってから再度お試しください。"),
    /// The recipient has not confirmed with the one-time code in this session.
    SigningVerificationRequired = ("signing_verification_required", 401, "Confirm with the code sent by e-mail first.", "メールで届いた確認コードを入力してください。"),
    /// Agreeing needs the explicit consent flag.
    ConsentRequired = ("consent_required", 422, "Tick the consent box to agree.", "同意する場合は、確認欄にチェックを入れてください。"),
    /// Forwarding is not allowed for this contract.
    ForwardingNotAllowed = ("forwarding_not_allowed", 409, "The sender does not allow forwarding this request.", "この依頼は転送できません。"),
    /// The attachment's extension is not one of the accepted file types.
    AttachmentTypeNotAllowed = ("attachment_type_not_allowed", 422, "This file type cannot be attached. Accepted: PDF, images (PNG, JPEG, GIF, TIFF), Word, Excel, PowerPoint, OpenDocument, text, CSV and ZIP.", "このファイル形式は添付できません。PDF、画像（PNG・JPEG・GIF・TIFF）、Word・Excel・PowerPoint、OpenDocument、テキスト、CSV、ZIPのファイルを添付してください。"),
    /// The file's content is not what its extension says (e.g. an HTML page named `.txt`).
    AttachmentTypeMismatch = ("attachment_type_mismatch", 422, "The file's content does not match its extension.", "ファイルの内容が拡張子と一致しません。正しい形式のファイルを選択してください。"),
    /// The PDF exceeds what the reader spends on one document (size of its structures,
    /// decompressed data, objects or time): refused, not half-read.
    PdfTooComplex = ("pdf_too_complex", 422, "The PDF is too complex to be processed safely (too many objects, too much compressed data or too deeply nested).", "PDFの構造が複雑すぎるため処理できません（オブジェクト数、圧縮データの量、入れ子の深さのいずれかが上限を超えています）。"),
    /// All verification slots are busy; retry in a moment.
    VerificationBusy = ("verification_busy", 429, "Too many verifications are running. Try again in a moment.", "現在、検証の処理が混み合っています。しばらくしてから再度お試しください。"),
    /// This address has verified too many files recently.
    VerificationRateLimited = ("verification_rate_limited", 429, "Too many verifications from your network. Try again later.", "短時間に多数の検証が行われました。しばらくしてから再度お試しください。"),
    /// The verification did not finish in time.
    VerificationTimeout = ("verification_timeout", 503, "The verification took too long and was stopped.", "検証に時間がかかりすぎたため中止しました。"),
    /// The request body did not arrive in time (a stalled or very slow upload).
    UploadTimeout = ("upload_timeout", 408, "The file did not arrive in time. Check the connection and send it again.", "ファイルの受信が時間内に完了しませんでした。通信環境を確認して、もう一度送信してください。"),
    /// A recipient's request has been forwarded as often as allowed.
    ForwardLimitReached = ("forward_limit_reached", 409, "This request has been forwarded as many times as allowed. Ask the sender.", "この依頼は転送できる回数の上限に達しています。送信者にお問い合わせください。"),
    /// Unknown API path.
    RouteNotFound = ("route_not_found", 404, "No such API endpoint.", "指定されたAPIは存在しません。"),
    /// Wrong HTTP method for the path.
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed.", "この操作は許可されていません。"),
    /// The database or another dependency is unavailable; retry later.
    ServiceUnavailable = ("service_unavailable", 503, "The service is temporarily unavailable. Try again later.", "ただいまサービスを利用できません。しばらくしてから再度お試しください。"),
    /// An unexpected server error; details are in the server log under the request ID.
    Internal = ("internal", 500, "An unexpected error occurred.", "予期しないエラーが発生しました。時間をおいて再度お試しください。"),
    // Maintenance notices (メンテナンス・障害のお知らせ).
    /// A notice's start or end is not an RFC 3339 time with an offset.
    NoticeTimeInvalid = ("notice_time_invalid", 422, "Give the start and end as RFC 3339 times with an offset, e.g. 2026-12-20T22:00:00+09:00.", "開始日時と終了日時は 2026-12-20T22:00:00+09:00 の形式で指定してください。"),
    /// A notice's end is before its start.
    NoticeEndBeforeStart = ("notice_end_before_start", 422, "The notice ends before it starts. Give an end at or after the start.", "終了日時が開始日時より前になっています。開始日時以降の日時を指定してください。"),
    /// A notice's end has already passed, so nobody would see it.
    NoticeEndInPast = ("notice_end_in_past", 422, "The notice's end has already passed. Give an end in the future.", "終了日時が過ぎています。これから先の日時を指定してください。"),
    /// A notice covers more than 90 days.
    NoticePeriodTooLong = ("notice_period_too_long", 422, "A notice may cover at most 90 days. Shorten the period or publish a new notice later.", "お知らせの掲載期間は90日以内にしてください。"),
    /// The notice was withdrawn and can no longer be changed.
    NoticeWithdrawn = ("notice_withdrawn", 409, "This notice has been withdrawn and can no longer be changed. Publish a new one.", "このお知らせは取り下げ済みのため変更できません。新しいお知らせを掲載してください。"),
    // Retention and disposition (保存期間・廃棄):
    /// The contract is on legal hold (廃棄保留): it cannot be disposed of.
    ContractOnLegalHold = ("contract_on_legal_hold", 409, "This contract is on legal hold and cannot be disposed of. Release the hold first if it is no longer needed.", "この契約は廃棄保留（訴訟ホールド）中のため廃棄できません。不要になった場合は先に廃棄保留を解除してください。"),
    /// The contract's retention period has not ended.
    RetentionNotEnded = ("retention_not_ended", 409, "The retention period of this contract has not ended yet.", "この契約の保存期間はまだ満了していません。保存期限を過ぎてから廃棄してください。"),
    /// The contract was disposed of: its files and personal data no longer exist.
    ContractDisposed = ("contract_disposed", 410, "This contract was disposed of after its retention period; its files no longer exist.", "この契約は保存期間の満了により廃棄済みのため、ファイルはありません。"),
    /// The requester of a disposition cannot approve it: a second administrator must.
    DispositionSelfApproval = ("disposition_self_approval", 409, "The administrator who requested the disposition cannot approve it; another administrator must.", "廃棄を申請した管理者は承認できません。別の管理者が承認してください。"),
    /// The disposition request was already approved, rejected or cancelled.
    DispositionNotPending = ("disposition_not_pending", 409, "This disposition request has already been decided or cancelled.", "この廃棄申請は既に承認・却下・取消されています。"),
    /// A contract of the request is already in another pending disposition request.
    DispositionAlreadyRequested = ("disposition_already_requested", 409, "A disposition of this contract has already been requested.", "この契約は既に廃棄申請中です。"),
    /// Only the requester may cancel their request.
    DispositionNotRequester = ("disposition_not_requester", 403, "Only the administrator who requested the disposition can cancel it.", "廃棄申請を取り消せるのは申請した管理者だけです。"),
    // Monthly usage report (月次利用状況報告).
    /// The report month is not `YYYY-MM` (month 01–12, year 2000 or later).
    ReportMonthInvalid = ("report_month_invalid", 422, "Give the month as YYYY-MM, e.g. 2026-11 (month 01 to 12).", "対象月は「2026-11」のように年-月（月は01〜12）で指定してください。"),
    /// The report month has not begun yet (JST).
    ReportMonthInFuture = ("report_month_in_future", 422, "That month has not begun yet. Choose this month or an earlier one.", "まだ始まっていない月の報告は作成できません。今月以前の月を指定してください。"),
    /// The report format is not csv, pdf or json.
    ReportFormatInvalid = ("report_format_invalid", 422, "Choose the format csv, pdf or json.", "出力形式は csv、pdf、json のいずれかを指定してください。"),
    // Records management: the fiscal-year export (年度別一括出力).
    /// The fiscal year asked for is before 2000 or after next year.
    ExportFiscalYearOutOfRange = ("export_fiscal_year_out_of_range", 422, "The fiscal year must be between 2000 and next year.", "年度は2000年度から翌年度までの範囲で指定してください。"),
    /// A department asked for is not one of the tenant's.
    ExportDepartmentUnknown = ("export_department_unknown", 422, "One of the departments does not exist. Choose departments from the list.", "指定された所属が存在しません。一覧から所属を選択してください。"),
    /// The export is not finished (or failed), so there is nothing to download yet.
    ExportNotReady = ("export_not_ready", 409, "The export is not finished yet. Wait until it is complete.", "一括出力はまだ完了していません。完了してからダウンロードしてください。"),
    // Idempotency keys and rate limits.
    /// The `Idempotency-Key` header is empty, longer than 255 characters or not printable ASCII.
    IdempotencyKeyInvalid = ("idempotency_key_invalid", 400, "The Idempotency-Key header must be 1 to 255 printable ASCII characters.", "Idempotency-Key ヘッダーは1〜255文字の印字可能なASCII文字で指定してください。"),
    /// The key was used before for a request with another body (or query).
    IdempotencyKeyReused = ("idempotency_key_reused", 422, "This Idempotency-Key was already used for a different request. Use a new key for a new request.", "この Idempotency-Key は別の内容のリクエストに使用済みです。新しいリクエストには新しいキーを使用してください。"),
    /// The first request with this key is still being processed.
    IdempotencyKeyInProgress = ("idempotency_key_in_progress", 409, "A request with this Idempotency-Key is still being processed. Retry shortly.", "同じ Idempotency-Key のリクエストを処理中です。しばらくしてから再試行してください。"),
    /// The first request with this key was processed, but its answer was too large to keep.
    IdempotencyResponseNotStored = ("idempotency_response_not_stored", 409, "The request with this Idempotency-Key was already processed; its response was too large to keep. Read the result with a GET request.", "この Idempotency-Key のリクエストは処理済みですが、応答が大きすぎるため保存されていません。結果は GET で取得してください。"),
    /// Too many requests from this API token or client address; see `Retry-After`.
    RateLimited = ("rate_limited", 429, "Too many requests. Wait for the number of seconds in Retry-After and try again.", "リクエストが多すぎます。Retry-After の秒数だけ待ってから再度お試しください。"),
    // Demonstration data (tachiai admin seed).
    /// The tenant already has contracts; seeding adds to them only when asked (`--yes`).
    SeedTenantNotEmpty = ("seed_tenant_not_empty", 409, "The tenant already has contracts. Seed an empty tenant, or confirm adding demonstration data with --yes.", "この団体には既に契約があります。空の団体に投入するか、--yes を指定してデモデータの追加を確認してください。"),
    /// The tenant has no user to record as the demonstration contracts' creator.
    SeedTenantWithoutUsers = ("seed_tenant_without_users", 409, "The tenant has no enabled user to create the demonstration contracts. Create a user first.", "デモデータの作成者となる有効な利用者がいません。先に利用者を登録してください。"),
    /// More demonstration contracts than one seed writes.
    SeedTooLarge = ("seed_too_large", 422, "At most 5,000,000 contracts can be seeded at once.", "一度に投入できる契約は5,000,000件までです。"),
    // Webhooks (Webhook 通知).
    /// The endpoint URL is not an http(s) URL with a host.
    WebhookUrlInvalid = ("webhook_url_invalid", 422, "Enter an endpoint URL that starts with https:// (or http://) and names a host.", "通知先URLは https://（または http://）で始まり、ホスト名を含むURLを入力してください。"),
    /// The endpoint URL points to a private, loopback or otherwise internal address (or does
    /// not resolve), which the operator has not allowed.
    WebhookUrlNotAllowed = ("webhook_url_not_allowed", 422, "The endpoint URL points to an internal or unknown address. Use an address reachable on the internet, or ask the operator to allow private addresses.", "通知先URLが内部のアドレスを指しているか、名前を解決できません。インターネットから到達できるURLを指定するか、運用者に内部アドレスの許可を依頼してください。"),
    // Document templates (ひな形) and bulk sending (一括送信).
    /// The template has no main PDF, so no contract can be made from it.
    TemplateDocumentMissing = ("template_document_missing", 409, "The template has no main PDF. Upload one to the template first.", "ひな形に契約書PDFがありません。先にひな形へ契約書PDFを登録してください。"),
    /// A bulk send needs recipient slots the CSV can fill: the first slot from the row, the others complete in the template.
    TemplateNotReadyForBulk = ("template_not_ready_for_bulk", 409, "The template cannot be used for bulk sending: it needs at least one recipient slot, and every slot after the first needs its name and e-mail address in the template.", "このひな形は一括送信に使えません。送付先の枠が1つ以上必要で、2つ目以降の枠には氏名とメールアドレスをひな形に登録してください。"),
    /// The CSV is neither UTF-8 nor Shift_JIS; `errors` names the first bad line (`csv[line]`).
    CsvEncodingInvalid = ("csv_encoding_invalid", 422, "The CSV file is neither UTF-8 nor Shift_JIS. Save it again as CSV (UTF-8) or CSV (Shift_JIS); the line is given in errors.", "CSVファイルの文字コードを読み取れません（UTF-8またはShift_JISで保存してください）。該当する行を確認してください。"),
    /// A required column is missing from the header line; `errors` names it (`columns.<name>`).
    CsvColumnMissing = ("csv_column_missing", 422, "A required column is missing from the CSV header line. Add the column named in errors.", "CSVの1行目（見出し）に必須の列がありません。表示された列を追加してください。"),
    /// The CSV has more data rows than one bulk send allows (2,000), or none.
    CsvRowCount = ("csv_row_count", 422, "A bulk send takes 1 to 2,000 rows. Split the file.", "一括送信できるのは1〜2,000行です。ファイルを分割してください。"),
    /// Some rows are invalid; `errors` lists each as `csv[line].column`. Nothing was created.
    CsvRowsInvalid = ("csv_rows_invalid", 422, "Some rows of the CSV are invalid; nothing was created. Correct the rows listed in errors and upload the whole file again.", "CSVに誤りのある行があるため、何も作成していません。表示された行を修正し、ファイル全体をもう一度登録してください。"),
    // Network zones (ネットワークゾーン).
    /// Staff log in and work only from the address blocks of the tenant's enabled network
    /// zones (LGWAN-ASP, internet); this request's address is in none of them (audited).
    OutsideNetworkZone = ("outside_network_zone", 403, "You cannot log in from this network. Your organisation allows staff to log in only from the network zones its administrator has enabled (LGWAN-ASP or listed internet addresses); connect from such a network, or ask your administrator.", "この接続元からはログインできません。この団体では、管理者が許可したネットワークゾーン（LGWAN-ASP、または許可されたインターネットの接続元）からのみログインできます。許可された接続元から接続するか、管理者にお問い合わせください。"),
    /// The new zones would not allow the address the change comes from: the administrator
    /// would lock themselves out.
    NetworkZoneLockout = ("network_zone_lockout", 409, "These zones would not allow the address you are connected from; you would be locked out. Enable a zone that contains your address.", "この設定では、現在の接続元からログインできなくなります。現在の接続元を含むネットワークゾーンを有効にしてください。"),
    // Observability (metrics).
    /// `/metrics` without the configured bearer token (`metrics_token_file` / `metrics_token_sha256`), or with another one.
    MetricsTokenInvalid = ("metrics_token_invalid", 401, "The metrics need the configured bearer token (Authorization: Bearer …).", "メトリクスの取得には設定されたトークン（Authorization: Bearer …）が必要です。"),
    // SMS verification of counterparties (SMS認証).
    /// A recipient was given a mobile number for SMS verification, but the operator has not
    /// configured an SMS provider (`sms_provider_url`).
    SmsNotConfigured = ("sms_not_configured", 422, "SMS verification is not available: no SMS provider is configured. Remove the mobile number, or ask the operator to configure one.", "SMS認証は利用できません（SMS送信サービスが設定されていません）。携帯電話番号を削除するか、運用者に設定を依頼してください。"),
    /// The SMS provider did not accept the message (down, an error, too busy, or none configured any more).
    SmsSendFailed = ("sms_send_failed", 503, "The SMS could not be sent. Try again in a few minutes.", "SMSを送信できませんでした。数分おいてから、もう一度「SMSで認証コードを送信」を押してください。"),
    /// Agreeing, declining and forwarding need the code sent by SMS first.
    SmsVerificationRequired = ("sms_verification_required", 403, "Confirm with the code sent to your mobile phone by SMS first.", "携帯電話にSMSで届いた認証コードを入力してください。"),
    /// This recipient has no SMS verification (no mobile number was given by the sender).
    SmsNotRequired = ("sms_not_required", 409, "This request has no SMS verification.", "この依頼にはSMS認証が設定されていません。"),
    /// The hourly number of SMS codes for this recipient is used up.
    SmsSendLimit = ("sms_send_limit", 429, "Too many SMS codes were requested for this request. Try again in an hour.", "SMSの送信回数の上限に達しました。1時間ほど待ってから再度お試しください。"),
    /// The SMS code is wrong.
    SmsCodeInvalid = ("sms_code_invalid", 401, "The SMS code is incorrect.", "SMSの認証コードが正しくありません。"),
    /// No SMS code is pending, or it expired (10 minutes).
    SmsCodeExpired = ("sms_code_expired", 401, "The SMS code has expired. Request a new one.", "SMSの認証コードの有効期限が切れています。新しい認証コードを送信してください。"),
}

impl From<crate::contract::TransitionError> for ProblemCode {
    /// The API's code for a refused contract event: the problem table holds its messages.
    fn from(e: crate::contract::TransitionError) -> Self {
        use crate::contract::TransitionError as T;
        match e {
            T::Forbidden => ProblemCode::Forbidden,
            T::NotAllowedInState | T::RecipientsPending => ProblemCode::ContractStateConflict,
            T::ApprovalRequired => ProblemCode::ApprovalRequired,
            T::RouteIncomplete => ProblemCode::RouteIncomplete,
            T::NoDocument => ProblemCode::DocumentMissing,
            T::NoRecipients => ProblemCode::RecipientsMissing,
            T::SelfApproval => ProblemCode::SelfApproval,
            T::NotCurrentApprover => ProblemCode::NotCurrentApprover,
            T::AlreadyAgreed => ProblemCode::AlreadyAgreed,
            T::NotSealed => ProblemCode::NotSealed,
            T::LegalHold => ProblemCode::ContractOnLegalHold,
            T::RetentionNotEnded => ProblemCode::RetentionNotEnded,
        }
    }
}

impl Problem {
    /// A problem with the code's standard messages. Inlined like the messages: a browser
    /// bundle holds the texts of the codes it makes itself, not every code's.
    #[inline(always)]
    pub fn new(code: ProblemCode) -> Self {
        Problem::with_texts(
            code,
            code.as_str(),
            code.status(),
            code.message_en(),
            code.message_ja(),
        )
    }

    /// The building of [`Problem::new`], once (not at every call site).
    #[inline(never)]
    fn with_texts(code: ProblemCode, name: &str, status: u16, en: &str, ja: &str) -> Self {
        Problem {
            type_uri: format!("/problems/{name}"),
            title: en.to_owned(),
            status,
            detail: en.to_owned(),
            code,
            detail_ja: ja.to_owned(),
            errors: Vec::new(),
            request_id: None,
        }
    }

    /// A `validation_failed` problem listing the invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Problem {
            errors,
            ..Problem::new(ProblemCode::ValidationFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_an_error_status_and_serialises_to_its_name() {
        for &c in ProblemCode::ALL {
            assert!((400..600).contains(&c.status()), "{c:?}");
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert!(!c.message_ja().is_empty());
        }
    }

    #[test]
    fn problem_body_uses_rfc9457_member_names() {
        let v = serde_json::to_value(Problem::new(ProblemCode::NotFound)).unwrap();
        assert_eq!(v["type"], "/problems/not_found");
        assert_eq!(v["status"], 404);
        assert_eq!(v["code"], "not_found");
        assert!(v.get("errors").is_none());
    }
}
