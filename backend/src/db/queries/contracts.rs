//! `contracts` and the per-tenant contract-number counters.

use diesel::prelude::*;
use shared::contract::ContractState;

use crate::db::ids::{ContractId, TenantId};
use crate::db::models::{AuditEvent, Contract};
use crate::db::schema::approval_steps::dsl as s;
use crate::db::schema::audit_events::dsl as a;
use crate::db::schema::contract_number_counters::dsl as n;
use crate::db::schema::contracts::dsl as c;
use crate::db::{AnyConnection, Backend};
use diesel::dsl::sql;
use diesel::sql_types::{BigInt, Text};
use shared::dto::DatabaseKind;

pub fn insert(conn: &mut AnyConnection, contract: &Contract) -> QueryResult<()> {
    diesel::insert_into(c::contracts)
        .values(contract.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn get(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    id: ContractId<'_>,
) -> QueryResult<Contract> {
    c::contracts
        .filter(c::tenant_id.eq(tenant_id.0).and(c::id.eq(id.0)))
        .select(Contract::as_select())
        .first(conn)
}

/// Writes every column of `contract` (the row was read in the same transaction).
pub fn save(conn: &mut AnyConnection, contract: &Contract) -> QueryResult<()> {
    diesel::update(
        c::contracts.filter(
            c::tenant_id
                .eq(&contract.tenant_id)
                .and(c::id.eq(&contract.id)),
        ),
    )
    .set(contract.clone())
    .execute(conn)
    .map(|_| ())
}

pub fn number_taken(conn: &mut AnyConnection, tenant_id: &str, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        c::contracts.filter(
            c::tenant_id
                .eq(tenant_id)
                .and(c::contract_number.eq(number)),
        ),
    ))
    .get_result(conn)
}

/// The next value of the tenant's counter for `fiscal_year` (call inside the tenant
/// transaction, which serialises writers).
pub fn next_number(
    conn: &mut AnyConnection,
    tenant_id: &str,
    fiscal_year: i32,
) -> QueryResult<i64> {
    let current: Option<i64> = n::contract_number_counters
        .filter(
            n::tenant_id
                .eq(tenant_id)
                .and(n::fiscal_year.eq(fiscal_year)),
        )
        .select(n::next_value)
        .first(conn)
        .optional()?;
    match current {
        Some(v) => {
            diesel::update(
                n::contract_number_counters.filter(
                    n::tenant_id
                        .eq(tenant_id)
                        .and(n::fiscal_year.eq(fiscal_year)),
                ),
            )
            .set(n::next_value.eq(v + 1))
            .execute(conn)?;
            Ok(v)
        }
        None => {
            diesel::insert_into(n::contract_number_counters)
                .values((
                    n::tenant_id.eq(tenant_id),
                    n::fiscal_year.eq(fiscal_year),
                    n::next_value.eq(2i64),
                ))
                .execute(conn)?;
            Ok(1)
        }
    }
}

/// Search criteria of the contract list (all optional, combined with AND).
#[derive(Debug, Default, Clone)]
pub struct ContractFilter {
    /// `None`: every contract of the tenant; otherwise only what this user may see.
    pub visible_to: Option<Visibility>,
    pub q: Option<String>,
    pub title: Option<String>,
    pub contract_number: Option<String>,
    pub counterparty: Option<String>,
    pub department_id: Option<String>,
    pub states: Vec<ContractState>,
    pub concluded_from: Option<String>,
    pub concluded_to: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Created by this user.
    pub created_by: Option<String>,
    /// This user is an approver of a step of the current route.
    pub approver: Option<String>,
    /// `expires_at` before this time (Unix ms).
    pub expires_before: Option<i64>,
    /// Only these contracts.
    pub ids: Option<Vec<String>>,
    /// Keyset pagination: only the rows after this position.
    pub after: Option<After>,
    /// Only the rows up to this position, inclusive (a budgeted count's horizon).
    pub within: Option<After>,
    /// SQLite: match texts of three characters or more row by row (`LIKE`, `Some(true)`)
    /// instead of through the trigram index; `None`: [`plan_text`] decides (row by row when
    /// every such text is a common word).
    pub text_by_row: Option<bool>,
}

impl ContractFilter {
    /// A 締結日 range is asked for (either end).
    fn has_dates(&self) -> bool {
        self.concluded_from.is_some() || self.concluded_to.is_some()
    }

