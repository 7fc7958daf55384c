//! `GET /api/v1/contracts` and `/contracts.csv`: the list's filters, sort and page as the URL
//! query carries them. One type for the server (which reads the query with
//! [`ContractListQuery::parse_pairs`]), the workflow (which filters with it) and the browser
//! app (which keeps it in its own URL and writes request URLs with
//! [`ContractListQuery::to_pairs`]): a new filter is one field here.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::ContractState;
use crate::dto::paging;
use crate::problem::FieldError;
use crate::validate::ValidationError;

/// The order of the contract list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractSort {
    /// Recently updated first (the default).
    #[default]
    Updated,
    /// Recently concluded first.
    Concluded,
    /// By 契約番号.
    Number,
    /// Largest amount first.
    Amount,
}

impl ContractSort {
    /// Every order, as the list offers them.
    pub const ALL: &'static [ContractSort] = &[
        ContractSort::Updated,
        ContractSort::Concluded,
        ContractSort::Number,
        ContractSort::Amount,
    ];

    /// The name in the URL query.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractSort::Updated => "updated",
            ContractSort::Concluded => "concluded",
            ContractSort::Number => "number",
            ContractSort::Amount => "amount",
        }
    }

    /// Parses the name in the URL query.
    pub fn parse(s: &str) -> Option<ContractSort> {
        ContractSort::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// Query of the contract list. Every field is optional; the filters are combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ContractListQuery {
    /// 1-based page (default 1).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1_000_000))]
    pub page: Option<u32>,
    /// Items per page (default 50, at most 500).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub per_page: Option<u32>,
    /// Free text over 件名, 契約番号 and 相手方.
    pub q: Option<String>,
    /// 件名 contains.
    pub title: Option<String>,
    /// 契約番号 contains.
    pub contract_number: Option<String>,
    /// 相手方 contains.
    pub counterparty: Option<String>,
    /// 所属.
    pub department_id: Option<Uuid>,
    /// States, comma-separated (e.g. `sent,concluding`).
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub state: Vec<ContractState>,
    /// 契約締結日 from (YYYY-MM-DD).
    pub concluded_from: Option<String>,
    /// 契約締結日 to (YYYY-MM-DD).
    pub concluded_to: Option<String>,
    /// 契約金額 at least.
    pub amount_min: Option<i64>,
    /// 契約金額 at most.
    pub amount_max: Option<i64>,
    /// `updated` (default), `concluded`, `number` or `amount`.
    pub sort: Option<ContractSort>,
    /// Only contracts waiting for my approval now (the approval inbox).
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub awaiting_my_approval: bool,
    /// Only contracts I created.
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub created_by_me: bool,
    /// Only my drafts that came back to me (差し戻し, recalled from the counterparty).
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub returned_to_me: bool,
    /// Only contracts whose answer deadline (回答期限) is within this many days (0–365).
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 365))]
    pub expires_within_days: Option<u32>,
    /// The `next_cursor` of the previous page (keyset pagination, preferred over `page`: it
    /// does not skip rows and stays fast deep into a long list). Only valid with the same sort.
    pub cursor: Option<String>,
}

