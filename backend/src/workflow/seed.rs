//! `tachiai admin seed`: realistic demonstration data for a tenant (所属, 相手方 with a contact
//! each, contracts over ten fiscal years), for demos and for measuring the list at a large
//! city's or a prefecture's scale. A development and demonstration tool: it writes many rows
//! that never went through the contract journey (no approval routes, recipients or seals).
//!
//! Deterministic: the same `--seed` and size give the same rows (ids included). Rows are
//! written in large batches, one transaction each; one audit event records the whole seed.
//! One in ten concluded contracts carries a small real one-page PDF as its 契約書 (`main`
//! document, stored once), so downloads and previews work on the demo data.

use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::{ContractState, DocumentRole, RecipientOrder};
use shared::problem::ProblemCode;

use crate::audit::{self, Entry, Origin, Outcome};
use crate::clock::Millis;
use crate::db::models::{Contact, Contract, Department, Document, Organization};
use crate::db::queries::{seed as query, tenants, users};
use crate::db::{self, AnyConnection};
use crate::storage::BlobStore;
use crate::workflow::error::{WorkflowError, WorkflowResult};

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// How many contracts.
    pub contracts: u64,
    /// The generator's seed: the same seed gives the same rows.
    pub seed: u64,
    /// Seed even though the tenant already has contracts (adds to them).
    pub allow_non_empty: bool,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub departments: usize,
    pub organizations: usize,
    pub contracts: u64,
    pub documents: u64,
}

/// Contracts per transaction.
const TRANSACTION_ROWS: u64 = 50_000;
/// The largest seed (a prefecture's ten years, with room).
pub const MAX_CONTRACTS: u64 = 5_000_000;

/// Seeds the tenant with `code`. Refuses an unknown tenant, a tenant without users (the
/// contracts need a creator), and a tenant that has contracts unless `allow_non_empty`.
pub fn seed_tenant(
    conn: &mut AnyConnection,
    code: &str,
    options: &SeedOptions,
    store: &BlobStore,
    origin: &Origin,
    now: Millis,
) -> WorkflowResult<SeedReport> {
    let tenant = tenants::find_by_code(conn, code)?.ok_or_else(WorkflowError::not_found)?;
    if options.contracts > MAX_CONTRACTS {
        return Err(WorkflowError::Refused(ProblemCode::SeedTooLarge));
    }
    if !options.allow_non_empty && query::has_contracts(conn, &tenant.id)? {
        return Err(WorkflowError::Refused(ProblemCode::SeedTenantNotEmpty));
    }
    let creator = users::list_enabled(conn, &tenant.id)?
        .into_iter()
        .next()
        .ok_or(WorkflowError::Refused(ProblemCode::SeedTenantWithoutUsers))?;
    let pdf = sample_pdf();
    let blob = store
        .put(&pdf)
        .map_err(|e| WorkflowError::Internal(e.into()))?;

    let mut rng = Generator::new(options.seed, &tenant.id, now, tenant.retention_years);
    let departments = rng.departments();
    let organizations = rng.organizations(options.contracts);
    let contacts: Vec<Contact> = organizations.iter().map(|o| rng.contact(o)).collect();
    query::bulk_load(conn, true)?;
    conn_transaction(conn, |conn| {
        query::insert_departments(conn, &departments)?;
        query::insert_organizations(conn, &organizations)?;
        query::insert_contacts(conn, &contacts)
    })?;

    let mut report = SeedReport {
        departments: departments.len(),
        organizations: organizations.len(),
        ..SeedReport::default()
    };
    let years = rng.fiscal_years();
    let mut written = 0u64;
    for (index, fy) in years.iter().enumerate() {
        // An even share per year; the last takes the remainder.
        let share = if index + 1 == years.len() {
            options.contracts - written
        } else {
            options.contracts / years.len() as u64
        };
        let mut next_seq = query::counter_start(conn, &tenant.id, *fy)?;
        let mut left = share;
        while left > 0 {
            let n = left.min(TRANSACTION_ROWS);
            let mut contracts = Vec::with_capacity(n as usize);
            let mut documents = Vec::new();
            for _ in 0..n {
                let c = rng.contract(*fy, next_seq, &departments, &organizations, &creator.id);
                next_seq += 1;
                if c.state == ContractState::Concluded && rng.next_below(10) == 0 {
                    documents.push(seed_document(&mut rng, &c, &blob.sha256, blob.size));
                }
                contracts.push(c);
            }
            conn_transaction(conn, |conn| {
                query::insert_contracts(conn, &contracts)?;
                query::insert_documents(conn, &documents)?;
                query::set_counter(conn, &tenant.id, *fy, next_seq)
            })?;
            report.contracts += n;
            report.documents += documents.len() as u64;
            left -= n;
        }
        written += share;
    }
    query::bulk_load(conn, false)?;
    db::tenant_transaction(conn, &tenant.id, |conn| {
        audit::record(
            conn,
            &tenant.id,
            origin,
            Entry {
                action: AuditAction::DemoDataSeeded,
                target: Some(("tenant", &tenant.id)),
                outcome: Outcome::Success,
                details: json!({
                    "seed": options.seed,
                    "departments": report.departments,
                    "organizations": report.organizations,
                    "contracts": report.contracts,
                    "documents": report.documents,
                }),
            },
            Millis::now(),
        )
    })?;
    Ok(report)
}

