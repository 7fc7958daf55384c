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
