//! The committed `openapi/openapi.json` is what the code generates. After an API change run
//! `UPDATE_OPENAPI=1 cargo test --test openapi` and commit the file.

#[test]
fn committed_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let generated = backend::api::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test openapi` and commit it"
    );
}

#[test]
fn every_problem_code_is_documented_by_the_problem_schema() {
    let doc: serde_json::Value = serde_json::from_str(&backend::api::openapi_json()).unwrap();
    let codes = &doc["components"]["schemas"]["ProblemCode"]["enum"];
    for code in shared::ProblemCode::ALL {
        assert!(
            codes
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(code.as_str())),
            "{code:?}"
        );
    }
}

fn document() -> serde_json::Value {
    serde_json::from_str(&backend::api::openapi_json()).unwrap()
}

/// Checks a named enum schema against the Rust type it documents: every value the document
/// lists is what serde reads and writes back, and, with the type's `ALL`, every variant's wire
/// name is listed.
struct EnumCheck {
    name: &'static str,
    check: fn(&[serde_json::Value]) -> Result<(), String>,
}

fn wire_names<T>(documented: &[serde_json::Value], all: Option<&[T]>) -> Result<(), String>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    for value in documented {
        let parsed: T = serde_json::from_value(value.clone())
            .map_err(|e| format!("documents {value}, which the server refuses: {e}"))?;
        let back = serde_json::to_value(&parsed).unwrap();
        if &back != value {
            return Err(format!("documents {value}, the server writes {back}"));
        }
    }
    if let Some(all) = all {
        let wire: Vec<serde_json::Value> = all
            .iter()
            .map(|v| serde_json::to_value(v).unwrap())
            .collect();
        if wire.len() != documented.len() || wire.iter().any(|w| !documented.contains(w)) {
            return Err(format!(
                "documents {documented:?}, the variants are {wire:?}"
            ));
        }
    }
    Ok(())
}

macro_rules! enum_checks {
    ($($ty:ty => $all:expr),* $(,)?) => {
        vec![$(EnumCheck {
            name: stringify!($ty),
            check: |documented| wire_names::<$ty>(documented, $all),
        }),*]
    };
}

#[test]
fn every_enum_schema_lists_the_wire_names() {
    use shared::contract::{
        ApprovalDecision, ApprovalRule, ContractAction, ContractState, DocumentRole,
        RecipientOrder, RecipientState,
    };
    use shared::dto::{
        BulkSendState, ContractSort, DatabaseKind, DispositionState, ExportEncoding, ExportState,
    };
    use shared::dto::{DerivationEvidence, SignatureLoss};
    use shared::notice::{NoticeKind, NoticeScope};
    use shared::records::{RetentionBasis, RetentionConvention};
    use shared::validate::ValidationError;
    use shared::webhook::{DeliveryState, WebhookEvent};
    use shared::zone::Zone;
    use shared::{Permission, ProblemCode, Role};
    let checks = enum_checks! {
        ContractState => Some(ContractState::ALL),
        RecipientState => Some(RecipientState::ALL),
        RecipientOrder => Some(RecipientOrder::ALL),
        ApprovalRule => Some(ApprovalRule::ALL),
        ApprovalDecision => Some(ApprovalDecision::ALL),
        ContractAction => Some(ContractAction::ALL),
        DocumentRole => Some(DocumentRole::ALL),
        ContractSort => Some(ContractSort::ALL),
        DatabaseKind => None,
        DispositionState => Some(&DispositionState::ALL[..]),
        ExportEncoding => None,
        ExportState => None,
        NoticeKind => Some(&NoticeKind::ALL[..]),
        NoticeScope => None,
        RetentionBasis => Some(&RetentionBasis::ALL[..]),
        RetentionConvention => Some(&RetentionConvention::ALL[..]),
        Role => Some(&Role::ALL[..]),
        Permission => Some(&Permission::ALL[..]),
        ProblemCode => Some(ProblemCode::ALL),
        ValidationError => None,
        WebhookEvent => Some(WebhookEvent::ALL),
        DeliveryState => Some(DeliveryState::ALL),
        BulkSendState => None,
        Zone => Some(Zone::ALL),
        DerivationEvidence => None,
        SignatureLoss => None,
    };
    let doc = document();
    let mut failures = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        match checks.iter().find(|c| c.name == name) {
            Some(c) => {
                if let Err(e) = (c.check)(values) {
                    failures.push(format!("{name}: {e}"));
                }
            }
            None => failures.push(format!(
                "{name}: an enum schema this test does not know: add its type to the list"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each operation and what the document says about it.
fn operations(doc: &serde_json::Value) -> Vec<(String, &serde_json::Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    ops
}

#[test]
fn state_changing_session_operations_require_the_csrf_header() {
    let doc = document();
    for (label, op) in operations(&doc) {
        let changes = !label.starts_with("GET ");
        for requirement in op["security"].as_array().into_iter().flatten() {
            if requirement.get("session").is_some() {
                assert_eq!(
                    requirement.get("csrf").is_some(),
                    changes,
                    "{label}: {requirement}"
                );
            }
        }
    }
    let scheme = &doc["components"]["securitySchemes"]["csrf"];
    assert_eq!(
        (&scheme["in"], &scheme["name"]),
        (&"header".into(), &"X-CSRF-Token".into())
    );
}

#[test]
fn every_operation_documents_its_problem_responses() {
    let doc = document();
    for (label, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        for class in ['4', '5'] {
            let problems: Vec<_> = responses
                .iter()
                .filter(|(code, _)| code.starts_with(class))
                .collect();
            assert!(!problems.is_empty(), "{label}: no {class}xx response");
            for (code, response) in problems {
                // The readiness probe answers 503 with the same view as its 200 (which check
                // failed), the body load balancers and operators read.
                if label == "GET /api/v1/health/ready" && code.as_str() == "503" {
                    continue;
                }
                let schema = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/Problem",
                    "{label} {code}: {response}"
                );
            }
        }
    }
}

#[test]
fn paging_parameters_are_bounded_as_the_server_checks_them() {
    use shared::dto::paging::{MAX_PAGE, MAX_PER_PAGE};
    let doc = document();
    let mut seen = 0;
    for (label, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let max = match p["name"].as_str() {
                Some("page") => MAX_PAGE,
                Some("per_page") => MAX_PER_PAGE,
                _ => continue,
            };
            seen += 1;
            let schema = &p["schema"];
            assert_eq!(
                (schema["minimum"].as_u64(), schema["maximum"].as_u64()),
                (Some(1), Some(u64::from(max))),
                "{label} {p}"
            );
        }
    }
    assert!(seen >= 14, "{seen} paging parameters");
}

#[test]
fn raw_uploads_are_binary_bodies() {
    let doc = document();
    for (path, media) in [
        (
            "/api/v1/contracts/{id}/documents",
            "application/octet-stream",
        ),
        ("/api/v1/verify", "application/octet-stream"),
    ] {
        let body = &doc["paths"][path]["post"]["requestBody"];
        assert_eq!(body["required"], true, "{path}");
        let schema = &body["content"][media]["schema"];
        assert_eq!(
            (&schema["type"], &schema["format"]),
            (&"string".into(), &"binary".into()),
            "{path}: {body}"
        );
    }
}
