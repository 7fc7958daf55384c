//! A small PKCS#12 reader (RFC 7292): no der-0.8 crate reads PFX files yet.
//!
//! Supported: password integrity (HMAC-SHA-1/SHA-256 MAC with the Appendix B.2 KDF),
//! PBES2 (PBKDF2 + AES-CBC, OpenSSL 3's default) and `pbeWithSHAAnd3-KeyTripleDES-CBC` (the legacy
//! format) for both key and certificate bags; unencrypted bags too. RC2-40 is refused with a message.

use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::error::PadesError;

const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const X509_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const SHA1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// ```text
/// PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
/// ```
#[derive(Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    #[asn1(optional = "true")]
    mac_data: Option<MacData>,
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL }`
#[derive(Sequence)]
struct ContentInfo {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    content: Option<Any>,
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`
#[derive(Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    #[asn1(optional = "true")]
    iterations: Option<u32>,
}

/// `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }`
#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

/// `SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF … OPTIONAL }`
#[derive(Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    #[asn1(optional = "true")]
    bag_attributes: Option<Any>,
}

/// `CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }`
#[derive(Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: OctetString,
}

/// `EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }`
#[derive(Sequence)]
struct EncryptedPrivateKeyInfo {
    algorithm: AlgorithmIdentifierOwned,
    data: OctetString,
}

