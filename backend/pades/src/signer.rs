//! The signing key seam: trait [`Signer`] (raw signature over the DER of the signed attributes) and
//! [`LocalKeySigner`], a key held in memory (PEM or PKCS#12). A key in an HSM (PKCS#11) or a remote
//! signing service implements [`Signer`] and nothing else changes.

use der::{Decode, DecodePem, Encode};
use pkcs8::DecodePrivateKey;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use crate::asn1::oid;
use crate::error::PadesError;

/// The signature algorithms the crate produces (`SignerInfo.signatureAlgorithm`, RFC 5652 §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// `ecdsa-with-SHA256` over P-256 (RFC 5758 §3.2); the signature is a DER `Ecdsa-Sig-Value`.
    EcdsaP256Sha256,
    /// `sha256WithRSAEncryption`, RSASSA-PKCS1-v1_5 (RFC 8017 §8.2), 2048–4096-bit keys.
    RsaPkcs1v15Sha256,
}

impl SignatureAlgorithm {
    /// The AlgorithmIdentifier written into the CMS or certificate.
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
                oid: oid::ECDSA_SHA256,
                parameters: None,
            },
            SignatureAlgorithm::RsaPkcs1v15Sha256 => AlgorithmIdentifierOwned {
                oid: oid::RSA_SHA256,
                parameters: Some(der::asn1::Any::null()),
            },
        }
    }
}

/// A key and its certificate chain that can sign (pyHanko's `Signer`).
///
/// `sign_raw` receives the exact bytes to be signed (the DER of the CMS `SignedAttributes`,
/// RFC 5652 §5.4) and returns the signature value: SHA-256 is applied by the signer.
pub trait Signer {
    /// The signing certificate.
    fn certificate(&self) -> &Certificate;
    /// Intermediate and root certificates to embed in the CMS, signer's issuer first.
    fn chain(&self) -> &[Certificate];
    /// The algorithm `sign_raw` uses.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs `message` (hashing it with SHA-256): DER `Ecdsa-Sig-Value` or the RSA signature octets.
    fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, PadesError>;
    /// Upper bound for the size of `sign_raw`'s output, used to reserve `/Contents`.
    fn max_signature_len(&self) -> usize {
        match self.algorithm() {
            SignatureAlgorithm::EcdsaP256Sha256 => 72,
            SignatureAlgorithm::RsaPkcs1v15Sha256 => 512,
        }
    }
}

enum LocalKey {
    Ec(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
}

/// A private key held in memory with its certificate chain.
pub struct LocalKeySigner {
    key: LocalKey,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for LocalKeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKeySigner")
            .field(
                "subject",
                &self.certificate.tbs_certificate().subject().to_string(),
            )
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl LocalKeySigner {
    /// From a PEM private key (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or PKCS#1
    /// `RSA PRIVATE KEY`), the signer's PEM certificate and PEM chain certificates (any number,
    /// in any order; the chain is ordered from the signer upwards).
    pub fn from_pem(key_pem: &str, cert_pem: &str, chain_pem: &str) -> Result<Self, PadesError> {
        let key = parse_key_pem(key_pem)?;
        let certificate = Certificate::from_pem(cert_pem.trim().as_bytes())
            .map_err(|e| PadesError::key(format!("signer certificate: {e}")))?;
        let chain = if chain_pem.trim().is_empty() {
            Vec::new()
        } else {
            Certificate::load_pem_chain(chain_pem.as_bytes())
                .map_err(|e| PadesError::key(format!("chain certificates: {e}")))?
        };
        Self::assemble(key, certificate, chain)
    }

    /// From PEM files on disk (see [`LocalKeySigner::from_pem`]).
    pub fn from_pem_files(
        key: &std::path::Path,
        cert: &std::path::Path,
        chain: &[&std::path::Path],
    ) -> Result<Self, PadesError> {
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p).map_err(|source| PadesError::Io {
                path: p.display().to_string(),
                source,
            })
        };
        let mut chain_pem = String::new();
        for c in chain {
            chain_pem.push_str(&read(c)?);
            chain_pem.push('\n');
        }
        Self::from_pem(&read(key)?, &read(cert)?, &chain_pem)
    }

