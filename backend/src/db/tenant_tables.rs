//! The tables of a tenant as the full return (全データ返却, `tachiai export tenant` / `import
//! tenant`) reads and writes them: which tables, in which order, which columns never leave the
//! instance, and the generic SQL that turns a row into a JSON object and back.
//!
//! The rows are read and written by column name from the database's own catalog (SQLite's
//! `pragma_table_info`, PostgreSQL's `information_schema`), not through typed models, so a column
//! added by a migration is exported and imported without touching this file, and a table is one
//! entry of [`TABLES`]. A table with a `tenant_id` column that is in neither [`TABLES`] nor
//! [`EXCLUDED`] makes the export refuse ([`unlisted_tenant_tables`]), and a test fails, so a new
//! table cannot be silently left behind.

use diesel::QueryableByName;
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Map, Value};

use crate::db::AnyConnection;

/// Which rows of a table belong to the tenant; `{t}` is the tenant id's placeholder.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    /// The table's name.
    pub name: &'static str,
    /// SQL condition selecting the tenant's rows, `{t}` standing for the bound tenant id.
    pub scope: &'static str,
    /// The columns that order the rows (stable exports: the same data gives the same file).
    pub order_by: &'static str,
    /// Columns never exported: secrets (hashes of passwords, tokens, one-time codes) and
    /// leases of the source instance.
    pub withheld: &'static [&'static str],
    /// What the importing instance writes into a column instead of (or over) the exported value.
    pub on_import: &'static [(&'static str, Fill)],
    /// A column referring to another row of the same table (inserted parents first).
    pub self_ref: Option<&'static str>,
    /// False for reference material that is exported but not imported (seal-key certificates:
    /// the keyring is the importing instance's own).
    pub import: bool,
}

impl TableSpec {
    /// A plain tenant table: rows with `tenant_id` = the tenant, ordered by `order_by`, every
    /// column exported and imported as is.
    pub const fn rows(name: &'static str, order_by: &'static str) -> TableSpec {
        TableSpec {
            name,
            scope: "tenant_id = {t}",
            order_by,
            withheld: &[],
            on_import: &[],
            self_ref: None,
            import: true,
        }
    }
}

/// A value the importing instance writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// SQL NULL.
    Null,
    /// FALSE.
    False,
    /// TRUE.
    True,
    /// `!imported:<id>`: a value no hash or password check can ever match, unique per row.
    Unusable,
    /// The import's time when the exported value is NULL (e.g. `revoked_at` of API tokens
    /// whose secrets stayed behind).
    NowIfNull,
}

