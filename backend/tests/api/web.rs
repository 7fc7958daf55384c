//! The browser app's files, Swagger UI, and the security headers on every response.

use actix_web::test::TestRequest;
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, INLINE_LOADER, spawn};
use crate::on_both_databases;

on_both_databases!(the_app_is_served_with_a_strict_policy_and_spa_fallback);

async fn the_app_is_served_with_a_strict_policy_and_spa_fallback(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    for path in ["/", "/users/123/edit"] {
        let (st, body, headers) = app.send(TestRequest::get().uri(path)).await;
        assert_eq!(st, 200, "{path}");
        assert!(
            body.as_str().unwrap().contains(INLINE_LOADER),
            "{path} serves index.html"
        );
        let csp = headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        let hash = data_encoding::BASE64.encode(&Sha256::digest(INLINE_LOADER.as_bytes()));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
    }
    // The app's files go out compressed, with a JavaScript type for modules (pdf.js); API
    // answers do not.
    let (st, _, headers) = app
        .send(
            TestRequest::get()
                .uri("/pdfjs/pdf.min.mjs")
                .insert_header(("Accept-Encoding", "gzip")),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(headers.get("content-encoding").unwrap(), "gzip");
    let mime = headers.get("content-type").unwrap().to_str().unwrap();
    assert!(mime.contains("javascript"), "{mime}");
    assert!(headers.get("content-security-policy").is_some());
    let (st, _, headers) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/health")
                .insert_header(("Accept-Encoding", "gzip")),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert!(headers.get("content-encoding").is_none());

    let (st, spec, _) = app
        .send(TestRequest::get().uri("/api/v1/openapi.json"))
        .await;
    assert_eq!(st, 200);
    assert_eq!(spec["info"]["title"], "Tachiai API");
    let (st, page, _) = app.send(TestRequest::get().uri("/api/docs/")).await;
    assert_eq!(st, 200);
    assert!(
        page.as_str().unwrap().contains("swagger-ui"),
        "Swagger UI is served from the binary"
    );
    let (st, _, _) = app
        .send(TestRequest::get().uri("/api/docs/swagger-ui-bundle.js"))
        .await;
    assert_eq!(
        st, 200,
        "Swagger UI's script is vendored, not fetched from a CDN"
    );
}
