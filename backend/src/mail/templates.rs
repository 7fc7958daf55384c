//! The mails the service sends, one variant each with typed parameters. Every mail is
//! Japanese first and English below, plain text and HTML, in polite business Japanese with
//! the terms of `docs/glossary.md`.
//!
//! Two rules hold by construction: a mail links only to the URLs its parameters carry, and
//! only [`OneTimeCode`] has a field for a one-time code.

use shared::validate::OtpCode;

use super::render::{Block, Rendered, SUBJECT_PREFIX, date_en, date_ja, render};
use crate::clock::Millis;

/// A contract as mails name it.
#[derive(Debug, Clone)]
pub struct ContractRef {
    /// 件名.
    pub title: String,
    /// 契約番号, e.g. `R8-000123`.
    pub number: String,
}

/// Who sends a request on the staff side: 団体・所属・担当者.
#[derive(Debug, Clone)]
pub struct Sender {
    /// 団体名, e.g. 〇〇市.
    pub tenant: String,
    /// 所属, e.g. 契約課.
    pub department: String,
    /// 担当者 (family name first).
    pub person: String,
}

/// A person on the counterparty's side (契約相手方).
#[derive(Debug, Clone)]
pub struct Party {
    /// 氏名 (family name first).
    pub name: String,
    /// 取引先 (organisation).
    pub organization: String,
}

/// A personal link and until when it works.
#[derive(Debug, Clone)]
pub struct Link {
    /// The URL, with its token.
    pub url: String,
    /// 有効期限.
    pub expires_at: Millis,
}

/// 確認依頼: asks a counterparty to review and agree.
#[derive(Debug, Clone)]
pub struct SigningRequest {
    /// The addressee.
    pub recipient: Party,
    /// The city side.
    pub sender: Sender,
    /// The contract.
    pub contract: ContractRef,
    /// The personal signing link.
    pub link: Link,
    /// Whether an アクセスコード (given out of band) is needed too.
    pub access_code_required: bool,
    /// The sender's message, if any.
    pub message: Option<String>,
}

/// 確認コード: the one-time code that opens the signing page.
#[derive(Debug, Clone)]
pub struct OneTimeCode {
    /// The addressee's name.
    pub recipient_name: String,
    /// The code.
    pub code: OtpCode,
    /// How long it is valid.
    pub minutes_valid: u32,
}

/// リマインド: the signing request again, while it is unanswered.
#[derive(Debug, Clone)]
pub struct Reminder {
    /// The addressee.
    pub recipient: Party,
    /// The city side.
    pub sender: Sender,
    /// The contract.
    pub contract: ContractRef,
    /// The personal signing link.
    pub link: Link,
    /// Whether an アクセスコード is needed too.
    pub access_code_required: bool,
}

/// To staff: a counterparty declined (却下).
#[derive(Debug, Clone)]
pub struct Declined {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// Who declined.
    pub by: Party,
    /// Their reason.
    pub reason: String,
    /// The contract's page in the staff app.
    pub link: String,
}

/// 転送: a counterparty passed the request to a colleague; this mail goes to the colleague.
#[derive(Debug, Clone)]
pub struct Forwarded {
    /// The new addressee.
    pub recipient: Party,
    /// Who forwarded it.
    pub forwarded_by: Party,
    /// The city side.
    pub sender: Sender,
    /// The contract.
    pub contract: ContractRef,
    /// The new addressee's personal signing link.
    pub link: Link,
    /// Whether an アクセスコード is needed too.
    pub access_code_required: bool,
    /// The forwarder's message, if any.
    pub message: Option<String>,
}

/// To staff: a request was forwarded.
#[derive(Debug, Clone)]
pub struct ForwardNotice {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// Who forwarded.
    pub from: Party,
    /// To whom.
    pub to: Party,
    /// The contract's page in the staff app.
    pub link: String,
}

/// 締結: to a counterparty, with the download link of the sealed documents.
#[derive(Debug, Clone)]
pub struct Concluded {
    /// The addressee.
    pub recipient: Party,
    /// The city (団体名).
    pub tenant: String,
    /// The contract.
    pub contract: ContractRef,
    /// Download link and until when it works.
    pub download: Link,
}

