//! The browser app's files compressed once, not per request: at start a background thread
//! compresses every compressible file of `dist/` with brotli (best) and gzip (best) into
//! memory; a request that accepts one of them gets those bytes with a strong `ETag`. Until
//! the thread is done, and for anything else, the `Compress` middleware answers as before.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use futures_util::future::{Either, ready};
use sha2::{Digest, Sha256};

/// Files smaller than this go out as they are (compression would not pay).
const MIN_BYTES: u64 = 1024;
/// Files larger than this are left to the middleware (a stray big file must not fill memory).
const MAX_BYTES: u64 = 64 << 20;
/// Extensions worth compressing (the wasm bundles, their loaders, styles, the PDF viewer).
const COMPRESSIBLE: &[&str] = &[
    "wasm", "js", "mjs", "css", "html", "svg", "json", "map", "txt", "xml", "ttf", "otf", "ico",
    "bcmap",
];

/// One file in both encodings.
struct Entry {
    content_type: String,
    br: web::Bytes,
    gzip: web::Bytes,
    /// Hex SHA-256 of the original, the base of each encoding's ETag.
    digest: String,
}

/// The compressed files of one `dist/` directory, by URL path (`/app-1a2b.wasm`); empty until
/// the background compression is done.
pub struct Precompressed {
    files: OnceLock<HashMap<String, Entry>>,
}

/// The compressed files of `dist` (compressed once per process, whichever worker asks first).
pub fn for_dir(dist: &Path) -> Arc<Precompressed> {
    static ALL: OnceLock<Mutex<HashMap<PathBuf, Arc<Precompressed>>>> = OnceLock::new();
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    all.entry(dist.to_owned())
        .or_insert_with(|| {
            let p = Arc::new(Precompressed {
                files: OnceLock::new(),
            });
            let (p2, dir) = (p.clone(), dist.to_owned());
            let spawned = std::thread::Builder::new()
                .name("precompress".into())
                .spawn(move || {
                    let started = std::time::Instant::now();
                    let files = compress_dir(&dir);
                    tracing::info!(
                        files = files.len(),
                        ms = started.elapsed().as_millis() as u64,
                        "the browser app's files are compressed"
                    );
                    let _ = p2.files.set(files);
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot compress the app's files ahead; compressing per request");
            }
            p
        })
        .clone()
}

fn compress_dir(dir: &Path) -> HashMap<String, Entry> {
    let mut out = HashMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in read.flatten() {
            let path = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
            if !meta.is_file()
                || !(MIN_BYTES..=MAX_BYTES).contains(&meta.len())
                || !COMPRESSIBLE.contains(&ext)
            {
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else {
                continue;
            };
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            match compress_file(&path) {
                Ok(entry) => {
                    out.insert(url, entry);
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "cannot compress"),
            }
        }
    }
    out
}

fn compress_file(path: &Path) -> std::io::Result<Entry> {
    let raw = std::fs::read(path)?;
    let mut br = Vec::new();
    {
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params)?;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw)?;
    Ok(Entry {
        content_type: mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned(),
        br: br.into(),
        gzip: gz.finish()?.into(),
        digest: data_encoding::HEXLOWER.encode(&Sha256::digest(&raw))[..32].to_owned(),
    })
}

/// The encodings a client accepts, in the order we prefer them.
fn preferred(accept_encoding: &str) -> Option<&'static str> {
    let accepts = |name: &str| {
        accept_encoding.split(',').any(|part| {
            let mut it = part.split(';').map(str::trim);
            it.next().is_some_and(|t| t.eq_ignore_ascii_case(name))
                && !it.any(|p| {
                    p.strip_prefix("q=")
                        .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
                })
        })
    };
    ["br", "gzip"].into_iter().find(|e| accepts(e))
}

impl Precompressed {
    /// The answer for `req` from the compressed files, or `None` to let the middleware answer.
    fn answer(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return None;
        }
        let entry = self.files.get()?.get(req.path())?;
        let encoding = preferred(req.headers().get(header::ACCEPT_ENCODING)?.to_str().ok()?)?;
        let etag = format!("\"{}-{encoding}\"", entry.digest);
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        let mut res = HttpResponse::build(if fresh {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        });
        res.insert_header((header::ETAG, etag))
            .insert_header((header::VARY, HeaderValue::from_static("accept-encoding")))
            .insert_header((header::CONTENT_ENCODING, encoding))
            .insert_header((header::CONTENT_TYPE, entry.content_type.as_str()));
        let body = if encoding == "br" {
            &entry.br
        } else {
            &entry.gzip
        };
        Some(if fresh {
            res.finish()
        } else if *req.method() == Method::HEAD {
            res.no_chunking(body.len() as u64).finish()
        } else {
            res.body(body.clone())
        })
    }
}

/// The middleware: answers from the compressed files when it can, else passes the request on.
pub fn serve<S, B>(
    files: &Precompressed,
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: 'static,
{
    match files.answer(&req) {
        Some(res) => Either::Left(ready(Ok(req.into_response(res).map_into_right_body()))),
        None => {
            let fut = srv.call(req);
            Either::Right(async move { Ok(fut.await?.map_into_left_body()) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_and_a_zero_quality_refuses() {
        assert_eq!(preferred("gzip, deflate, br"), Some("br"));
        assert_eq!(preferred("gzip, br;q=0"), Some("gzip"));
        assert_eq!(preferred("BR;q=0.5"), Some("br"));
        assert_eq!(preferred("identity"), None);
        assert_eq!(preferred("gzip;q=0, br;q=0.0"), None);
    }

    #[actix_web::test]
    async fn the_app_files_go_out_compressed_once_with_an_etag() {
        use actix_web::test::{TestRequest, call_service, init_service, read_body};
        let dir = std::env::temp_dir().join(format!("tachiai-pre-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let js = "console.log('立会');\n".repeat(200);
        std::fs::write(dir.join("app.js"), &js).unwrap();
        let files = for_dir(&dir);
        while files.files.get().is_none() {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let app = init_service(
            actix_web::App::new().service(
                web::scope("")
                    .wrap(actix_web::middleware::Compress::default())
                    .wrap_fn(move |req, srv| serve(&files, req, srv))
                    .service(actix_files::Files::new("/", &dir)),
            ),
        )
        .await;
        let get = |encoding: &str| {
            TestRequest::get()
                .uri("/app.js")
                .insert_header((header::ACCEPT_ENCODING, encoding.to_owned()))
                .to_request()
        };

        let res = call_service(&app, get("gzip, deflate, br")).await;
        assert_eq!(res.headers().get(header::CONTENT_ENCODING).unwrap(), "br");
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(content_type.contains("javascript"), "{content_type}");
        let etag = res.headers().get(header::ETAG).unwrap().clone();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &read_body(res).await[..], &mut plain).unwrap();
        assert_eq!(plain, js.as_bytes());

        let again = TestRequest::get()
            .uri("/app.js")
            .insert_header((header::ACCEPT_ENCODING, "br"))
            .insert_header((header::IF_NONE_MATCH, etag))
            .to_request();
        assert_eq!(
            call_service(&app, again).await.status(),
            StatusCode::NOT_MODIFIED
        );

        let res = call_service(&app, get("gzip")).await;
        assert_eq!(res.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");
        let mut plain = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&read_body(res).await[..]),
            &mut plain,
        )
        .unwrap();
        assert_eq!(plain, js);

        // Without an encoding the files service answers with the file as it is.
        let res = call_service(&app, get("identity")).await;
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(read_body(res).await, js.as_bytes());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
