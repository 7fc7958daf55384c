//! A seal key in a PKCS#11 token (an HSM, or SoftHSM2 in tests): [`Pkcs11Signer`] implements
//! [`pades::Signer`] with `cryptoki`; the private key never leaves the token.
//!
//! - One `Pkcs11` context per module and process ([`context`]): `C_Initialize` may run only once.
//! - An anchor session, logged in once, lives as long as the signer: login state belongs to the
//!   application and token, so sessions opened later are logged in too, and the token logs out
//!   when the last session closes. A wrong PIN is never retried (a real HSM locks the PIN).
//! - `Session` is not `Sync`: each signing call takes a session from a small pool (or opens
//!   one) and puts it back, so concurrent seals do not wait on one session.
//! - SoftHSM2 has no `CKM_ECDSA_SHA256`: the host hashes, the token signs the 32-byte digest with
//!   `CKM_ECDSA` (raw r‖s, converted to the DER `Ecdsa-Sig-Value` CMS needs) or `CKM_RSA_PKCS`
//!   over `DigestInfo(SHA-256) ‖ digest` (RFC 8017 §9.2).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use pades::{PadesError, SignatureAlgorithm, Signer};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::asn1::ObjectIdentifier;

use super::key_source::{SealKeyError, read_secret, subject};

/// A key in a token: `TACHIAI_SEAL_PKCS11_*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkcs11Reference {
    /// The module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The token's label (slot numbers change; labels do not).
    pub token_label: String,
    /// The label of the private key (and of its certificate in the token).
    pub key_label: String,
    /// The file holding the user PIN (a trailing line break is ignored).
    pub pin_file: PathBuf,
}

/// `DigestInfo ::= SEQUENCE { AlgorithmIdentifier sha256 NULL, OCTET STRING (32) }` without the
/// digest (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// Idle sessions kept for the next signing calls.
const POOL: usize = 8;

/// The process's context for `module`, loaded and initialised on first use.
fn context(module: &Path) -> Result<Pkcs11, SealKeyError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut contexts = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(ctx) = contexts.get(module) {
        return Ok(ctx.clone());
    }
    let name = module.display().to_string();
    let ctx = Pkcs11::new(module).map_err(|e| SealKeyError::ModuleNotLoadable {
        module: name.clone(),
        reason: match e {
            Error::LibraryLoading(e) => e.to_string(),
            other => short(&other),
        },
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(SealKeyError::ModuleInit {
                module: name,
                reason: short(&e),
            });
        }
    }
    contexts.insert(module.to_owned(), ctx.clone());
    Ok(ctx)
}

/// cryptoki's `Display` is the specification's paragraph; this is the return value's name.
fn short(e: &Error) -> String {
    match e {
        Error::Pkcs11(rv, function) => format!("{rv:?} from C_{function:?}"),
        other => format!("{other:?}"),
    }
}

fn token_error(operation: &'static str) -> impl Fn(Error) -> SealKeyError {
    move |e| SealKeyError::Token {
        operation,
        reason: short(&e),
    }
}