/// To staff: the contract is concluded.
#[derive(Debug, Clone)]
pub struct ConcludedNotice {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To an approver: 承認申請.
#[derive(Debug, Clone)]
pub struct ApprovalRequested {
    /// The approver addressed.
    pub approver_name: String,
    /// 申請者.
    pub requester: String,
    /// The requester's 所属.
    pub department: String,
    /// The contract.
    pub contract: ContractRef,
    /// The requester's comment, if any.
    pub comment: Option<String>,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To the requester: 承認.
#[derive(Debug, Clone)]
pub struct Approved {
    /// The staff member addressed.
    pub staff_name: String,
    /// 承認者.
    pub approver: String,
    /// The contract.
    pub contract: ContractRef,
    /// Whether the whole route is now approved (else later steps remain).
    pub route_complete: bool,
    /// The approver's comment, if any.
    pub comment: Option<String>,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To the requester: 差し戻し.
#[derive(Debug, Clone)]
pub struct SentBack {
    /// The staff member addressed.
    pub staff_name: String,
    /// Who sent it back.
    pub approver: String,
    /// The contract.
    pub contract: ContractRef,
    /// 理由 (always given).
    pub comment: String,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To staff: a counterparty opened the contract.
#[derive(Debug, Clone)]
pub struct Viewed {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// Who opened it.
    pub by: Party,
    /// When.
    pub at: Millis,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To staff: a counterparty agreed (合意).
#[derive(Debug, Clone)]
pub struct Agreed {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// Who agreed.
    pub by: Party,
    /// When.
    pub at: Millis,
    /// How many recipients have yet to agree.
    pub remaining: u32,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To staff: the request expires soon and some recipients have not answered.
#[derive(Debug, Clone)]
pub struct Expiring {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// 有効期限.
    pub expires_at: Millis,
    /// Who has not answered yet.
    pub pending: Vec<Party>,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To a staff user: their account was locked after failed logins (the login screen says only
/// "login failed", so that it does not reveal which accounts exist).
#[derive(Debug, Clone)]
pub struct AccountLocked {
    /// The user addressed.
    pub user_name: String,
    /// 団体名.
    pub tenant: String,
    /// ログインID.
    pub login_id: String,
    /// Until when.
    pub until: Millis,
}

/// To staff: a counterparty's link was closed after repeated wrong codes; a new link (e.g. a
/// reminder) is needed.
#[derive(Debug, Clone)]
pub struct SigningLinkClosed {
    /// The staff member addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// Whose link.
    pub recipient: Party,
    /// Wrong codes in all.
    pub failures: u32,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To an administrator: the service's seal on a contract keeps failing or was given up, so the
/// contract cannot go on (be sent or concluded) until someone acts.
#[derive(Debug, Clone)]
pub struct SealTrouble {
    /// The administrator addressed.
    pub staff_name: String,
    /// The contract.
    pub contract: ContractRef,
    /// Why, in Japanese.
    pub reason_ja: String,
    /// The technical message.
    pub detail: String,
    /// Attempts so far.
    pub attempts: i32,
    /// `true`: no further attempt will be made.
    pub gave_up: bool,
    /// The contract's page in the staff app.
    pub link: String,
}

/// To a tenant's administrators: what a run of the renewal job (長期署名の延長) did.
#[derive(Debug, Clone)]
pub struct LtvReport {
    /// The administrator addressed.
    pub admin_name: String,
    /// 団体名.
    pub tenant: String,
    /// Files renewed in this run.
    pub renewed: u32,
    /// Files whose renewal failed: `契約番号 件名: reason`, one a line.
    pub failures: Vec<String>,
    /// Files given up on (the attempts ran out): they need an administrator.
    pub gave_up: u32,
    /// The staff app's home (the dashboard shows the figures).
    pub link: String,
}

// Maintenance notices (お知らせ).
/// To a tenant's administrator: planned maintenance (計画メンテナンス) ahead, on publication
/// and again the day before (仕様 6-(6)).
#[derive(Debug, Clone)]
pub struct Maintenance {
    /// The administrator addressed.
    pub admin_name: String,
    /// 団体名.
    pub tenant: String,
    /// 件名 of the notice (plain text, escaped in HTML).
    pub title: String,
    /// 本文 of the notice (plain text).
    pub text: String,
    /// 開始日時.
    pub starts_at: Millis,
    /// 終了日時 (予定).
    pub ends_at: Millis,
    /// `true` for the reminder the day before, `false` on publication.
    pub reminder: bool,
    /// The staff app's home (the banner shows the notice there too).
    pub link: String,
}

// Monthly usage report (月次利用状況報告).
/// To a tenant's administrators: a month's usage report is ready (the figures are behind the
/// link, which needs a login).
#[derive(Debug, Clone)]
pub struct MonthlyReport {
    /// The administrator addressed.
    pub admin_name: String,
    /// 団体名.
    pub tenant: String,
    /// The month, e.g. `2026年11月`.
    pub month: String,
    /// Contracts sent in the month.
    pub sent: i64,
    /// Contracts concluded in the month.
    pub concluded: i64,
    /// Staff who used the service in the month.
    pub active_users: i64,
    /// The report page in the staff app (CSV and PDF downloads).
    pub link: String,
}

/// Every mail the service sends.
#[derive(Debug, Clone)]
pub enum MailTemplate {
    /// 契約書の確認と同意のお願い.
    SigningRequest(SigningRequest),
    /// 確認コードのお知らせ.
    OneTimeCode(OneTimeCode),
    /// 契約書の確認と同意のお願い（再送）.
    Reminder(Reminder),
    /// 契約相手方が合意しませんでした.
    Declined(Declined),
    /// 契約書の確認と同意のお願い（転送）.
    Forwarded(Forwarded),
    /// 契約書の手続きが転送されました.
    ForwardNotice(ForwardNotice),
    /// 契約締結のお知らせ (counterparty, with download link).
    Concluded(Concluded),
    /// 契約が締結されました (staff).
    ConcludedNotice(ConcludedNotice),
    /// 承認のお願い.
    ApprovalRequested(ApprovalRequested),
    /// 契約が承認されました.
    Approved(Approved),
    /// 契約が差し戻されました.
    SentBack(SentBack),
    /// 契約相手方が契約書を開きました.
    Viewed(Viewed),
    /// 契約相手方が合意しました.
    Agreed(Agreed),
    /// 確認依頼の有効期限が近づいています.
    Expiring(Expiring),
    /// アカウントがロックされました.
    AccountLocked(AccountLocked),
    /// 確認用リンクを停止しました.
    SigningLinkClosed(SigningLinkClosed),
    /// 電子署名の処理が止まっています（管理者あて）.
    SealTrouble(SealTrouble),
    /// 長期署名の延長の結果 (administrators).
    LtvReport(LtvReport),
    // Monthly usage report (月次利用状況報告).
    /// 月次利用状況報告 (administrators).
    MonthlyReport(MonthlyReport),
    /// 計画メンテナンスのお知らせ (administrators).
    Maintenance(Maintenance),
}

impl MailTemplate {
    /// A stable name for logs and the job payload, e.g. `signing_request`.
    pub fn name(&self) -> &'static str {
        match self {
            MailTemplate::SigningRequest(_) => "signing_request",
            MailTemplate::OneTimeCode(_) => "one_time_code",
            MailTemplate::Reminder(_) => "reminder",
            MailTemplate::Declined(_) => "declined",
            MailTemplate::Forwarded(_) => "forwarded",
            MailTemplate::ForwardNotice(_) => "forward_notice",
            MailTemplate::Concluded(_) => "concluded",
            MailTemplate::ConcludedNotice(_) => "concluded_notice",
            MailTemplate::ApprovalRequested(_) => "approval_requested",
            MailTemplate::Approved(_) => "approved",
            MailTemplate::SentBack(_) => "sent_back",
            MailTemplate::Viewed(_) => "viewed",
            MailTemplate::Agreed(_) => "agreed",
            MailTemplate::Expiring(_) => "expiring",
            MailTemplate::AccountLocked(_) => "account_locked",
            MailTemplate::SigningLinkClosed(_) => "signing_link_closed",
            MailTemplate::MonthlyReport(_) => "monthly_report",
            MailTemplate::SealTrouble(_) => "seal_trouble",
            MailTemplate::LtvReport(_) => "ltv_report",
            MailTemplate::Maintenance(_) => "maintenance",
        }
    }

    /// How many times sending is tried: a one-time code is useless after its ten minutes,
    /// so it is given up after about four minutes of retries; anything else after about a day.
    pub fn max_attempts(&self) -> i32 {
        match self {
            MailTemplate::OneTimeCode(_) => 5,
            _ => 30,
        }
    }

    /// Subject, text and HTML.
    pub fn render(&self) -> Rendered {
        match self {
            MailTemplate::SigningRequest(m) => signing_request(m),
            MailTemplate::OneTimeCode(m) => one_time_code(m),
            MailTemplate::Reminder(m) => reminder(m),
            MailTemplate::Declined(m) => declined(m),
            MailTemplate::Forwarded(m) => forwarded(m),
            MailTemplate::ForwardNotice(m) => forward_notice(m),
            MailTemplate::Concluded(m) => concluded(m),
            MailTemplate::ConcludedNotice(m) => concluded_notice(m),
            MailTemplate::ApprovalRequested(m) => approval_requested(m),
            MailTemplate::Approved(m) => approved(m),
            MailTemplate::SentBack(m) => sent_back(m),
            MailTemplate::Viewed(m) => viewed(m),
            MailTemplate::Agreed(m) => agreed(m),
            MailTemplate::Expiring(m) => expiring(m),
            MailTemplate::AccountLocked(m) => account_locked(m),
            MailTemplate::MonthlyReport(m) => monthly_report(m),
            MailTemplate::SigningLinkClosed(m) => signing_link_closed(m),
            MailTemplate::SealTrouble(m) => seal_trouble(m),
            MailTemplate::LtvReport(m) => ltv_report(m),
            MailTemplate::Maintenance(m) => maintenance(m),
        }
    }
}

/// `【立会】{ja}（{number}） / {en} ({number})`.
fn subject(ja: &str, en: &str, contract: &ContractRef) -> String {
    let n = contract.number.as_str();
    format!("{SUBJECT_PREFIX}{ja}（{n}） / {en} ({n})")
}

/// One language's body, in the order every mail uses: greeting, intro, fields (the
/// contract's first), an aside (someone's message or reason, a list), the link, then notes.
struct Part {
    greeting: String,
    intro: String,
    fields: Vec<(&'static str, String)>,
    aside: Option<Block>,
    link: String,
    notes: Vec<Block>,
}

impl Part {
    fn blocks(self) -> Vec<Block> {
        let mut blocks = vec![
            Block::P(self.greeting),
            Block::P(self.intro),
            Block::Fields(self.fields),
        ];
        blocks.extend(self.aside);
        blocks.push(Block::Link(self.link));
        blocks.extend(self.notes);
        blocks
    }
}

fn mail(subject: String, ja: Part, en: Part) -> Rendered {
    render(subject, ja.blocks(), en.blocks())
}

fn dear_party_ja(p: &Party) -> String {
    format!("{}\n{} 様", p.organization, p.name)
}

fn dear_party_en(p: &Party) -> String {
    format!("Dear {} ({}),", p.name, p.organization)
}

fn dear_ja(name: &str) -> String {
    format!("{name} 様")
}

fn dear_en(name: &str) -> String {
    format!("Dear {name},")
}

fn party_ja(p: &Party) -> String {
    format!("{} {} 様", p.organization, p.name)
}

fn party_en(p: &Party) -> String {
    format!("{} ({})", p.name, p.organization)
}

fn sender_ja(s: &Sender) -> String {
    format!("{} {} {}", s.tenant, s.department, s.person)
}

fn sender_en(s: &Sender) -> String {
    format!("{}, {}, {}", s.person, s.department, s.tenant)
}

/// 件名 and 契約番号, then `more`.
fn fields_ja<const N: usize>(
    c: &ContractRef,
    more: [(&'static str, String); N],
) -> Vec<(&'static str, String)> {
    let mut rows = vec![("件名", c.title.clone()), ("契約番号", c.number.clone())];
    rows.extend(more);
    rows
}

/// Title and contract number, then `more`.
fn fields_en<const N: usize>(
    c: &ContractRef,
    more: [(&'static str, String); N],
) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Title", c.title.clone()),
        ("Contract number", c.number.clone()),
    ];
    rows.extend(more);
    rows
}

fn quote(label: &'static str, text: &Option<String>) -> Option<Block> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Block::Quote(label, t.to_owned()))
}

/// What the three mails with a personal signing link (確認依頼, リマインド, 転送) share: the
/// greeting, the contract, the link with its expiry, and the notes under it.
struct Request<'a> {
    recipient: &'a Party,
    contract: &'a ContractRef,
    link: &'a Link,
    access_code_required: bool,
}

impl Request<'_> {
    /// `intro`, then the contract, `who` (送信者 / 依頼元 …), the expiry, `quote` and the link.
    fn ja<const N: usize>(
        &self,
        intro: String,
        who: [(&'static str, String); N],
        quote: Option<Block>,
    ) -> Part {
        let mut fields = fields_ja(self.contract, who);
        fields.push(("有効期限", date_ja(self.link.expires_at)));
        let name = &self.recipient.name;
        let mut notes =
            vec!["リンクを開くと、このメールアドレスあてに確認コードをお送りします。".to_owned()];
        if self.access_code_required {
            notes.push(
                "手続きにはアクセスコードも必要です。アクセスコードは、送信者から電話や書面など、メール以外の方法でお知らせします。"
                    .to_owned(),
            );
        }
        notes.push(format!(
            "このリンクは{name} 様専用です。このメールを転送しないでください。ほかの方に手続きを依頼する場合は、リンク先の「転送」機能をご利用ください。"
        ));
        notes.push("有効期限を過ぎると、リンクはご利用いただけなくなります。".to_owned());
        Part {
            greeting: dear_party_ja(self.recipient),
            intro,
            fields,
            aside: quote,
            link: self.link.url.clone(),
            notes: vec![Block::List("ご注意", notes)],
        }
    }

    fn en<const N: usize>(
        &self,
        intro: String,
        who: [(&'static str, String); N],
        quote: Option<Block>,
    ) -> Part {
        let mut fields = fields_en(self.contract, who);
        fields.push(("Link valid until", date_en(self.link.expires_at)));
        let name = &self.recipient.name;
        let mut notes = vec![
            "When you open the link, a confirmation code is sent to this e-mail address."
                .to_owned(),
        ];
        if self.access_code_required {
            notes.push(
                "An access code is also required. The sender gives it to you by telephone, letter or another way than e-mail."
                    .to_owned(),
            );
        }
        notes.push(format!(
            "This link is for {name} only. Please do not forward this e-mail; to ask someone else to handle it, use the \"Forward\" function on the linked page."
        ));
        notes.push("The link can no longer be used after it expires.".to_owned());
        Part {
            greeting: dear_party_en(self.recipient),
            intro,
            fields,
            aside: quote,
            link: self.link.url.clone(),
            notes: vec![Block::List("Please note", notes)],
        }
    }
}

fn signing_request(m: &SigningRequest) -> Rendered {
    let s = &m.sender;
    let r = Request {
        recipient: &m.recipient,
        contract: &m.contract,
        link: &m.link,
        access_code_required: m.access_code_required,
    };
    mail(
        subject(
            "契約書の確認と同意のお願い",
            "Request to review and agree",
            &m.contract,
        ),
        r.ja(
            format!(
                "{} {}より、下記の契約書への同意のお願いです。\n内容をご確認のうえ、次のリンクから手続きをお願いいたします。",
                s.tenant, s.department
            ),
            [("送信者", sender_ja(s))],
            quote("送信者からのメッセージ", &m.message),
        ),
        r.en(
            format!(
                "{}, {} asks you to review and agree to the contract below.\nPlease review it and proceed through the link below.",
                s.department, s.tenant
            ),
            [("From", sender_en(s))],
            quote("Message from the sender", &m.message),
        ),
    )
}

fn reminder(m: &Reminder) -> Rendered {
    let s = &m.sender;
    let r = Request {
        recipient: &m.recipient,
        contract: &m.contract,
        link: &m.link,
        access_code_required: m.access_code_required,
    };
    mail(
        subject(
            "契約書の確認と同意のお願い（再送）",
            "Reminder: request to review and agree",
            &m.contract,
        ),
        r.ja(
            format!(
                "{} {}より、先日お送りした下記の契約書について、再度のご案内です。\nまだ手続きが完了していませんので、内容をご確認のうえ、有効期限までに次のリンクから手続きをお願いいたします。",
                s.tenant, s.department
            ),
            [("送信者", sender_ja(s))],
            None,
        ),
        r.en(
            format!(
                "This is a reminder from {}, {}: the contract below is still awaiting your response.\nPlease review it and proceed through the link below before it expires.",
                s.department, s.tenant
            ),
            [("From", sender_en(s))],
            None,
        ),
    )
}

fn forwarded(m: &Forwarded) -> Rendered {
    let (s, by) = (&m.sender, &m.forwarded_by);
    let r = Request {
        recipient: &m.recipient,
        contract: &m.contract,
        link: &m.link,
        access_code_required: m.access_code_required,
    };
    mail(
        subject(
            "契約書の確認と同意のお願い（転送）",
            "Request to review and agree, forwarded to you",
            &m.contract,
        ),
        r.ja(
            format!(
                "{} {} 様から、下記の契約書の確認と同意の手続きが転送されました。\n依頼元は{} {}です。内容をご確認のうえ、次のリンクから手続きをお願いいたします。",
                by.organization, by.name, s.tenant, s.department
            ),
            [("依頼元", sender_ja(s)), ("転送元", party_ja(by))],
            quote("転送元からのメッセージ", &m.message),
        ),
        r.en(
            format!(
                "{} has forwarded to you a request from {}, {} to review and agree to the contract below.\nPlease review it and proceed through the link below.",
                party_en(by),
                s.department,
                s.tenant
            ),
            [("Requested by", sender_en(s)), ("Forwarded by", party_en(by))],
            quote("Message from the person who forwarded it", &m.message),
        ),
    )
}

fn one_time_code(m: &OneTimeCode) -> Rendered {
    let code = format!("{:06}", m.code.value());
    let minutes = m.minutes_valid;
    render(
        format!("{SUBJECT_PREFIX}確認コードのお知らせ / Your confirmation code"),
        vec![
            Block::P(dear_ja(&m.recipient_name)),
            Block::P("契約書を表示するための確認コードをお知らせします。".into()),
            Block::Code(code.clone()),
            Block::P(format!(
                "このコードの有効時間は{minutes}分です。手続きの画面に入力してください。"
            )),
            Block::P(
                "このコードはほかの方に教えないでください。お心当たりのない場合は、このメールを破棄してください。"
                    .into(),
            ),
        ],
        vec![
            Block::P(dear_en(&m.recipient_name)),
            Block::P("Here is the confirmation code to display the contract.".into()),
            Block::Code(code),
            Block::P(format!(
                "The code is valid for {minutes} minutes. Please enter it on the page."
            )),
            Block::P(
                "Do not share this code with anyone. If you did not request it, please discard this e-mail."
                    .into(),
            ),
        ],
    )
}

fn concluded(m: &Concluded) -> Rendered {
    let until = m.download.expires_at;
    mail(
        subject(
            "契約締結のお知らせ",
            "The contract has been concluded",
            &m.contract,
        ),
        Part {
            greeting: dear_party_ja(&m.recipient),
            intro: format!(
                "{}との下記の契約は、すべての当事者の合意により締結されました。\n電子署名とタイムスタンプを付与した契約書と合意締結証明書を、次のリンクからダウンロードいただけます。",
                m.tenant
            ),
            fields: fields_ja(&m.contract, [("ダウンロード期限", date_ja(until))]),
            aside: None,
            link: m.download.url.clone(),
            notes: vec![Block::P(
                "ダウンロード期限を過ぎると、リンクはご利用いただけなくなります。必要な文書は期限内に保存してください。"
                    .into(),
            )],
        },
        Part {
            greeting: dear_party_en(&m.recipient),
            intro: format!(
                "The contract below with {} has been concluded with the agreement of all parties.\nThe contract with its electronic seal and timestamp, and the completion certificate, can be downloaded from the link below.",
                m.tenant
            ),
            fields: fields_en(&m.contract, [("Download until", date_en(until))]),
            aside: None,
            link: m.download.url.clone(),
            notes: vec![Block::P(
                "The link can no longer be used after that time. Please save the documents you need before then."
                    .into(),
            )],
        },
    )
}

/// A notice to a staff member: greeting, `intro`, the contract with `more` fields, an
/// optional aside (a quote, a list), and the link to the contract in the staff app.
struct Notice<const N: usize> {
    intro: String,
    more: [(&'static str, String); N],
    aside: Option<Block>,
}

impl<const N: usize> Notice<N> {
    fn ja(self, staff_name: &str, contract: &ContractRef, link: &str) -> Part {
        Part {
            greeting: dear_ja(staff_name),
            intro: self.intro,
            fields: fields_ja(contract, self.more),
            aside: self.aside,
            link: link.to_owned(),
            notes: vec![],
        }
    }

    fn en(self, staff_name: &str, contract: &ContractRef, link: &str) -> Part {
        Part {
            greeting: dear_en(staff_name),
            intro: self.intro,
            fields: fields_en(contract, self.more),
            aside: self.aside,
            link: link.to_owned(),
            notes: vec![],
        }
    }
}

/// Renders a staff notice from its two languages.
fn staff_notice<const J: usize, const E: usize>(
    subject_ja: &str,
    subject_en: &str,
    (staff_name, contract, link): (&str, &ContractRef, &str),
    ja: Notice<J>,
    en: Notice<E>,
) -> Rendered {
    mail(
        subject(subject_ja, subject_en, contract),
        ja.ja(staff_name, contract, link),
        en.en(staff_name, contract, link),
    )
}

fn declined(m: &Declined) -> Rendered {
    staff_notice(
        "契約相手方が合意しませんでした",
        "The counterparty declined",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: "下記の契約について、契約相手方から合意しない旨の回答がありました。".into(),
            more: [("回答者", party_ja(&m.by))],
            aside: Some(Block::Quote("理由", m.reason.clone())),
        },
        Notice {
            intro: "The counterparty has declined the contract below.".into(),
            more: [("Declined by", party_en(&m.by))],
            aside: Some(Block::Quote("Reason", m.reason.clone())),
        },
    )
}

fn forward_notice(m: &ForwardNotice) -> Rendered {
    staff_notice(
        "契約書の手続きが転送されました",
        "A signing request was forwarded",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: "下記の契約について、契約相手方が手続きを転送しました。転送先の方には確認依頼のメールをお送りしています。".into(),
            more: [("転送元", party_ja(&m.from)), ("転送先", party_ja(&m.to))],
            aside: None,
        },
        Notice {
            intro: "The counterparty has forwarded the request for the contract below to a colleague, who has been sent the request by e-mail.".into(),
            more: [("Forwarded by", party_en(&m.from)), ("Forwarded to", party_en(&m.to))],
            aside: None,
        },
    )
}

fn concluded_notice(m: &ConcludedNotice) -> Rendered {
    staff_notice(
        "契約が締結されました",
        "Contract concluded",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: "下記の契約は、すべての契約相手方の合意と電子署名・タイムスタンプの付与が完了し、締結されました。\n署名済みの契約書と合意締結証明書は、次のリンクからご確認いただけます。".into(),
            more: [],
            aside: None,
        },
        Notice {
            intro: "The contract below has been concluded: every counterparty agreed, and the electronic seal and timestamp have been applied.\nThe signed contract and the completion certificate are available here:".into(),
            more: [],
            aside: None,
        },
    )
}

fn approval_requested(m: &ApprovalRequested) -> Rendered {
    staff_notice(
        "承認のお願い",
        "Approval requested",
        (&m.approver_name, &m.contract, &m.link),
        Notice {
            intro: "下記の契約について承認申請がありました。内容をご確認のうえ、承認または差し戻しをお願いします。".into(),
            more: [("申請者", format!("{} {}", m.department, m.requester))],
            aside: quote("申請者のコメント", &m.comment),
        },
        Notice {
            intro: "Approval has been requested for the contract below. Please review it, then approve it or send it back.".into(),
            more: [("Requested by", format!("{}, {}", m.requester, m.department))],
            aside: quote("Comment", &m.comment),
        },
    )
}

fn approved(m: &Approved) -> Rendered {
    let (next_ja, next_en) = if m.route_complete {
        (
            "承認ルートのすべての承認が完了しました。契約相手方へ送信できます。",
            "Every step of the approval route is complete. The contract can now be sent to the counterparty.",
        )
    } else {
        (
            "次の承認ステップの承認をお待ちください。",
            "The next step of the approval route is pending.",
        )
    };
    staff_notice(
        "契約が承認されました",
        "Contract approved",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: format!("下記の契約が承認されました。\n{next_ja}"),
            more: [("承認者", m.approver.clone())],
            aside: quote("承認者のコメント", &m.comment),
        },
        Notice {
            intro: format!("The contract below has been approved.\n{next_en}"),
            more: [("Approved by", m.approver.clone())],
            aside: quote("Comment", &m.comment),
        },
    )
}

fn sent_back(m: &SentBack) -> Rendered {
    staff_notice(
        "契約が差し戻されました",
        "Contract sent back",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: "下記の契約が差し戻されました。理由をご確認のうえ、内容を修正して再度承認申請してください。".into(),
            more: [("差し戻した方", m.approver.clone())],
            aside: Some(Block::Quote("理由", m.comment.clone())),
        },
        Notice {
            intro: "The contract below has been sent back. Please read the reason, correct the contract and submit it for approval again.".into(),
            more: [("Sent back by", m.approver.clone())],
            aside: Some(Block::Quote("Reason", m.comment.clone())),
        },
    )
}

fn viewed(m: &Viewed) -> Rendered {
    staff_notice(
        "契約相手方が契約書を開きました",
        "The counterparty opened the contract",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: "下記の契約について、契約相手方が契約書を開きました。".into(),
            more: [("閲覧者", party_ja(&m.by)), ("日時", date_ja(m.at))],
            aside: None,
        },
        Notice {
            intro: "The counterparty has opened the contract below.".into(),
            more: [("Opened by", party_en(&m.by)), ("At", date_en(m.at))],
            aside: None,
        },
    )
}

fn agreed(m: &Agreed) -> Rendered {
    let (next_ja, next_en) = if m.remaining == 0 {
        (
            "すべての契約相手方が合意しました。電子署名とタイムスタンプの付与が完了すると、契約が締結されます。"
                .to_owned(),
            "Every counterparty has agreed. The contract is concluded once the electronic seal and timestamp have been applied."
                .to_owned(),
        )
    } else {
        (
            format!("ほかに{}名の合意をお待ちしています。", m.remaining),
            format!(
                "Waiting for {} more {} to agree.",
                m.remaining,
                if m.remaining == 1 { "person" } else { "people" }
            ),
        )
    };
    staff_notice(
        "契約相手方が合意しました",
        "The counterparty agreed",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: format!("下記の契約について、契約相手方が合意しました。\n{next_ja}"),
            more: [("合意者", party_ja(&m.by)), ("日時", date_ja(m.at))],
            aside: None,
        },
        Notice {
            intro: format!("The counterparty has agreed to the contract below.\n{next_en}"),
            more: [("Agreed by", party_en(&m.by)), ("At", date_en(m.at))],
            aside: None,
        },
    )
}

fn expiring(m: &Expiring) -> Rendered {
    staff_notice(
        "確認依頼の有効期限が近づいています",
        "A signing request expires soon",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: format!(
                "下記の契約の確認依頼は、{}に有効期限を迎えます。まだ回答していない契約相手方がいます。\n必要に応じて、リマインドの送信などをご検討ください。",
                date_ja(m.expires_at)
            ),
            more: [("有効期限", date_ja(m.expires_at))],
            aside: Some(Block::List(
                "未回答の契約相手方",
                m.pending.iter().map(party_ja).collect(),
            )),
        },
        Notice {
            intro: format!(
                "The request for the contract below expires on {}, and some counterparties have not answered yet.\nYou may want to send them a reminder.",
                date_en(m.expires_at)
            ),
            more: [("Expires", date_en(m.expires_at))],
            aside: Some(Block::List(
                "Not answered yet",
                m.pending.iter().map(party_en).collect(),
            )),
        },
    )
}

fn account_locked(m: &AccountLocked) -> Rendered {
    render(
        format!("{SUBJECT_PREFIX}アカウントがロックされました / Your account has been locked"),
        vec![
            Block::P(dear_ja(&m.user_name)),
            Block::P(format!(
                "{}の立会で、あなたのアカウントへのログインに続けて失敗したため、アカウントを{}までロックしました。",
                m.tenant,
                date_ja(m.until)
            )),
            Block::Fields(vec![
                ("ログインID", m.login_id.clone()),
                ("ロック解除", date_ja(m.until)),
            ]),
            Block::P(
                "お心当たりのない場合は、第三者がパスワードを試している可能性があります。管理者にご連絡ください。すぐにログインする必要がある場合は、管理者にパスワードの再設定を依頼してください。"
                    .into(),
            ),
        ],
        vec![
            Block::P(dear_en(&m.user_name)),
            Block::P(format!(
                "After repeated failed logins to your Tachiai account at {}, the account is locked until {}.",
                m.tenant,
                date_en(m.until)
            )),
            Block::Fields(vec![
                ("Login ID", m.login_id.clone()),
                ("Locked until", date_en(m.until)),
            ]),
            Block::P(
                "If this was not you, someone may be trying passwords: please tell your administrator. If you need to log in now, ask your administrator to reset your password."
                    .into(),
            ),
        ],
    )
}

fn signing_link_closed(m: &SigningLinkClosed) -> Rendered {
    staff_notice(
        "確認用リンクを停止しました",
        "A signing link was closed",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: format!(
                "下記の契約について、契約相手方の確認用リンクで確認コードの誤りが合計{}回に達したため、リンクを停止しました。\nご本人からの依頼であることを確認のうえ、リマインドを送信すると新しいリンクが届きます。",
                m.failures
            ),
            more: [("契約相手方", party_ja(&m.recipient))],
            aside: None,
        },
        Notice {
            intro: format!(
                "The signing link of a counterparty for the contract below was closed after {} wrong codes in all.\nOnce you have confirmed with the counterparty, send a reminder to mail them a new link.",
                m.failures
            ),
            more: [("Counterparty", party_en(&m.recipient))],
            aside: None,
        },
    )
}

fn seal_trouble(m: &SealTrouble) -> Rendered {
    let (ja, en) = if m.gave_up {
        (
            format!(
                "下記の契約の電子署名（タイムスタンプ付与）を{}回試みましたが完了できず、自動の再試行を終了しました。原因を取り除いたうえで対応してください。契約の画面にも理由を表示しています。",
                m.attempts
            ),
            format!(
                "The service's seal on the contract below failed {} times and will not be tried again. Please remove the cause and act; the contract's page shows the reason too.",
                m.attempts
            ),
        )
    } else {
        (
            format!(
                "下記の契約の電子署名（タイムスタンプ付与）が{}回続けて失敗しています。自動で再試行していますが、原因の確認をお願いします。契約の画面にも理由を表示しています。",
                m.attempts
            ),
            format!(
                "The service's seal on the contract below has failed {} times in a row. It is retried automatically; please check the cause. The contract's page shows the reason too.",
                m.attempts
            ),
        )
    };
    staff_notice(
        "電子署名の処理が止まっています",
        "Sealing is stuck",
        (&m.staff_name, &m.contract, &m.link),
        Notice {
            intro: ja,
            more: [("理由", m.reason_ja.clone())],
            aside: Some(Block::Quote("詳細", m.detail.clone())),
        },
        Notice {
            intro: en,
            more: [("Detail", m.detail.clone())],
            aside: None,
        },
    )
}

fn ltv_report(m: &LtvReport) -> Rendered {
    let failed = u32::try_from(m.failures.len()).unwrap_or(u32::MAX);
    let mut ja = vec![
        Block::P(dear_ja(&m.admin_name)),
        Block::P(format!(
            "{}の立会で、締結済み契約書のタイムスタンプの更新（長期署名の延長）を行いました。",
            m.tenant
        )),
        Block::Fields(vec![
            ("延長した契約書", format!("{} 件", m.renewed)),
            ("失敗", format!("{failed} 件")),
            ("再試行を終了（要対応）", format!("{} 件", m.gave_up)),
        ]),
    ];
    let mut en = vec![
        Block::P(dear_en(&m.admin_name)),
        Block::P(format!(
            "Tachiai at {} renewed the archive timestamps of concluded contracts (long-term signature renewal).",
            m.tenant
        )),
        Block::Fields(vec![
            ("Renewed", m.renewed.to_string()),
            ("Failed", failed.to_string()),
            ("Given up (action needed)", m.gave_up.to_string()),
        ]),
    ];
    if !m.failures.is_empty() {
        ja.push(Block::List("失敗した契約書と理由", m.failures.clone()));
        ja.push(Block::P(
            "失敗した契約書は時間をおいて自動的に再試行します。再試行を終了したものは、タイムスタンプ局（TSA）の設定と証明書の有効期限を確認のうえ、`tachiai ltv renew-due` を実行してください。"
                .into(),
        ));
        en.push(Block::List("Failed files and why", m.failures.clone()));
        en.push(Block::P(
            "Failed files are retried automatically after a while. For files given up on, check the time-stamp authority (TSA) settings and certificate expiry, then run `tachiai ltv renew-due`."
                .into(),
        ));
    }
    ja.push(Block::Link(m.link.clone()));
    en.push(Block::Link(m.link.clone()));
    render(
        format!("{SUBJECT_PREFIX}長期署名の延長の結果 / Long-term signature renewal report"),
        ja,
        en,
    )
}

fn maintenance(m: &Maintenance) -> Rendered {
    let (subject_ja, intro_ja, subject_en, intro_en) = if m.reminder {
        (
            "計画メンテナンスの前日のお知らせ",
            format!(
                "{}でご利用の立会について、下記の計画メンテナンスの開始が近づいています。作業中はサービスを利用できないことがあります。送信や承認の予定は前後にずらしてください。",
                m.tenant
            ),
            "Planned maintenance starts soon",
            format!(
                "The planned maintenance of Tachiai at {} below starts soon. The service may be unavailable while it runs; please plan sending and approvals around it.",
                m.tenant
            ),
        )
    } else {
        (
            "計画メンテナンスのお知らせ",
            format!(
                "{}でご利用の立会について、下記のとおり計画メンテナンスを行います。作業中はサービスを利用できないことがあります。職員の方への周知をお願いいたします。",
                m.tenant
            ),
            "Planned maintenance",
            format!(
                "Tachiai at {} will undergo the planned maintenance below. The service may be unavailable while it runs; please let your staff know.",
                m.tenant
            ),
        )
    };
    render(
        format!("{SUBJECT_PREFIX}{subject_ja}：{} / {subject_en}: {}", m.title, m.title),
        vec![
            Block::P(dear_ja(&m.admin_name)),
            Block::P(intro_ja),
            Block::Fields(vec![
                ("件名", m.title.clone()),
                ("開始日時", date_ja(m.starts_at)),
                ("終了日時（予定）", date_ja(m.ends_at)),
            ]),
            Block::Quote("内容", m.text.clone()),
            Block::Link(m.link.clone()),
            Block::P("このお知らせは、ログイン後の画面と契約相手方の確認画面にも表示されます。".into()),
        ],
        vec![
            Block::P(dear_en(&m.admin_name)),
            Block::P(intro_en),
            Block::Fields(vec![
                ("Title", m.title.clone()),
                ("Starts", date_en(m.starts_at)),
                ("Ends (planned)", date_en(m.ends_at)),
            ]),
            Block::Quote("Details", m.text.clone()),
            Block::Link(m.link.clone()),
            Block::P("This notice is also shown on the staff pages and on counterparties' signing pages.".into()),
        ],
    )
}

/// 月次利用状況報告: the headline figures and the link to the report page (CSV and PDF there).
fn monthly_report(m: &MonthlyReport) -> Rendered {
    let ja = vec![
        Block::P(dear_ja(&m.admin_name)),
        Block::P(format!(
            "{}の立会の{}の利用状況報告を作成しました。所属別の内訳とCSV・PDFは、ログインのうえ次のページからご確認ください。",
            m.tenant, m.month
        )),
        Block::Fields(vec![
            ("対象月", m.month.clone()),
            ("送信件数", format!("{} 件", m.sent)),
            ("締結件数", format!("{} 件", m.concluded)),
            ("利用職員数", format!("{} 人", m.active_users)),
        ]),
        Block::Link(m.link.clone()),
    ];
    let en = vec![
        Block::P(dear_en(&m.admin_name)),
        Block::P(format!(
            "The monthly usage report of Tachiai at {} for {} is ready. Log in and open the page below for the figures per department and the CSV and PDF files.",
            m.tenant, m.month
        )),
        Block::Fields(vec![
            ("Month", m.month.clone()),
            ("Sent", m.sent.to_string()),
            ("Concluded", m.concluded.to_string()),
            ("Active staff", m.active_users.to_string()),
        ]),
        Block::Link(m.link.clone()),
    ];
    render(
        format!(
            "{SUBJECT_PREFIX}{}の月次利用状況報告 / Monthly usage report ({})",
            m.month, m.month
        ),
        ja,
        en,
    )
}

/// One of each template, with awkward text (markup, quotes, line breaks) where a caller's
/// text goes. For tests here and in `tests/jobs_mail.rs`.
pub fn samples() -> Vec<MailTemplate> {
    let contract = ContractRef {
        title: "庁舎清掃業務委託契約 <script>alert(\"x\")</script> & 'その他'".into(),
        number: "R8-000123".into(),
    };
    let sender = Sender {
        tenant: "〇〇市".into(),
        department: "契約課".into(),
        person: "佐藤 花子".into(),
    };
    let party = Party {
        name: "山田 太郎".into(),
        organization: "株式会社<山田>建設".into(),
    };
    let colleague = Party {
        name: "鈴木 一郎".into(),
        organization: "株式会社<山田>建設".into(),
    };
    let link = Link {
        url: "https://tachiai.example.lg.jp/s/abcDEF123?x=1&y=2".into(),
        expires_at: Millis(1_796_198_400_000),
    };
    let staff_link = "https://tachiai.example.lg.jp/contracts/0f0e".to_owned();
    let at = Millis(1_796_198_400_000);
    vec![
        MailTemplate::SigningRequest(SigningRequest {
            recipient: party.clone(),
            sender: sender.clone(),
            contract: contract.clone(),
            link: link.clone(),
            access_code_required: true,
            message: Some("よろしくお願いいたします。\n<b>至急</b>".into()),
        }),
        MailTemplate::OneTimeCode(OneTimeCode {
            recipient_name: party.name.clone(),
            code: OtpCode::parse("012345").expect("six digits"),
            minutes_valid: 10,
        }),
        MailTemplate::Reminder(Reminder {
            recipient: party.clone(),
            sender: sender.clone(),
            contract: contract.clone(),
            link: link.clone(),
            access_code_required: false,
        }),
        MailTemplate::Declined(Declined {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            by: party.clone(),
            reason: "金額が<見積>と異なるため".into(),
            link: staff_link.clone(),
        }),
        MailTemplate::Forwarded(Forwarded {
            recipient: colleague.clone(),
            forwarded_by: party.clone(),
            sender: sender.clone(),
            contract: contract.clone(),
            link: link.clone(),
            access_code_required: false,
            message: None,
        }),
        MailTemplate::ForwardNotice(ForwardNotice {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            from: party.clone(),
            to: colleague.clone(),
            link: staff_link.clone(),
        }),
        MailTemplate::Concluded(Concluded {
            recipient: party.clone(),
            tenant: sender.tenant.clone(),
            contract: contract.clone(),
            download: link.clone(),
        }),
        MailTemplate::ConcludedNotice(ConcludedNotice {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            link: staff_link.clone(),
        }),
        MailTemplate::ApprovalRequested(ApprovalRequested {
            approver_name: "高橋 次郎".into(),
            requester: sender.person.clone(),
            department: sender.department.clone(),
            contract: contract.clone(),
            comment: Some("ご確認をお願いします。".into()),
            link: staff_link.clone(),
        }),
        MailTemplate::Approved(Approved {
            staff_name: sender.person.clone(),
            approver: "高橋 次郎".into(),
            contract: contract.clone(),
            route_complete: true,
            comment: None,
            link: staff_link.clone(),
        }),
        MailTemplate::SentBack(SentBack {
            staff_name: sender.person.clone(),
            approver: "高橋 次郎".into(),
            contract: contract.clone(),
            comment: "契約期間を修正してください。".into(),
            link: staff_link.clone(),
        }),
        MailTemplate::Viewed(Viewed {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            by: party.clone(),
            at,
            link: staff_link.clone(),
        }),
        MailTemplate::Agreed(Agreed {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            by: party.clone(),
            at,
            remaining: 1,
            link: staff_link.clone(),
        }),
        MailTemplate::SigningLinkClosed(SigningLinkClosed {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            recipient: party.clone(),
            failures: 20,
            link: staff_link.clone(),
        }),
        MailTemplate::SealTrouble(SealTrouble {
            staff_name: sender.person.clone(),
            contract: contract.clone(),
            reason_ja:
                "失効情報を取得できなかったため、長期署名を中止しました（<b>接続できません</b>）。"
                    .into(),
            detail: "revocation: the OCSP responder did not answer (connection refused) <b>".into(),
            attempts: 12,
            gave_up: true,
            link: staff_link.clone(),
        }),
        MailTemplate::Expiring(Expiring {
            staff_name: sender.person,
            contract,
            expires_at: at,
            pending: vec![party, colleague],
            link: staff_link,
        }),
        MailTemplate::AccountLocked(AccountLocked {
            user_name: "佐藤 花子".into(),
            tenant: "〇〇市".into(),
            login_id: "sato<h>".into(),
            until: at,
        }),
        MailTemplate::LtvReport(LtvReport {
            admin_name: "佐藤 花子".into(),
            tenant: "〇〇市".into(),
            renewed: 3,
            failures: vec![
                "R8-000123 庁舎清掃業務委託契約 <script>alert(\"x\")</script> <b>: TSA unreachable"
                    .into(),
            ],
            gave_up: 1,
            link: "https://tachiai.example.lg.jp/contracts/0f0e".into(),
        }),
        MailTemplate::Maintenance(Maintenance {
            admin_name: "佐藤 花子".into(),
            tenant: "〇〇市".into(),
            title: "定期メンテナンス <b>重要</b> & 'お願い'".into(),
            text: "12月20日 22:00〜24:00 は\n<script>alert(\"x\")</script> 利用できません。".into(),
            starts_at: at,
            ends_at: Millis(at.0 + 7_200_000),
            reminder: true,
            link: "https://tachiai.example.lg.jp/contracts/0f0e".into(),
        }),
        MailTemplate::MonthlyReport(MonthlyReport {
            admin_name: "佐藤 花子".into(),
            tenant: "〇〇市 <script>alert(\"x\")</script> <b>&</b>".into(),
            month: "2026年11月".into(),
            sent: 12,
            concluded: 9,
            active_users: 4,
            link: "https://tachiai.example.lg.jp/s/abcDEF123?x=1&y=2".into(),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(s: &str) -> Vec<&str> {
        s.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .collect()
    }

    #[test]
    fn the_signing_request_reads_as_the_glossary_says() {
        let m = samples().remove(0).render();
        assert_eq!(
            m.subject,
            "【立会】契約書の確認と同意のお願い（R8-000123） / Request to review and agree (R8-000123)"
        );
        assert!(
            m.text.contains("株式会社<山田>建設\n山田 太郎 様"),
            "{}",
            m.text
        );
        assert!(
            m.text
                .contains("〇〇市 契約課より、下記の契約書への同意のお願いです。")
        );
        assert!(m.text.contains("有効期限：2026年12月2日 17:00 JST"));
        assert!(m.text.contains("アクセスコード"));
        assert!(m.text.contains("「転送」機能"));
        assert!(m.text.contains("Dear 山田 太郎 (株式会社<山田>建設),"));
        assert!(
            m.text
                .contains("Link valid until: 2 December 2026, 17:00 JST")
        );
        assert!(
            m.html
                .contains("<a href=\"https://tachiai.example.lg.jp/s/abcDEF123?x=1&amp;y=2\">")
        );
    }

    #[test]
    fn every_template_has_both_languages_in_text_and_html() {
        for t in samples() {
            let m = t.render();
            let name = t.name();
            assert!(m.subject.starts_with("【立会】"), "{name}: {}", m.subject);
            assert!(m.subject.contains(" / "), "{name}: {}", m.subject);
            for body in [&m.text, &m.html] {
                assert!(body.contains("様"), "{name}: no Japanese salutation");
                assert!(body.contains("Dear "), "{name}: no English salutation");
                assert!(body.contains("自動で送信"), "{name}: no Japanese footer");
                assert!(
                    body.contains("sent automatically"),
                    "{name}: no English footer"
                );
                let (ja, en) = (body.find("様").unwrap(), body.find("Dear ").unwrap());
                assert!(ja < en, "{name}: English must come after Japanese");
            }
        }
    }

    #[test]
    fn caller_text_is_escaped_in_html() {
        for t in samples() {
            let m = t.render();
            assert!(!m.html.contains("<script"), "{}: {}", t.name(), m.html);
            assert!(!m.html.contains("<山田>"), "{}", t.name());
            assert!(!m.html.contains("<b>"), "{}", t.name());
            let names_the_contract = !matches!(
                t,
                MailTemplate::OneTimeCode(_) | MailTemplate::AccountLocked(_)
            );
            assert_eq!(
                m.html.contains("&lt;script&gt;alert(&quot;x&quot;)"),
                names_the_contract,
                "{}",
                t.name()
            );
        }
    }

    #[test]
    fn mails_link_only_to_the_urls_they_are_given() {
        for t in samples() {
            let m = t.render();
            for body in [&m.text, &m.html] {
                for url in links(body) {
                    let url = url.replace("&amp;", "&");
                    assert!(
                        url == "https://tachiai.example.lg.jp/s/abcDEF123?x=1&y=2"
                            || url == "https://tachiai.example.lg.jp/contracts/0f0e",
                        "{}: unexpected link {url}",
                        t.name()
                    );
                }
            }
            let anchors = m.html.matches("<a ").count();
            assert_eq!(
                anchors,
                m.html
                    .matches("<a href=\"https://tachiai.example.lg.jp/")
                    .count()
            );
        }
    }

    #[test]
    fn only_the_one_time_code_mail_shows_the_code() {
        for t in samples() {
            let m = t.render();
            let shows = m.text.contains("012345") || m.html.contains("012345");
            assert_eq!(
                shows,
                matches!(t, MailTemplate::OneTimeCode(_)),
                "{}",
                t.name()
            );
        }
        let otp = samples().remove(1).render();
        assert_eq!(
            otp.subject,
            "【立会】確認コードのお知らせ / Your confirmation code"
        );
        assert!(otp.text.contains("有効時間は10分です"));
        assert!(otp.text.contains("valid for 10 minutes"));
    }
}