/// The tables of a tenant, in insertion order (a row's references come before it). Adding a
/// table is one line here; `on_import`/`withheld` only for secrets and instance-local state.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        scope: "id = {t}",
        ..TableSpec::rows("tenants", "id")
    },
    TableSpec {
        self_ref: Some("parent_id"),
        ..TableSpec::rows("departments", "id")
    },
    TableSpec {
        withheld: &["password_hash", "totp_secret"],
        on_import: &[
            ("password_hash", Fill::Unusable),
            ("totp_secret", Fill::Null),
            ("totp_enabled", Fill::False),
            ("totp_last_step", Fill::Null),
            ("must_change_password", Fill::True),
        ],
        ..TableSpec::rows("users", "id")
    },
    TableSpec::rows("organizations", "id"),
    TableSpec::rows("contacts", "id"),
    TableSpec::rows("approval_route_templates", "id"),
    TableSpec::rows("contract_number_counters", "fiscal_year"),
    TableSpec::rows("contracts", "id"),
    TableSpec::rows("documents", "id"),
    TableSpec::rows("approval_steps", "id"),
    TableSpec::rows("approval_decisions", "id"),
    TableSpec {
        withheld: &[
            "access_code_hash",
            "link_token_hash",
            "otp_hash",
            "session_token_hash",
            "sms_code_hash",
        ],
        on_import: &[
            ("access_code_hash", Fill::Null),
            ("link_token_hash", Fill::Null),
            ("otp_hash", Fill::Null),
            ("session_token_hash", Fill::Null),
            ("sms_code_hash", Fill::Null),
        ],
        self_ref: Some("forwarded_from"),
        ..TableSpec::rows("recipients", "id")
    },
    TableSpec {
        withheld: &["token_hash"],
        on_import: &[
            ("token_hash", Fill::Unusable),
            ("revoked_at", Fill::NowIfNull),
        ],
        ..TableSpec::rows("api_tokens", "id")
    },
    // The seal key is the source instance's: on import the reference is kept only when the
    // importing instance has the same key (see `workflow::tenant_io`); `cert_sha256` stays.
    TableSpec::rows("document_seals", "document_id"),
    TableSpec {
        withheld: &["claimed_by", "claimed_until"],
        on_import: &[("claimed_by", Fill::Null), ("claimed_until", Fill::Null)],
        ..TableSpec::rows("ltv_archives", "document_id")
    },
    TableSpec::rows("audit_events", "seq"),
    // Reference material: the certificates (never the private key or token settings) of the seal
    // keys that sealed this tenant's files, so the export can be checked without the instance.
    TableSpec {
        scope: "id IN (SELECT seal_key_id FROM document_seals WHERE tenant_id = {t})",
        withheld: &[
            "sealed_material",
            "pkcs11_module",
            "pkcs11_token_label",
            "pkcs11_key_label",
            "pkcs11_pin_file",
        ],
        import: false,
        ..TableSpec::rows("seal_keys", "id")
    },
    // The tenant's own maintenance notices (service-wide ones, tenant_id NULL, are the operator's).
    TableSpec::rows("notices", "id"),
    // Retention and disposition (保存期間・廃棄): the rule, holds, requests and the tombstones
    // of disposed contracts (which must travel with the records they stand for).
    TableSpec::rows("retention_rules", "tenant_id"),
    TableSpec::rows("legal_holds", "contract_id"),
    TableSpec::rows("disposition_requests", "id"),
    TableSpec::rows("disposition_items", "request_id, contract_id"),
    TableSpec::rows("disposal_records", "contract_id"),
    // Monthly usage reports as generated on the 1st (the figures the administrators were sent).
    TableSpec::rows("monthly_reports", "month"),
    // The tenant's own API rate limit.
    TableSpec::rows("tenant_rate_limits", "tenant_id"),
    // Document templates (ひな形) with their files, and bulk sends (一括送信) with their rows.
    TableSpec::rows("document_templates", "id"),
    TableSpec::rows("template_documents", "id"),
    TableSpec::rows("bulk_sends", "id"),
    TableSpec::rows("bulk_send_rows", "bulk_send_id, line"),
    // Network zones (ネットワークゾーン): where staff may log in from, and each zone's URL.
    TableSpec::rows("network_zones", "zone"),
    TableSpec::rows("seal_marks", "document_id, kind, value"),
    // (new tables: one line each above this comment)
];

/// Tables with a `tenant_id` column that the export leaves out on purpose, and why.
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "record_exports",
        "the fiscal-year exports made on the source instance: its files stay there, and an \
         export can be made again from the data",
    ),
    (
        "sessions",
        "login sessions are bearer secrets of the source instance and end with it",
    ),
    (
        "jobs",
        "the source instance's work queue (mail with personal links and codes, pending seals); \
         a concluded contract has none, work in flight is not moved",
    ),
    (
        "idempotency_keys",
        "the answers kept for retried requests expire within a day and belong to the source \
         instance's clients",
    ),
    // Webhooks (Webhook 通知).
    (
        "webhook_endpoints",
        "their signing secrets are sealed with the source instance's secret key and would not \
         open elsewhere; the importing city registers its endpoints (and gives the receivers \
         new secrets) itself",
    ),
    (
        "webhook_deliveries",
        "the source instance's transport log of its endpoints, which are not moved",
    ),
    (
        "webhook_attempts",
        "the source instance's transport log of its endpoints, which are not moved",
    ),
];

/// The spec of `name`.
pub fn spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// How a column's values are typed in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// TEXT: a JSON string.
    Text,
    /// INTEGER or BIGINT: a JSON number.
    Integer,
    /// BOOLEAN: `true`/`false` (SQLite stores 0/1).
    Bool,
}

/// A column from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ColumnKind,
}

#[derive(QueryableByName)]
struct CatalogRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    j: String,
}

/// The columns of `table` in their declared order, from the catalog.
pub fn columns(conn: &mut AnyConnection, table: &str) -> diesel::QueryResult<Vec<Column>> {
    let rows: Vec<CatalogRow> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT name AS name, type AS ty FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind::<Text, _>(table)
        .load(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS ty \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let ty = r.ty.to_ascii_lowercase();
            let kind = if ty.contains("bool") {
                ColumnKind::Bool
            } else if ty.contains("int") {
                ColumnKind::Integer
            } else {
                ColumnKind::Text
            };
            Column { name: r.name, kind }
        })
        .collect())
}