    /// From a PKCS#12 file (RFC 7292): PBES2/AES (OpenSSL 3's default) or legacy 3DES.
    /// The certificate whose public key matches the key is the signer; the others form the chain.
    pub fn from_pkcs12(der_bytes: &[u8], password: &str) -> Result<Self, PadesError> {
        let contents = crate::pkcs12::parse(der_bytes, password)?;
        let key = parse_key_pkcs8_der(&contents.key_pkcs8_der)?;
        let spki = key_spki(&key)?;
        let mut certs = contents.certificates;
        let pos = certs
            .iter()
            .position(|c| c.tbs_certificate().subject_public_key_info() == &spki)
            .ok_or_else(|| PadesError::key("no certificate in the PKCS#12 file matches its key"))?;
        let certificate = certs.remove(pos);
        Self::assemble(key, certificate, certs)
    }

    /// From an in-memory P-256 key (the development PKI).
    #[cfg_attr(
        not(feature = "dev-pki"),
        allow(dead_code, reason = "the development PKI is behind a feature")
    )]
    pub(crate) fn from_p256(
        key: p256::ecdsa::SigningKey,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, PadesError> {
        Self::assemble(LocalKey::Ec(key), certificate, chain)
    }

    fn assemble(
        key: LocalKey,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, PadesError> {
        if certificate.tbs_certificate().subject_public_key_info() != &key_spki(&key)? {
            return Err(PadesError::key(
                "the certificate does not belong to the private key",
            ));
        }
        let chain = order_chain(&certificate, chain);
        Ok(LocalKeySigner {
            key,
            certificate,
            chain,
        })
    }
}

impl Signer for LocalKeySigner {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.key {
            LocalKey::Ec(_) => SignatureAlgorithm::EcdsaP256Sha256,
            LocalKey::Rsa(_) => SignatureAlgorithm::RsaPkcs1v15Sha256,
        }
    }

    fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, PadesError> {
        match &self.key {
            LocalKey::Ec(k) => {
                let sig: p256::ecdsa::Signature =
                    signature::Signer::try_sign(k, message).map_err(PadesError::crypto)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            LocalKey::Rsa(k) => {
                let digest = Sha256::digest(message);
                k.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
                    .map_err(PadesError::crypto)
            }
        }
    }

    fn max_signature_len(&self) -> usize {
        match &self.key {
            LocalKey::Ec(_) => 72,
            LocalKey::Rsa(k) => rsa::traits::PublicKeyParts::size(k.as_ref()),
        }
    }
}

fn parse_key_pem(pem: &str) -> Result<LocalKey, PadesError> {
    let pem = pem.trim();
    if pem.contains("BEGIN EC PRIVATE KEY") {
        let sk = p256::SecretKey::from_sec1_pem(pem)
            .map_err(|e| PadesError::key(format!("EC key (only P-256 is supported): {e}")))?;
        return Ok(LocalKey::Ec(p256::ecdsa::SigningKey::from(sk)));
    }
    if pem.contains("BEGIN RSA PRIVATE KEY") {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let k = rsa::PrivateKey::from_pkcs1_pem(pem)
            .map_err(|e| PadesError::key(format!("RSA key: {e}")))?;
        return check_rsa(k);
    }
    if pem.contains("BEGIN ENCRYPTED PRIVATE KEY") {
        return Err(PadesError::key(
            "encrypted PEM keys are not supported; use PKCS#12 with a password",
        ));
    }
    let (label, der_bytes) =
        pem_rfc7468_decode(pem).map_err(|e| PadesError::key(format!("PEM: {e}")))?;
    if label != "PRIVATE KEY" {
        return Err(PadesError::key(format!("unexpected PEM label `{label}`")));
    }
    parse_key_pkcs8_der(&der_bytes)
}

fn pem_rfc7468_decode(pem: &str) -> Result<(String, Vec<u8>), String> {
    let doc = der::SecretDocument::from_pem(pem).map_err(|e| e.to_string())?;
    Ok((doc.0.to_string(), doc.1.as_bytes().to_vec()))
}

fn parse_key_pkcs8_der(der_bytes: &[u8]) -> Result<LocalKey, PadesError> {
    if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der_bytes) {
        return Ok(LocalKey::Ec(k));
    }
    match rsa::PrivateKey::from_pkcs8_der(der_bytes) {
        Ok(k) => check_rsa(k),
        Err(_) => Err(PadesError::key(
            "unsupported private key (ECDSA P-256 or RSA 2048–4096 expected)",
        )),
    }
}

fn check_rsa(k: rsa::PrivateKey) -> Result<LocalKey, PadesError> {
    let bits = rsa::traits::PublicKeyParts::size(&k) * 8;
    if !(2048..=4096).contains(&bits) {
        return Err(PadesError::key(format!(
            "RSA key of {bits} bits (2048–4096 supported)"
        )));
    }
    Ok(LocalKey::Rsa(Box::new(k)))
}

