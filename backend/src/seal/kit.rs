//! Where the seal's inputs come from: the signing key, the time-stamp authority, revocation data
//! and the trust roots of the service's own verifier.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pades::{
    BuiltinTsa, DevPki, DevPkiOptions, HttpRevocationFetcher, HttpTimeStamper, PadesError,
    RevocationFetcher, Signer, TimeStamper, ValidationContext,
};
use shared::dto::SealInfoView;

use x509_cert::der::EncodePem;
use x509_cert::der::pem::LineEnding;

use super::key_source::{self, SealKeyError, trust_anchor};
use super::{DEV_PKI_PATH, certificate_info};
use crate::clock;
use crate::config::Config;

/// Where the time-stamp tokens come from.
pub enum TsaSource {
    /// The development PKI's TSA, in-process.
    Builtin(Box<BuiltinTsa>),
    /// RFC 3161 over HTTP, with failover over the list.
    Http(HttpTimeStamper),
}

impl TimeStamper for TsaSource {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        match self {
            TsaSource::Builtin(t) => t.timestamp(digest),
            TsaSource::Http(t) => t.timestamp(digest),
        }
    }
}

impl TsaSource {
    /// This source answering as of `now`: the built-in TSA dates its tokens then; an external
    /// TSA keeps its own clock (`tachiai ltv renew-due --now`, tests that travel in time).
    pub fn at(&self, now: std::time::SystemTime) -> TsaAt<'_> {
        TsaAt { source: self, now }
    }
}

/// A [`TsaSource`] as of an instant ([`TsaSource::at`]).
pub struct TsaAt<'a> {
    source: &'a TsaSource,
    now: std::time::SystemTime,
}

impl TimeStamper for TsaAt<'_> {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        match self.source {
            TsaSource::Builtin(t) => t.at(self.now).timestamp(digest),
            TsaSource::Http(t) => t.timestamp(digest),
        }
    }
}

/// Everything needed to seal and to verify.
pub struct SealKit {
    /// The raw signing step: a key from a file or a PKCS#11 token, or the development key.
    pub signer: Box<dyn Signer + Send + Sync>,
    /// Signature and document timestamps.
    pub tsa: TsaSource,
    /// OCSP responses and CRLs for B-LT / B-LTA.
    pub revocation: RevocationSource,
    /// Roots the service's own verifier trusts.
    pub trust: ValidationContext,
    /// The development PKI, when the seal is the development one.
    pub dev_pki: Option<Arc<DevPki>>,
}

impl SealKit {
    /// The development seal: the PKI in `dir` (generated on first use, its URLs under
    /// `public_url` + [`DEV_PKI_PATH`]) and its built-in TSA.
    pub fn development(dir: &Path, public_url: &str) -> Result<SealKit, PadesError> {
        let base_url = dev_pki_base_url(public_url);
        let pki = Arc::new(DevPki::load_or_generate(
            dir,
            &DevPkiOptions {
                base_url: Some(base_url.clone()),
            },
        )?);
        let trust = ValidationContext::from_pem(&pki.root_pem()?)?;
        Ok(SealKit {
            signer: Box::new(pki.seal_signer()?),
            tsa: TsaSource::Builtin(Box::new(pki.builtin_tsa()?)),
            revocation: RevocationSource {
                local: Some(DevPkiEndpoints {
                    issued_base_url: pki.issued_base_url(),
                    pki: pki.clone(),
                    base_url,
                }),
                http: HttpRevocationFetcher::default(),
            },
            trust,
            dev_pki: Some(pki),
        })
    }

    /// The development PKI's HTTP resources, when the seal is the development one.
    pub fn dev_pki_endpoints(&self) -> Option<DevPkiEndpoints> {
        self.revocation.local.clone()
    }

