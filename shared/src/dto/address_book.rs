//! The address book (取引先): counterparty organisations and their contacts.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A counterparty organisation in the address book (取引先).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationView {
    /// Organisation ID.
    pub id: Uuid,
    /// 名称, e.g. 株式会社テスト商事.
    pub name: String,
    /// 名称（カナ）.
    pub name_kana: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 電話番号.
    pub phone: Option<String>,
    /// 備考.
    pub notes: Option<String>,
    /// Archived entries are hidden from pickers but kept.
    pub archived: bool,
    /// Contacts of this organisation.
    pub contacts: Vec<ContactView>,
}

/// `POST /api/v1/organizations` and `PUT /api/v1/organizations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganizationRequest {
    /// 名称.
    pub name: String,
    /// 名称（カナ）.
    #[serde(default)]
    pub name_kana: Option<String>,
    /// 住所.
    #[serde(default)]
    pub address: Option<String>,
    /// 電話番号.
    #[serde(default)]
    pub phone: Option<String>,
    /// 備考.
    #[serde(default)]
    pub notes: Option<String>,
    /// Archive or restore.
    #[serde(default)]
    pub archived: bool,
}

/// A person at a counterparty organisation (相手方の担当者).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    /// Contact ID.
    pub id: Uuid,
    /// The organisation.
    pub organization_id: Uuid,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 部署.
    pub division: Option<String>,
    /// 役職.
    pub title: Option<String>,
    /// 電話番号.
    pub phone: Option<String>,
    /// Archived contacts are hidden from pickers but kept.
    pub archived: bool,
}

/// `POST /api/v1/organizations/{id}/contacts` and `PUT /api/v1/contacts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 部署.
    #[serde(default)]
    pub division: Option<String>,
    /// 役職.
    #[serde(default)]
    pub title: Option<String>,
    /// 電話番号.
    #[serde(default)]
    pub phone: Option<String>,
    /// Archive or restore.
    #[serde(default)]
    pub archived: bool,
}