/// Every table of the schema with a `tenant_id` column, by name.
pub fn tenant_tables(conn: &mut AnyConnection) -> diesel::QueryResult<Vec<String>> {
    let rows: Vec<NameRow> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY m.name",
        )
        .load(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT c.table_name::text AS name FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_schema = c.table_schema \
               AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
             WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' \
             ORDER BY 1",
        )
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// The tables holding tenant data that are neither exported nor excluded with a reason.
pub fn unlisted_tenant_tables(conn: &mut AnyConnection) -> diesel::QueryResult<Vec<String>> {
    Ok(tenant_tables(conn)?
        .into_iter()
        .filter(|t| spec(t).is_none() && !EXCLUDED.iter().any(|(e, _)| e == t))
        .collect())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The exported columns of `spec` (every catalog column but the withheld ones).
pub fn exported_columns(
    conn: &mut AnyConnection,
    spec: &TableSpec,
) -> diesel::QueryResult<Vec<Column>> {
    Ok(columns(conn, spec.name)?
        .into_iter()
        .filter(|c| !spec.withheld.contains(&c.name.as_str()))
        .collect())
}

/// Reads the tenant's rows of `spec` in batches of `batch`, each as a JSON object with the
/// column names as keys (booleans as `true`/`false` on both databases), and hands them to
/// `each` in `order_by` order.
pub fn for_each_row(
    conn: &mut AnyConnection,
    spec: &TableSpec,
    columns: &[Column],
    tenant_id: &str,
    batch: i64,
    mut each: impl FnMut(Map<String, Value>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut offset = 0i64;
    loop {
        let rows: Vec<JsonRow> = match conn {
            AnyConnection::Sqlite(c) => {
                let pairs = columns
                    .iter()
                    .map(|col| format!("'{}', {}", col.name, quote(&col.name)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "SELECT json_object({pairs}) AS j FROM {} WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
                    quote(spec.name),
                    spec.scope.replace("{t}", "?"),
                    spec.order_by
                );
                diesel::sql_query(sql)
                    .bind::<Text, _>(tenant_id)
                    .bind::<BigInt, _>(batch)
                    .bind::<BigInt, _>(offset)
                    .load(c)?
            }
            AnyConnection::Postgresql(c) => {
                let cols = columns
                    .iter()
                    .map(|col| quote(&col.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "SELECT row_to_json(x)::text AS j FROM (SELECT {cols} FROM {} WHERE {} \
                     ORDER BY {} LIMIT $2 OFFSET $3) x",
                    quote(spec.name),
                    spec.scope.replace("{t}", "$1"),
                    spec.order_by
                );
                diesel::sql_query(sql)
                    .bind::<Text, _>(tenant_id)
                    .bind::<BigInt, _>(batch)
                    .bind::<BigInt, _>(offset)
                    .load(c)?
            }
        };
        let n = rows.len() as i64;
        for row in rows {
            let Value::Object(mut map) = serde_json::from_str(&row.j)? else {
                anyhow::bail!("{}: a row is not a JSON object", spec.name);
            };
            for col in columns.iter().filter(|c| c.kind == ColumnKind::Bool) {
                if let Some(v) = map.get_mut(&col.name)
                    && let Some(n) = v.as_i64()
                {
                    *v = Value::Bool(n != 0);
                }
            }
            each(map)?;
        }
        if n < batch {
            return Ok(());
        }
        offset += n;
    }
}

/// Inserts `rows` (JSON objects as [`for_each_row`] gives them) into `spec`'s table: the
/// `columns` given (those the export and this instance share) from the objects, the
/// [`Fill`]s of `spec.on_import` computed here. One statement per call: the rows travel as
/// one JSON array (`json_each` on SQLite, `json_populate_recordset` on PostgreSQL), so a batch
/// costs one round trip whatever the number of columns.
pub fn insert_rows(
    conn: &mut AnyConnection,
    spec: &TableSpec,
    columns: &[Column],
    rows: &[Map<String, Value>],
    now_ms: i64,
) -> diesel::QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let array = Value::Array(rows.iter().cloned().map(Value::Object).collect()).to_string();
    let sqlite = matches!(conn, AnyConnection::Sqlite(_));
    let field = |name: &str| {
        if sqlite {
            format!("json_extract(value, '$.\"{name}\"')")
        } else {
            format!("r.{}", quote(name))
        }
    };
    let mut names = Vec::new();
    let mut values = Vec::new();
    for col in columns {
        if spec.on_import.iter().any(|(c, _)| *c == col.name) {
            continue;
        }
        names.push(quote(&col.name));
        values.push(field(&col.name));
    }
    for (name, fill) in spec.on_import {
        names.push(quote(name));
        values.push(match fill {
            Fill::Null => "NULL".to_owned(),
            Fill::False => "FALSE".to_owned(),
            Fill::True => "TRUE".to_owned(),
            Fill::Unusable => format!("'!imported:' || {}", field("id")),
            Fill::NowIfNull => format!("COALESCE({}, {now_ms})", field(name)),
        });
    }
    let (names, values) = (names.join(", "), values.join(", "));
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(format!(
            "INSERT INTO {} ({names}) SELECT {values} FROM json_each(?)",
            quote(spec.name)
        ))
        .bind::<Text, _>(array)
        .execute(c),
        AnyConnection::Postgresql(c) => diesel::sql_query(format!(
            "INSERT INTO {table} ({names}) SELECT {values} \
             FROM json_populate_recordset(NULL::{table}, $1::json) r",
            table = quote(spec.name)
        ))
        .bind::<Text, _>(array)
        .execute(c),
    }
}

/// Counts the tenant's rows of `spec`.
pub fn count(
    conn: &mut AnyConnection,
    spec: &TableSpec,
    tenant_id: &str,
) -> diesel::QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {} WHERE {}",
            quote(spec.name),
            spec.scope.replace("{t}", "?")
        ))
        .bind::<Text, _>(tenant_id)
        .get_result(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {} WHERE {}",
            quote(spec.name),
            spec.scope.replace("{t}", "$1")
        ))
        .bind::<Text, _>(tenant_id)
        .get_result(c)?,
    };
    Ok(n.n)
}