    /// The seal as the configuration describes it. With a seal key configured
    /// ([`Config::seal`]): that key, loaded and checked ([`key_source::load`]), the TSAs of
    /// `tsa_urls` (required) and revocation data over HTTP; the verifier trusts the root of its
    /// chain. Otherwise the development PKI in `<data_dir>/pki`, with the TSAs of `tsa_urls`
    /// when set. A refused key is a [`SealKeyError`] (downcast it for its exit status).
    pub fn from_config(config: &Config) -> anyhow::Result<SealKit> {
        if let Some(source) = &config.seal {
            if config.tsa_urls.is_empty() {
                return Err(SealKeyError::NoTsa.into());
            }
            let signer = key_source::load(source, clock::Millis::now())?;
            return Ok(SealKit::configured(signer, &config.tsa_urls)?);
        }
        let dir = dev_pki_dir(config);
        let mut kit = SealKit::development(&dir, &config.public_url).map_err(|e| {
            anyhow::anyhow!("the development PKI in {} is unusable: {e}", dir.display())
        })?;
        if !config.tsa_urls.is_empty() {
            kit.tsa = TsaSource::Http(HttpTimeStamper::new(config.tsa_urls.iter().cloned()));
        }
        Ok(kit)
    }

    /// A seal with a real key: `signer` (already checked), the RFC 3161 TSAs `tsa_urls`,
    /// revocation data over HTTP, and the root of the signer's chain as the trust anchor.
    pub fn configured(
        signer: Box<dyn Signer + Send + Sync>,
        tsa_urls: &[String],
    ) -> Result<SealKit, PadesError> {
        let anchor = trust_anchor(signer.as_ref()).to_pem(LineEnding::LF)?;
        Ok(SealKit {
            trust: ValidationContext::from_pem(&anchor)?,
            signer,
            tsa: TsaSource::Http(HttpTimeStamper::new(tsa_urls.iter().cloned())),
            revocation: RevocationSource {
                local: None,
                http: HttpRevocationFetcher::default(),
            },
            dev_pki: None,
        })
    }

    /// Whether the seal is the development PKI's (a warning at start, a banner for the staff,
    /// `/pki/…` answered).
    pub fn is_development(&self) -> bool {
        self.dev_pki.is_some()
    }
}

impl SealKit {
    /// What an administrator checks: the seal certificate, its chain and the TSA in use.
    pub fn info(&self, tsa_urls: &[String], now: clock::Millis) -> SealInfoView {
        let (tsa_source, tsa_certificate) = match &self.tsa {
            TsaSource::Builtin(_) => (
                "builtin",
                self.dev_pki.as_ref().map(|p| certificate_info(&p.tsa, now)),
            ),
            TsaSource::Http(_) => ("http", None),
        };
        SealInfoView {
            development: self.dev_pki.is_some(),
            signer: certificate_info(self.signer.certificate(), now),
            chain: self
                .signer
                .chain()
                .iter()
                .map(|c| certificate_info(c, now))
                .collect(),
            tsa_source: tsa_source.to_owned(),
            tsa_urls: match &self.tsa {
                TsaSource::Http(_) => tsa_urls.to_vec(),
                TsaSource::Builtin(_) => Vec::new(),
            },
            tsa_certificate,
        }
    }
}

/// `<data_dir>/pki`.
pub fn dev_pki_dir(config: &Config) -> PathBuf {
    config.data_dir.join("pki")
}

fn dev_pki_base_url(public_url: &str) -> String {
    format!("{}{DEV_PKI_PATH}", public_url.trim_end_matches('/'))
}

/// The development PKI's OCSP responder, CRLs, CA certificates and TSA, as HTTP resources under
/// its base URL.
///
/// The certificates carry the URLs of the server's *first* start (generation time); a server
/// restarted under another public URL (a move, another port) still answers those URLs
/// in-process, so its own chain's validation data never depends on the old address being
/// reachable: a contract sealed before the move concludes after it.
#[derive(Clone)]
pub struct DevPkiEndpoints {
    pki: Arc<DevPki>,
    /// Where the web server mounts the endpoints today: `<public_url>/pki`.
    base_url: String,
    /// The base URL written into the certificates when the PKI was generated.
    issued_base_url: Option<String>,
}

impl DevPkiEndpoints {
    /// Answers `method` on `path` (relative to the base URL, e.g. `/ocsp`): content type and body.
    pub fn respond(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Option<(&'static str, Vec<u8>)> {
        self.pki.http_response(method, path, body)
    }

    /// As [`DevPkiEndpoints::respond`], answering as of `now`.
    pub fn respond_at(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        now: std::time::SystemTime,
    ) -> Option<(&'static str, Vec<u8>)> {
        self.pki.http_response_at(method, path, body, now)
    }

    /// The path of `url` under today's base URL or under the one the certificates carry.
    fn local_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        std::iter::once(self.base_url.as_str())
            .chain(self.issued_base_url.as_deref())
            .find_map(|base| url.strip_prefix(base.trim_end_matches('/')))
            .filter(|p| p.starts_with('/'))
    }
}

