//! Maintenance and outage notices (メンテナンス・障害のお知らせ).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::notice::{NoticeKind, NoticeScope};

/// `POST /api/v1/notices` and `PUT /api/v1/notices/{id}`: a notice of the caller's tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    /// 種別: planned maintenance, outage or recovered.
    pub kind: NoticeKind,
    /// 開始日時, RFC 3339 with an offset (`2026-12-20T22:00:00+09:00`).
    pub starts_at: String,
    /// 終了日時 (予定), RFC 3339, not before the start and not in the past; at most 90 days
    /// after the start.
    pub ends_at: String,
    /// 件名: one line, at most 100 characters, plain text.
    pub title: String,
    /// 本文: plain text (shown as typed, never as HTML), line breaks allowed, at most 2000
    /// characters.
    pub text: String,
}

/// A notice as its publisher manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeView {
    /// Notice ID.
    pub id: Uuid,
    /// Service-wide (published by the operator) or of this tenant.
    pub scope: NoticeScope,
    /// 種別.
    pub kind: NoticeKind,
    /// 開始日時 (RFC 3339, UTC).
    pub starts_at: String,
    /// 終了日時 (RFC 3339, UTC).
    pub ends_at: String,
    /// 件名.
    pub title: String,
    /// 本文 (plain text).
    pub text: String,
    /// Whether banners show it now (from 7 days before the start until the end, unless
    /// withdrawn).
    pub shown: bool,
    /// 取り下げ日時, when withdrawn.
    pub withdrawn_at: Option<String>,
    /// Who published it (login ID, or `cli` for the operator).
    pub created_by: String,
    /// When it was published.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// A notice as a banner shows it: to signed-in staff and, for the notices that concern a
/// contract, on the counterparty's signing page. Nothing here names a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeBannerView {
    /// Notice ID (to remember a dismissed banner).
    pub id: Uuid,
    /// 種別; an outage is announced as an alert.
    pub kind: NoticeKind,
    /// 開始日時 (RFC 3339, UTC).
    pub starts_at: String,
    /// 終了日時 (RFC 3339, UTC).
    pub ends_at: String,
    /// `true` once the window has begun (実施中), `false` while it is ahead (予定).
    pub active: bool,
    /// 件名.
    pub title: String,
    /// 本文 (plain text).
    pub text: String,
}

/// `GET /api/v1/notices/current` and `GET /api/v1/signing/{token}/notices`: at most 5, the
/// active ones first, then by start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeBannersView {
    /// The notices to show.
    pub notices: Vec<NoticeBannerView>,
}
