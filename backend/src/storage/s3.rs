//! The S3 backend of [`super::BlobStore`]: objects `<prefix>/ab/abcdef…` in an S3-compatible
//! bucket (AWS S3, MinIO, Ceph RGW, …), requests signed with SigV4 by `rusty-s3` (sans-IO) and
//! sent by `ureq`.
//!
//! Uploads come from the store's spool file, whose hash is known before anything is sent: up to
//! [`PART_SIZE`] in one `PUT`, larger as a multipart upload of [`PART_SIZE`] parts (each read
//! into memory, so a write holds at most one part), aborted when any step fails. The object
//! appears under its key only when the `PUT` or the completion succeeds. Secrets are kept out of
//! `Debug` and logs; the presigned URLs (which carry a signature, not the secret) are never
//! logged either.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use rusty_s3::actions::{CompleteMultipartUpload, CreateMultipartUpload, ListObjectsV2};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::StorageError;

/// The size of each part of a multipart upload, and the largest single `PUT`.
pub const PART_SIZE: usize = 8 << 20;
/// The most parts S3 takes in one upload (80 GB at [`PART_SIZE`]).
const MAX_PARTS: u16 = 10_000;
/// How long a signed request stays valid (it is sent at once).
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);
/// The longest an S3 request may take before it fails (a part is at most [`PART_SIZE`]).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Connecting to the endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The S3 settings (`blob_store = s3://…`, `s3_*`).
#[derive(Clone)]
pub struct S3Config {
    /// The bucket's name.
    pub bucket: String,
    /// The key prefix without leading or trailing `/` (may be empty).
    pub prefix: String,
    /// The service's URL, e.g. `https://s3.ap-northeast-1.amazonaws.com`.
    pub endpoint: String,
    /// The region that signs requests.
    pub region: String,
    /// Path-style URLs (`endpoint/bucket/key`, MinIO and most self-hosted services) instead of
    /// virtual-host style (`bucket.endpoint/key`).
    pub path_style: bool,
    /// The access key ID.
    pub access_key_id: String,
    /// The secret access key (never printed).
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl super::BlobStoreConfig {
    /// Reads `blob_store` and the `s3_*` settings; every error names its setting.
    pub fn from_settings(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<super::BlobStoreConfig> {
        let Some(url) = get("blob_store") else {
            return Ok(super::BlobStoreConfig::Local);
        };
        if url == "local" {
            return Ok(super::BlobStoreConfig::Local);
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            bail!("setting `blob_store`: `{url}` is neither `local` nor s3://bucket/prefix");
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            bail!(
                "setting `blob_store`: `{bucket}` is not a bucket name (3-63 lower-case letters, digits, `-` and `.`)"
            );
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|s| s == "." || s == "..") || prefix.contains("//") {
            bail!("setting `blob_store`: the prefix `{prefix}` has an empty, `.` or `..` segment");
        }
        let region = get("s3_region").unwrap_or_else(|| "us-east-1".to_owned());
        let endpoint = get("s3_endpoint")
            .map(|e| e.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            bail!("setting `s3_endpoint`: `{endpoint}` is not an http(s) URL");
        }
        let path_style = match get("s3_path_style").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => bail!("setting `s3_path_style`: `{other}` is neither true nor false"),
        };
        let access_key_id = get("s3_access_key_id").with_context(|| {
            "setting `s3_access_key_id`: required with an s3:// blob_store".to_owned()
        })?;
        let secret_access_key = match (
            get("s3_secret_access_key"),
            get("s3_secret_access_key_file"),
        ) {
            (Some(secret), None) => secret,
            (None, Some(file)) => {
                let text = std::fs::read_to_string(&file).with_context(|| {
                    format!("setting `s3_secret_access_key_file`: cannot read {file}")
                })?;
                let secret = text.trim_end_matches(['\r', '\n']).to_owned();
                if secret.is_empty() {
                    bail!("setting `s3_secret_access_key_file`: {file} is empty");
                }
                secret
            }
            (Some(_), Some(_)) => bail!(
                "settings `s3_secret_access_key` and `s3_secret_access_key_file`: set only one"
            ),
            (None, None) => bail!(
                "setting `s3_secret_access_key` (or `s3_secret_access_key_file`): required with an s3:// blob_store"
            ),
        };
        let config = S3Config {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint,
            region,
            path_style,
            access_key_id,
            secret_access_key,
        };
        config.bucket_handle()?;
        Ok(super::BlobStoreConfig::S3(config))
    }

    /// The effective values for `config check`, the secret as `(set)`.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        match self {
            super::BlobStoreConfig::Local => {
                vec![("blob_store", "local (<data_dir>/blobs)".into())]
            }
            super::BlobStoreConfig::S3(c) => vec![
                ("blob_store", c.url()),
                ("s3_endpoint", c.endpoint.clone()),
                ("s3_region", c.region.clone()),
                ("s3_path_style", c.path_style.to_string()),
                ("s3_access_key_id", c.access_key_id.clone()),
                ("s3_secret_access_key", "(set)".into()),
            ],
        }
    }
}