    /// An amount range is asked for (either end).
    fn has_amounts(&self) -> bool {
        self.amount_min.is_some() || self.amount_max.is_some()
    }

    /// The text filters that are set, trimmed, with the columns each searches.
    fn texts(&self) -> impl Iterator<Item = (TextColumns, &str)> {
        [
            (TextColumns::All, &self.q),
            (TextColumns::Title, &self.title),
            (TextColumns::Number, &self.contract_number),
            (TextColumns::Counterparty, &self.counterparty),
        ]
        .into_iter()
        .filter_map(|(columns, text)| {
            text.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| (columns, t))
        })
    }
}

/// The rows of `f`, read through `path` (see [`Path`]; `None`: the planner chooses). SQLite's
/// planner, whose statistics know no value distribution, would rather narrow by any indexed
/// filter (a state, an amount range) and sort all of its rows than read the sort index until a
/// page is full; there every filter the chosen index does not hold is written so that no index
/// serves it (`+column`).
fn filtered<'a>(
    kind: DatabaseKind,
    tenant_id: &'a str,
    f: &'a ContractFilter,
    path: Option<Path>,
) -> crate::db::schema::contracts::BoxedQuery<'a, Backend> {
    let column = |name: &str, served: Served| match path {
        Some(path) if kind == DatabaseKind::Sqlite && !path.serves(served) => format!("+{name}"),
        _ => name.to_owned(),
    };
    let mut query = c::contracts.filter(c::tenant_id.eq(tenant_id)).into_boxed();
    if let Some(v) = &f.visible_to {
        query = query.filter(visible(v));
    }
    for (columns, text) in f.texts() {
        query = query.filter(text_match(kind, columns, text, f.text_by_row == Some(true)));
    }
    if let Some(d) = &f.department_id {
        let name = column("contracts.department_id", Served::Department);
        query = query.filter(sql::<Text>(&name).eq(d));
    }
    if !f.states.is_empty() {
        let states: Vec<&str> = f.states.iter().map(|s| s.as_str()).collect();
        query = query.filter(sql::<Text>(&column("contracts.state", Served::State)).eq_any(states));
    }
    // The ranges compare the sort indexes' expressions (NULL as '' or -1, below every value
    // asked for, so a row without a date or amount still never matches): the index serves
    // both the range and the order.
    if f.has_dates() {
        let from = f.concluded_from.clone().unwrap_or_else(|| "0".to_owned());
        let to = f.concluded_to.clone().unwrap_or_else(|| "9".to_owned());
        let key = column(
            SortKey::Concluded.expression(),
            Served::Key(SortKey::Concluded),
        );
        query = query.filter(sql::<Text>(&key).between(from, to));
    }
    if f.has_amounts() {
        let min = f.amount_min.unwrap_or(0).max(0);
        let max = f.amount_max.unwrap_or(i64::MAX);
        let key = column(SortKey::Amount.expression(), Served::Key(SortKey::Amount));
        query = query.filter(sql::<BigInt>(&key).between(min, max));
    }
    if let Some(u) = &f.created_by {
        query = query.filter(c::created_by.eq(u));
    }
    if let Some(u) = &f.approver {
        query = query.filter(
            c::id.eq_any(
                s::approval_steps
                    .filter(
                        s::tenant_id
                            .eq(tenant_id)
                            .and(s::position.ge(1))
                            .and(s::approver_ids.like(format!("%\"{u}\"%"))),
                    )
                    .select(s::contract_id),
            ),
        );
    }
    if let Some(t) = f.expires_before {
        query = query.filter(c::expires_at.lt(t));
    }
    if let Some(ids) = &f.ids {
        query = query.filter(c::id.eq_any(ids));
    }
    let through_index = |key: SortKey| match path {
        Some(path) => kind != DatabaseKind::Sqlite || path.serves(Served::Key(key)),
        None => true,
    };
    if let Some(after) = &f.after {
        query = query.filter(after.condition(false, through_index(after.key)));
    }
    if let Some(horizon) = &f.within {
        query = query.filter(horizon.condition(true, through_index(horizon.key)));
    }
    query
}

/// The index a query reads its rows through. SQLite takes the chosen one (the conditions it
/// does not hold are written `+column`); PostgreSQL's planner chooses by itself from its
/// histograms, and the path only decides a count's order and horizon there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The sort order's index, read until a page is full: every other filter is checked row
    /// by row.
    Along(SortKey),
    /// A narrow filter's index: all of its rows are read, checked and sorted.
    Through(Narrow),
}