/// Revocation data: the development PKI's own URLs are answered in-process, anything else is
/// fetched over HTTP.
pub struct RevocationSource {
    local: Option<DevPkiEndpoints>,
    http: HttpRevocationFetcher,
}

impl RevocationFetcher for RevocationSource {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, PadesError> {
        self.at(std::time::SystemTime::now()).fetch_crl(url)
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, PadesError> {
        self.at(std::time::SystemTime::now())
            .fetch_ocsp(url, request_der)
    }
}

impl RevocationSource {
    /// This source answering as of `now`: the development PKI's OCSP responses and CRLs are
    /// dated then; other responders keep their own clocks.
    pub fn at(&self, now: std::time::SystemTime) -> RevocationAt<'_> {
        RevocationAt { source: self, now }
    }
}

/// A [`RevocationSource`] as of an instant ([`RevocationSource::at`]).
pub struct RevocationAt<'a> {
    source: &'a RevocationSource,
    now: std::time::SystemTime,
}

impl RevocationFetcher for RevocationAt<'_> {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, PadesError> {
        if let Some(local) = &self.source.local
            && let Some(path) = local.local_path(url)
        {
            return local
                .respond_at("GET", path, &[], self.now)
                .map(|(_, body)| body)
                .ok_or_else(|| PadesError::Revocation {
                    reason: format!("{url}: no such CRL in the development PKI"),
                });
        }
        self.source.http.fetch_crl(url)
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, PadesError> {
        if let Some(local) = &self.source.local
            && let Some(path) = local.local_path(url)
        {
            return local
                .respond_at("POST", path, request_der, self.now)
                .map(|(_, body)| body)
                .ok_or_else(|| PadesError::Revocation {
                    reason: format!("{url}: no OCSP responder there in the development PKI"),
                });
        }
        self.source.http.fetch_ocsp(url, request_der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_under_the_base_are_local() {
        let dir = std::env::temp_dir().join(format!("tachiai-seal-{}", uuid::Uuid::new_v4()));
        let kit = SealKit::development(&dir, "http://127.0.0.1:8080/").unwrap();
        let local = kit.revocation.local.as_ref().unwrap();
        assert_eq!(
            local.local_path("http://127.0.0.1:8080/pki/ocsp"),
            Some("/ocsp")
        );
        assert_eq!(local.local_path("http://127.0.0.1:8080/pkix/ocsp"), None);
        assert_eq!(local.local_path("http://other.example/pki/ocsp"), None);
        let crl = kit
            .revocation
            .fetch_crl("http://127.0.0.1:8080/pki/crl/root-ca.crl")
            .unwrap();
        assert!(crl.len() > 100);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn after_a_move_the_urls_in_the_certificates_are_still_answered_in_process() {
        let dir = std::env::temp_dir().join(format!("tachiai-seal-{}", uuid::Uuid::new_v4()));
        let first = SealKit::development(&dir, "http://127.0.0.1:8080/").unwrap();
        drop(first);
        // Restarted under another public URL: the PKI on disk keeps the first URLs.
        let moved = SealKit::development(&dir, "https://keiyaku.example.lg.jp").unwrap();
        let local = moved.revocation.local.as_ref().unwrap();
        assert_eq!(
            local.issued_base_url.as_deref(),
            Some("http://127.0.0.1:8080/pki")
        );
        assert_eq!(
            local.local_path("https://keiyaku.example.lg.jp/pki/ocsp"),
            Some("/ocsp")
        );
        assert_eq!(
            local.local_path("http://127.0.0.1:8080/pki/crl/intermediate-ca.crl"),
            Some("/crl/intermediate-ca.crl")
        );
        assert_eq!(local.local_path("http://127.0.0.1:8081/pki/ocsp"), None);
        // The B-LTA step's revocation data for the seal certificate itself, with the old port
        // closed: collected from the PKI, not over the network.
        let signer = moved.signer.certificate().clone();
        let chain = moved.signer.chain().to_vec();
        let certs: Vec<_> = std::iter::once(signer).chain(chain).collect();
        let dss = pades::Dss::collect(&certs, &moved.revocation).unwrap();
        assert!(!dss.ocsps.is_empty() || !dss.crls.is_empty(), "{dss:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
