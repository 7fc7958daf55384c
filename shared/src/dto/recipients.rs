//! A contract's counterparty recipients (相手方).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One recipient in `PUT /api/v1/contracts/{id}/recipients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecipientRequest {
    /// 組織名.
    pub organization_name: String,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// アクセスコード, given to the recipient out of band (4–32 characters).
    #[serde(default)]
    pub access_code: Option<String>,
    /// Without a new `access_code`: keep the code this address already has on the contract
    /// (codes are stored hashed, so the app cannot send them back).
    #[serde(default)]
    pub keep_access_code: bool,
    /// 携帯電話番号（SMS認証）: when given, the recipient must also confirm a one-time code
    /// sent to this Japanese mobile number by SMS before answering (070/080/090 and 8 digits;
    /// hyphens, spaces, full-width digits and `+81` are accepted). Needs an SMS provider.
    #[serde(default)]
    pub mobile_phone: Option<String>,
}

/// `PUT /api/v1/contracts/{id}/recipients`: the whole list, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecipientsRequest {
    /// Recipients in signing order.
    pub recipients: Vec<RecipientRequest>,
}

/// A counterparty recipient as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecipientView {
    /// Id.
    pub id: Uuid,
    /// Order (1-based).
    pub position: i32,
    /// 組織名.
    pub organization_name: String,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// An access code is required.
    pub has_access_code: bool,
    /// Where they are.
    pub state: crate::contract::RecipientState,
    /// Forwarded from this recipient.
    pub forwarded_from: Option<Uuid>,
    /// 依頼日時.
    pub notified_at: Option<String>,
    /// 閲覧日時 (verified and opened).
    pub verified_at: Option<String>,
    /// 合意日時.
    pub agreed_at: Option<String>,
    /// 却下日時.
    pub declined_at: Option<String>,
    /// 却下理由.
    pub decline_reason: Option<String>,
    /// 携帯電話番号（SMS認証）, `090-1234-5678`, when SMS verification is required.
    #[serde(default)]
    pub mobile_phone: Option<String>,
}
