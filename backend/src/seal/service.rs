//! The seal as the running service sees it, resolved per seal job so that a key or TSA change
//! takes effect without a restart, in every server process sharing the database:
//!
//! - the **key**: the keyring's active key ([`keyring::active_id`], one indexed query per job),
//!   opened once per process and cached by ID (a key's material never changes); with no active
//!   key, the configured key or the development PKI ([`SealKit`], the fallback);
//! - the **TSAs**: the list in the database (`tsa_servers`, in order, with failover), else the
//!   configured `tsa_urls`, else the development PKI's TSA; every answer is recorded in
//!   `tsa_health` (last success, last error, the TSA certificate's expiry);
//! - the **trust roots** of the service's own verifier: the fallback's, plus the top of every
//!   keyring key's chain, retired keys included, so every seal ever made keeps verifying.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use diesel::prelude::*;
use pades::{HttpTimeStamper, PadesError, TimeStamper, ValidationContext};
use x509_cert::der::Encode;

use super::keyring::{self, SharedSigner};
use super::{RevocationSource, SealKit, TsaSource};
use crate::clock::Millis;
use crate::db::schema::{seal_keys, tsa_health, tsa_servers};
use crate::db::{AnyConnection, DbPool};
use crate::secrets::KeyRing;

/// The key a seal is made with, and where it came from.
pub struct ActiveSeal {
    /// The keyring key's ID; `None` for the fallback.
    pub key_id: Option<String>,
    /// `keyring`, `configured` or `development`.
    pub source: &'static str,
    /// SHA-256 of the seal certificate's DER, hex.
    pub cert_sha256: String,
    /// The signer.
    pub signer: SharedSigner,
}

/// Why the seal cannot be made now.
#[derive(Debug, thiserror::Error)]
pub enum SealServiceError {
    /// The database.
    #[error("seal keyring: {0}")]
    Db(#[from] diesel::result::Error),
    /// The active key cannot be opened.
    #[error("the active seal key cannot be used: {0}")]
    Key(#[from] keyring::KeyRefusal),
}

/// The seal service; one per process, shared by the seal jobs and the handlers.
pub struct SealService {
    fallback: Arc<SealKit>,
    fallback_signer: SharedSigner,
    keys: Arc<KeyRing>,
    configured_tsa_urls: Vec<String>,
    signers: Mutex<HashMap<String, SharedSigner>>,
    trust: RwLock<(i64, Arc<ValidationContext>)>,
}

impl SealService {
    /// A service over `fallback` (the configured key or the development PKI), opening keyring
    /// keys with `keys`.
    pub fn new(
        fallback: Arc<SealKit>,
        keys: Arc<KeyRing>,
        configured_tsa_urls: Vec<String>,
    ) -> Self {
        let base = Arc::new(fallback.trust.clone());
        SealService {
            fallback_signer: Arc::new(FallbackSigner(fallback.clone())),
            fallback,
            keys,
            configured_tsa_urls,
            signers: Mutex::new(HashMap::new()),
            trust: RwLock::new((-1, base)),
        }
    }

    /// The fallback seal (configured key or development PKI), its revocation sources and its
    /// development PKI endpoints.
    pub fn fallback(&self) -> &Arc<SealKit> {
        &self.fallback
    }

    /// Where revocation data comes from (the development PKI in-process, else HTTP).
    pub fn revocation(&self) -> &RevocationSource {
        &self.fallback.revocation
    }

    fn fallback_seal(&self) -> ActiveSeal {
        let signer = &self.fallback_signer;
        ActiveSeal {
            key_id: None,
            source: if self.fallback.dev_pki.is_some() {
                "development"
            } else {
                "configured"
            },
            cert_sha256: sha_of(signer.certificate()),
            signer: self.fallback_signer.clone(),
        }
    }

    /// The key that seals now: the keyring's active key, else the fallback.
    pub fn active(&self, conn: &mut AnyConnection) -> Result<ActiveSeal, SealServiceError> {
        let Some(id) = keyring::active_id(conn)? else {
            return Ok(self.fallback_seal());
        };
        let cached = self.signers.lock().ok().and_then(|m| m.get(&id).cloned());
        let signer = match cached {
            Some(s) => s,
            None => {
                let row = keyring::get(conn, &id).map_err(|e| match e {
                    keyring::KeyringError::Db(e) => SealServiceError::Db(e),
                    keyring::KeyringError::Refused(r) => SealServiceError::Key(r),
                })?;
                let s = keyring::signer_of(&row, &self.keys, Millis::now())?;
                if let Ok(mut m) = self.signers.lock() {
                    m.insert(id.clone(), s.clone());
                }
                s
            }
        };
        Ok(ActiveSeal {
            cert_sha256: sha_of(signer.certificate()),
            key_id: Some(id),
            source: "keyring",
            signer,
        })
    }

    /// The time-stamp authorities for one seal job, in order.
    pub fn timestamper<'s>(
        &'s self,
        conn: &mut AnyConnection,
        pool: &DbPool,
    ) -> QueryResult<ServiceTsa<'s>> {
        let listed = tsa_list(conn)?;
        let urls: Vec<String> = if listed.is_empty() {
            self.configured_tsa_urls.clone()
        } else {
            listed.into_iter().map(|(_, url)| url).collect()
        };
        Ok(if urls.is_empty() {
            ServiceTsa::Kit(&self.fallback.tsa)
        } else {
            ServiceTsa::Http {
                urls,
                pool: pool.clone(),
            }
        })
    }