/// A private key in a token with its certificate.
pub struct Pkcs11Signer {
    ctx: Pkcs11,
    slot: Slot,
    key: ObjectHandle,
    key_type: KeyType,
    algorithm: SignatureAlgorithm,
    signature_len: usize,
    certificate: Certificate,
    /// Logged in; keeps the token logged in while the signer lives.
    _anchor: Mutex<Session>,
    idle: Mutex<Vec<Session>>,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("slot", &self.slot)
            .field("subject", &subject(&self.certificate))
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// Logs in to the token and finds the key and its certificate (`certificate`, or the
    /// token's certificate object with the key's label). Nothing is retried: a wrong PIN is an
    /// error at once.
    pub fn open(
        reference: &Pkcs11Reference,
        certificate: Option<Certificate>,
    ) -> Result<Pkcs11Signer, SealKeyError> {
        let pin = read_secret("TACHIAI_SEAL_PKCS11_PIN_FILE", &reference.pin_file)?;
        let ctx = context(&reference.module)?;
        let token = reference.token_label.as_str();
        let mut present = Vec::new();
        let mut found = None;
        for slot in ctx
            .get_slots_with_token()
            .map_err(token_error("list its slots"))?
        {
            let Ok(info) = ctx.get_token_info(slot) else {
                continue;
            };
            if info.label() == token {
                found = Some(slot);
                break;
            }
            if !info.label().is_empty() {
                present.push(format!("\"{}\"", info.label()));
            }
        }
        let slot = found.ok_or_else(|| SealKeyError::TokenNotFound {
            label: token.to_owned(),
            present: if present.is_empty() {
                "none".into()
            } else {
                present.join(", ")
            },
        })?;
        let anchor = ctx
            .open_ro_session(slot)
            .map_err(token_error("open a session"))?;
        match anchor.login(UserType::User, Some(&AuthPin::from(pin.as_str()))) {
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(Error::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
                return Err(SealKeyError::WrongPin {
                    token: token.to_owned(),
                });
            }
            Err(Error::Pkcs11(RvError::PinLocked, _)) => {
                return Err(SealKeyError::PinLocked {
                    token: token.to_owned(),
                });
            }
            Err(e) => return Err(token_error("log in")(e)),
        }
        let label = reference.key_label.as_str();
        let find = |class: ObjectClass| {
            anchor
                .find_objects(&[
                    Attribute::Class(class),
                    Attribute::Label(label.as_bytes().to_vec()),
                ])
                .map_err(token_error("find objects"))
        };
        let key =
            *find(ObjectClass::PRIVATE_KEY)?
                .first()
                .ok_or_else(|| SealKeyError::KeyNotFound {
                    token: token.to_owned(),
                    label: label.to_owned(),
                })?;
        let certificate = match certificate {
            Some(c) => c,
            None => {
                let handle = *find(ObjectClass::CERTIFICATE)?.first().ok_or_else(|| {
                    SealKeyError::CertNotFound {
                        token: token.to_owned(),
                        label: label.to_owned(),
                    }
                })?;
                let der = match anchor
                    .get_attributes(handle, &[AttributeType::Value])
                    .map_err(token_error("read the certificate"))?
                    .pop()
                {
                    Some(Attribute::Value(der)) => der,
                    _ => Vec::new(),
                };
                Certificate::from_der(&der).map_err(|e| SealKeyError::Unusable {
                    path: format!("the certificate \"{label}\" in the token \"{token}\""),
                    reason: e.to_string(),
                })?
            }
        };
        let (key_type, bits) = key_facts(&anchor, key)?;
        let spki = certificate.tbs_certificate().subject_public_key_info();
        let (algorithm, signature_len) = match key_type {
            KeyType::EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                if spki.algorithm.oid != EC_PUBLIC_KEY {
                    return Err(SealKeyError::KeyMismatch {
                        subject: subject(&certificate),
                    });
                }
                if curve != Some(P256) {
                    return Err(SealKeyError::UnsupportedKey {
                        reason: "an EC key on a curve other than P-256".into(),
                    });
                }
                (SignatureAlgorithm::EcdsaP256Sha256, 72)
            }
            KeyType::RSA => {
                if spki.algorithm.oid != RSA_ENCRYPTION {
                    return Err(SealKeyError::KeyMismatch {
                        subject: subject(&certificate),
                    });
                }
                if !(2048..=4096).contains(&bits) {
                    return Err(SealKeyError::UnsupportedKey {
                        reason: format!("an RSA key of {bits} bits"),
                    });
                }
                (SignatureAlgorithm::RsaPkcs1v15Sha256, bits.div_ceil(8))
            }
            other => {
                return Err(SealKeyError::UnsupportedKey {
                    reason: format!("a {other} key"),
                });
            }
        };
        Ok(Pkcs11Signer {
            ctx,
            slot,
            key,
            key_type,
            algorithm,
            signature_len,
            certificate,
            _anchor: Mutex::new(anchor),
            idle: Mutex::new(Vec::new()),
        })
    }

    fn session(&self) -> Result<Session, Error> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(s) => Ok(s),
            None => self.ctx.open_ro_session(self.slot),
        }
    }

    fn sign_digest(&self, session: &Session, digest: &[u8]) -> Result<Vec<u8>, Error> {
        if self.key_type == KeyType::EC {
            session
                .sign(&Mechanism::Ecdsa, self.key, digest)
                .map(|rs| ecdsa_raw_to_der(&rs))
        } else {
            let mut data = SHA256_DIGEST_INFO.to_vec();
            data.extend_from_slice(digest);
            session.sign(&Mechanism::RsaPkcs, self.key, &data)
        }
    }
}