/// A filter whose index can narrow the rows to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Narrow {
    /// `contracts_list_department`: a department, with its 締結日 range if there is one.
    Department,
    /// `contracts_list_concluded`: a 締結日 range.
    Concluded,
    /// `contracts_list_amount`: an amount range.
    Amount,
    /// `contracts_tenant_state`: the states asked for.
    State,
    /// `contracts_tenant_state` for a single state, whose rows it holds in 更新日時 order: a
    /// page sorted by 更新日時 walks it without sorting (the common "this state, newest first").
    OneState,
    /// `contracts_search`: a rare word of three characters or more.
    Text,
}

/// A condition an index may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Served {
    Department,
    State,
    /// A range of this sort key (a filter, the cursor or a count's horizon).
    Key(SortKey),
}

impl Path {
    /// Whether this path's index holds `condition` (else it is written `+column`).
    fn serves(self, condition: Served) -> bool {
        use Served::{Department, Key, State};
        match self {
            Path::Along(key) => match condition {
                Key(k) => k == key,
                // contracts_list_department is in 締結日 order within a department.
                Department => key == SortKey::Concluded,
                State => false,
            },
            Path::Through(Narrow::Department) => {
                matches!(condition, Department | Key(SortKey::Concluded))
            }
            Path::Through(Narrow::Concluded) => condition == Key(SortKey::Concluded),
            Path::Through(Narrow::Amount) => condition == Key(SortKey::Amount),
            Path::Through(Narrow::State) => condition == State,
            Path::Through(Narrow::OneState) => matches!(condition, State | Key(SortKey::Updated)),
            Path::Through(Narrow::Text) => false,
        }
    }

    /// The sort key whose order this path's index holds (its rows need no sorting).
    fn in_order_of(self) -> Option<SortKey> {
        match self {
            Path::Along(key) => Some(key),
            Path::Through(Narrow::OneState) => Some(SortKey::Updated),
            Path::Through(_) => None,
        }
    }
}

/// Which text columns a text filter searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextColumns {
    All,
    Title,
    Number,
    Counterparty,
}

impl TextColumns {
    fn names(self) -> &'static [&'static str] {
        match self {
            TextColumns::All => &["title", "contract_number", "counterparty_name"],
            TextColumns::Title => &["title"],
            TextColumns::Number => &["contract_number"],
            TextColumns::Counterparty => &["counterparty_name"],
        }
    }
}

/// The shortest text the trigram indexes serve; shorter texts are matched row by row on the
/// rows the other filters and the sort index narrow down to.
pub const TRIGRAM_MIN_CHARS: usize = 3;

type TextCondition =
    Box<dyn BoxableExpression<c::contracts, Backend, SqlType = diesel::sql_types::Bool> + 'static>;

/// `text` contained in one of `columns`, ignoring ASCII case. SQLite: the FTS5 trigram index
/// (`contracts_search`) for three characters or more unless `by_row`, else `LIKE`; PostgreSQL:
/// `LIKE` (`ILIKE` when the text has letters with case: it is several times slower per row),
/// which the pg_trgm GIN indexes serve from three characters on.
fn text_match(kind: DatabaseKind, columns: TextColumns, text: &str, by_row: bool) -> TextCondition {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let pattern = super::contains_pattern(text);
    let like = match kind {
        DatabaseKind::Sqlite if text.chars().count() >= TRIGRAM_MIN_CHARS && !by_row => {
            return Box::new(
                sql::<Bool>(
                    "contracts.rowid IN (SELECT rowid FROM contracts_search WHERE contracts_search MATCH ",
                )
                .bind::<Text, _>(fts_phrase(columns, text))
                .sql(")"),
            );
        }
        DatabaseKind::Sqlite => "LIKE",
        DatabaseKind::Postgres if caseless(text) => "LIKE",
        DatabaseKind::Postgres => "ILIKE",
    };
    let one = |column: &str| -> TextCondition {
        Box::new(
            sql::<Bool>(&format!("contracts.{column} {like} "))
                .bind::<Text, _>(pattern.clone())
                .sql(" ESCAPE '\\'"),
        )
    };
    let mut names = columns.names().iter();
    let first = one(names.next().unwrap_or(&"title"));
    names.fold(first, |found, column| Box::new(found.or(one(column))))
}

