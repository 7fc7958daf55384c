//! The counterparty's signing page (`/api/v1/signing/{token}`).

use serde::{Deserialize, Serialize};

use super::contracts::DocumentView;

/// `GET /api/v1/signing/{token}`: what the counterparty's signing page shows. Before the
/// one-time code is confirmed only who asks whom; the contract's data after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningView {
    /// 団体名 of the sender.
    pub tenant_name: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient's organisation.
    pub recipient_organization: String,
    /// The e-mail address, partly hidden (`ya***@example.co.jp`).
    pub email_hint: String,
    /// An access code must be entered with the one-time code.
    pub access_code_required: bool,
    /// The recipient's state.
    pub state: crate::contract::RecipientState,
    /// This session has confirmed with the code: the fields below are filled.
    pub verified: bool,
    /// 件名.
    pub title: Option<String>,
    /// 契約番号.
    pub contract_number: Option<String>,
    /// 契約金額.
    pub amount_yen: Option<i64>,
    /// The contract's state.
    pub contract_state: Option<crate::contract::ContractState>,
    /// The sender's message.
    pub message: Option<String>,
    /// Forwarding (転送) is allowed.
    pub allow_forwarding: bool,
    /// The current contract PDF (sealed once sealed) and the attachments.
    pub documents: Vec<DocumentView>,
    /// 回答期限.
    pub expires_at: Option<String>,
    /// 契約期間 from (YYYY-MM-DD).
    #[serde(default)]
    pub period_start: Option<String>,
    /// 契約期間 to (YYYY-MM-DD).
    #[serde(default)]
    pub period_end: Option<String>,
    /// The sender asked for SMS verification too: answering needs the code sent by SMS.
    #[serde(default)]
    pub sms_required: bool,
    /// This session has confirmed the SMS code.
    #[serde(default)]
    pub sms_verified: bool,
    /// The mobile number, masked (`090-****-5678`); only once the e-mailed code is confirmed.
    #[serde(default)]
    pub phone_hint: Option<String>,
}

/// `POST /api/v1/signing/{token}/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningVerifyRequest {
    /// The 6-digit code from the mail.
    pub code: String,
    /// The access code, when the sender set one.
    #[serde(default)]
    pub access_code: Option<String>,
}

/// The confirmed session: send it as `Authorization: Bearer …` on the next requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningSessionView {
    /// The session token.
    pub session_token: String,
    /// Valid for this many seconds.
    pub expires_in: u32,
}

/// `POST /api/v1/signing/{token}/agree`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningAgreeRequest {
    /// 「内容を確認し、合意します」 was ticked.
    pub consent: bool,
}

/// `POST /api/v1/signing/{token}/decline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningDeclineRequest {
    /// 却下の理由.
    pub reason: String,
}

/// `POST /api/v1/signing/{token}/forward`: 転送 to a colleague.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningForwardRequest {
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 組織名 (default: the forwarding recipient's).
    #[serde(default)]
    pub organization_name: Option<String>,
    /// 携帯電話番号 of the colleague: required when this request has SMS verification (the
    /// forwarder, confirmed by SMS, names the number the colleague's codes go to); refused
    /// (`sms_not_required`) otherwise.
    #[serde(default)]
    pub mobile_phone: Option<String>,
}

/// `POST /api/v1/signing/{token}/sms/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningSmsVerifyRequest {
    /// The 6-digit code from the SMS.
    pub code: String,
}
