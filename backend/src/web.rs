//! The browser app's files and the security headers of every response.
//!
//! The built SPA (`dist/`) is served at `/` with a fallback for client-side routes to the
//! HTML file of the path's bundle (`shared::bundle`: `index.html` for the staff pages,
//! `editor.html`, `admin.html`, `settings.html`, `records.html`, or `public.html` for signing
//! and verification). The CSP allows no inline script: Trunk's small inline loaders are
//! allowed by their SHA-256 hashes, computed from every HTML file at start-up.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{HttpResponse, Responder, web};
use sha2::{Digest, Sha256};
use shared::bundle::Bundle;

/// Which bundle's HTML answers a client-side route.
fn html_for(path: &str) -> &'static str {
    Bundle::for_path(path).html()
}

/// The Content-Security-Policy of the app, given the hashes of the HTML files' inline scripts.
pub fn app_csp(dist: &Path) -> String {
    let hashes: String = Bundle::ALL
        .iter()
        .filter_map(|b| std::fs::read_to_string(dist.join(b.html())).ok())
        .flat_map(|html| inline_scripts(&html))
        .map(|s| {
            format!(
                " 'sha256-{}'",
                data_encoding::BASE64.encode(&Sha256::digest(s.as_bytes()))
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// Swagger UI needs inline styles; it gets its own, slightly wider policy.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Bodies of `<script>` elements without a `src` attribute.
fn inline_scripts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(body_and_more[..close].to_owned());
        }
        rest = &body_and_more[close..];
    }
    out
}

/// Adds the security headers to every response; `/api/docs` gets the Swagger UI policy; with
/// `hsts` (the public URL is https), browsers are told to use nothing but HTTPS for a year.
pub fn security_headers(
    res: &mut ServiceResponse<impl actix_web::body::MessageBody>,
    csp: &str,
    hsts: bool,
) {
    let path = res.request().path().to_owned();
    let h = res.headers_mut();
    let csp = if path.starts_with("/api/docs") {
        DOCS_CSP
    } else {
        csp
    };
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    // An endpoint may allow caching itself (the signing page's notices); otherwise never.
    if path.starts_with("/api/v1") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Serves `dist/` with the SPA fallback, or an explanatory 503 when the app is not built.
pub fn spa(cfg: &mut web::ServiceConfig, dist: PathBuf) {
    let index = dist.join("index.html");
    if !index.is_file() {
        cfg.default_service(web::to(|| async {
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("画面（フロントエンド）がビルドされていません。scripts/start で起動してください。\nThe browser app is not built; start with scripts/start.\n")
        }));
        return;
    }
    let dist2 = dist.clone();
    // The app's files go out compressed (gzip/brotli, as the browser accepts): the wasm bundles
    // and the PDF viewer's worker are megabytes raw, a third of that compressed. API answers and
    // downloads (PDF, ZIP) are left as they are.
    // Compressed once at start (precompressed.rs); the middleware covers what that does not.
    let files = crate::precompressed::for_dir(&dist);
    cfg.service(
        web::scope("")
            .wrap(Compress::default())
            .wrap_fn(move |req, srv| crate::precompressed::serve(&files, req, srv))
            .service(
                Files::new("/", dist)
                    .index_file("index.html")
                    .default_handler(fn_service(move |req: ServiceRequest| {
                        let bundle = dist2.join(html_for(req.path()));
                        let html = if bundle.is_file() {
                            bundle
                        } else {
                            index.clone()
                        };
                        async move {
                            let (req, _) = req.into_parts();
                            let file = NamedFile::open(html)?;
                            let res = file
                                .customize()
                                .insert_header((header::CACHE_CONTROL, "no-cache"))
                                .respond_to(&req)
                                .map_into_boxed_body();
                            Ok(ServiceResponse::new(req, res))
                        }
                    })),
            ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html =
            r#"<head><script src="/a.js"></script><script type="module">import x;</script></head>"#;
        assert_eq!(inline_scripts(html), vec!["import x;".to_owned()]);
    }

    #[test]
    fn routes_are_answered_by_their_bundles_html() {
        assert_eq!(html_for("/users/1"), "admin.html");
        assert_eq!(html_for("/notices"), "records.html");
        assert_eq!(html_for("/account"), "settings.html");
        assert_eq!(html_for("/contracts/new"), "editor.html");
        assert_eq!(html_for("/contracts/1"), "index.html");
        assert_eq!(html_for("/sign/x"), "public.html");
    }
}