/// An FTS5 phrase (double quotes doubled) restricted to `columns`: with the trigram tokenizer
/// a phrase matches as a substring.
fn fts_phrase(columns: TextColumns, text: &str) -> String {
    format!(
        "{{{}}} : \"{}\"",
        columns.names().join(" "),
        text.replace('"', "\"\"")
    )
}

/// No character of `text` has an upper and a lower case (Japanese, digits, punctuation): a
/// case-sensitive match is then the same as a case-insensitive one.
fn caseless(text: &str) -> bool {
    text.chars().all(|c| c.to_lowercase().eq(c.to_uppercase()))
}

/// A text of three characters or more found in at least this many contracts (of every tenant)
/// is a common word: matching it row by row along the sort order fills a page sooner than
/// reading all its matches from the trigram index and sorting them.
const COMMON_WORD_ROWS: i64 = 10_000;

/// SQLite: decides how the filter's texts are matched (see [`ContractFilter::text_by_row`]):
/// row by row when every text of three characters or more is a common word, by counting its
/// first [`COMMON_WORD_ROWS`] matches in the trigram index; else through the index, and then
/// with the number of the rare word's matches. PostgreSQL's planner decides by itself between
/// the GIN indexes and the sort order.
fn plan_text(
    conn: &mut AnyConnection,
    filter: &ContractFilter,
) -> QueryResult<(ContractFilter, Option<i64>)> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut planned = filter.clone();
    let AnyConnection::Sqlite(sqlite) = conn else {
        return Ok((planned, None));
    };
    if filter.text_by_row.is_some() {
        return Ok((planned, None));
    }
    let mut any = false;
    for (columns, text) in filter.texts() {
        if text.chars().count() < TRIGRAM_MIN_CHARS {
            continue;
        }
        any = true;
        let found: Found = diesel::sql_query(
            "SELECT count(*) AS n FROM (SELECT rowid FROM contracts_search \
             WHERE contracts_search MATCH ? LIMIT ?)",
        )
        .bind::<Text, _>(fts_phrase(columns, text))
        .bind::<BigInt, _>(COMMON_WORD_ROWS)
        .get_result(sqlite)?;
        if found.n < COMMON_WORD_ROWS {
            planned.text_by_row = Some(false);
            return Ok((planned, Some(found.n)));
        }
    }
    planned.text_by_row = Some(any);
    Ok((planned, None))
}

/// What a user without `ViewAllDepartments` sees: their departments' contracts, the ones they
/// created, and the ones they approve.
#[derive(Debug, Clone)]
pub struct Visibility {
    pub departments: Vec<String>,
    pub user_id: String,
    pub contract_ids: Vec<String>,
}

type Visible<'a> = diesel::dsl::Or<
    diesel::dsl::Or<
        diesel::dsl::EqAny<c::department_id, &'a Vec<String>>,
        diesel::dsl::Eq<c::created_by, &'a String>,
    >,
    diesel::dsl::EqAny<c::id, &'a Vec<String>>,
>;

/// The condition on a contract row of [`Visibility`].
fn visible(v: &Visibility) -> Visible<'_> {
    c::department_id
        .eq_any(&v.departments)
        .or(c::created_by.eq(&v.user_id))
        .or(c::id.eq_any(&v.contract_ids))
}

/// The order of rows (the list's sorts and the dashboard's deadline order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowOrder {
    #[default]
    UpdatedDesc,
    ConcludedDesc,
    NumberAsc,
    AmountDesc,
    ExpiresAsc,
}

/// `query` in `sort` order; read through a narrow index (`path`), the order is written so that
/// no index serves it (`+`): the rows are sorted.
fn sorted<'a>(
    query: crate::db::schema::contracts::BoxedQuery<'a, Backend>,
    sort: RowOrder,
    path: Option<Path>,
) -> crate::db::schema::contracts::BoxedQuery<'a, Backend> {
    use diesel::dsl::sql;
    match sort.key() {
        Some(key) => {
            let dir = if key.descending() { "DESC" } else { "ASC" };
            let plus = match path {
                Some(path) if path.in_order_of() != Some(key) => "+",
                _ => "",
            };
            query.order(sql::<diesel::sql_types::Text>(&format!(
                "{plus}{} {dir}, {plus}contracts.id {dir}",
                key.expression()
            )))
        }
        None => query.order((c::expires_at.asc(), c::id)),
    }
}

