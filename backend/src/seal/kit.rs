//! Where the seal's inputs come from: the signing key, the time-stamp authority, revocation data
//! and the trust roots of the service's own verifier.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pades::{
    BuiltinTsa, DevPki, DevPkiOptions, HttpRevocationFetcher, HttpTimeStamper, PadesError,
    RevocationFetcher, Signer, TimeStamper, ValidationContext,
};
use shared::dto::SealInfoView;

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
    /// The raw signing step (file key today; an HSM or remote signer can take its place).
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

    /// The seal as the configuration describes it: the development PKI in `<data_dir>/pki`
    /// (the seal key), with the TSAs of `tsa_urls` when set.
    pub fn from_config(config: &Config) -> Result<SealKit, PadesError> {
        let mut kit = SealKit::development(&dev_pki_dir(config), &config.public_url)?;
        if !config.tsa_urls.is_empty() {
            kit.tsa = TsaSource::Http(HttpTimeStamper::new(config.tsa_urls.iter().cloned()));
        }
        Ok(kit)
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
#[derive(Clone)]
pub struct DevPkiEndpoints {
    pki: Arc<DevPki>,
    base_url: String,
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

    fn local_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        url.strip_prefix(self.base_url.as_str())
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
}