fn conn_transaction(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> diesel::QueryResult<()>,
) -> WorkflowResult<()> {
    use diesel::Connection;
    conn.transaction(f).map_err(WorkflowError::from)
}

fn seed_document(rng: &mut Generator, c: &Contract, sha256: &str, size: u64) -> Document {
    Document {
        id: rng.uuid(),
        tenant_id: c.tenant_id.clone(),
        contract_id: c.id.clone(),
        role: DocumentRole::Main,
        file_name: format!("{}.pdf", c.contract_number),
        content_type: "application/pdf".to_owned(),
        size: size as i64,
        sha256: sha256.to_owned(),
        page_count: Some(1),
        created_by: Some(c.created_by.clone()),
        created_at: c.created_at,
        removed_at: None,
    }
}

/// A one-page PDF (PDF 1.4, Helvetica), written with a correct cross-reference table.
pub fn sample_pdf() -> Vec<u8> {
    let text = b"BT /F1 24 Tf 72 720 Td (Tachiai demo contract) Tj ET";
    let objects: [Vec<u8>; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        [format!("<< /Length {} >>\nstream\n", text.len()).as_bytes(), text, b"\nendstream"].concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

const DEPARTMENTS: &[&str] = &[
    "総務課",
    "財政課",
    "企画政策課",
    "情報政策課",
    "税務課",
    "市民課",
    "福祉課",
    "子育て支援課",
    "健康推進課",
    "環境保全課",
    "農林水産課",
    "商工観光課",
    "都市計画課",
    "道路維持課",
    "建築住宅課",
    "下水道課",
    "教育総務課",
    "学校教育課",
    "消防総務課",
    "水道工務課",
];
const PLACES: &[&str] = &[
    "中央",
    "北",
    "南",
    "東",
    "西",
    "駅前",
    "港",
    "青葉",
    "緑ヶ丘",
    "桜台",
    "旭",
    "若葉",
    "本町",
    "新町",
    "城山",
    "川端",
    "松原",
    "朝日",
    "高台",
    "栄",
    "泉",
    "大橋",
    "山手",
    "浜",
    "富士見",
    "光が丘",
    "柳町",
    "八幡",
    "稲荷",
    "千代田",
];
const FACILITIES: &[&str] = &[
    "市役所本庁舎",
    "図書館",
    "公民館",
    "市民体育館",
    "小学校",
    "中学校",
    "保育所",
    "浄水場",
    "下水処理場",
    "清掃工場",
    "市営住宅",
    "消防署",
    "児童館",
    "斎場",
    "市民病院",
    "総合運動公園",
    "文化会館",
    "給食センター",
    "市道",
    "橋梁",
];
/// Work and the kind of contract it is.
const WORKS: &[(&str, &str)] = &[
    ("空調設備保守点検", "業務委託契約"),
    ("清掃", "業務委託契約"),
    ("警備", "業務委託契約"),
    ("電気設備改修", "工事請負契約"),
    ("屋上防水改修", "工事請負契約"),
    ("耐震補強", "工事請負契約"),
    ("給排水設備更新", "工事請負契約"),
    ("植栽管理", "業務委託契約"),
    ("消防設備点検", "業務委託契約"),
    ("エレベーター保守", "保守契約"),
    ("情報システム運用保守", "業務委託契約"),
    ("窓口", "業務委託契約"),
    ("除雪", "業務委託契約"),
    ("舗装補修", "工事請負契約"),
    ("照明LED化", "工事請負契約"),
    ("測量設計", "業務委託契約"),
    ("印刷製本", "物品購入契約"),
    ("事務用品", "物品購入契約"),
    ("公用車", "賃貸借契約"),
    ("複合機", "賃貸借契約"),
];
const SURNAMES: &[&str] = &[
    "山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本",
    "松本", "井上", "木村", "林", "清水", "山崎", "森", "池田",
];
const GIVEN_NAMES: &[&str] = &[
    "太郎", "花子", "一郎", "陽子", "健", "美咲", "大輔", "由美", "翔", "恵",
];
const COMPANY_WORDS: &[&str] = &[
    "北斗", "青葉", "東邦", "大和", "中央", "協和", "三和", "日進", "富士", "旭日", "光洋", "平和",
    "丸栄", "太陽", "瑞穂", "千代", "鶴見", "若松", "白山", "朝陽",
];
const INDUSTRIES: &[&str] = &[
    "建設",
    "工業",
    "電機",
    "設備",
    "システム",
    "商事",
    "印刷",
    "造園",
    "測量設計",
    "警備保障",
    "ビルサービス",
    "情報サービス",
    "物産",
    "運輸",
    "コンサルタント",
    "リース",
];
const PREFECTURES: &[(&str, &str)] = &[
    ("北海道", "札幌市"),
    ("宮城県", "仙台市"),
    ("埼玉県", "さいたま市"),
    ("東京都", "千代田区"),
    ("神奈川県", "横浜市"),
    ("愛知県", "名古屋市"),
    ("大阪府", "大阪市"),
    ("広島県", "広島市"),
    ("福岡県", "福岡市"),
    ("沖縄県", "那覇市"),
];

/// The deterministic generator (SplitMix64: small, fast, good enough for demo data).
pub struct Generator {
    state: u64,
    tenant_id: String,
    now: Millis,
    retention_years: i32,
}

impl Generator {
    pub fn new(seed: u64, tenant_id: &str, now: Millis, retention_years: i32) -> Generator {
        Generator {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
            tenant_id: tenant_id.to_owned(),
            now,
            retention_years,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn next_below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next_below(items.len() as u64) as usize]
    }

    fn uuid(&mut self) -> String {
        let bytes = [self.next().to_le_bytes(), self.next().to_le_bytes()].concat();
        let mut b = [0u8; 16];
        b.copy_from_slice(&bytes);
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }

    /// The current fiscal year and the nine before it, oldest first.
    pub fn fiscal_years(&self) -> Vec<i32> {
        let current = crate::clock::jst_day(self.now.0).fiscal_year();
        (current - 9..=current).collect()
    }

    fn departments(&mut self) -> Vec<Department> {
        DEPARTMENTS
            .iter()
            .enumerate()
            .map(|(i, name)| Department {
                id: self.uuid(),
                tenant_id: self.tenant_id.clone(),
                parent_id: None,
                name: (*name).to_owned(),
                code: Some(format!("{:03}", 100 + i * 10)),
                active: true,
                created_at: self.now.0,
                updated_at: self.now.0,
            })
            .collect()
    }

    /// The address book: one organisation per 40 contracts, 30 to 5,000.
    fn organizations(&mut self, contracts: u64) -> Vec<Organization> {
        let n = (contracts / 40).clamp(30, 5_000);
        (0..n)
            .map(|_| {
                let word = self.pick(COMPANY_WORDS);
                let industry = self.pick(INDUSTRIES);
                let name = match self.next_below(4) {
                    0 => format!("有限会社{word}{industry}"),
                    1 => format!("{word}{industry}株式会社"),
                    _ => format!("株式会社{word}{industry}"),
                };
                let (pref, city) = self.pick(PREFECTURES);
                let address = format!(
                    "{pref}{city}{}町{}丁目{}番{}号",
                    self.pick(PLACES),
                    1 + self.next_below(5),
                    1 + self.next_below(30),
                    1 + self.next_below(20)
                );
                let phone = format!(
                    "0{}-{:04}-{:04}",
                    1 + self.next_below(9),
                    self.next_below(10_000),
                    self.next_below(10_000)
                );
                Organization {
                    id: self.uuid(),
                    tenant_id: self.tenant_id.clone(),
                    name,
                    name_kana: None,
                    address: Some(address),
                    phone: Some(phone),
                    notes: None,
                    archived: false,
                    created_at: self.now.0,
                    updated_at: self.now.0,
                }
            })
            .collect()
    }

    fn contact(&mut self, org: &Organization) -> Contact {
        let name = format!("{} {}", self.pick(SURNAMES), self.pick(GIVEN_NAMES));
        let id = self.uuid();
        Contact {
            email: format!("c{}@example.jp", &id[..8]),
            id,
            tenant_id: self.tenant_id.clone(),
            organization_id: org.id.clone(),
            name,
            division: Some("営業部".to_owned()),
            title: None,
            phone: org.phone.clone(),
            archived: false,
            created_at: self.now.0,
            updated_at: self.now.0,
        }
    }

    /// A state in realistic proportions: past years are almost all concluded, the current
    /// year has its drafts, approvals and contracts out for agreement.
    fn state(&mut self, current_year: bool) -> ContractState {
        let roll = self.next_below(100);
        let table: &[(u64, ContractState)] = if current_year {
            &[
                (50, ContractState::Concluded),
                (70, ContractState::Draft),
                (80, ContractState::PendingApproval),
                (85, ContractState::Approved),
                (95, ContractState::Sent),
                (98, ContractState::Cancelled),
                (99, ContractState::Declined),
                (100, ContractState::Expired),
            ]
        } else {
            &[
                (88, ContractState::Concluded),
                (93, ContractState::Cancelled),
                (96, ContractState::Declined),
                (100, ContractState::Expired),
            ]
        };
        table
            .iter()
            .find(|(upto, _)| roll < *upto)
            .map_or(ContractState::Concluded, |(_, s)| *s)
    }

    /// One contract of fiscal year `fy` with number `seq` in that year.
    fn contract(
        &mut self,
        fy: i32,
        seq: i64,
        departments: &[Department],
        organizations: &[Organization],
        creator: &str,
    ) -> Contract {
        const DAY: i64 = 86_400_000;
        let current_year = fy == crate::clock::jst_day(self.now.0).fiscal_year();
        let start = crate::clock::jst_day_start(&format!("{fy:04}-04-01")).unwrap_or(self.now.0);
        // Days of the year so far (the whole year for past years).
        let days = ((self.now.0 - start) / DAY).clamp(1, 365) as u64;
        let day = start + self.next_below(days) as i64 * DAY;
        let state = self.state(current_year);
        let (work, kind) = *self.pick(WORKS);
        let era = match shared::records::fiscal_year_era_ja(fy) {
            Some(era) if self.next_below(2) == 0 => format!("{era} "),
            _ => String::new(),
        };
        let title = format!(
            "{era}{}{}{work}{kind}",
            self.pick(PLACES),
            self.pick(FACILITIES)
        );
        let org = self.pick(organizations);
        let amount = if self.next_below(33) == 0 {
            None
        } else {
            // Log-uniform from 100,000 to about 500 million yen, in thousands.
            let exp = 5.0 + (self.next_below(10_000) as f64 / 10_000.0) * 3.7;
            Some((10f64.powf(exp) as i64 / 1_000) * 1_000)
        };
        let concluded = state == ContractState::Concluded;
        let created_at =
            day - self.next_below(30) as i64 * DAY - self.next_below(DAY as u64) as i64;
        let updated_at = day + self.next_below(DAY as u64) as i64;
        let date = crate::clock::jst_date(day);
        Contract {
            id: self.uuid(),
            tenant_id: self.tenant_id.clone(),
            public_id: self.uuid().replace('-', "")[..22].to_owned(),
            contract_number: match shared::records::fiscal_year_era(fy) {
                Some((_, initial, n)) => format!("{initial}{n}-{seq:06}"),
                None => format!("{fy}-{seq:06}"),
            },
            title,
            department_id: Some(self.pick(departments).id.clone()),
            organization_id: Some(org.id.clone()),
            counterparty_name: org.name.clone(),
            amount_yen: amount,
            period_start: Some(date.clone()),
            period_end: Some(format!("{:04}-03-31", fy + 1)),
            concluded_on: concluded.then(|| date.clone()),
            retention_years: self.retention_years,
            notes: String::new(),
            custom_fields: "{}".to_owned(),
            state,
            recipient_order: RecipientOrder::Sequential,
            allow_forwarding: false,
            message: String::new(),
            stamp: None,
            approval_round: i32::from(state != ContractState::Draft),
            expires_at: (state == ContractState::Sent)
                .then(|| self.now.0 + (1 + self.next_below(14) as i64) * DAY),
            sent_at: matches!(state, ContractState::Sent | ContractState::Concluded)
                .then_some(day - DAY),
            concluded_at: concluded.then_some(updated_at),
            created_by: creator.to_owned(),
            created_at,
            updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_rows() {
        let now = Millis(1_796_000_000_000);
        let make = |seed| {
            let mut g = Generator::new(seed, "t", now, 10);
            let d = g.departments();
            let o = g.organizations(1000);
            let c = g.contract(2025, 1, &d, &o, "u");
            (c.id, c.title, c.amount_yen, c.state)
        };
        assert_eq!(make(7), make(7));
        assert_ne!(make(7), make(8));
    }

    #[test]
    fn the_sample_pdf_has_a_correct_cross_reference_table() {
        let pdf = sample_pdf();
        let text = String::from_utf8(pdf.clone()).unwrap();
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref\n0 6\n"));
        // "xref", "0 6", the free entry, then objects 1, 2, 3.
        let third = text[xref..].lines().nth(5).unwrap();
        let offset: usize = third[..10].parse().unwrap();
        assert!(text[offset..].starts_with("3 0 obj"));
    }
}