impl ContractListQuery {
    /// Every key of the query.
    pub const KEYS: &'static [&'static str] = &[
        "q",
        "title",
        "contract_number",
        "counterparty",
        "department_id",
        "state",
        "concluded_from",
        "concluded_to",
        "amount_min",
        "amount_max",
        "sort",
        "expires_within_days",
        "awaiting_my_approval",
        "created_by_me",
        "returned_to_me",
        "per_page",
        "page",
        "cursor",
    ];

    /// The keys whose blank value counts as absent: the free-text filters, and the strings.
    const BLANK_IS_ABSENT: &'static [&'static str] = &[
        "q",
        "title",
        "contract_number",
        "counterparty",
        "state",
        "concluded_from",
        "concluded_to",
    ];

    /// Reads `key=value` pairs (already percent-decoded). Blank text filters count as absent. Returns
    /// what could be read and, per key, what could not (an unknown key included): the server
    /// refuses the query on any error, the browser app ignores the bad parts of its URL.
    pub fn parse_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (ContractListQuery, Vec<FieldError>) {
        fn number<T: std::str::FromStr>(v: &str) -> Result<T, ValidationError> {
            v.parse().map_err(|_| ValidationError::OutOfRange)
        }
        fn bounded(v: &str, ok: fn(u32) -> bool) -> Result<u32, ValidationError> {
            number(v).and_then(|n| {
                if ok(n) {
                    Ok(n)
                } else {
                    Err(ValidationError::OutOfRange)
                }
            })
        }
        fn flag(v: &str) -> Result<bool, ValidationError> {
            match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ValidationError::OutOfRange),
            }
        }
        fn text(v: &str) -> Result<Option<String>, ValidationError> {
            Ok(Some(v.to_owned()))
        }
        let mut q = ContractListQuery::default();
        let mut errors = Vec::new();
        for (key, value) in pairs {
            let value = value.trim();
            // A blank text filter is no filter; a blank number, id, flag or order is no value
            // of its type, and the server refuses it as the OpenAPI document says.
            if value.is_empty() && Self::BLANK_IS_ABSENT.contains(&key) {
                continue;
            }
            let parsed = match key {
                "page" => bounded(value, paging::page_in_range).map(|v| q.page = Some(v)),
                "per_page" => {
                    bounded(value, paging::per_page_in_range).map(|v| q.per_page = Some(v))
                }
                "q" => text(value).map(|v| q.q = v),
                "title" => text(value).map(|v| q.title = v),
                "contract_number" => text(value).map(|v| q.contract_number = v),
                "counterparty" => text(value).map(|v| q.counterparty = v),
                "department_id" => Uuid::parse_str(value)
                    .map(|v| q.department_id = Some(v))
                    .map_err(|_| ValidationError::UnknownReference),
                "state" => value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| ContractState::parse(s).ok_or(ValidationError::OutOfRange))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| q.state = v),
                "concluded_from" => text(value).map(|v| q.concluded_from = v),
                "concluded_to" => text(value).map(|v| q.concluded_to = v),
                "amount_min" => number(value).map(|v| q.amount_min = Some(v)),
                "amount_max" => number(value).map(|v| q.amount_max = Some(v)),
                "sort" => ContractSort::parse(value)
                    .map(|v| q.sort = Some(v))
                    .ok_or(ValidationError::OutOfRange),
                "awaiting_my_approval" => flag(value).map(|v| q.awaiting_my_approval = v),
                "created_by_me" => flag(value).map(|v| q.created_by_me = v),
                "returned_to_me" => flag(value).map(|v| q.returned_to_me = v),
                "expires_within_days" => number(value).map(|v| q.expires_within_days = Some(v)),
                "cursor" => text(value).map(|v| q.cursor = v),
                _ => Err(ValidationError::UnknownReference),
            };
            if let Err(code) = parsed {
                errors.push(FieldError {
                    field: key.to_owned(),
                    code,
                });
            }
        }
        (q, errors)
    }

    /// The `key=value` pairs that are set (not percent-encoded), in a fixed order, so that the
    /// same search is the same URL; page 1 is left out.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let mut put = |key: &'static str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                out.push((key, v.trim().to_owned()));
            }
        };
        put("q", self.q.clone());
        put("title", self.title.clone());
        put("contract_number", self.contract_number.clone());
        put("counterparty", self.counterparty.clone());
        put("department_id", self.department_id.map(|d| d.to_string()));
        // In display order, so the same states give the same URL.
        let states: Vec<&str> = ContractState::ALL
            .iter()
            .filter(|s| self.state.contains(s))
            .map(|s| s.as_str())
            .collect();
        put("state", Some(states.join(",")));
        put("concluded_from", self.concluded_from.clone());
        put("concluded_to", self.concluded_to.clone());
        put("amount_min", self.amount_min.map(|a| a.to_string()));
        put("amount_max", self.amount_max.map(|a| a.to_string()));
        put("sort", self.sort.map(|s| s.as_str().to_owned()));
        put(
            "expires_within_days",
            self.expires_within_days.map(|d| d.to_string()),
        );
        put(
            "awaiting_my_approval",
            self.awaiting_my_approval.then(|| "true".to_owned()),
        );
        put(
            "created_by_me",
            self.created_by_me.then(|| "true".to_owned()),
        );
        put(
            "returned_to_me",
            self.returned_to_me.then(|| "true".to_owned()),
        );
        put("per_page", self.per_page.map(|p| p.to_string()));
        put("page", self.page.filter(|p| *p > 1).map(|p| p.to_string()));
        put("cursor", self.cursor.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_round_trip_and_report_bad_values_per_key() {
        let q = ContractListQuery {
            q: Some("業務委託".into()),
            department_id: Some(Uuid::nil()),
            state: vec![ContractState::Sent, ContractState::Draft],
            amount_min: Some(1000),
            sort: Some(ContractSort::Number),
            created_by_me: true,
            page: Some(3),
            ..ContractListQuery::default()
        };
        let pairs = q.to_pairs();
        assert_eq!(pairs[2], ("state", "draft,sent".to_owned()));
        let (back, errors) =
            ContractListQuery::parse_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            back,
            ContractListQuery {
                state: vec![ContractState::Draft, ContractState::Sent],
                ..q
            }
        );
        let (partial, errors) = ContractListQuery::parse_pairs([
            ("state", "draft,bogus"),
            ("sort", "number"),
            ("per_page", "-1"),
            ("colour", "red"),
            ("title", ""),
            ("department_id", ""),
            ("per_page", "501"),
        ]);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["state", "per_page", "colour", "department_id", "per_page"]
        );
        assert_eq!(partial.sort, Some(ContractSort::Number));
        assert_eq!(partial.title, None);
    }
}
