//! CMS SignedData for PAdES (RFC 5652 §5, ETSI EN 319 122-1 CAdES baseline): detached,
//! SHA-256, signed attributes content-type, message-digest and ESS signing-certificate-v2, no
//! signing-time (PAdES takes the time from `/M`), and the signature-time-stamp as an unsigned
//! attribute for B-T.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

use crate::asn1::{EssCertIdV2, IssuerSerial, SigningCertificateV2, oid};
use crate::error::PadesError;
use crate::signer::Signer;
use crate::tsp::TimeStamper;

pub(crate) fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::SHA256,
        parameters: None,
    }
}

/// One attribute with a single value.
pub(crate) fn attribute(
    oid_: ObjectIdentifier,
    value: &impl Encode,
) -> Result<Attribute, PadesError> {
    let any = Any::from_der(&value.to_der()?)?;
    Ok(Attribute {
        oid: oid_,
        values: SetOfVec::try_from(vec![any])?,
    })
}

/// The ESS signing-certificate-v2 attribute value for `cert` (RFC 5035 §3; hash SHA-256 is the
/// DEFAULT and so omitted).
pub(crate) fn signing_certificate_v2(
    cert: &Certificate,
) -> Result<SigningCertificateV2, PadesError> {
    let hash = Sha256::digest(cert.to_der()?);
    Ok(SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(hash.to_vec())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate().issuer().clone(),
                )],
                serial_number: cert.tbs_certificate().serial_number().clone(),
            }),
        }],
    })
}

/// Computes the unsigned attributes from the finished signature value.
pub(crate) type UnsignedAttrsFn<'a> = dyn Fn(&[u8]) -> Result<Vec<Attribute>, PadesError> + 'a;

/// Builds a detached SignedData with the given signed attributes and returns the DER ContentInfo.
/// `unsigned` is called with the signature value and returns the unsigned attributes
/// (e.g. the signature timestamp).
pub(crate) fn build_signed_data(
    signer: &dyn Signer,
    econtent_type: ObjectIdentifier,
    econtent: Option<&[u8]>,
    content_digest: &[u8],
    extra_signed: Vec<Attribute>,
    include_certs: bool,
    unsigned: &UnsignedAttrsFn<'_>,
) -> Result<Vec<u8>, PadesError> {
    let cert = signer.certificate();
    let mut attrs = vec![
        attribute(oid::CONTENT_TYPE, &econtent_type)?,
        attribute(
            oid::MESSAGE_DIGEST,
            &OctetString::new(content_digest.to_vec())?,
        )?,
        attribute(oid::SIGNING_CERTIFICATE_V2, &signing_certificate_v2(cert)?)?,
    ];
    attrs.extend(extra_signed);
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(attrs)?;
    // RFC 5652 §5.4: the signature covers the DER of the SET OF (tag 0x31), not the [0] IMPLICIT.
    let tbs = signed_attrs.to_der()?;
    let sig = signer.sign_raw(&tbs)?;
    let unsigned_attrs = unsigned(&sig)?;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate().issuer().clone(),
            serial_number: cert.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signer.algorithm().identifier(),
        signature: OctetString::new(sig)?,
        unsigned_attrs: if unsigned_attrs.is_empty() {
            None
        } else {
            Some(SetOfVec::try_from(unsigned_attrs)?)
        },
    };
    let mut certs = SetOfVec::new();
    for c in std::iter::once(cert).chain(signer.chain()) {
        certs.insert(CertificateChoices::Certificate(c.clone()))?;
    }
    let econtent = econtent
        .map(|e| Any::encode_from(&OctetString::new(e.to_vec())?))
        .transpose()?;
    let signed_data = SignedData {
        // RFC 5652 §5.1: v3 when eContentType is not id-data (e.g. a TSTInfo), v1 otherwise.
        version: if econtent_type == oid::DATA {
            CmsVersion::V1
        } else {
            CmsVersion::V3
        },
        digest_algorithms: SetOfVec::try_from(vec![sha256_alg()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type,
            econtent,
        },
        certificates: include_certs.then_some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let ci = ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    Ok(ci.to_der()?)
}

/// The CAdES detached signature of a PDF's byte ranges (`document_digest` = SHA-256 over them),
/// with a signature timestamp from `timestamper` when given (PAdES B-T).
pub fn build_cades_detached(
    signer: &dyn Signer,
    document_digest: &[u8; 32],
    timestamper: Option<&dyn TimeStamper>,
) -> Result<Vec<u8>, PadesError> {
    let unsigned = |sig: &[u8]| -> Result<Vec<Attribute>, PadesError> {
        match timestamper {
            None => Ok(Vec::new()),
            Some(tsa) => {
                // ETSI EN 319 122-1 §5.3: the timestamp covers the SignerInfo's signature value.
                let imprint: [u8; 32] = Sha256::digest(sig).into();
                let token = tsa.timestamp(&imprint)?;
                let token_ci = ContentInfo::from_der(&token)?;
                Ok(vec![attribute(oid::TIME_STAMP_TOKEN, &token_ci)?])
            }
        }
    };
    build_signed_data(
        signer,
        oid::DATA,
        None,
        document_digest,
        Vec::new(),
        true,
        &unsigned,
    )
}