/// The key's type and, for RSA, its modulus size in bits.
fn key_facts(session: &Session, key: ObjectHandle) -> Result<(KeyType, usize), SealKeyError> {
    let attributes = session
        .get_attributes(key, &[AttributeType::KeyType])
        .map_err(token_error("read the key type"))?;
    let Some(Attribute::KeyType(key_type)) = attributes.first().cloned() else {
        return Err(SealKeyError::UnsupportedKey {
            reason: "a key without a key type".into(),
        });
    };
    if key_type != KeyType::RSA {
        return Ok((key_type, 0));
    }
    // The private key may not expose CKA_MODULUS_BITS; its modulus is public.
    let bits = match session
        .get_attributes(key, &[AttributeType::Modulus])
        .map_err(token_error("read the RSA modulus"))?
        .pop()
    {
        Some(Attribute::Modulus(n)) => {
            let n: &[u8] = &n;
            let first = n.iter().position(|b| *b != 0).unwrap_or(n.len());
            let n = &n[first..];
            n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize)
        }
        _ => 0,
    };
    Ok((key_type, bits))
}

impl Signer for Pkcs11Signer {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &[]
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, PadesError> {
        let digest = Sha256::digest(message);
        let session = self.session().map_err(|e| PadesError::Crypto {
            reason: format!("PKCS#11 session: {}", short(&e)),
        })?;
        // A session that failed is dropped (closed), not pooled.
        let signature = self
            .sign_digest(&session, &digest)
            .map_err(|e| PadesError::Crypto {
                reason: format!("PKCS#11 signing: {}", short(&e)),
            })?;
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < POOL {
            idle.push(session);
        }
        Ok(signature)
    }

    fn max_signature_len(&self) -> usize {
        self.signature_len
    }
}

/// `r ‖ s` (PKCS#11 §2.3.1, CKM_ECDSA) to `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`
/// (RFC 3279 §2.2.3).
pub fn ecdsa_raw_to_der(rs: &[u8]) -> Vec<u8> {
    fn integer(mut x: &[u8], out: &mut Vec<u8>) {
        while x.len() > 1 && x[0] == 0 {
            x = &x[1..];
        }
        let pad = x.first().is_some_and(|b| b & 0x80 != 0);
        out.push(0x02);
        out.push((x.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(x);
    }
    let (r, s) = rs.split_at(rs.len() / 2);
    let mut body = Vec::with_capacity(72);
    integer(r, &mut body);
    integer(s, &mut body);
    let mut out = vec![0x30];
    if body.len() >= 0x80 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_ecdsa_signatures_become_the_der_that_p256_writes() {
        use p256::ecdsa::signature::Signer as _;
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        for i in 0..200u32 {
            let sig: p256::ecdsa::Signature = key.sign(&i.to_be_bytes());
            let raw = sig.to_bytes();
            assert_eq!(
                ecdsa_raw_to_der(&raw),
                sig.to_der().as_bytes(),
                "message {i}"
            );
        }
        // Leading zero bytes are dropped, a high bit gets a zero byte.
        let mut rs = [0u8; 64];
        rs[1] = 0x80;
        rs[63] = 1;
        assert_eq!(
            ecdsa_raw_to_der(&rs),
            [
                [0x30, 37, 0x02, 32, 0x00, 0x80].as_slice(),
                &[0; 30],
                &[0x02, 1, 1]
            ]
            .concat()
        );
    }

    #[test]
    fn a_module_that_is_not_there_is_named() {
        let e = context(Path::new("/nonexistent/libpkcs11.so")).unwrap_err();
        assert!(matches!(e, SealKeyError::ModuleNotLoadable { .. }), "{e}");
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("/nonexistent/libpkcs11.so"), "{e}");
    }
}
