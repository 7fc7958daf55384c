//! The contract workflow (契約の進行): one state machine, used by the server to change state and
//! by the browser app to decide which buttons to show, so the two cannot disagree.
//!
//! ```text
//! Draft ─submit→ PendingApproval ─(all steps approve)→ Approved ─send→ Sent
//!   ↑               │ reject / withdraw / edit                        │ each recipient in order:
//!   └───────────────┘                                                 │ notified → verified → agreed
//! Sent ─(all agreed)→ Concluding ─(signed+timestamped)→ Concluded
//! Sent ─declined→ Declined;  Draft…Sent ─cancel→ Cancelled;  Sent ─expire→ Expired
//! Draft ─send→ Sent only when the tenant does not require approval (仕様 5-(15))
//! Sent ─send back→ Draft while no recipient has agreed
//! ```
//!
//! [`apply`] is the only way to change a contract's state; [`allowed_actions`] is defined
//! through it. Everything the rules look at is an argument: the [`ContractFacts`] the server
//! builds from the database (and sends to the browser), and the [`ContractActor`]. This module
//! does no I/O, reads no clock and draws no random numbers.
//!
//! Recipients (the counterparty's signers) have their own small machine, [`apply_recipient`].

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::access::Permission;

/// An enum stored as TEXT: `ALL`, `as_str`, `parse` and `Display`, with the serde name equal to
/// the stored name.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$doc:meta])* $variant:ident = $wire:tt, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$doc])* #[serde(rename = $wire)] $variant, )*
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)* }
            }

            /// Parses the stored name; unknown text is `None`, never a default.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownStoredValue;

            fn try_from(s: String) -> Result<Self, UnknownStoredValue> {
                $name::parse(&s).ok_or(UnknownStoredValue {
                    kind: stringify!($name),
                    value: s,
                })
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }
    };
}
// Webhooks: their event and delivery-state enums are stored the same way.
pub(crate) use stored_enum;

/// Stored text that is no value of its enum: the row was not written by this version. The
/// server reads rows through `TryFrom<String>`, so such a row fails to load (an internal
/// error) instead of passing for a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStoredValue {
    /// The enum, e.g. `ContractState`.
    pub kind: &'static str,
    /// The stored text.
    pub value: String,
}

impl fmt::Display for UnknownStoredValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a {}", self.value, self.kind)
    }
}

impl std::error::Error for UnknownStoredValue {}

stored_enum! {
    /// Where a contract (契約) is in its life.
    pub enum ContractState {
        /// 下書き: being prepared; only staff see it.
        Draft = "draft",
        /// 承認待ち: submitted to the approval route (承認ルート).
        PendingApproval = "pending_approval",
        /// 承認済み: every approval step approved; ready to send.
        Approved = "approved",
        /// 相手方確認中: sent; waiting for the counterparty to agree.
        Sent = "sent",
        /// 締結処理中: everyone agreed; the service is sealing and timestamping the PDF.
        Concluding = "concluding",
        /// 締結済み: the signed, timestamped PDF exists.
        Concluded = "concluded",
        /// 却下: a recipient declined.
        Declined = "declined",
        /// 取消: cancelled by staff.
        Cancelled = "cancelled",
        /// 期限切れ: the counterparty did not answer before the deadline.
        Expired = "expired",
        /// 廃棄済み: its retention period (保存期間) ended and, with a second administrator's
        /// approval, its files and personal data were deleted; a tombstone remains.
        Disposed = "disposed",
    }
}

impl ContractState {
    /// The Japanese label used in the interface (see docs/glossary.md).
    pub fn label_ja(self) -> &'static str {
        match self {
            ContractState::Draft => "下書き",
            ContractState::PendingApproval => "承認待ち",
            ContractState::Approved => "承認済み",
            ContractState::Sent => "相手方確認中",
            ContractState::Concluding => "締結処理中",
            ContractState::Concluded => "締結済み",
            ContractState::Declined => "却下",
            ContractState::Cancelled => "取消",
            ContractState::Expired => "期限切れ",
            ContractState::Disposed => "廃棄済み",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ContractState::Draft => "Draft",
            ContractState::PendingApproval => "Pending approval",
            ContractState::Approved => "Approved",
            ContractState::Sent => "Awaiting counterparty",
            ContractState::Concluding => "Concluding",
            ContractState::Concluded => "Concluded",
            ContractState::Declined => "Declined",
            ContractState::Cancelled => "Cancelled",
            ContractState::Expired => "Expired",
            ContractState::Disposed => "Disposed",
        }
    }

    /// The life is over: no event but `Duplicate` and, once the retention period has ended,
    /// `Dispose` is accepted (and by `Disposed`, none at all).
    pub fn is_terminal(self) -> bool {
        match self {
            ContractState::Concluded
            | ContractState::Declined
            | ContractState::Cancelled
            | ContractState::Expired
            | ContractState::Disposed => true,
            ContractState::Draft
            | ContractState::PendingApproval
            | ContractState::Approved
            | ContractState::Sent
            | ContractState::Concluding => false,
        }
    }

    /// Still in progress (the opposite of [`is_terminal`](Self::is_terminal)).
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }
}

stored_enum! {
    /// Where one recipient (a signer of the counterparty, 契約相手方) is.
    pub enum RecipientState {
        /// 順番待ち: not yet their turn (sequential order).
        Waiting = "waiting",
        /// 確認依頼済み: the request mail (確認依頼) went out.
        Notified = "notified",
        /// 確認コード認証済み: passed the one-time code (確認コード) and may answer.
        Verified = "verified",
        /// 合意済み: agreed to the contract.
        Agreed = "agreed",
        /// 却下: declined the contract.
        Declined = "declined",
        /// 転送済み: handed over to a colleague (転送), who becomes a new recipient.
        Forwarded = "forwarded",
    }
}

impl RecipientState {
    /// The Japanese label used in the interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            RecipientState::Waiting => "順番待ち",
            RecipientState::Notified => "確認依頼済み",
            RecipientState::Verified => "確認コード認証済み",
            RecipientState::Agreed => "合意済み",
            RecipientState::Declined => "却下",
            RecipientState::Forwarded => "転送済み",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            RecipientState::Waiting => "Waiting for their turn",
            RecipientState::Notified => "Notified",
            RecipientState::Verified => "Code verified",
            RecipientState::Agreed => "Agreed",
            RecipientState::Declined => "Declined",
            RecipientState::Forwarded => "Forwarded",
        }
    }

    /// The recipient has answered or handed over: nothing more happens to them.
    pub fn is_terminal(self) -> bool {
        match self {
            RecipientState::Agreed | RecipientState::Declined | RecipientState::Forwarded => true,
            RecipientState::Waiting | RecipientState::Notified | RecipientState::Verified => false,
        }
    }
}

stored_enum! {
    /// How a contract's recipients are asked.
    pub enum RecipientOrder {
        /// 順番に: one after another; the next is notified when the previous agreed.
        Sequential = "sequential",
        /// 同時に: all at once.
        Parallel = "parallel",
    }
}

impl RecipientOrder {
    /// The Japanese label used in the interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            RecipientOrder::Sequential => "順番に送信",
            RecipientOrder::Parallel => "同時に送信",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            RecipientOrder::Sequential => "One after another",
            RecipientOrder::Parallel => "All at once",
        }
    }
}

stored_enum! {
    /// When an approval step (承認ステップ) with several approvers is done.
    pub enum ApprovalRule {
        /// いずれか1名: one approval is enough.
        Any = "any",
        /// 全員: every approver of the step must approve.
        All = "all",
    }
}

impl ApprovalRule {
    /// The Japanese label used in the interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            ApprovalRule::Any => "いずれか1名の承認",
            ApprovalRule::All => "全員の承認",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ApprovalRule::Any => "Any one approver",
            ApprovalRule::All => "Every approver",
        }
    }

    /// Whether a step with `approvers` approvers, `approvals` of whom approved, is done. A step
    /// without approvers is never done. The server uses this to compute
    /// [`ContractEvent::Approve`]'s `final_step` (done, and the last step).
    pub fn is_satisfied(self, approvals: usize, approvers: usize) -> bool {
        match self {
            ApprovalRule::Any => approvers > 0 && approvals >= 1,
            ApprovalRule::All => approvers > 0 && approvals >= approvers,
        }
    }
}