/// The sort key of a list order with keyset pagination: an expression without NULLs (they
/// sort last), which the `contracts_list_*` indexes hold, followed by `id` in the same
/// direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Updated,
    Concluded,
    Number,
    Amount,
}

/// A sort key's value in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

impl SortKey {
    fn expression(self) -> &'static str {
        match self {
            SortKey::Updated => "contracts.updated_at",
            SortKey::Concluded => "coalesce(contracts.concluded_on, '')",
            SortKey::Number => "contracts.contract_number",
            SortKey::Amount => "coalesce(contracts.amount_yen, -1)",
        }
    }

    fn descending(self) -> bool {
        self != SortKey::Number
    }

    /// The key's value in `row`.
    pub fn value_of(self, row: &Contract) -> SortValue {
        match self {
            SortKey::Updated => SortValue::Int(row.updated_at),
            SortKey::Concluded => SortValue::Text(row.concluded_on.clone().unwrap_or_default()),
            SortKey::Number => SortValue::Text(row.contract_number.clone()),
            SortKey::Amount => SortValue::Int(row.amount_yen.unwrap_or(-1)),
        }
    }
}

impl RowOrder {
    /// The list order of a sort key.
    fn of(key: SortKey) -> RowOrder {
        match key {
            SortKey::Updated => RowOrder::UpdatedDesc,
            SortKey::Concluded => RowOrder::ConcludedDesc,
            SortKey::Number => RowOrder::NumberAsc,
            SortKey::Amount => RowOrder::AmountDesc,
        }
    }

    /// The keyset sort key (`None`: the dashboard's deadline order, which has no cursor).
    pub fn key(self) -> Option<SortKey> {
        match self {
            RowOrder::UpdatedDesc => Some(SortKey::Updated),
            RowOrder::ConcludedDesc => Some(SortKey::Concluded),
            RowOrder::NumberAsc => Some(SortKey::Number),
            RowOrder::AmountDesc => Some(SortKey::Amount),
            RowOrder::ExpiresAsc => None,
        }
    }
}

/// Keyset pagination: the rows after this (key value, id) in the order of `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub key: SortKey,
    pub value: SortValue,
    pub id: String,
}

impl After {
    /// The position after `row`.
    pub fn row(key: SortKey, row: &Contract) -> After {
        After {
            key,
            value: key.value_of(row),
            id: row.id.clone(),
        }
    }

    /// A row-value comparison, which both databases answer from the sort index; the key
    /// alone compared first as well, which lets SQLite seek on an expression column. The rows
    /// after this position, or (`up_to`) the rows before it and itself. Not `indexed`: written
    /// so that no index serves it (the rows come through another index).
    fn condition(&self, up_to: bool, indexed: bool) -> TextCondition {
        use diesel::dsl::sql;
        use diesel::sql_types::{BigInt, Bool, Text};
        let plus = if indexed { "" } else { "+" };
        let key = format!("{plus}{}", self.key.expression());
        let (op, op_eq) = match (self.key.descending(), up_to) {
            (true, false) => ("<", "<="),
            (false, false) => (">", ">="),
            (true, true) => (">=", ">="),
            (false, true) => ("<=", "<="),
        };
        let start = format!("({key} {op_eq} ");
        let middle = format!(" AND ({key}, contracts.id) {op} (");
        let id = self.id.clone();
        match &self.value {
            SortValue::Int(v) => Box::new(
                sql::<Bool>(&start)
                    .bind::<BigInt, _>(*v)
                    .sql(&middle)
                    .bind::<BigInt, _>(*v)
                    .sql(", ")
                    .bind::<Text, _>(id)
                    .sql("))"),
            ),
            SortValue::Text(v) => Box::new(
                sql::<Bool>(&start)
                    .bind::<Text, _>(v.clone())
                    .sql(&middle)
                    .bind::<Text, _>(v.clone())
                    .sql(", ")
                    .bind::<Text, _>(id)
                    .sql("))"),
            ),
        }
    }
}

/// Counts stop here: a count is a scan of the matching rows, which must stay short on a
/// tenant with a million contracts. Lists say `total_is_capped` beyond it.
pub const COUNT_CAP: i64 = 1_000;

/// A count along the sort order with a filter its index does not hold (a text matched row by
/// row, a state, a range of another key) looks at most at this many rows of that order; beyond
/// them it says "at least".
pub const COUNT_WALK: i64 = 10_000;

