//! The JSON bodies of `/api/v1`. Requests end in `Request` and refuse unknown fields;
//! responses end in `View`. Database rows are never serialised to clients: the server maps
//! them into these.
//!
//! Times are RFC 3339 strings in UTC (`2026-04-01T05:00:00Z`); the browser shows them in JST.

mod address_book;
mod api_tokens;
mod approval;
mod audit;
mod contract_list;
mod contracts;
mod dashboard;
mod departments;
mod health;
mod recipients;
mod session;
mod settings;
mod signing;
mod users;
mod verification;
// Maintenance notices (お知らせ).
mod notices;
// Retention and disposition:
mod retention;
// Monthly usage report (月次利用状況報告).
mod reports;
// Records management: the fiscal-year export.
mod exports;
// Idempotency keys and rate limits.
mod rate_limits;
// Document templates (ひな形) and bulk sending (一括送信).
mod templates;

pub use address_book::{ContactRequest, ContactView, OrganizationRequest, OrganizationView};
pub use api_tokens::{ApiTokenView, CreateApiTokenRequest, CreatedApiTokenView};
pub use approval::{
    ApprovalRouteRequest, ApprovalStepRequest, ApprovalStepView, ApproverOption, ApproverView,
    RouteTemplateRequest, RouteTemplateView,
};
pub use audit::{AuditChainBreakView, AuditChainView, AuditEventView};
pub use contract_list::{ContractListQuery, ContractSort};
pub use contracts::{
    ArchiveRequest, CommentRequest, ContractRequest, ContractSummaryView, ContractView,
    DocumentView, SealTroubleView, StampPlacement, TimelineEntryView,
};
pub use dashboard::{
    ArchiveRenewalView, ContractEventView, DashboardListView, DashboardView, StateCountView,
};
pub use departments::{DepartmentRequest, DepartmentView};
pub use health::{DatabaseKind, HealthView, LivenessView, ReadinessCheck, ReadinessView};
pub use recipients::{RecipientRequest, RecipientView, RecipientsRequest};
pub use session::{
    ChangePasswordRequest, LoginRequest, MeView, SessionView, TenantView, TotpDisableRequest,
    TotpEnableRequest, TotpSetupView,
};
pub use settings::{
    AddTsaRequest, CertificateInfoView, ImportSealKeyRequest, MoveTsaRequest, Pkcs11ReferenceView,
    SealInfoView, SealKeyMaterial, SealKeyView, SealKeyringView, TenantSettingsView, TsaListView,
    TsaView, UpdateTenantSettingsRequest,
};
pub use signing::{
    SigningAgreeRequest, SigningDeclineRequest, SigningForwardRequest, SigningSessionView,
    SigningSmsVerifyRequest, SigningVerifyRequest, SigningView,
};
pub use users::{CreateUserRequest, UpdateUserRequest, UserCredentialView, UserView};
pub use verification::{DerivationEvidence, DerivedFromView, SignatureLoss};
pub use verification::{
    LtvCheckView, LtvMissingView, PublicContractView, PublicVerificationView, RevocationCheckView,
    SignatureCheckView, TimestampCheckView, VerificationView,
};
// Maintenance notices (お知らせ).
pub use notices::{NoticeBannerView, NoticeBannersView, NoticeRequest, NoticeView};
// Retention and disposition:
pub use retention::{
    CreateDispositionRequest, DisposalView, DisposedFileView, DispositionCandidateView,
    DispositionDecisionRequest, DispositionItemView, DispositionState, DispositionView,
    LegalHoldRequest, LegalHoldView, RetentionOverrideRequest, RetentionRuleRequest,
};
// Monthly usage report (月次利用状況報告).
pub use reports::{MonthlyReportRowView, MonthlyReportView};
// Records management: the fiscal-year export.
pub use exports::{ExportEncoding, ExportState, ExportView, FiscalYearExportRequest};
// Idempotency keys and rate limits.
pub use rate_limits::{
    MAX_TOKEN_REQUESTS_PER_MINUTE, MIN_TOKEN_REQUESTS_PER_MINUTE, RateLimitRequest, RateLimitView,
};
// Webhooks (Webhook 通知).
mod webhooks;
pub use webhooks::{
    WebhookAttemptView, WebhookDeliveryView, WebhookEndpointRequest, WebhookEndpointView,
    WebhookRotateRequest, WebhookSecretView,
};
// Document templates (ひな形) and bulk sending (一括送信).
pub use templates::{
    BulkSendFailureView, BulkSendState, BulkSendView, RecipientSlot, SlotValues,
    TemplateContractRequest, TemplateDocumentView, TemplateFields, TemplateRequest, TemplateView,
};

use serde::{Deserialize, Serialize};

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items on all pages (lists that cap their count: at most the cap, see `total_is_capped`).
    pub total: u64,
    /// `true` when the count stopped early: `total` is then a lower bound (the contract list
    /// counts up to 1,000, and with a filter checked row by row looks at the first 10,000 rows of
    /// its sort order only).
    #[serde(default)]
    pub total_is_capped: bool,
    /// The opaque position after this page's last item (lists with keyset pagination): pass it
    /// as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
// The paging bounds every list shares (the OpenAPI document states them).
pub mod paging;
// Network zones (ネットワークゾーン).
mod network_zones;
pub use network_zones::{NetworkZoneSettings, NetworkZonesView, UpdateNetworkZonesRequest};