impl S3Config {
    /// `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn bucket_handle(&self) -> anyhow::Result<Bucket> {
        let endpoint = self
            .endpoint
            .parse()
            .with_context(|| format!("setting `s3_endpoint`: `{}` is not a URL", self.endpoint))?;
        let style = if self.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        Bucket::new(endpoint, style, self.bucket.clone(), self.region.clone()).map_err(|e| {
            anyhow::anyhow!(
                "settings `s3_endpoint` and `blob_store`: no bucket URL can be made ({e:?})"
            )
        })
    }
}

/// A connected bucket.
pub struct S3Store {
    bucket: Bucket,
    credentials: Credentials,
    /// `prefix/` or empty.
    prefix: String,
    agent: ureq::Agent,
    spool: PathBuf,
    url: String,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A response whose status was not the expected one, as one sentence: status and S3's error
/// code (e.g. `NoSuchBucket`, `AccessDenied`, `SignatureDoesNotMatch`).
fn refusal(what: &str, mut response: ureq::http::Response<ureq::Body>) -> StorageError {
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let code = body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| format!(" {code}"))
        .unwrap_or_default();
    StorageError::Remote(format!("{what}: HTTP {}{code}", status.as_u16()))
}

impl S3Store {
    /// Connects and checks the bucket (`HEAD bucket`): a wrong endpoint, a missing bucket or
    /// refused credentials are an error naming the setting to fix.
    pub fn connect(config: &S3Config, spool: PathBuf) -> anyhow::Result<S3Store> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .new_agent();
        let store = S3Store {
            bucket: config.bucket_handle()?,
            credentials: Credentials::new(
                config.access_key_id.clone(),
                config.secret_access_key.clone(),
            ),
            prefix: if config.prefix.is_empty() {
                String::new()
            } else {
                format!("{}/", config.prefix)
            },
            agent,
            spool,
            url: config.url(),
        };
        store.check(config)?;
        Ok(store)
    }

    fn check(&self, config: &S3Config) -> anyhow::Result<()> {
        let url = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(SIGNED_FOR);
        let response = match self.agent.head(url.as_str()).call() {
            Ok(r) => r,
            Err(e) => bail!(
                "setting `s3_endpoint`: {} is not reachable ({e})",
                config.endpoint
            ),
        };
        match response.status().as_u16() {
            200..=299 => Ok(()),
            404 => bail!(
                "setting `blob_store`: the bucket `{}` does not exist at {}",
                config.bucket,
                config.endpoint
            ),
            401 | 403 => bail!(
                "settings `s3_access_key_id` / `s3_secret_access_key`: access to the bucket `{}` is denied (HTTP {})",
                config.bucket,
                response.status().as_u16()
            ),
            301 | 400 => bail!(
                "setting `s3_region` (or `s3_path_style`): the service refused `{}` as addressed (HTTP {})",
                config.region,
                response.status().as_u16()
            ),
            other => bail!(
                "setting `s3_endpoint`: {} answered HTTP {other} to a check of the bucket `{}`",
                config.endpoint,
                config.bucket
            ),
        }
    }

    /// Whether the bucket answers (the readiness check; the start-up check names settings).
    pub fn ping(&self) -> Result<(), StorageError> {
        let url = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(SIGNED_FOR);
        let response = self
            .agent
            .head(url.as_str())
            .call()
            .map_err(|e| StorageError::Remote(format!("{} is not reachable: {e}", self.url)))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(StorageError::Remote(format!(
                "{} answered HTTP {status} to a check of the bucket",
                self.url
            ))),
        }
    }

    /// Where temporary files go.
    pub fn spool(&self) -> &Path {
        &self.spool
    }

    /// `s3://bucket/prefix at endpoint`.
    pub fn describe(&self) -> String {
        format!("S3 {} at {}", self.url, self.bucket.base_url())
    }

    fn key(&self, sha256: &str) -> String {
        format!("{}{}/{sha256}", self.prefix, &sha256[..2])
    }

    fn transport(what: &str, e: ureq::Error) -> StorageError {
        StorageError::Remote(format!("{what}: {e}"))
    }

    /// Sends one signed request without a body (`HEAD`, `GET`, `DELETE`, or `POST` with none).
    fn call(
        &self,
        what: &str,
        method: &str,
        url: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, StorageError> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .body(())
            .map_err(|e| StorageError::Remote(format!("{what}: {e}")))?;
        self.agent
            .run(request)
            .map_err(|e| Self::transport(what, e))
    }

    /// Sends one signed request with `body` (`PUT`, `POST`).
    fn send(
        &self,
        what: &str,
        method: &str,
        url: &str,
        body: &[u8],
    ) -> Result<ureq::http::Response<ureq::Body>, StorageError> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .body(body)
            .map_err(|e| StorageError::Remote(format!("{what}: {e}")))?;
        self.agent
            .run(request)
            .map_err(|e| Self::transport(what, e))
    }

    /// Whether the object is there (`HEAD`).
    pub fn exists(&self, sha256: &str) -> Result<bool, StorageError> {
        let key = self.key(sha256);
        let url = self
            .bucket
            .head_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let what = "checking a stored file";
        let response = self.call(what, "HEAD", url.as_str())?;
        match response.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(refusal(what, response)),
        }
    }

    /// The object's bytes as a stream (`GET`).
    pub fn get(&self, sha256: &str) -> Result<Box<dyn Read + Send>, StorageError> {
        let key = self.key(sha256);
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let what = "reading a stored file";
        let response = self.call(what, "GET", url.as_str())?;
        match response.status().as_u16() {
            200 => Ok(Box::new(response.into_body().into_reader())),
            404 => Err(StorageError::NotFound(sha256.to_owned())),
            _ => Err(refusal(what, response)),
        }
    }

    /// Removes the object (`DELETE`; S3 answers the same whether it was there).
    pub fn delete(&self, sha256: &str) -> Result<(), StorageError> {
        let key = self.key(sha256);
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let what = "deleting a stored file";
        let response = self.call(what, "DELETE", url.as_str())?;
        match response.status().as_u16() {
            200..=299 | 404 => Ok(()),
            _ => Err(refusal(what, response)),
        }
    }

    /// Every object under the prefix whose name is a hash (`ListObjectsV2`, page by page).
    pub fn list(&self) -> Result<Vec<String>, StorageError> {
        let what = "listing the stored files";
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
            if !self.prefix.is_empty() {
                action.with_prefix(self.prefix.as_str());
            }
            if let Some(t) = &token {
                action.with_continuation_token(t.as_str());
            }
            let url = action.sign(SIGNED_FOR);
            let mut response = self.call(what, "GET", url.as_str())?;
            if response.status().as_u16() != 200 {
                return Err(refusal(what, response));
            }
            let text = response
                .body_mut()
                .with_config()
                .limit(16 << 20)
                .read_to_string()
                .map_err(|e| Self::transport(what, e))?;
            let page = ListObjectsV2::parse_response(&text)
                .map_err(|e| StorageError::Remote(format!("{what}: unreadable answer ({e})")))?;
            for object in page.contents {
                let Some(rest) = object.key.strip_prefix(&self.prefix) else {
                    continue;
                };
                if let Some((dir, name)) = rest.split_once('/')
                    && super::is_sha256_hex(name)
                    && name.starts_with(dir)
                {
                    out.push(name.to_owned());
                }
            }
            match page.next_continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// Uploads `size` bytes of `file` (from its start) as the object of `sha256`.
    pub fn upload(
        &self,
        sha256: &str,
        file: &std::fs::File,
        size: u64,
    ) -> Result<(), StorageError> {
        let key = self.key(sha256);
        let mut file = file;
        file.seek(SeekFrom::Start(0))?;
        if size <= PART_SIZE as u64 {
            let mut body = Vec::with_capacity(size as usize);
            file.take(size).read_to_end(&mut body)?;
            let url = self
                .bucket
                .put_object(Some(&self.credentials), &key)
                .sign(SIGNED_FOR);
            let what = "storing a file";
            let response = self.send(what, "PUT", url.as_str(), &body[..])?;
            return match response.status().as_u16() {
                200..=299 => Ok(()),
                _ => Err(refusal(what, response)),
            };
        }
        let upload_id = self.create_multipart(&key)?;
        let result = self.upload_parts(&key, &upload_id, file, size);
        if result.is_err() {
            // Best effort: the service may be the thing that failed. A bucket lifecycle rule
            // (AbortIncompleteMultipartUpload) removes what is left (docs/operations).
            if let Err(e) = self.abort_multipart(&key, &upload_id) {
                tracing::warn!(error = %e, "could not abort an interrupted multipart upload");
            }
        }
        result
    }

    fn create_multipart(&self, key: &str) -> Result<String, StorageError> {
        let what = "starting a multipart upload";
        // Signed here rather than by `CreateMultipartUpload`, whose `?uploads=1` some
        // S3-compatible services (moto) do not route: `?uploads=` is the form SigV4 and the AWS
        // SDKs use, which every service takes.
        let url = rusty_s3::signing::sign(
            &jiff::Timestamp::now(),
            rusty_s3::Method::Post,
            self.bucket.object_url(key),
            self.credentials.key(),
            self.credentials.secret(),
            self.credentials.token(),
            self.bucket.region(),
            SIGNED_FOR.as_secs(),
            std::iter::once(("uploads", "")),
            std::iter::empty(),
        );
        let mut response = self.call(what, "POST", url.as_str())?;
        if !response.status().is_success() {
            return Err(refusal(what, response));
        }
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| Self::transport(what, e))?;
        let created = CreateMultipartUpload::parse_response(&text)
            .map_err(|e| StorageError::Remote(format!("{what}: unreadable answer ({e})")))?;
        Ok(created.upload_id().to_owned())
    }

    fn upload_parts(
        &self,
        key: &str,
        upload_id: &str,
        mut file: &std::fs::File,
        size: u64,
    ) -> Result<(), StorageError> {
        let what = "uploading a part";
        let mut etags = Vec::new();
        let mut buf = Vec::with_capacity(PART_SIZE);
        let mut sent = 0u64;
        let mut number: u16 = 1;
        while sent < size {
            if number > MAX_PARTS {
                return Err(StorageError::Remote(format!(
                    "a file of {size} bytes needs more than {MAX_PARTS} parts"
                )));
            }
            buf.clear();
            (&mut file).take(PART_SIZE as u64).read_to_end(&mut buf)?;
            if buf.is_empty() {
                return Err(StorageError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the spooled file is shorter than written",
                )));
            }
            let url = self
                .bucket
                .upload_part(Some(&self.credentials), key, number, upload_id)
                .sign(SIGNED_FOR);
            let response = self.send(what, "PUT", url.as_str(), &buf[..])?;
            if !response.status().is_success() {
                return Err(refusal(what, response));
            }
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| StorageError::Remote(format!("{what}: no ETag in the answer")))?
                .to_owned();
            etags.push(etag);
            sent += buf.len() as u64;
            number += 1;
        }
        let what = "completing a multipart upload";
        let action = CompleteMultipartUpload::new(
            &self.bucket,
            Some(&self.credentials),
            key,
            upload_id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign(SIGNED_FOR);
        let body = action.body();
        let mut response = self.send(what, "POST", url.as_str(), body.as_bytes())?;
        if !response.status().is_success() {
            return Err(refusal(what, response));
        }
        // S3 may answer 200 with an error document when the completion fails late.
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| Self::transport(what, e))?;
        if text.contains("<Error>") {
            return Err(StorageError::Remote(format!("{what}: {text}")));
        }
        Ok(())
    }

    fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        let what = "aborting a multipart upload";
        let url = self
            .bucket
            .abort_multipart_upload(Some(&self.credentials), key, upload_id)
            .sign(SIGNED_FOR);
        let response = self.call(what, "DELETE", url.as_str())?;
        match response.status().as_u16() {
            200..=299 | 404 => Ok(()),
            _ => Err(refusal(what, response)),
        }
    }
}