/// Whether a seal key `id` exists here.
pub fn seal_key_exists(conn: &mut AnyConnection, id: &str) -> diesel::QueryResult<bool> {
    use crate::db::schema::seal_keys::dsl as k;
    use diesel::prelude::*;
    Ok(k::seal_keys
        .filter(k::id.eq(id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Whether any document row (of any tenant) names the blob `sha256`: a failed import removes
/// only the files it added that nothing references (another import of the same files may have
/// committed meanwhile).
pub fn blob_referenced(conn: &mut AnyConnection, sha256: &str) -> diesel::QueryResult<bool> {
    use crate::db::schema::documents::dsl as d;
    use diesel::prelude::*;
    Ok(d::documents
        .filter(d::sha256.eq(sha256))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table of the schema with a `tenant_id` column is exported or excluded with a
    /// reason: a table added by a migration without a line in `TABLES` or `EXCLUDED` fails here
    /// (and the export refuses to run), so the full return never silently misses data.
    #[test]
    fn every_tenant_table_is_exported_or_excluded_with_a_reason() {
        let dir = std::env::temp_dir().join(format!("tachiai-tables-{}", uuid::Uuid::new_v4()));
        let url = crate::db::DatabaseUrl::parse(&dir.join("t.db").display().to_string());
        let pool = crate::db::connect(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let tables = tenant_tables(&mut conn).unwrap();
        assert!(tables.contains(&"contracts".to_owned()), "{tables:?}");
        let unlisted = unlisted_tenant_tables(&mut conn).unwrap();
        assert!(
            unlisted.is_empty(),
            "tables with a tenant_id that the tenant export neither exports nor excludes: \
             {unlisted:?}; add a line to TABLES (or EXCLUDED with a reason) in \
             backend/src/db/tenant_tables.rs"
        );
        for (name, reason) in EXCLUDED {
            assert!(tables.contains(&name.to_string()), "{name} is not a table");
            assert!(reason.len() > 20, "{name}: say why");
        }
        // Every listed table and every withheld or filled column exists.
        for spec in TABLES {
            let cols = columns(&mut conn, spec.name).unwrap();
            assert!(!cols.is_empty(), "{} is not a table", spec.name);
            let known = |c: &str| cols.iter().any(|col| col.name == c);
            for c in spec
                .withheld
                .iter()
                .chain(spec.on_import.iter().map(|(c, _)| c))
                .chain(spec.self_ref.iter())
            {
                assert!(known(c), "{}.{c} is not a column", spec.name);
            }
            // A withheld NOT NULL column needs a value on import.
            for c in spec.withheld {
                assert!(
                    spec.on_import.iter().any(|(f, _)| f == c) || !spec.import,
                    "{}.{c} is withheld but gets no value on import",
                    spec.name
                );
            }
        }
        drop(conn);
        drop(pool);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Also read the hand-written schema: a table declared there with a `tenant_id` must be
    /// listed too (catches a schema.rs entry whose migration is still missing).
    #[test]
    fn schema_rs_tenant_tables_are_listed() {
        let schema = include_str!("schema.rs");
        let mut table = None;
        for line in schema.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_suffix('{')
                && let Some((name, _)) = rest.trim().split_once(" (")
                && !name.contains(' ')
            {
                table = Some(name.to_owned());
            }
            if line.starts_with("tenant_id ->")
                && let Some(name) = &table
            {
                assert!(
                    spec(name).is_some() || EXCLUDED.iter().any(|(e, _)| e == name),
                    "schema.rs table {name} has a tenant_id but is neither in TABLES nor in \
                     EXCLUDED (backend/src/db/tenant_tables.rs)"
                );
            }
        }
    }
}