    /// Where the TSAs come from now: `database`, `configured` or `builtin`, and the URLs.
    pub fn tsa_source(&self, conn: &mut AnyConnection) -> QueryResult<(&'static str, TsaEntries)> {
        let listed = tsa_list(conn)?;
        Ok(if !listed.is_empty() {
            (
                "database",
                listed.into_iter().map(|(id, u)| (Some(id), u)).collect(),
            )
        } else if !self.configured_tsa_urls.is_empty() {
            (
                "configured",
                self.configured_tsa_urls
                    .iter()
                    .map(|u| (None, u.clone()))
                    .collect(),
            )
        } else {
            ("builtin", Vec::new())
        })
    }

    /// The trust roots of the service's own verifier: the fallback's and the top certificate
    /// of every keyring key's chain (rebuilt when a key was added; keys are never deleted).
    pub fn trust(&self, conn: &mut AnyConnection) -> QueryResult<Arc<ValidationContext>> {
        let count: i64 = seal_keys::table.count().get_result(conn)?;
        if let Ok(t) = self.trust.read()
            && t.0 == count
        {
            return Ok(t.1.clone());
        }
        let mut ctx = self.fallback.trust.clone();
        for row in keyring::list(conn)? {
            if let Some(top) = row.certificates().pop()
                && !ctx.trust_roots.contains(&top)
            {
                ctx.trust_roots.push(top);
            }
        }
        let ctx = Arc::new(ctx);
        if let Ok(mut t) = self.trust.write() {
            *t = (count, ctx.clone());
        }
        Ok(ctx)
    }
}

/// The fallback kit's signer, shareable like a keyring key's.
struct FallbackSigner(Arc<SealKit>);

impl pades::Signer for FallbackSigner {
    fn certificate(&self) -> &x509_cert::Certificate {
        self.0.signer.certificate()
    }
    fn chain(&self) -> &[x509_cert::Certificate] {
        self.0.signer.chain()
    }
    fn algorithm(&self) -> pades::SignatureAlgorithm {
        self.0.signer.algorithm()
    }
    fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, PadesError> {
        self.0.signer.sign_raw(message)
    }
    fn max_signature_len(&self) -> usize {
        self.0.signer.max_signature_len()
    }
}

fn sha_of(cert: &x509_cert::Certificate) -> String {
    cert.to_der()
        .map(|d| super::hex_sha256(&d))
        .unwrap_or_default()
}

/// TSAs in order: (ID when listed in the database, URL).
pub type TsaEntries = Vec<(Option<String>, String)>;