stored_enum! {
    /// One approver's answer at a step.
    pub enum ApprovalDecision {
        /// 承認.
        Approved = "approved",
        /// 差し戻し (always with a 理由).
        Rejected = "rejected",
    }
}

impl ApprovalDecision {
    /// The Japanese label used in the interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            ApprovalDecision::Approved => "承認",
            ApprovalDecision::Rejected => "差し戻し",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ApprovalDecision::Approved => "Approved",
            ApprovalDecision::Rejected => "Sent back",
        }
    }
}

/// What the workflow rules need to know about one contract, seen by one user. The server
/// builds it from the database and returns it with the contract, so the browser app runs the
/// same rules. Every flag describes the contract *before* the event being applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractFacts {
    /// The current state. [`allowed_actions`] reads it; [`apply`] takes the state separately.
    pub state: ContractState,
    /// The tenant requires approval before sending (仕様 5-(15)).
    pub approval_required: bool,
    /// The main PDF (契約書) has been uploaded.
    pub has_main_document: bool,
    /// At least one recipient is set.
    pub has_recipients: bool,
    /// The approval route (承認ルート) has at least one step.
    pub route_has_steps: bool,
    /// Every approval step has approved.
    pub route_complete: bool,
    /// The viewing user created the contract.
    pub created_by_me: bool,
    /// The viewing user is an approver of the current approval step.
    pub i_am_current_approver: bool,
    /// The viewing user has already approved the current step (under [`ApprovalRule::All`] the
    /// step stays current until the others approve).
    pub i_already_approved: bool,
    /// At least one recipient has agreed.
    pub any_recipient_agreed: bool,
    /// Every recipient has agreed.
    pub all_recipients_agreed: bool,
    /// The service's signature (電子署名) and the timestamp (タイムスタンプ) are on the PDF.
    pub sealed_and_timestamped: bool,
    /// 廃棄保留 (訴訟ホールド): an administrator holds the contract; it is never disposed of.
    #[serde(default)]
    pub legal_hold: bool,
    /// Its retention period (保存期間) has ended: 保存期限 lies before today.
    #[serde(default)]
    pub retention_ended: bool,
}

/// Who is acting on a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractActor {
    /// A signed-in staff member (利用者), with their effective permissions
    /// ([`effective_permissions`](crate::access::effective_permissions)).
    Staff(BTreeSet<Permission>),
    /// The counterparty's recipient on the signing page (link + one-time code).
    Recipient,
    /// The service itself: background jobs that seal, expire and remind.
    System,
}

impl ContractActor {
    /// A staff member with these effective permissions.
    pub fn staff(permissions: impl IntoIterator<Item = Permission>) -> Self {
        ContractActor::Staff(permissions.into_iter().collect())
    }

    /// Whether the actor is staff holding `permission`.
    pub fn has(&self, permission: Permission) -> bool {
        match self {
            ContractActor::Staff(permissions) => permissions.contains(&permission),
            ContractActor::Recipient | ContractActor::System => false,
        }
    }
}

/// Something that happens to a contract. Staff events come from buttons ([`ContractAction`]),
/// recipient events from the signing page, `Sealed` and `Expire` from background jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractEvent {
    /// Change the contract (fields, documents, recipients, route). In `PendingApproval` it
    /// resets the route and returns the contract to `Draft`.
    Edit,
    /// 承認申請: submit for approval.
    Submit,
    /// 承認: the current approver approves. `final_step`: this approval completes the route.
    Approve {
        /// This approval completes the last step.
        final_step: bool,
    },
    /// 差し戻し: the current approver sends the contract back to `Draft`.
    Reject,
    /// The submitter pulls the contract back from approval.
    Withdraw,
    /// 送信: send the request (確認依頼) to the recipients.
    Send,
    /// A recipient agreed (合意). `last`: no other recipient still has to agree.
    RecipientAgreed {
        /// This was the last agreement needed.
        last: bool,
    },
    /// A recipient declined (却下).
    RecipientDeclined,
    /// Staff recall a sent contract for correction while nobody has agreed.
    SendBack,
    /// The service's signature and timestamp are on the PDF.
    Sealed,
    /// 取消.
    Cancel,
    /// The answer deadline passed.
    Expire,
    /// Copy into a new draft; this contract does not change.
    Duplicate,
    /// リマインド: mail the pending recipients again; no state change.
    Remind,
    /// 廃棄: a second administrator approved the disposition of a contract whose retention
    /// period ended; its files and personal data are deleted.
    Dispose,
}

stored_enum! {
    /// A button staff see on a contract. [`allowed_actions`] says which are enabled.
    pub enum ContractAction {
        /// 編集する.
        Edit = "edit",
        /// 承認申請する.
        Submit = "submit",
        /// 承認する.
        Approve = "approve",
        /// 差し戻す.
        Reject = "reject",
        /// 承認申請を取り下げる.
        Withdraw = "withdraw",
        /// 送信する.
        Send = "send",
        /// リマインドを送る.
        Remind = "remind",
        /// 下書きに戻す: recall a sent contract for correction.
        SendBack = "send_back",
        /// 取り消す.
        Cancel = "cancel",
        /// 複製する.
        Duplicate = "duplicate",
        /// Download the signed PDF.
        DownloadSigned = "download_signed",
        /// Download the completion certificate (合意締結証明書).
        DownloadCertificate = "download_certificate",
        /// Download everything as one ZIP.
        DownloadZip = "download_zip",
    }
}

impl ContractAction {
    /// The button text in Japanese.
    pub fn label_ja(self) -> &'static str {
        match self {
            ContractAction::Edit => "編集する",
            ContractAction::Submit => "承認申請する",
            ContractAction::Approve => "承認する",
            ContractAction::Reject => "差し戻す",
            ContractAction::Withdraw => "承認申請を取り下げる",
            ContractAction::Send => "送信する",
            ContractAction::Remind => "リマインドを送る",
            ContractAction::SendBack => "下書きに戻す",
            ContractAction::Cancel => "取り消す",
            ContractAction::Duplicate => "複製する",
            ContractAction::DownloadSigned => "署名済みPDFをダウンロードする",
            ContractAction::DownloadCertificate => "合意締結証明書をダウンロードする",
            ContractAction::DownloadZip => "ZIPで一括ダウンロードする",
        }
    }

    /// The button text in English.
    pub fn label_en(self) -> &'static str {
        match self {
            ContractAction::Edit => "Edit",
            ContractAction::Submit => "Submit for approval",
            ContractAction::Approve => "Approve",
            ContractAction::Reject => "Send back",
            ContractAction::Withdraw => "Withdraw from approval",
            ContractAction::Send => "Send",
            ContractAction::Remind => "Send a reminder",
            ContractAction::SendBack => "Recall to draft",
            ContractAction::Cancel => "Cancel",
            ContractAction::Duplicate => "Duplicate",
            ContractAction::DownloadSigned => "Download the signed PDF",
            ContractAction::DownloadCertificate => "Download the completion certificate",
            ContractAction::DownloadZip => "Download all (ZIP)",
        }
    }

    /// The event the button applies, or `None` for downloads (which change nothing).
    /// `Approve` maps to a non-final approval: `final_step` never decides whether approving
    /// is allowed.
    pub fn event(self) -> Option<ContractEvent> {
        match self {
            ContractAction::Edit => Some(ContractEvent::Edit),
            ContractAction::Submit => Some(ContractEvent::Submit),
            ContractAction::Approve => Some(ContractEvent::Approve { final_step: false }),
            ContractAction::Reject => Some(ContractEvent::Reject),
            ContractAction::Withdraw => Some(ContractEvent::Withdraw),
            ContractAction::Send => Some(ContractEvent::Send),
            ContractAction::Remind => Some(ContractEvent::Remind),
            ContractAction::SendBack => Some(ContractEvent::SendBack),
            ContractAction::Cancel => Some(ContractEvent::Cancel),
            ContractAction::Duplicate => Some(ContractEvent::Duplicate),
            ContractAction::DownloadSigned
            | ContractAction::DownloadCertificate
            | ContractAction::DownloadZip => None,
        }
    }
}