/// SQLite: a filter whose index holds fewer rows than this (counted in that index alone) is
/// read through it and its rows sorted, instead of walking the sort order's index past every
/// row the filters leave out.
pub const NARROW_ROWS: i64 = 20_000;

/// How many rows match, counting at most `limit` (ignoring `filter.after`).
pub fn count_up_to(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    limit: i64,
) -> QueryResult<i64> {
    let path = filter.within.as_ref().map(|h| Path::Along(h.key));
    count_along(conn, tenant_id, filter, path, limit)
}

/// How many rows match (ignoring `filter.after`), counting at most `limit`, read through
/// `path` (see [`filtered`]).
fn count_along(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    path: Option<Path>,
    limit: i64,
) -> QueryResult<i64> {
    let filter = ContractFilter {
        after: None,
        ..filter.clone()
    };
    let kind = crate::db::kind(conn);
    let mut query = filtered(kind, tenant_id, &filter, path);
    if let Some(key) = path.and_then(Path::in_order_of)
        && kind == DatabaseKind::Postgres
        && narrows_in_order(&filter, path)
    {
        // In the walked order when its index holds a range of the filter: without it
        // PostgreSQL may take a sequential scan for "the first `limit` rows" of a range it
        // expects to be common, and read most of the table when those rows lie together
        // elsewhere (a 締結日 year: 0.85 s at a million). Without such a range (a state
        // alone) its own choice of index is the better one.
        query = sorted(query, RowOrder::of(key), path);
    }
    let ones: Vec<i32> = query
        .select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .limit(limit)
        .load(conn)?;
    Ok(ones.len() as i64)
}

/// Whether the index `path` walks in order holds a range or the department of `filter`.
fn narrows_in_order(filter: &ContractFilter, path: Option<Path>) -> bool {
    let Some(path) = path else {
        return false;
    };
    filter.within.is_some()
        || (filter.has_dates() && path.serves(Served::Key(SortKey::Concluded)))
        || (filter.has_amounts() && path.serves(Served::Key(SortKey::Amount)))
        || (filter.department_id.is_some() && path.serves(Served::Department))
}

/// The index a page of `filter` in `sort` order reads (`None`: the dashboard's order, which
/// the planner chooses). On SQLite, the narrowest of the filters that have an index of their
/// own (a rare word with its `text_rows` matches in the trigram index, a department with its
/// 締結日 range, a 締結日 range, an amount range, the states) when it holds fewer than
/// [`NARROW_ROWS`] rows, each counted in its index alone and no further than the narrowest
/// found so far: its rows are read and sorted. Otherwise the sort order's index, which fills a
/// page soonest when the filters leave many rows.
fn choose_path(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    sort: RowOrder,
    text_rows: Option<i64>,
) -> QueryResult<Option<Path>> {
    let Some(key) = sort.key() else {
        return Ok(None);
    };
    let along = Path::Along(key);
    if crate::db::kind(conn) != DatabaseKind::Sqlite || filter.ids.is_some() {
        return Ok(Some(along));
    }
    let only = |narrow: Narrow| {
        let mut probe = ContractFilter::default();
        if matches!(narrow, Narrow::Department | Narrow::Concluded) {
            probe.concluded_from = filter.concluded_from.clone();
            probe.concluded_to = filter.concluded_to.clone();
        }
        match narrow {
            Narrow::Department => probe.department_id = filter.department_id.clone(),
            Narrow::Amount => {
                (probe.amount_min, probe.amount_max) = (filter.amount_min, filter.amount_max)
            }
            Narrow::State | Narrow::OneState => probe.states = filter.states.clone(),
            Narrow::Concluded | Narrow::Text => {}
        }
        probe
    };
    // One state sorted by 更新日時: its index is walked in order like the sort's own.
    let walked = if key == SortKey::Updated && filter.states.len() == 1 {
        Path::Through(Narrow::OneState)
    } else {
        along
    };
    let candidates = [
        (
            Narrow::Department,
            filter.department_id.is_some() && key != SortKey::Concluded,
        ),
        (
            Narrow::Concluded,
            filter.has_dates() && key != SortKey::Concluded && filter.department_id.is_none(),
        ),
        (
            Narrow::Amount,
            filter.has_amounts() && key != SortKey::Amount,
        ),
        (Narrow::State, !filter.states.is_empty() && walked == along),
    ];
    let mut best = match text_rows {
        Some(rows) if rows < NARROW_ROWS => (Path::Through(Narrow::Text), rows),
        _ => (walked, NARROW_ROWS),
    };
    for (narrow, applies) in candidates {
        if !applies {
            continue;
        }
        let path = Path::Through(narrow);
        let rows = count_along(conn, tenant_id, &only(narrow), Some(path), best.1)?;
        if rows < best.1 {
            best = (path, rows);
        }
    }
    Ok(Some(best.0))
}