/// The database's TSA list, in order: (id, url).
pub fn tsa_list(conn: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
    tsa_servers::table
        .select((tsa_servers::id, tsa_servers::url))
        .order((tsa_servers::position, tsa_servers::created_at))
        .load(conn)
}

/// The TSAs of one seal job.
pub enum ServiceTsa<'s> {
    /// The fallback's (the development TSA in-process).
    Kit(&'s TsaSource),
    /// RFC 3161 URLs in order, each answer recorded in `tsa_health`.
    Http {
        /// In order.
        urls: Vec<String>,
        /// For the health records.
        pool: DbPool,
    },
}

impl TimeStamper for ServiceTsa<'_> {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        let metrics = crate::metrics::global();
        let (urls, pool) = match self {
            ServiceTsa::Kit(t) => {
                let started = std::time::Instant::now();
                let token = t.timestamp(digest);
                metrics.tsa_request("builtin", started.elapsed(), token.is_ok());
                return token;
            }
            ServiceTsa::Http { urls, pool } => (urls, pool),
        };
        let mut failures = Vec::new();
        for url in urls {
            // One URL at a time (pades checks the token and its TSA certificate chain before
            // returning it), so each TSA's answer is recorded, in the table and the metrics.
            let started = std::time::Instant::now();
            let answer = HttpTimeStamper::new([url.clone()]).timestamp(digest);
            metrics.tsa_request(url, started.elapsed(), answer.is_ok());
            match answer {
                Ok(token) => {
                    let cert = pades::timestamp_certificate(&token).ok();
                    record_health(pool, url, Ok(cert.as_ref()));
                    return Ok(token);
                }
                Err(e) => {
                    record_health(pool, url, Err(&e.to_string()));
                    failures.push(e.to_string());
                }
            }
        }
        Err(PadesError::Timestamp {
            reason: failures.join("; "),
        })
    }
}

/// Writes one TSA answer to `tsa_health` (best effort: a health record never fails a seal).
fn record_health(pool: &DbPool, url: &str, outcome: Result<Option<&x509_cert::Certificate>, &str>) {
    let Ok(mut conn) = pool.get() else {
        return;
    };
    let now = Millis::now().0;
    let written = (|| -> QueryResult<()> {
        let exists = tsa_health::table
            .find(url)
            .count()
            .get_result::<i64>(&mut conn)?
            > 0;
        if !exists {
            let _ = diesel::insert_into(tsa_health::table)
                .values(tsa_health::url.eq(url))
                .execute(&mut conn);
        }
        let target = tsa_health::table.find(url);
        match outcome {
            Ok(cert) => {
                let (subject, not_after) = cert.map_or((None, None), |c| {
                    let tbs = c.tbs_certificate();
                    (
                        Some(tbs.subject().to_string()),
                        Some(tbs.validity().not_after.to_unix_duration().as_millis() as i64),
                    )
                });
                diesel::update(target)
                    .set((
                        tsa_health::last_success_at.eq(Some(now)),
                        tsa_health::cert_subject.eq(subject),
                        tsa_health::cert_not_after.eq(not_after),
                    ))
                    .execute(&mut conn)?;
            }
            Err(e) => {
                let e: String = e.chars().take(500).collect();
                diesel::update(target)
                    .set((
                        tsa_health::last_error_at.eq(Some(now)),
                        tsa_health::last_error.eq(Some(e)),
                    ))
                    .execute(&mut conn)?;
            }
        }
        Ok(())
    })();
    if let Err(e) = written {
        tracing::warn!(error = %e, url, "could not record the TSA's health");
    }
}

/// One URL's health row: (last success, last error at, last error, cert subject, cert expiry).
pub type TsaHealth = (
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// The health of `url`, if it answered (or failed) since it was listed.
pub fn tsa_health_of(conn: &mut AnyConnection, url: &str) -> QueryResult<Option<TsaHealth>> {
    tsa_health::table
        .find(url)
        .select((
            tsa_health::last_success_at,
            tsa_health::last_error_at,
            tsa_health::last_error,
            tsa_health::cert_subject,
            tsa_health::cert_not_after,
        ))
        .first(conn)
        .optional()
}