/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }`
#[derive(Sequence)]
struct Pkcs12PbeParams {
    salt: OctetString,
    iterations: u32,
}

/// The contents of a PKCS#12 file: one private key (PKCS#8 DER) and the certificates.
pub(crate) struct Pkcs12Contents {
    pub key_pkcs8_der: Vec<u8>,
    pub certificates: Vec<Certificate>,
}

fn bad(reason: impl std::fmt::Display) -> PadesError {
    PadesError::key(format!("PKCS#12: {reason}"))
}

/// Parses and decrypts a PKCS#12 file.
pub(crate) fn parse(der_bytes: &[u8], password: &str) -> Result<Pkcs12Contents, PadesError> {
    let pfx = Pfx::from_der(der_bytes).map_err(|e| bad(format!("not a PFX structure ({e})")))?;
    if pfx.version != 3 || pfx.auth_safe.content_type != DATA {
        return Err(bad("unsupported PFX version or public-key integrity mode"));
    }
    let auth_octets: OctetString = pfx
        .auth_safe
        .content
        .ok_or_else(|| bad("empty authSafe"))?
        .decode_as()
        .map_err(bad)?;
    let auth = auth_octets.as_bytes();
    let bmp = bmp_password(password);
    if let Some(mac) = &pfx.mac_data {
        let iterations = mac.iterations.unwrap_or(1);
        let salt = mac.mac_salt.as_bytes();
        let expected = mac.mac.digest.as_bytes();
        let ok = if mac.mac.algorithm.oid == crate::asn1::oid::SHA256 {
            let key = kdf::<Sha256>(&bmp, salt, iterations, 3, 32);
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).map_err(bad)?;
            m.update(auth);
            m.verify_slice(expected).is_ok()
        } else if mac.mac.algorithm.oid == SHA1_OID {
            let key = kdf::<Sha1>(&bmp, salt, iterations, 3, 20);
            let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).map_err(bad)?;
            m.update(auth);
            m.verify_slice(expected).is_ok()
        } else {
            return Err(bad(format!(
                "unsupported MAC digest {}",
                mac.mac.algorithm.oid
            )));
        };
        if !ok {
            return Err(PadesError::WrongPassword);
        }
    }
    let infos: Vec<ContentInfo> = Vec::from_der(auth).map_err(bad)?;
    let mut key = None;
    let mut certificates = Vec::new();
    for ci in infos {
        let content = ci.content.ok_or_else(|| bad("empty ContentInfo"))?;
        let safe_contents = if ci.content_type == DATA {
            content
                .decode_as::<OctetString>()
                .map_err(bad)?
                .as_bytes()
                .to_vec()
        } else if ci.content_type == ENCRYPTED_DATA {
            let ed: cms::encrypted_data::EncryptedData = content.decode_as().map_err(bad)?;
            let eci = ed.enc_content_info;
            let ct = eci
                .encrypted_content
                .ok_or_else(|| bad("EncryptedData without content"))?;
            decrypt(&eci.content_enc_alg, ct.as_bytes(), password, &bmp)?
        } else {
            continue; // enveloped data etc.: not used for keys/certs here
        };
        let bags: Vec<SafeBag> = Vec::from_der(&safe_contents).map_err(bad)?;
        for bag in bags {
            if bag.bag_id == CERT_BAG {
                let cb: CertBag = bag.bag_value.decode_as().map_err(bad)?;
                if cb.cert_id == X509_CERT {
                    certificates
                        .push(Certificate::from_der(cb.cert_value.as_bytes()).map_err(bad)?);
                }
            } else if bag.bag_id == SHROUDED_KEY_BAG {
                let epki: EncryptedPrivateKeyInfo = bag.bag_value.decode_as().map_err(bad)?;
                key = Some(decrypt(
                    &epki.algorithm,
                    epki.data.as_bytes(),
                    password,
                    &bmp,
                )?);
            } else if bag.bag_id == KEY_BAG {
                key = Some(bag.bag_value.to_der().map_err(bad)?);
            }
        }
    }
    let key_pkcs8_der = key.ok_or_else(|| bad("no private key in the file"))?;
    if certificates.is_empty() {
        return Err(bad("no certificate in the file"));
    }
    Ok(Pkcs12Contents {
        key_pkcs8_der,
        certificates,
    })
}

fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    data: &[u8],
    password: &str,
    bmp: &[u8],
) -> Result<Vec<u8>, PadesError> {
    if alg.oid == PBE_SHA1_3DES {
        let params: Pkcs12PbeParams = alg
            .parameters
            .as_ref()
            .ok_or_else(|| bad("3DES without parameters"))?
            .decode_as()
            .map_err(bad)?;
        let salt = params.salt.as_bytes();
        let key = kdf::<Sha1>(bmp, salt, params.iterations, 1, 24);
        let iv = kdf::<Sha1>(bmp, salt, params.iterations, 2, 8);
        let dec = cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv).map_err(bad)?;
        let mut buf = data.to_vec();
        let plain = dec
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(|_| PadesError::WrongPassword)?;
        Ok(plain.to_vec())
    } else if alg.oid == PBE_SHA1_RC2_40 {
        Err(bad(
            "RC2-40 encryption (very old export format) is not supported; re-export with AES",
        ))
    } else {
        let alg_der = alg.to_der().map_err(bad)?;
        let scheme = pkcs5::EncryptionScheme::try_from(alg_der.as_slice())
            .map_err(|e| bad(format!("unsupported encryption {}: {e}", alg.oid)))?;
        scheme
            .decrypt(password.as_bytes(), data)
            .map_err(|_| PadesError::WrongPassword)
    }
}

/// The password as a NUL-terminated BMPString (RFC 7292 Appendix B.1).
fn bmp_password(password: &str) -> Vec<u8> {
    let mut v: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    v.extend_from_slice(&[0, 0]);
    v
}

/// The PKCS#12 key derivation function (RFC 7292 Appendix B.2), for hashes with 64-byte blocks.
fn kdf<D: Digest>(password: &[u8], salt: &[u8], iterations: u32, id: u8, n: usize) -> Vec<u8> {
    const V: usize = 64;
    let u = <D as Digest>::output_size();
    let d = [id; V];
    let fill = |s: &[u8]| -> Vec<u8> {
        if s.is_empty() {
            return Vec::new();
        }
        let len = V * s.len().div_ceil(V);
        s.iter().cycle().take(len).copied().collect()
    };
    let mut i_buf = fill(salt);
    i_buf.extend(fill(password));
    let mut out = Vec::with_capacity(n + u);
    while out.len() < n {
        let mut a = D::new()
            .chain_update(d)
            .chain_update(&i_buf)
            .finalize()
            .to_vec();
        for _ in 1..iterations.max(1) {
            a = D::digest(&a).to_vec();
        }
        out.extend_from_slice(&a);
        if out.len() >= n {
            break;
        }
        let b: Vec<u8> = a.iter().cycle().take(V).copied().collect();
        for block in i_buf.chunks_mut(V) {
            let mut carry = 1u16;
            for k in (0..V).rev() {
                let s = u16::from(block[k]) + u16::from(b[k]) + carry;
                block[k] = (s & 0xff) as u8;
                carry = s >> 8;
            }
        }
    }
    out.truncate(n);
    out
}