/// Whether `path` leaves a condition of `filter` to be checked row by row (the rows a count
/// reads are then more than the rows it finds).
fn checks_rows(kind: DatabaseKind, filter: &ContractFilter, path: Path) -> bool {
    let by_row = filter.texts().any(|(_, t)| {
        kind != DatabaseKind::Sqlite
            || filter.text_by_row == Some(true)
            || t.chars().count() < TRIGRAM_MIN_CHARS
    });
    if kind != DatabaseKind::Sqlite {
        return by_row;
    }
    by_row
        || filter.visible_to.is_some()
        || filter.created_by.is_some()
        || filter.approver.is_some()
        || filter.expires_before.is_some()
        || (filter.department_id.is_some() && !path.serves(Served::Department))
        || (!filter.states.is_empty() && !path.serves(Served::State))
        || (filter.has_dates() && !path.serves(Served::Key(SortKey::Concluded)))
        || (filter.has_amounts() && !path.serves(Served::Key(SortKey::Amount)))
}

/// The list's count: exact up to [`COUNT_CAP`], read through `path`. Along an index in sort
/// order with a condition checked row by row, only the rows up to the [`COUNT_WALK`]-th of
/// that index within the conditions it holds are looked at; beyond them the count is of the
/// matches among them. Returns the count and whether it is a lower bound (more than the cap,
/// or not every row looked at).
fn count_for_list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    path: Option<Path>,
) -> QueryResult<(i64, bool)> {
    let kind = crate::db::kind(conn);
    let horizon = match path.and_then(|p| Some((p, p.in_order_of()?))) {
        Some((walked, key)) if checks_rows(kind, filter, walked) => {
            // The reach: only the conditions the walked index holds, read in that index alone.
            let held = |condition: Served| walked.serves(condition);
            let dates = held(Served::Key(SortKey::Concluded));
            let amounts = held(Served::Key(SortKey::Amount));
            let reach = ContractFilter {
                department_id: filter
                    .department_id
                    .clone()
                    .filter(|_| held(Served::Department)),
                states: if held(Served::State) {
                    filter.states.clone()
                } else {
                    Vec::new()
                },
                concluded_from: filter.concluded_from.clone().filter(|_| dates),
                concluded_to: filter.concluded_to.clone().filter(|_| dates),
                amount_min: filter.amount_min.filter(|_| amounts),
                amount_max: filter.amount_max.filter(|_| amounts),
                ..ContractFilter::default()
            };
            sorted(
                filtered(kind, tenant_id, &reach, path),
                RowOrder::of(key),
                path,
            )
            .offset(COUNT_WALK - 1)
            .limit(1)
            .select(Contract::as_select())
            .first(conn)
            .optional()?
            .map(|row| After::row(key, &row))
        }
        _ => None,
    };
    let bounded = horizon.is_some();
    let filter = ContractFilter {
        within: horizon,
        ..filter.clone()
    };
    let n = count_along(conn, tenant_id, &filter, path, COUNT_CAP + 1)?;
    Ok((n.min(COUNT_CAP), bounded || n > COUNT_CAP))
}

/// A filter planned for a sort order: how its texts are matched and which index it reads.
/// The batches of an export reuse one plan instead of probing the indexes again for each.
#[derive(Debug, Clone)]
pub struct Planned {
    filter: ContractFilter,
    path: Option<Path>,
    sort: RowOrder,
}

impl Planned {
    /// The next rows start after `last` (keyset pagination); `false` when the order has no
    /// keyset (the dashboard's), so there are no next rows to read this way.
    pub fn continue_after(&mut self, last: &Contract) -> bool {
        self.filter.after = self.sort.key().map(|key| After::row(key, last));
        self.filter.after.is_some()
    }
}