fn key_spki(key: &LocalKey) -> Result<SubjectPublicKeyInfoOwned, PadesError> {
    let der_bytes = match key {
        LocalKey::Ec(k) => k.verifying_key().to_public_key_der(),
        LocalKey::Rsa(k) => k.to_public_key().to_public_key_der(),
    }
    .map_err(PadesError::crypto)?;
    SubjectPublicKeyInfoOwned::from_der(der_bytes.as_bytes()).map_err(PadesError::from)
}

/// Orders `chain` from the issuer of `leaf` upwards; certificates not on the path are kept last.
fn order_chain(leaf: &Certificate, mut chain: Vec<Certificate>) -> Vec<Certificate> {
    let mut ordered = Vec::with_capacity(chain.len());
    let mut issuer = leaf.tbs_certificate().issuer().clone();
    while let Some(pos) = chain
        .iter()
        .position(|c| c.tbs_certificate().subject() == &issuer)
    {
        let c = chain.remove(pos);
        let self_signed = c.tbs_certificate().subject() == c.tbs_certificate().issuer();
        issuer = c.tbs_certificate().issuer().clone();
        ordered.push(c);
        if self_signed {
            break;
        }
    }
    // Drop a duplicate of the leaf; keep anything else.
    chain.retain(|c| c != leaf);
    ordered.extend(chain);
    ordered
}

/// Checks that `signature` over `message` verifies with the public key of `certificate`, under
/// the signature algorithm `algorithm` (ECDSA P-256 or RSA PKCS#1 v1.5 with SHA-256/384/512):
/// a signer's probe signature (`algorithm` = [`SignatureAlgorithm::identifier`]) or a
/// certificate's signature by its issuer (`certificate` = the issuer, `message` = the DER
/// `tbsCertificate`, `algorithm` = its `signatureAlgorithm`).
pub fn verify_with_certificate(
    certificate: &Certificate,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PadesError> {
    verify_signature(
        certificate.tbs_certificate().subject_public_key_info(),
        algorithm,
        algorithm,
        message,
        signature,
    )
}

/// Verifies `signature` over `message` with the public key `spki` and the signature algorithm
/// `alg` (ECDSA P-256 or RSA PKCS#1 v1.5, with SHA-256/384/512).
pub(crate) fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    digest_alg: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PadesError> {
    let digest = |oid_: &der::asn1::ObjectIdentifier| -> Result<Vec<u8>, PadesError> {
        Ok(match *oid_ {
            oid::SHA256 => Sha256::digest(message).to_vec(),
            oid::SHA384 => Sha384::digest(message).to_vec(),
            oid::SHA512 => Sha512::digest(message).to_vec(),
            ref other => return Err(PadesError::crypto(format!("unsupported digest {other}"))),
        })
    };
    let spki_der = spki.to_der()?;
    let key_alg = spki.algorithm.oid;
    if key_alg == oid::EC_PUBLIC_KEY {
        let hash_oid = match alg.oid {
            oid::ECDSA_SHA256 => oid::SHA256,
            oid::ECDSA_SHA384 => oid::SHA384,
            oid::ECDSA_SHA512 => oid::SHA512,
            // Some writers put id-ecPublicKey here; the digest algorithm decides.
            _ => digest_alg.oid,
        };
        let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
            .map_err(|e| PadesError::crypto(format!("EC public key (P-256 only): {e}")))?;
        let sig = p256::ecdsa::Signature::from_der(signature)
            .map_err(|e| PadesError::crypto(format!("ECDSA signature: {e}")))?;
        signature::hazmat::PrehashVerifier::verify_prehash(&vk, &digest(&hash_oid)?, &sig)
            .map_err(|_| PadesError::crypto("ECDSA signature does not verify"))
    } else if key_alg == oid::RSA_ENCRYPTION {
        let hash_oid = match alg.oid {
            oid::RSA_SHA256 => oid::SHA256,
            oid::RSA_SHA384 => oid::SHA384,
            oid::RSA_SHA512 => oid::SHA512,
            _ => digest_alg.oid,
        };
        let pk = rsa::PublicKey::from_public_key_der(&spki_der)
            .map_err(|e| PadesError::crypto(format!("RSA public key: {e}")))?;
        let scheme = match hash_oid {
            oid::SHA256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
            oid::SHA384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
            oid::SHA512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
            other => return Err(PadesError::crypto(format!("unsupported digest {other}"))),
        };
        pk.verify(scheme, &digest(&hash_oid)?, signature)
            .map_err(|_| PadesError::crypto("RSA signature does not verify"))
    } else {
        Err(PadesError::crypto(format!(
            "unsupported public key algorithm {key_alg}"
        )))
    }
}