stored_enum! {
    /// Which file of a contract a stored document is.
    pub enum DocumentRole {
        /// 契約書: the PDF that is sealed; one per contract, an upload replaces it.
        Main = "main",
        /// 添付資料, of one of the accepted types.
        Attachment = "attachment",
        /// The signed and timestamped contract PDF the service made.
        Sealed = "sealed",
        /// 合意締結証明書, made by the service with the seal.
        Certificate = "certificate",
    }
}

impl DocumentRole {
    /// Staff upload it (and may remove it from a draft); the service makes the others.
    pub fn is_uploaded(self) -> bool {
        match self {
            DocumentRole::Main | DocumentRole::Attachment => true,
            DocumentRole::Sealed | DocumentRole::Certificate => false,
        }
    }
}

stored_enum! {
    /// Why an event or action was refused. The code is stable (it is in the audit log); the
    /// API answers with the [`ProblemCode`](crate::ProblemCode) it converts into, whose table
    /// holds the messages.
    pub enum TransitionError {
        /// The contract's state does not accept this event.
        NotAllowedInState = "not_allowed_in_state",
        /// The tenant requires approval before sending (仕様 5-(15)).
        ApprovalRequired = "approval_required",
        /// The approval route has no steps, or not every step has approved.
        RouteIncomplete = "route_incomplete",
        /// No main PDF (契約書) has been uploaded.
        NoDocument = "no_document",
        /// No recipient is set.
        NoRecipients = "no_recipients",
        /// Approvers cannot approve a contract they created.
        SelfApproval = "self_approval",
        /// The user is not an approver of the current step, or already approved it.
        NotCurrentApprover = "not_current_approver",
        /// The actor lacks the permission (or is the wrong kind of actor) for this event.
        Forbidden = "forbidden",
        /// A recipient has already agreed, so the contract cannot be recalled.
        AlreadyAgreed = "already_agreed",
        /// The signature and timestamp are not on the PDF yet.
        NotSealed = "not_sealed",
        /// Not every recipient has agreed yet.
        RecipientsPending = "recipients_pending",
        /// 廃棄保留: the contract is on legal hold and cannot be disposed of.
        LegalHold = "legal_hold",
        /// The retention period (保存期間) has not ended yet.
        RetentionNotEnded = "retention_not_ended",
    }
}

impl std::error::Error for TransitionError {}

/// Who may cause an event.
enum Requires {
    /// Staff holding the permission.
    Staff(Permission),
    /// Staff holding the permission, or the service's jobs.
    StaffOrSystem(Permission),
    /// The counterparty's recipient.
    Recipient,
    /// The service's jobs.
    System,
}

fn requires(event: &ContractEvent) -> Requires {
    use Permission::*;
    match event {
        ContractEvent::Edit | ContractEvent::Submit | ContractEvent::Withdraw => {
            Requires::Staff(EditContracts)
        }
        ContractEvent::Approve { .. } | ContractEvent::Reject => Requires::Staff(ApproveContracts),
        ContractEvent::Send | ContractEvent::SendBack => Requires::Staff(SendContracts),
        ContractEvent::Remind => Requires::StaffOrSystem(SendContracts),
        ContractEvent::Cancel => Requires::Staff(CancelContracts),
        ContractEvent::Duplicate => Requires::Staff(CreateContracts),
        ContractEvent::RecipientAgreed { .. } | ContractEvent::RecipientDeclined => {
            Requires::Recipient
        }
        ContractEvent::Sealed | ContractEvent::Expire => Requires::System,
        ContractEvent::Dispose => Requires::Staff(DisposeRecords),
    }
}

fn require_actor(event: &ContractEvent, actor: &ContractActor) -> Result<(), TransitionError> {
    let ok = match (requires(event), actor) {
        (Requires::Staff(p) | Requires::StaffOrSystem(p), ContractActor::Staff(_)) => actor.has(p),
        (Requires::StaffOrSystem(_) | Requires::System, ContractActor::System) => true,
        (Requires::Recipient, ContractActor::Recipient) => true,
        (Requires::Staff(_), ContractActor::Recipient | ContractActor::System)
        | (Requires::StaffOrSystem(_) | Requires::System, ContractActor::Recipient)
        | (Requires::Recipient, ContractActor::Staff(_) | ContractActor::System)
        | (Requires::System, ContractActor::Staff(_)) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(TransitionError::Forbidden)
    }
}

/// `Err(error)` unless `condition` holds.
fn ensure(condition: bool, error: TransitionError) -> Result<(), TransitionError> {
    if condition { Ok(()) } else { Err(error) }
}

fn require_document_and_recipients(facts: &ContractFacts) -> Result<(), TransitionError> {
    ensure(facts.has_main_document, TransitionError::NoDocument)?;
    ensure(facts.has_recipients, TransitionError::NoRecipients)
}

fn require_current_approver(facts: &ContractFacts) -> Result<(), TransitionError> {
    ensure(
        facts.i_am_current_approver && !facts.i_already_approved,
        TransitionError::NotCurrentApprover,
    )
}