/// Plans `filter` for pages in `sort` order (see [`plan_text`] and [`choose_path`]).
pub fn plan(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    sort: RowOrder,
) -> QueryResult<Planned> {
    let (mut filter, text_rows) = plan_text(conn, filter)?;
    let path = choose_path(conn, tenant_id, &filter, sort, text_rows)?;
    if matches!(path, Some(Path::Through(narrow)) if !matches!(narrow, Narrow::Text | Narrow::OneState))
    {
        // Few rows to read: every text among them is matched row by row.
        filter.text_by_row = Some(true);
    }
    Ok(Planned { filter, path, sort })
}

/// One page of matching rows (after `filter.after`, or at `page` when there is none), the
/// count of matching rows (see [`count_for_list`]) and whether that count is a lower bound.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    sort: RowOrder,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<Contract>, i64, bool)> {
    let Planned { filter, path, .. } = plan(conn, tenant_id, filter, sort)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let offset = if filter.after.is_some() { 0 } else { offset };
    let rows = sorted(
        filtered(crate::db::kind(conn), tenant_id, &filter, path),
        sort,
        path,
    )
    .limit(limit)
    .offset(offset)
    .select(Contract::as_select())
    .load(conn)?;
    let (total, capped) = count_for_list(conn, tenant_id, &filter, path)?;
    // A lower bound is at least what this page shows.
    let shown = if filter.after.is_some() { 0 } else { offset } + rows.len() as i64;
    Ok((rows, if capped { total.max(shown) } else { total }, capped))
}

/// The first `limit` rows of a planned filter in its order (after its `after`).
pub fn page_after(
    conn: &mut AnyConnection,
    tenant_id: &str,
    planned: &Planned,
    limit: u32,
) -> QueryResult<Vec<Contract>> {
    let Planned { filter, path, sort } = planned;
    sorted(
        filtered(crate::db::kind(conn), tenant_id, filter, *path),
        *sort,
        *path,
    )
    .limit(i64::from(limit))
    .select(Contract::as_select())
    .load(conn)
}

/// How many contracts match, per stored state.
pub fn count_by_state(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
) -> QueryResult<Vec<(String, i64)>> {
    // Counted here: a boxed query cannot be grouped, nor (on `MultiConnection`) be a subquery.
    let states: Vec<String> = filtered(crate::db::kind(conn), tenant_id, filter, None)
        .select(c::state)
        .load(conn)?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for state in states {
        match counts.iter_mut().find(|(s, _)| *s == state) {
            Some((_, n)) => *n += 1,
            None => counts.push((state, 1)),
        }
    }
    Ok(counts)
}

/// The newest audit events about contracts visible to `visible_to` (`None`: all of the
/// tenant's), newest first, each with the contract's number and title.
pub fn recent_events(
    conn: &mut AnyConnection,
    tenant_id: &str,
    visible_to: Option<&Visibility>,
    limit: i64,
) -> QueryResult<Vec<(AuditEvent, String, String)>> {
    let mut query = a::audit_events
        .inner_join(c::contracts.on(a::target_id.eq(c::id.nullable())))
        .filter(
            a::tenant_id
                .eq(tenant_id)
                .and(a::target_type.eq("contract"))
                .and(c::tenant_id.eq(tenant_id)),
        )
        .into_boxed::<Backend>();
    if let Some(v) = visible_to {
        query = query.filter(visible(v));
    }
    query
        .order(a::seq.desc())
        .limit(limit)
        .select((AuditEvent::as_select(), c::contract_number, c::title))
        .load(conn)
}

/// The action of the newest of a contract's events among `actions`.
pub fn last_event_among(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
    actions: &[&str],
) -> QueryResult<Option<String>> {
    a::audit_events
        .filter(
            a::tenant_id
                .eq(tenant_id.0)
                .and(a::target_id.eq(contract_id.0))
                .and(a::action.eq_any(actions)),
        )
        .order(a::seq.desc())
        .select(a::action)
        .first(conn)
        .optional()
}

/// Sent contracts of every tenant whose answer deadline is before `at` (the expiry sweep).
pub fn sent_expiring_before(conn: &mut AnyConnection, at: i64) -> QueryResult<Vec<Contract>> {
    c::contracts
        .filter(
            c::state
                .eq(ContractState::Sent.as_str())
                .and(c::expires_at.lt(at)),
        )
        .order(c::expires_at)
        .limit(1000)
        .select(Contract::as_select())
        .load(conn)
}