/// Applies `event` to a contract in `state`: the next state, or why the event is refused.
/// The only way to change a contract's state.
///
/// `facts` describe the contract before the event (its `state` field is not read: `state` is).
/// Checks run in this order: the actor's permission (`forbidden`), the state
/// (`not_allowed_in_state`), then the event's preconditions.
pub fn apply(
    state: ContractState,
    event: &ContractEvent,
    facts: &ContractFacts,
    actor: &ContractActor,
) -> Result<ContractState, TransitionError> {
    use ContractState as S;
    use TransitionError as E;
    require_actor(event, actor)?;
    let refused = Err(E::NotAllowedInState);
    match *event {
        ContractEvent::Edit => match state {
            S::Draft | S::PendingApproval => Ok(S::Draft),
            S::Approved
            | S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Submit => match state {
            S::Draft => {
                require_document_and_recipients(facts)?;
                ensure(facts.route_has_steps, E::RouteIncomplete)?;
                Ok(S::PendingApproval)
            }
            S::PendingApproval
            | S::Approved
            | S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Approve { final_step } => match state {
            S::PendingApproval => {
                ensure(!facts.created_by_me, E::SelfApproval)?;
                require_current_approver(facts)?;
                Ok(if final_step {
                    S::Approved
                } else {
                    S::PendingApproval
                })
            }
            S::Draft
            | S::Approved
            | S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Reject => match state {
            S::PendingApproval => {
                require_current_approver(facts)?;
                Ok(S::Draft)
            }
            S::Draft
            | S::Approved
            | S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Withdraw => match state {
            S::PendingApproval => Ok(S::Draft),
            S::Draft
            | S::Approved
            | S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Send => match state {
            S::Draft => {
                // 仕様 5-(15): when the tenant requires approval, a draft cannot be sent.
                ensure(!facts.approval_required, E::ApprovalRequired)?;
                require_document_and_recipients(facts)?;
                Ok(S::Sent)
            }
            S::PendingApproval => Err(E::ApprovalRequired),
            S::Approved => {
                ensure(facts.route_complete, E::RouteIncomplete)?;
                require_document_and_recipients(facts)?;
                Ok(S::Sent)
            }
            S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::RecipientAgreed { last } => match state {
            S::Sent => Ok(if last { S::Concluding } else { S::Sent }),
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::RecipientDeclined => match state {
            S::Sent => Ok(S::Declined),
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::SendBack => match state {
            S::Sent => {
                ensure(!facts.any_recipient_agreed, E::AlreadyAgreed)?;
                Ok(S::Draft)
            }
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Sealed => match state {
            S::Concluding => {
                ensure(facts.all_recipients_agreed, E::RecipientsPending)?;
                ensure(facts.sealed_and_timestamped, E::NotSealed)?;
                Ok(S::Concluded)
            }
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Sent
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Cancel => match state {
            S::Draft | S::PendingApproval | S::Approved | S::Sent => Ok(S::Cancelled),
            S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        ContractEvent::Expire => match state {
            S::Sent => Ok(S::Expired),
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
        // A disposed contract's files are gone: there is nothing left to copy.
        ContractEvent::Duplicate => match state {
            S::Disposed => refused,
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Sent
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired => Ok(state),
        },
        ContractEvent::Dispose => match state {
            S::Concluded | S::Declined | S::Cancelled | S::Expired => {
                // A hold wins over everything, also over an ended retention period.
                ensure(!facts.legal_hold, E::LegalHold)?;
                ensure(facts.retention_ended, E::RetentionNotEnded)?;
                Ok(S::Disposed)
            }
            S::Draft | S::PendingApproval | S::Approved | S::Sent | S::Concluding | S::Disposed => {
                refused
            }
        },
        ContractEvent::Remind => match state {
            S::Sent => Ok(S::Sent),
            S::Draft
            | S::PendingApproval
            | S::Approved
            | S::Concluding
            | S::Concluded
            | S::Declined
            | S::Cancelled
            | S::Expired
            | S::Disposed => refused,
        },
    }
}

/// Whether `actor` may take `action` on the contract described by `facts` (in `facts.state`).
/// State-changing actions are exactly what [`apply`] accepts; downloads need
/// `DownloadDocuments`, and the signed PDF and certificate exist only once `Concluded`.
pub fn check_action(
    action: ContractAction,
    facts: &ContractFacts,
    actor: &ContractActor,
) -> Result<(), TransitionError> {
    if let Some(event) = action.event() {
        return apply(facts.state, &event, facts, actor).map(|_| ());
    }
    ensure(
        actor.has(Permission::DownloadDocuments),
        TransitionError::Forbidden,
    )?;
    match action {
        ContractAction::DownloadSigned | ContractAction::DownloadCertificate => ensure(
            facts.state == ContractState::Concluded,
            TransitionError::NotAllowedInState,
        ),
        ContractAction::DownloadZip => {
            // 廃棄済み: the files were deleted, whatever rows describe them.
            ensure(
                facts.state != ContractState::Disposed,
                TransitionError::NotAllowedInState,
            )?;
            ensure(facts.has_main_document, TransitionError::NoDocument)
        }
        ContractAction::Edit
        | ContractAction::Submit
        | ContractAction::Approve
        | ContractAction::Reject
        | ContractAction::Withdraw
        | ContractAction::Send
        | ContractAction::Remind
        | ContractAction::SendBack
        | ContractAction::Cancel
        | ContractAction::Duplicate => unreachable!("state-changing actions are checked by apply"),
    }
}

/// The buttons `actor` may use on the contract described by `facts`, in display order:
/// every action for which [`check_action`] succeeds.
pub fn allowed_actions(facts: &ContractFacts, actor: &ContractActor) -> Vec<ContractAction> {
    ContractAction::ALL
        .iter()
        .copied()
        .filter(|&a| check_action(a, facts, actor).is_ok())
        .collect()
}

/// Something that happens to one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientEvent {
    /// The request mail (確認依頼) was sent: their turn has come.
    Notify,
    /// They entered the right one-time code (確認コード). Also accepted when already verified:
    /// a later visit asks for a fresh code.
    Verify,
    /// 合意.
    Agree,
    /// 却下 (with a 理由).
    Decline,
    /// 転送: handed over to a colleague, who is added as a new recipient.
    Forward,
}

/// Applies `event` to a recipient in `state`. Only a `Verified` recipient may agree, decline or
/// forward; a recipient who answered or forwarded accepts nothing more.
pub fn apply_recipient(
    state: RecipientState,
    event: RecipientEvent,
) -> Result<RecipientState, TransitionError> {
    use RecipientState as R;
    let refused = Err(TransitionError::NotAllowedInState);
    let answer = |next| match state {
        R::Verified => Ok(next),
        R::Waiting | R::Notified | R::Agreed | R::Declined | R::Forwarded => refused,
    };
    match event {
        RecipientEvent::Notify => match state {
            R::Waiting => Ok(R::Notified),
            R::Notified | R::Verified | R::Agreed | R::Declined | R::Forwarded => refused,
        },
        RecipientEvent::Verify => match state {
            R::Notified | R::Verified => Ok(R::Verified),
            R::Waiting | R::Agreed | R::Declined | R::Forwarded => refused,
        },
        RecipientEvent::Agree => answer(R::Agreed),
        RecipientEvent::Decline => answer(R::Declined),
        RecipientEvent::Forward => answer(R::Forwarded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractEvent as Ev;
    use ContractState as S;
    use TransitionError as E;
    use proptest::prelude::*;

    /// Every precondition met; approval not required, so a draft may be sent.
    fn ready() -> ContractFacts {
        ContractFacts {
            state: S::Draft,
            approval_required: false,
            has_main_document: true,
            has_recipients: true,
            route_has_steps: true,
            route_complete: true,
            created_by_me: false,
            i_am_current_approver: true,
            i_already_approved: false,
            any_recipient_agreed: false,
            all_recipients_agreed: true,
            sealed_and_timestamped: true,
            legal_hold: false,
            retention_ended: true,
        }
    }

    fn admin() -> ContractActor {
        ContractActor::staff(Permission::ALL)
    }

    fn role(r: crate::access::Role) -> ContractActor {
        ContractActor::Staff(crate::access::effective_permissions(&[r], &[]))
    }

    /// The kind of actor an event comes from, with every permission.
    fn actor_for(event: &ContractEvent) -> ContractActor {
        match requires(event) {
            Requires::Staff(_) | Requires::StaffOrSystem(_) => admin(),
            Requires::Recipient => ContractActor::Recipient,
            Requires::System => ContractActor::System,
        }
    }

    const EVENTS: [ContractEvent; 17] = [
        Ev::Edit,
        Ev::Submit,
        Ev::Approve { final_step: true },
        Ev::Approve { final_step: false },
        Ev::Reject,
        Ev::Withdraw,
        Ev::Send,
        Ev::RecipientAgreed { last: true },
        Ev::RecipientAgreed { last: false },
        Ev::RecipientDeclined,
        Ev::SendBack,
        Ev::Sealed,
        Ev::Cancel,
        Ev::Expire,
        Ev::Duplicate,
        Ev::Remind,
        Ev::Dispose,
    ];

    /// The diagram, flat: every (state, event) pair that does not answer `not_allowed_in_state`
    /// when all preconditions hold and the tenant does not require approval.
    const DIAGRAM: &[(S, ContractEvent, Result<S, E>)] = &[
        (S::Draft, Ev::Edit, Ok(S::Draft)),
        (S::Draft, Ev::Submit, Ok(S::PendingApproval)),
        (S::Draft, Ev::Send, Ok(S::Sent)),
        (S::Draft, Ev::Cancel, Ok(S::Cancelled)),
        (S::PendingApproval, Ev::Edit, Ok(S::Draft)),
        (
            S::PendingApproval,
            Ev::Approve { final_step: true },
            Ok(S::Approved),
        ),
        (
            S::PendingApproval,
            Ev::Approve { final_step: false },
            Ok(S::PendingApproval),
        ),
        (S::PendingApproval, Ev::Reject, Ok(S::Draft)),
        (S::PendingApproval, Ev::Withdraw, Ok(S::Draft)),
        (S::PendingApproval, Ev::Send, Err(E::ApprovalRequired)),
        (S::PendingApproval, Ev::Cancel, Ok(S::Cancelled)),
        (S::Approved, Ev::Send, Ok(S::Sent)),
        (S::Approved, Ev::Cancel, Ok(S::Cancelled)),
        (
            S::Sent,
            Ev::RecipientAgreed { last: true },
            Ok(S::Concluding),
        ),
        (S::Sent, Ev::RecipientAgreed { last: false }, Ok(S::Sent)),
        (S::Sent, Ev::RecipientDeclined, Ok(S::Declined)),
        (S::Sent, Ev::SendBack, Ok(S::Draft)),
        (S::Sent, Ev::Cancel, Ok(S::Cancelled)),
        (S::Sent, Ev::Expire, Ok(S::Expired)),
        (S::Sent, Ev::Remind, Ok(S::Sent)),
        (S::Concluding, Ev::Sealed, Ok(S::Concluded)),
        (S::Concluded, Ev::Dispose, Ok(S::Disposed)),
        (S::Declined, Ev::Dispose, Ok(S::Disposed)),
        (S::Cancelled, Ev::Dispose, Ok(S::Disposed)),
        (S::Expired, Ev::Dispose, Ok(S::Disposed)),
    ];

    #[test]
    fn every_state_and_event_pair_follows_the_diagram() {
        for &state in ContractState::ALL {
            for event in EVENTS {
                let expected = if event == Ev::Duplicate && state != S::Disposed {
                    Ok(state)
                } else {
                    DIAGRAM
                        .iter()
                        .find(|(s, e, _)| *s == state && *e == event)
                        .map_or(Err(E::NotAllowedInState), |(_, _, r)| *r)
                };
                let facts = ContractFacts { state, ..ready() };
                let got = apply(state, &event, &facts, &actor_for(&event));
                assert_eq!(got, expected, "{state:?} + {event:?}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        fn check<T: Copy + fmt::Debug + PartialEq + Serialize>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for &v in all {
                assert_eq!(parse(as_str(v)), Some(v));
                assert_eq!(serde_json::to_value(v).unwrap(), as_str(v));
            }
            assert_eq!(parse("Draft"), None, "names are case-sensitive snake_case");
            assert_eq!(parse(""), None);
        }
        check(
            ContractState::ALL,
            ContractState::as_str,
            ContractState::parse,
        );
        check(
            RecipientState::ALL,
            RecipientState::as_str,
            RecipientState::parse,
        );
        check(
            RecipientOrder::ALL,
            RecipientOrder::as_str,
            RecipientOrder::parse,
        );
        check(ApprovalRule::ALL, ApprovalRule::as_str, ApprovalRule::parse);
        check(
            ApprovalDecision::ALL,
            ApprovalDecision::as_str,
            ApprovalDecision::parse,
        );
        check(
            ContractAction::ALL,
            ContractAction::as_str,
            ContractAction::parse,
        );
        check(
            TransitionError::ALL,
            TransitionError::as_str,
            TransitionError::parse,
        );
        assert_eq!(S::PendingApproval.as_str(), "pending_approval");
        assert_eq!(ContractAction::SendBack.as_str(), "send_back");
        assert_eq!(
            DocumentRole::try_from("sealed".to_owned()),
            Ok(DocumentRole::Sealed)
        );
        let unknown = ContractState::try_from("archived".to_owned()).unwrap_err();
        assert_eq!(unknown.to_string(), "\"archived\" is not a ContractState");
        assert_eq!(String::from(RecipientState::Agreed), "agreed");
    }

    #[test]
    fn error_codes_are_the_documented_ones() {
        let codes: Vec<_> = TransitionError::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            codes,
            [
                "not_allowed_in_state",
                "approval_required",
                "route_incomplete",
                "no_document",
                "no_recipients",
                "self_approval",
                "not_current_approver",
                "forbidden",
                "already_agreed",
                "not_sealed",
                "recipients_pending",
                "legal_hold",
                "retention_not_ended",
            ]
        );
        for &e in TransitionError::ALL {
            assert_eq!(e.to_string(), e.as_str());
            let status = crate::ProblemCode::from(e).status();
            let expected = if e == TransitionError::Forbidden {
                403
            } else {
                409
            };
            assert_eq!(status, expected, "{e:?}");
        }
    }

    #[test]
    fn labels_follow_the_glossary() {
        assert_eq!(S::Draft.label_ja(), "下書き");
        assert_eq!(S::PendingApproval.label_ja(), "承認待ち");
        assert_eq!(S::Approved.label_ja(), "承認済み");
        assert_eq!(S::Sent.label_ja(), "相手方確認中");
        assert_eq!(S::Concluding.label_ja(), "締結処理中");
        assert_eq!(S::Concluded.label_ja(), "締結済み");
        assert_eq!(S::Cancelled.label_ja(), "取消");
        assert_eq!(S::Expired.label_ja(), "期限切れ");
        assert_eq!(S::Disposed.label_ja(), "廃棄済み");
        for &s in ContractState::ALL {
            assert!(!s.label_en().is_empty());
        }
        for &a in ContractAction::ALL {
            assert!(!a.label_ja().is_empty() && !a.label_en().is_empty());
        }
    }

    #[test]
    fn terminal_and_open_states_partition_the_states() {
        let terminal: Vec<_> = ContractState::ALL
            .iter()
            .copied()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                S::Concluded,
                S::Declined,
                S::Cancelled,
                S::Expired,
                S::Disposed
            ]
        );
        for &s in ContractState::ALL {
            assert_ne!(s.is_open(), s.is_terminal());
        }
    }

    #[test]
    fn facts_serialise_with_snake_case_state() {
        let v = serde_json::to_value(ContractFacts {
            state: S::PendingApproval,
            ..ready()
        })
        .unwrap();
        assert_eq!(v["state"], "pending_approval");
        assert_eq!(v["approval_required"], false);
        let back: ContractFacts = serde_json::from_value(v).unwrap();
        assert_eq!(back.state, S::PendingApproval);
    }

    // --- Submit ---

    #[test]
    fn submitting_needs_a_document_recipients_and_a_route() {
        let submit = |f: ContractFacts| apply(S::Draft, &Ev::Submit, &f, &admin());
        assert_eq!(submit(ready()), Ok(S::PendingApproval));
        let no_doc = ContractFacts {
            has_main_document: false,
            ..ready()
        };
        assert_eq!(submit(no_doc), Err(E::NoDocument));
        let no_recipients = ContractFacts {
            has_recipients: false,
            ..ready()
        };
        assert_eq!(submit(no_recipients), Err(E::NoRecipients));
        let no_route = ContractFacts {
            route_has_steps: false,
            ..ready()
        };
        assert_eq!(submit(no_route), Err(E::RouteIncomplete));
    }

    // --- Approve / Reject / Withdraw ---

    #[test]
    fn the_final_approval_approves_and_an_earlier_one_keeps_it_pending() {
        let f = ready();
        let a = admin();
        let approve = |final_step| Ev::Approve { final_step };
        assert_eq!(
            apply(S::PendingApproval, &approve(true), &f, &a),
            Ok(S::Approved)
        );
        assert_eq!(
            apply(S::PendingApproval, &approve(false), &f, &a),
            Ok(S::PendingApproval)
        );
    }

    #[test]
    fn approvers_cannot_approve_what_they_created() {
        let mine = ContractFacts {
            created_by_me: true,
            ..ready()
        };
        let approver = role(crate::access::Role::Approver);
        let approve = Ev::Approve { final_step: true };
        assert_eq!(
            apply(S::PendingApproval, &approve, &mine, &approver),
            Err(E::SelfApproval)
        );
    }

    #[test]
    fn only_the_current_approver_approves_or_sends_back_and_only_once() {
        let approver = role(crate::access::Role::Approver);
        let not_mine = ContractFacts {
            i_am_current_approver: false,
            ..ready()
        };
        let done = ContractFacts {
            i_already_approved: true,
            ..ready()
        };
        for event in [Ev::Approve { final_step: false }, Ev::Reject] {
            for f in [&not_mine, &done] {
                assert_eq!(
                    apply(S::PendingApproval, &event, f, &approver),
                    Err(E::NotCurrentApprover)
                );
            }
        }
        assert_eq!(
            apply(S::PendingApproval, &Ev::Reject, &ready(), &approver),
            Ok(S::Draft)
        );
    }

    #[test]
    fn staff_without_the_approve_permission_cannot_approve() {
        let staff = role(crate::access::Role::Staff);
        let approve = Ev::Approve { final_step: true };
        assert_eq!(
            apply(S::PendingApproval, &approve, &ready(), &staff),
            Err(E::Forbidden)
        );
    }

    #[test]
    fn withdrawing_and_editing_return_a_pending_contract_to_draft() {
        let staff = role(crate::access::Role::Staff);
        for event in [Ev::Withdraw, Ev::Edit] {
            assert_eq!(
                apply(S::PendingApproval, &event, &ready(), &staff),
                Ok(S::Draft)
            );
        }
        assert_eq!(
            apply(S::Draft, &Ev::Withdraw, &ready(), &staff),
            Err(E::NotAllowedInState)
        );
    }

    #[test]
    fn editing_is_refused_once_approved_or_sent() {
        for state in [S::Approved, S::Sent, S::Concluding] {
            assert_eq!(
                apply(state, &Ev::Edit, &ready(), &admin()),
                Err(E::NotAllowedInState)
            );
        }
    }

    // --- Send ---

    #[test]
    fn sending_a_draft_is_refused_when_the_tenant_requires_approval() {
        let f = ContractFacts {
            approval_required: true,
            ..ready()
        };
        assert_eq!(
            apply(S::Draft, &Ev::Send, &f, &admin()),
            Err(E::ApprovalRequired)
        );
    }

    #[test]
    fn sending_is_refused_while_approval_is_pending() {
        for approval_required in [false, true] {
            let f = ContractFacts {
                approval_required,
                ..ready()
            };
            assert_eq!(
                apply(S::PendingApproval, &Ev::Send, &f, &admin()),
                Err(E::ApprovalRequired)
            );
        }
    }

    #[test]
    fn an_approved_contract_is_sent_only_with_a_complete_route() {
        let f = ContractFacts {
            approval_required: true,
            ..ready()
        };
        assert_eq!(apply(S::Approved, &Ev::Send, &f, &admin()), Ok(S::Sent));
        let incomplete = ContractFacts {
            route_complete: false,
            ..f
        };
        assert_eq!(
            apply(S::Approved, &Ev::Send, &incomplete, &admin()),
            Err(E::RouteIncomplete)
        );
    }

    #[test]
    fn sending_needs_a_document_and_recipients() {
        for state in [S::Draft, S::Approved] {
            let no_doc = ContractFacts {
                has_main_document: false,
                ..ready()
            };
            assert_eq!(
                apply(state, &Ev::Send, &no_doc, &admin()),
                Err(E::NoDocument)
            );
            let no_recipients = ContractFacts {
                has_recipients: false,
                ..ready()
            };
            assert_eq!(
                apply(state, &Ev::Send, &no_recipients, &admin()),
                Err(E::NoRecipients)
            );
        }
    }

    #[test]
    fn viewers_and_approvers_cannot_send() {
        for r in [crate::access::Role::Viewer, crate::access::Role::Approver] {
            assert_eq!(
                apply(S::Draft, &Ev::Send, &ready(), &role(r)),
                Err(E::Forbidden)
            );
        }
        let staff = role(crate::access::Role::Staff);
        assert_eq!(apply(S::Draft, &Ev::Send, &ready(), &staff), Ok(S::Sent));
    }

    // --- Recipients' answers, sealing ---

    #[test]
    fn the_last_agreement_starts_concluding() {
        let r = ContractActor::Recipient;
        let f = ready();
        let agreed = |last| Ev::RecipientAgreed { last };
        assert_eq!(apply(S::Sent, &agreed(false), &f, &r), Ok(S::Sent));
        assert_eq!(apply(S::Sent, &agreed(true), &f, &r), Ok(S::Concluding));
        assert_eq!(
            apply(S::Sent, &Ev::RecipientDeclined, &f, &r),
            Ok(S::Declined)
        );
    }

    #[test]
    fn only_a_recipient_agrees_or_declines() {
        for actor in [admin(), ContractActor::System] {
            for event in [Ev::RecipientAgreed { last: true }, Ev::RecipientDeclined] {
                assert_eq!(apply(S::Sent, &event, &ready(), &actor), Err(E::Forbidden));
            }
        }
    }

    #[test]
    fn concluding_needs_the_seal_and_every_agreement() {
        let sys = ContractActor::System;
        assert_eq!(
            apply(S::Concluding, &Ev::Sealed, &ready(), &sys),
            Ok(S::Concluded)
        );
        let unsealed = ContractFacts {
            sealed_and_timestamped: false,
            ..ready()
        };
        assert_eq!(
            apply(S::Concluding, &Ev::Sealed, &unsealed, &sys),
            Err(E::NotSealed)
        );
        let pending = ContractFacts {
            all_recipients_agreed: false,
            ..ready()
        };
        assert_eq!(
            apply(S::Concluding, &Ev::Sealed, &pending, &sys),
            Err(E::RecipientsPending)
        );
        assert_eq!(
            apply(S::Concluding, &Ev::Sealed, &ready(), &admin()),
            Err(E::Forbidden),
            "only the service seals"
        );
    }

    // --- Send back, cancel, expire, remind, duplicate ---

    #[test]
    fn a_sent_contract_is_recalled_only_while_nobody_agreed() {
        let staff = role(crate::access::Role::Staff);
        assert_eq!(
            apply(S::Sent, &Ev::SendBack, &ready(), &staff),
            Ok(S::Draft)
        );
        let agreed = ContractFacts {
            any_recipient_agreed: true,
            ..ready()
        };
        assert_eq!(
            apply(S::Sent, &Ev::SendBack, &agreed, &staff),
            Err(E::AlreadyAgreed)
        );
    }

    #[test]
    fn open_contracts_are_cancelled_until_concluding_begins() {
        for &state in ContractState::ALL {
            let expected = match state {
                S::Draft | S::PendingApproval | S::Approved | S::Sent => Ok(S::Cancelled),
                _ => Err(E::NotAllowedInState),
            };
            assert_eq!(apply(state, &Ev::Cancel, &ready(), &admin()), expected);
        }
        let staff = role(crate::access::Role::Staff);
        assert_eq!(
            apply(S::Draft, &Ev::Cancel, &ready(), &staff),
            Err(E::Forbidden)
        );
    }

    #[test]
    fn only_the_service_expires_a_sent_contract() {
        let sys = ContractActor::System;
        assert_eq!(apply(S::Sent, &Ev::Expire, &ready(), &sys), Ok(S::Expired));
        assert_eq!(
            apply(S::Sent, &Ev::Expire, &ready(), &admin()),
            Err(E::Forbidden)
        );
        assert_eq!(
            apply(S::Approved, &Ev::Expire, &ready(), &sys),
            Err(E::NotAllowedInState)
        );
    }

    #[test]
    fn reminders_go_out_only_for_sent_contracts_from_staff_or_the_service() {
        for actor in [ContractActor::System, role(crate::access::Role::Staff)] {
            assert_eq!(apply(S::Sent, &Ev::Remind, &ready(), &actor), Ok(S::Sent));
            assert_eq!(
                apply(S::Approved, &Ev::Remind, &ready(), &actor),
                Err(E::NotAllowedInState)
            );
        }
        let viewer = role(crate::access::Role::Viewer);
        assert_eq!(
            apply(S::Sent, &Ev::Remind, &ready(), &viewer),
            Err(E::Forbidden)
        );
    }

    #[test]
    fn any_contract_can_be_duplicated_by_someone_who_creates_contracts() {
        let staff = role(crate::access::Role::Staff);
        let viewer = role(crate::access::Role::Viewer);
        for &state in ContractState::ALL.iter().filter(|&&s| s != S::Disposed) {
            assert_eq!(apply(state, &Ev::Duplicate, &ready(), &staff), Ok(state));
            assert_eq!(
                apply(state, &Ev::Duplicate, &ready(), &viewer),
                Err(E::Forbidden)
            );
        }
    }

    // --- allowed_actions ---

    #[test]
    fn a_ready_draft_offers_edit_submit_send_duplicate_and_zip_to_staff() {
        let staff = role(crate::access::Role::Staff);
        use ContractAction as A;
        assert_eq!(
            allowed_actions(&ready(), &staff),
            [A::Edit, A::Submit, A::Send, A::Duplicate, A::DownloadZip]
        );
        let required = ContractFacts {
            approval_required: true,
            ..ready()
        };
        assert!(!allowed_actions(&required, &staff).contains(&A::Send));
    }

    #[test]
    fn an_approver_sees_approve_and_send_back_on_their_step() {
        use ContractAction as A;
        let approver = role(crate::access::Role::Approver);
        let f = ContractFacts {
            state: S::PendingApproval,
            ..ready()
        };
        assert_eq!(
            allowed_actions(&f, &approver),
            [A::Approve, A::Reject, A::DownloadZip]
        );
    }

    #[test]
    fn signed_downloads_appear_once_concluded_and_need_the_download_permission() {
        use ContractAction as A;
        let f = ContractFacts {
            state: S::Concluded,
            ..ready()
        };
        let staff = role(crate::access::Role::Staff);
        assert_eq!(
            allowed_actions(&f, &staff),
            [
                A::Duplicate,
                A::DownloadSigned,
                A::DownloadCertificate,
                A::DownloadZip
            ]
        );
        assert!(allowed_actions(&f, &role(crate::access::Role::Viewer)).is_empty());
        let sent = ContractFacts {
            state: S::Sent,
            ..ready()
        };
        assert_eq!(
            check_action(A::DownloadSigned, &sent, &staff),
            Err(E::NotAllowedInState)
        );
    }

    #[test]
    fn recipients_and_the_service_see_no_buttons() {
        for &state in ContractState::ALL {
            let f = ContractFacts { state, ..ready() };
            assert!(allowed_actions(&f, &ContractActor::Recipient).is_empty());
            let sys = allowed_actions(&f, &ContractActor::System);
            assert!(sys.is_empty() || sys == [ContractAction::Remind]);
        }
    }

    #[test]
    fn a_full_life_with_approval_reaches_concluded() {
        let mut f = ContractFacts {
            approval_required: true,
            route_complete: false,
            all_recipients_agreed: false,
            sealed_and_timestamped: false,
            ..ready()
        };
        let staff = role(crate::access::Role::Staff);
        let approver = role(crate::access::Role::Approver);
        let r = ContractActor::Recipient;
        let sys = ContractActor::System;
        let mut s = S::Draft;
        s = apply(s, &Ev::Submit, &f, &staff).unwrap();
        s = apply(s, &Ev::Approve { final_step: false }, &f, &approver).unwrap();
        s = apply(s, &Ev::Approve { final_step: true }, &f, &approver).unwrap();
        assert_eq!(s, S::Approved);
        f.route_complete = true;
        s = apply(s, &Ev::Send, &f, &staff).unwrap();
        s = apply(s, &Ev::RecipientAgreed { last: false }, &f, &r).unwrap();
        f.any_recipient_agreed = true;
        assert_eq!(apply(s, &Ev::SendBack, &f, &staff), Err(E::AlreadyAgreed));
        s = apply(s, &Ev::RecipientAgreed { last: true }, &f, &r).unwrap();
        assert_eq!(s, S::Concluding);
        f.all_recipients_agreed = true;
        assert_eq!(apply(s, &Ev::Sealed, &f, &sys), Err(E::NotSealed));
        f.sealed_and_timestamped = true;
        assert_eq!(apply(s, &Ev::Sealed, &f, &sys), Ok(S::Concluded));
    }

    // --- ApprovalRule ---

    #[test]
    fn approval_rules_decide_when_a_step_is_done() {
        assert!(ApprovalRule::Any.is_satisfied(1, 3));
        assert!(!ApprovalRule::Any.is_satisfied(0, 3));
        assert!(!ApprovalRule::All.is_satisfied(2, 3));
        assert!(ApprovalRule::All.is_satisfied(3, 3));
        assert!(
            !ApprovalRule::All.is_satisfied(0, 0),
            "a step without approvers is never done"
        );
        assert!(!ApprovalRule::Any.is_satisfied(1, 0));
    }

    // --- Recipients ---

    #[test]
    fn a_recipient_is_notified_verified_then_answers() {
        use RecipientEvent as Re;
        use RecipientState as R;
        assert_eq!(apply_recipient(R::Waiting, Re::Notify), Ok(R::Notified));
        assert_eq!(apply_recipient(R::Notified, Re::Verify), Ok(R::Verified));
        assert_eq!(apply_recipient(R::Verified, Re::Verify), Ok(R::Verified));
        assert_eq!(apply_recipient(R::Verified, Re::Agree), Ok(R::Agreed));
        assert_eq!(apply_recipient(R::Verified, Re::Decline), Ok(R::Declined));
        assert_eq!(apply_recipient(R::Verified, Re::Forward), Ok(R::Forwarded));
    }

    #[test]
    fn only_a_verified_recipient_agrees_declines_or_forwards() {
        use RecipientEvent as Re;
        use RecipientState as R;
        for &state in RecipientState::ALL {
            for event in [Re::Agree, Re::Decline, Re::Forward] {
                let got = apply_recipient(state, event);
                assert_eq!(got.is_ok(), state == R::Verified, "{state:?} + {event:?}");
            }
        }
        assert_eq!(
            apply_recipient(R::Waiting, Re::Verify),
            Err(E::NotAllowedInState),
            "not their turn yet"
        );
    }

    #[test]
    fn a_recipient_who_answered_or_forwarded_accepts_nothing_more() {
        use RecipientEvent as Re;
        for &state in RecipientState::ALL.iter().filter(|s| s.is_terminal()) {
            for event in [Re::Notify, Re::Verify, Re::Agree, Re::Decline, Re::Forward] {
                assert_eq!(apply_recipient(state, event), Err(E::NotAllowedInState));
            }
        }
    }

    // --- Dispose ---

    #[test]
    fn a_final_contract_is_disposed_of_once_its_retention_ended_and_it_is_not_held() {
        let disposer = ContractActor::staff([Permission::DisposeRecords]);
        for state in [S::Concluded, S::Declined, S::Cancelled, S::Expired] {
            assert_eq!(
                apply(state, &Ev::Dispose, &ready(), &disposer),
                Ok(S::Disposed)
            );
            let held = ContractFacts {
                legal_hold: true,
                ..ready()
            };
            assert_eq!(
                apply(state, &Ev::Dispose, &held, &disposer),
                Err(E::LegalHold)
            );
            let kept = ContractFacts {
                retention_ended: false,
                ..ready()
            };
            assert_eq!(
                apply(state, &Ev::Dispose, &kept, &disposer),
                Err(E::RetentionNotEnded)
            );
            let both = ContractFacts {
                legal_hold: true,
                retention_ended: false,
                ..ready()
            };
            assert_eq!(
                apply(state, &Ev::Dispose, &both, &disposer),
                Err(E::LegalHold),
                "the hold is the reason named first"
            );
        }
    }

    #[test]
    fn only_staff_with_the_dispose_permission_dispose_and_never_an_open_contract() {
        for actor in [
            role(crate::access::Role::Staff),
            role(crate::access::Role::Approver),
            ContractActor::System,
            ContractActor::Recipient,
        ] {
            assert_eq!(
                apply(S::Concluded, &Ev::Dispose, &ready(), &actor),
                Err(E::Forbidden)
            );
        }
        assert_eq!(
            apply(
                S::Concluded,
                &Ev::Dispose,
                &ready(),
                &role(crate::access::Role::Admin)
            ),
            Ok(S::Disposed)
        );
        for state in [
            S::Draft,
            S::PendingApproval,
            S::Approved,
            S::Sent,
            S::Concluding,
            S::Disposed,
        ] {
            assert_eq!(
                apply(state, &Ev::Dispose, &ready(), &admin()),
                Err(E::NotAllowedInState),
                "{state:?}"
            );
        }
    }

    #[test]
    fn a_disposed_contract_is_neither_duplicated_nor_downloaded() {
        let f = ContractFacts {
            state: S::Disposed,
            ..ready()
        };
        assert_eq!(
            apply(S::Disposed, &Ev::Duplicate, &f, &admin()),
            Err(E::NotAllowedInState)
        );
        assert!(allowed_actions(&f, &admin()).is_empty());
    }

    // --- Properties ---

    fn arb_state() -> impl Strategy<Value = ContractState> {
        prop::sample::select(ContractState::ALL)
    }

    fn arb_facts() -> impl Strategy<Value = ContractFacts> {
        (arb_state(), any::<[bool; 13]>()).prop_map(|(state, b)| ContractFacts {
            state,
            approval_required: b[0],
            has_main_document: b[1],
            has_recipients: b[2],
            route_has_steps: b[3],
            route_complete: b[4],
            created_by_me: b[5],
            i_am_current_approver: b[6],
            i_already_approved: b[7],
            any_recipient_agreed: b[8],
            all_recipients_agreed: b[9],
            sealed_and_timestamped: b[10],
            legal_hold: b[11],
            retention_ended: b[12],
        })
    }

    fn arb_event() -> impl Strategy<Value = ContractEvent> {
        prop::sample::select(EVENTS.to_vec())
    }

    fn arb_actor() -> impl Strategy<Value = ContractActor> {
        prop_oneof![
            1 => Just(ContractActor::Recipient),
            1 => Just(ContractActor::System),
            2 => Just(admin()),
            3 => prop::collection::btree_set(prop::sample::select(Permission::ALL.to_vec()), 0..=14)
                .prop_map(ContractActor::Staff),
        ]
    }

    /// The per-transition invariants.
    fn check_step(
        state: S,
        event: &ContractEvent,
        f: &ContractFacts,
        next: Result<S, E>,
    ) -> Result<(), TestCaseError> {
        let Ok(next) = next else { return Ok(()) };
        if next == S::Sent && state != S::Sent && f.approval_required {
            prop_assert_eq!(state, S::Approved, "sent without approval");
            prop_assert!(f.route_complete, "sent with an incomplete route");
        }
        if next == S::Concluded && state != S::Concluded {
            prop_assert!(f.all_recipients_agreed && f.sealed_and_timestamped);
            prop_assert_eq!(state, S::Concluding);
        }
        if next == S::Disposed && state != S::Disposed {
            prop_assert!(!f.legal_hold, "a held contract was disposed of");
            prop_assert!(f.retention_ended, "disposed of before its retention ended");
            prop_assert!(state.is_terminal());
        }
        if state == S::Disposed {
            prop_assert!(false, "a disposed contract accepted {:?}", event);
        }
        if state.is_terminal() && next != S::Disposed {
            prop_assert_eq!(next, state, "a terminal state stays");
            prop_assert_eq!(*event, Ev::Duplicate);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Random histories with facts redrawn at every step.
        #[test]
        fn random_histories_keep_the_invariants(
            steps in prop::collection::vec((arb_event(), arb_facts(), arb_actor()), 0..60),
        ) {
            let mut state = S::Draft;
            for (event, mut f, actor) in steps {
                f.state = state;
                let next = apply(state, &event, &f, &actor);
                check_step(state, &event, &f, next)?;
                if let Ok(n) = next {
                    state = n;
                }
            }
        }

        /// Random histories under one set of facts, with a capable actor for each event: with
        /// approval required, every path to `Sent` passes `Approved`.
        #[test]
        fn histories_under_fixed_facts_pass_approval_when_it_is_required(
            base in arb_facts(),
            events in prop::collection::vec(arb_event(), 0..60),
        ) {
            let mut state = S::Draft;
            let mut was_approved = false;
            for event in events {
                let f = ContractFacts { state, ..base.clone() };
                let next = apply(state, &event, &f, &actor_for(&event));
                check_step(state, &event, &f, next)?;
                if let Ok(n) = next {
                    if n == S::Draft {
                        was_approved = false;
                    }
                    was_approved |= n == S::Approved;
                    if n == S::Sent && base.approval_required {
                        prop_assert!(was_approved && base.route_complete);
                    }
                    if n == S::Concluded {
                        prop_assert!(base.all_recipients_agreed && base.sealed_and_timestamped);
                    }
                    state = n;
                }
            }
        }

        #[test]
        fn terminal_states_accept_only_duplicate_and_dispose(
            terminal in prop::sample::select(vec![S::Concluded, S::Declined, S::Cancelled, S::Expired]),
            f in arb_facts(), event in arb_event(), actor in arb_actor(),
        ) {
            let f = ContractFacts { state: terminal, ..f };
            match apply(f.state, &event, &f, &actor) {
                Ok(S::Disposed) => {
                    prop_assert_eq!(event, Ev::Dispose);
                    prop_assert!(!f.legal_hold && f.retention_ended);
                    prop_assert!(actor.has(Permission::DisposeRecords));
                }
                Ok(next) => {
                    prop_assert_eq!(next, f.state);
                    prop_assert_eq!(event, Ev::Duplicate);
                }
                Err(e) => prop_assert!(matches!(
                    e,
                    E::NotAllowedInState | E::Forbidden | E::LegalHold | E::RetentionNotEnded
                )),
            }
        }

        #[test]
        fn a_disposed_contract_accepts_nothing(
            f in arb_facts(), event in arb_event(), actor in arb_actor(),
        ) {
            let f = ContractFacts { state: S::Disposed, ..f };
            prop_assert!(apply(S::Disposed, &event, &f, &actor).is_err());
            prop_assert!(allowed_actions(&f, &actor).is_empty());
        }

        #[test]
        fn allowed_actions_are_exactly_what_apply_accepts(
            f in arb_facts(), actor in arb_actor(),
        ) {
            let allowed = allowed_actions(&f, &actor);
            for &action in ContractAction::ALL {
                prop_assert_eq!(
                    allowed.contains(&action),
                    check_action(action, &f, &actor).is_ok(),
                    "{:?}", action
                );
                if let Some(event) = action.event() {
                    prop_assert_eq!(
                        allowed.contains(&action),
                        apply(f.state, &event, &f, &actor).is_ok(),
                        "{:?}", action
                    );
                }
            }
            // final_step never decides whether approving is allowed.
            prop_assert_eq!(
                apply(f.state, &Ev::Approve { final_step: true }, &f, &actor).is_ok(),
                allowed.contains(&ContractAction::Approve)
            );
        }

        #[test]
        fn apply_reads_the_state_argument_not_the_facts_state(
            f in arb_facts(), other in arb_state(), event in arb_event(), actor in arb_actor(),
        ) {
            let g = ContractFacts { state: other, ..f.clone() };
            prop_assert_eq!(apply(f.state, &event, &f, &actor), apply(f.state, &event, &g, &actor));
        }

        #[test]
        fn recipients_agree_only_after_verifying(
            events in prop::collection::vec(
                prop::sample::select(vec![
                    RecipientEvent::Notify,
                    RecipientEvent::Verify,
                    RecipientEvent::Agree,
                    RecipientEvent::Decline,
                    RecipientEvent::Forward,
                ]),
                0..20,
            ),
        ) {
            let mut state = RecipientState::Waiting;
            for event in events {
                if let Ok(next) = apply_recipient(state, event) {
                    prop_assert!(!state.is_terminal());
                    if next.is_terminal() {
                        prop_assert_eq!(state, RecipientState::Verified);
                    }
                    state = next;
                }
            }
        }
    }
}
