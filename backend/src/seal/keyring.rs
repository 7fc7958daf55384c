//! The seal keyring: every key the service has sealed with or may seal with, in the database
//! (`seal_keys`). Exactly one key is `active` at a time (a partial unique index, and switching
//! is one transaction under the system chain's lock); a new key is imported as `standby` and
//! activated without a restart, because the seal job asks [`active_id`] for every seal (see
//! [`super::service`]). Keys are never deleted: a `retired` key never seals again, but its
//! certificates stay, so the verifier keeps trusting every seal the service ever made.
//!
//! Key material at rest: a PKCS#12 file (with its password) or a PEM key is sealed with the
//! data directory's secret key ([`crate::secrets::KeyRing`], AES-256-GCM, bound to the row's
//! ID), never stored in plain text; a PKCS#11 key stays in its token and only the reference
//! (module, token label, key label, PIN file path) is stored.
//!
//! Every change is an audit event in the service's own chain (`_system`: `tachiai audit
//! events --tenant _system`), with the actor (a login ID, or `operator` for the command line).
//! A refused import or activation is recorded too, and changes nothing else.
//!
//! **The import path** is [`open_signer`]: the only place that turns key material into a
//! [`pades::Signer`]. It uses `pades::LocalKeySigner` today; `seal::key_source::load` (the
//! configured key, PKCS#11) takes its place when that lands.

use diesel::prelude::*;
use serde_json::json;
use shared::audit::AuditAction;
use shared::problem::ProblemCode;
use x509_cert::Certificate;
use x509_cert::der::{Encode, EncodePem, pem::LineEnding};

use crate::audit::{self, Entry, Origin, Outcome, SYSTEM_CHAIN_ID};
use crate::clock::Millis;
use crate::db::schema::{document_seals, seal_keys};
use crate::db::{self, AnyConnection};
use crate::secrets::KeyRing;

/// `seal_keys.kind`: a PKCS#12 file, sealed at rest.
pub const KIND_PKCS12: &str = "pkcs12";
/// `seal_keys.kind`: a PEM key with certificate and chain, sealed at rest.
pub const KIND_PEM: &str = "pem";
/// `seal_keys.kind`: a key in a PKCS#11 token, by reference.
pub const KIND_PKCS11: &str = "pkcs11";

/// `seal_keys.state`: imported, not in use.
pub const STANDBY: &str = "standby";
/// `seal_keys.state`: the key that seals now.
pub const ACTIVE: &str = "active";
/// `seal_keys.state`: never seals again; its certificates stay trusted.
pub const RETIRED: &str = "retired";

/// A keyring row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = seal_keys)]
pub struct SealKeyRow {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub state: String,
    pub subject: String,
    pub issuer: String,
    pub serial_number: String,
    pub cert_sha256: String,
    pub not_before: i64,
    pub not_after: i64,
    pub certificates_pem: String,
    pub sealed_material: Option<String>,
    pub pkcs11_module: Option<String>,
    pub pkcs11_token_label: Option<String>,
    pub pkcs11_key_label: Option<String>,
    pub pkcs11_pin_file: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
}

impl SealKeyRow {
    /// The seal certificate and its chain, as stored.
    pub fn certificates(&self) -> Vec<Certificate> {
        Certificate::load_pem_chain(self.certificates_pem.as_bytes()).unwrap_or_default()
    }
}

/// Key material as an operator hands it in.
#[derive(Clone)]
pub enum KeyMaterial {
    /// A PKCS#12 file and its password.
    Pkcs12 {
        /// The file's bytes.
        der: Vec<u8>,
        /// Its password.
        password: String,
    },
    /// PEM private key, certificate and chain.
    Pem {
        /// The private key.
        key_pem: String,
        /// The seal certificate.
        cert_pem: String,
        /// The issuing CAs.
        chain_pem: String,
    },
    /// A key in a PKCS#11 token, with its certificate and chain (read from files).
    Pkcs11 {
        /// Module (shared library) path.
        module: String,
        /// Token label.
        token_label: String,
        /// Key label.
        key_label: String,
        /// PIN file path.
        pin_file: String,
        /// The seal certificate.
        cert_pem: String,
        /// The issuing CAs.
        chain_pem: String,
    },
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl KeyMaterial {
    /// `seal_keys.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyMaterial::Pkcs12 { .. } => KIND_PKCS12,
            KeyMaterial::Pem { .. } => KIND_PEM,
            KeyMaterial::Pkcs11 { .. } => KIND_PKCS11,
        }
    }

    /// From the API's request (the PKCS#12 file is base64 there).
    pub fn from_request(m: &shared::dto::SealKeyMaterial) -> Result<KeyMaterial, KeyRefusal> {
        use shared::dto::SealKeyMaterial as M;
        Ok(match m {
            M::Pkcs12 {
                pkcs12_base64,
                password,
            } => KeyMaterial::Pkcs12 {
                der: data_encoding::BASE64
                    .decode(pkcs12_base64.trim().as_bytes())
                    .map_err(|_| KeyRefusal::Unreadable("the PKCS#12 file is not base64".into()))?,
                password: password.clone(),
            },
            M::Pem {
                key_pem,
                certificate_pem,
                chain_pem,
            } => KeyMaterial::Pem {
                key_pem: key_pem.clone(),
                cert_pem: certificate_pem.clone(),
                chain_pem: chain_pem.clone(),
            },
            M::Pkcs11 {
                module,
                token_label,
                key_label,
                pin_file,
                certificate_pem,
                chain_pem,
            } => KeyMaterial::Pkcs11 {
                module: module.clone(),
                token_label: token_label.clone(),
                key_label: key_label.clone(),
                pin_file: pin_file.clone(),
                cert_pem: certificate_pem.clone(),
                chain_pem: chain_pem.clone(),
            },
        })
    }

    /// What is sealed at rest (JSON; never for PKCS#11, whose key stays in the token).
    fn to_secret(&self) -> Option<Vec<u8>> {
        match self {
            KeyMaterial::Pkcs12 { der, password } => Some(
                json!({ "kind": KIND_PKCS12, "pkcs12": data_encoding::BASE64.encode(der),
                        "password": password })
                .to_string()
                .into_bytes(),
            ),
            KeyMaterial::Pem {
                key_pem,
                cert_pem,
                chain_pem,
            } => Some(
                json!({ "kind": KIND_PEM, "key": key_pem, "cert": cert_pem, "chain": chain_pem })
                    .to_string()
                    .into_bytes(),
            ),
            KeyMaterial::Pkcs11 { .. } => None,
        }
    }

    fn from_secret(bytes: &[u8]) -> Option<KeyMaterial> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        match v["kind"].as_str()? {
            KIND_PKCS12 => Some(KeyMaterial::Pkcs12 {
                der: data_encoding::BASE64.decode(s("pkcs12")?.as_bytes()).ok()?,
                password: s("password")?,
            }),
            KIND_PEM => Some(KeyMaterial::Pem {
                key_pem: s("key")?,
                cert_pem: s("cert")?,
                chain_pem: s("chain")?,
            }),
            _ => None,
        }
    }
}

/// Why a key was refused. One sentence each; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum KeyRefusal {
    /// Wrong password, or not a key file.
    #[error("the key cannot be opened (wrong password, or not a PKCS#12 / PEM key): {0}")]
    Unreadable(String),
    /// The certificate has expired.
    #[error("the seal certificate {0} expired on {1}")]
    Expired(String, String),
    /// The certificate is not valid yet.
    #[error("the seal certificate {0} is not valid before {1}")]
    NotYetValid(String, String),
    /// The key and the certificate are not a pair.
    #[error("the private key does not match the certificate")]
    Mismatch,
    /// No digitalSignature in the key usage.
    #[error("the certificate {0} does not allow digitalSignature in its key usage")]
    NotForSigning(String),
    /// The chain does not lead to the certificate.
    #[error("the certificate chain does not lead to the seal certificate: {0}")]
    ChainBroken(String),
    /// The certificate is in the keyring already.
    #[error("this certificate is already in the keyring as key {0}")]
    Duplicate(String),
    /// The key cannot seal now.
    #[error("the key cannot be activated: {0}")]
    NotActivatable(String),
    /// Retiring the active key.
    #[error("the active key cannot be retired; activate another key first")]
    Active,
    /// No such key.
    #[error("there is no seal key {0}")]
    NotFound(String),
}

impl KeyRefusal {
    /// The API's problem code.
    pub fn problem(&self) -> ProblemCode {
        match self {
            KeyRefusal::Unreadable(_) => ProblemCode::SealKeyUnreadable,
            KeyRefusal::Expired(..) => ProblemCode::SealCertificateExpired,
            KeyRefusal::NotYetValid(..) => ProblemCode::SealCertificateNotYetValid,
            KeyRefusal::Mismatch => ProblemCode::SealKeyMismatch,
            KeyRefusal::NotForSigning(_) => ProblemCode::SealCertificateNotForSigning,
            KeyRefusal::ChainBroken(_) => ProblemCode::SealChainBroken,
            KeyRefusal::Duplicate(_) => ProblemCode::SealKeyDuplicate,
            KeyRefusal::NotActivatable(_) => ProblemCode::SealKeyNotActivatable,
            KeyRefusal::Active => ProblemCode::SealKeyActive,
            KeyRefusal::NotFound(_) => ProblemCode::NotFound,
        }
    }

    /// The command line's exit status: 3 for key material refused, 2 for a wrong request.
    pub fn exit_code(&self) -> i32 {
        match self {
            KeyRefusal::Unreadable(_)
            | KeyRefusal::Expired(..)
            | KeyRefusal::NotYetValid(..)
            | KeyRefusal::Mismatch
            | KeyRefusal::NotForSigning(_)
            | KeyRefusal::ChainBroken(_) => 3,
            _ => 2,
        }
    }
}

/// A keyring operation failed: refused (nothing changed), or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// Refused, with the reason.
    #[error(transparent)]
    Refused(#[from] KeyRefusal),
    /// The database.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<KeyringError> for crate::workflow::WorkflowError {
    fn from(e: KeyringError) -> Self {
        match e {
            KeyringError::Refused(r) => r.problem().into(),
            KeyringError::Db(e) => e.into(),
        }
    }
}

/// A signer that can be shared between seal jobs.
pub type SharedSigner = std::sync::Arc<dyn pades::Signer + Send + Sync>;

/// **The import path**: key material → a checked signer. The one place a seal key is opened,
/// for import, activation and every seal job's cache miss.
///
/// PKCS#12 and PEM keys are opened here; a PKCS#11 reference through
/// [`super::key_source::load_pkcs11`], which logs in to the token and checks the key.
pub fn open_signer(material: &KeyMaterial, now: Millis) -> Result<SharedSigner, KeyRefusal> {
    let opened = match material {
        KeyMaterial::Pkcs12 { der, password } => pades::LocalKeySigner::from_pkcs12(der, password),
        KeyMaterial::Pem {
            key_pem,
            cert_pem,
            chain_pem,
        } => pades::LocalKeySigner::from_pem(key_pem, cert_pem, chain_pem),
        KeyMaterial::Pkcs11 {
            module,
            token_label,
            key_label,
            pin_file,
            cert_pem,
            chain_pem,
        } => {
            let (leaf, chain) = parse_chain(cert_pem, chain_pem)?;
            let reference = super::pkcs11::Pkcs11Reference {
                module: module.into(),
                token_label: token_label.clone(),
                key_label: key_label.clone(),
                pin_file: pin_file.into(),
            };
            let signer =
                super::key_source::load_pkcs11(&reference, leaf, chain, now).map_err(refusal_of)?;
            return Ok(std::sync::Arc::from(signer));
        }
    };
    let signer = opened.map_err(|e| {
        let text = e.to_string();
        if text.contains("does not belong to the private key") || text.contains("matches its key") {
            KeyRefusal::Mismatch
        } else {
            KeyRefusal::Unreadable(text)
        }
    })?;
    let pool = pades::Signer::chain(&signer).to_vec();
    let checked = super::key_source::check(Box::new(signer), pool, now).map_err(refusal_of)?;
    Ok(std::sync::Arc::from(checked))
}

/// The keyring's refusal for a key the loader refused.
fn refusal_of(e: super::key_source::SealKeyError) -> KeyRefusal {
    use super::key_source::SealKeyError as E;
    match e {
        E::Expired { subject, not_after } => KeyRefusal::Expired(subject, not_after),
        E::NotYetValid {
            subject,
            not_before,
        } => KeyRefusal::NotYetValid(subject, not_before),
        E::KeyMismatch { .. } => KeyRefusal::Mismatch,
        E::NoSigningUsage { subject } => KeyRefusal::NotForSigning(subject),
        E::ChainBroken { reason, .. } => KeyRefusal::ChainBroken(reason),
        other => KeyRefusal::Unreadable(other.to_string()),
    }
}

/// The seal certificate is valid at `now`, may sign, and `chain` leads to it (the checks of
/// [`super::key_source::check`], for a key that is not opened).
pub fn check_certificates(
    cert: &Certificate,
    chain: &[Certificate],
    now: Millis,
) -> Result<(), KeyRefusal> {
    super::key_source::check_certificate(cert, chain.to_vec(), now).map_err(refusal_of)
}

fn pem_of(certs: &[&Certificate]) -> Result<String, KeyRefusal> {
    let mut out = String::new();
    for c in certs {
        out.push_str(
            &c.to_pem(LineEnding::LF)
                .map_err(|e| KeyRefusal::Unreadable(e.to_string()))?,
        );
    }
    Ok(out)
}

fn parse_chain(
    cert_pem: &str,
    chain_pem: &str,
) -> Result<(Certificate, Vec<Certificate>), KeyRefusal> {
    use x509_cert::der::DecodePem;
    let cert = Certificate::from_pem(cert_pem.trim().as_bytes())
        .map_err(|e| KeyRefusal::Unreadable(format!("seal certificate: {e}")))?;
    let chain = if chain_pem.trim().is_empty() {
        Vec::new()
    } else {
        Certificate::load_pem_chain(chain_pem.as_bytes())
            .map_err(|e| KeyRefusal::Unreadable(format!("chain: {e}")))?
    };
    Ok((cert, chain))
}

fn purpose(id: &str) -> String {
    format!("seal_key:{id}")
}

/// Every key, newest first.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<SealKeyRow>> {
    seal_keys::table
        .select(SealKeyRow::as_select())
        .order((seal_keys::created_at.desc(), seal_keys::id))
        .load(conn)
}

/// One key.
pub fn get(conn: &mut AnyConnection, id: &str) -> Result<SealKeyRow, KeyringError> {
    seal_keys::table
        .find(id)
        .select(SealKeyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| KeyRefusal::NotFound(id.to_owned()).into())
}

/// The active key's ID: the one cheap query each seal job makes.
pub fn active_id(conn: &mut AnyConnection) -> QueryResult<Option<String>> {
    seal_keys::table
        .filter(seal_keys::state.eq(ACTIVE))
        .select(seal_keys::id)
        .first(conn)
        .optional()
}

/// How many seals each key made.
pub fn seal_counts(conn: &mut AnyConnection) -> QueryResult<Vec<(Option<String>, i64)>> {
    document_seals::table
        .group_by(document_seals::seal_key_id)
        .select((document_seals::seal_key_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Opens a stored key (decrypting its material) and checks it at `now`.
pub fn signer_of(
    row: &SealKeyRow,
    keys: &KeyRing,
    now: Millis,
) -> Result<SharedSigner, KeyRefusal> {
    let material = match row.kind.as_str() {
        KIND_PKCS11 => {
            let (cert, chain) = split_pem(&row.certificates_pem)?;
            KeyMaterial::Pkcs11 {
                module: row.pkcs11_module.clone().unwrap_or_default(),
                token_label: row.pkcs11_token_label.clone().unwrap_or_default(),
                key_label: row.pkcs11_key_label.clone().unwrap_or_default(),
                pin_file: row.pkcs11_pin_file.clone().unwrap_or_default(),
                cert_pem: cert,
                chain_pem: chain,
            }
        }
        _ => {
            let sealed = row.sealed_material.as_deref().ok_or_else(|| {
                KeyRefusal::NotActivatable(format!("key {} has no stored material", row.id))
            })?;
            let bytes = keys.open(&purpose(&row.id), sealed).map_err(|e| {
                KeyRefusal::NotActivatable(format!(
                    "key {} cannot be decrypted with the data directory's secret key: {e}",
                    row.id
                ))
            })?;
            KeyMaterial::from_secret(&bytes).ok_or_else(|| {
                KeyRefusal::NotActivatable(format!("key {}: stored material is damaged", row.id))
            })?
        }
    };
    open_signer(&material, now)
}

fn split_pem(pem: &str) -> Result<(String, String), KeyRefusal> {
    let certs = Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| KeyRefusal::Unreadable(e.to_string()))?;
    let (first, rest) = certs
        .split_first()
        .ok_or_else(|| KeyRefusal::Unreadable("no certificate stored".into()))?;
    Ok((pem_of(&[first])?, pem_of(&rest.iter().collect::<Vec<_>>())?))
}

/// Appends a service-wide event to the `_system` chain (inside a transaction holding its lock).
pub(crate) fn record_in_system_chain(
    conn: &mut AnyConnection,
    origin: &Origin,
    action: AuditAction,
    target: Option<(&str, &str)>,
    outcome: Outcome,
    details: serde_json::Value,
    now: Millis,
) -> QueryResult<()> {
    audit::record(
        conn,
        SYSTEM_CHAIN_ID,
        origin,
        Entry {
            action,
            target,
            outcome,
            details,
        },
        now,
    )
    .map(|_| ())
}

/// Records a refused operation (its own transaction; nothing else changes) and returns it.
fn refused(
    conn: &mut AnyConnection,
    origin: &Origin,
    operation: &str,
    id: Option<&str>,
    refusal: KeyRefusal,
    now: Millis,
) -> KeyringError {
    let written = db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        record_in_system_chain(
            conn,
            origin,
            AuditAction::SealKeyRefused,
            id.map(|id| ("seal_key", id)),
            Outcome::Failure,
            json!({ "operation": operation, "problem": refusal.problem().as_str(),
                    "reason": refusal.to_string() }),
            now,
        )
    });
    match written {
        Ok(()) => refusal.into(),
        Err(e) => e.into(),
    }
}

/// Imports a key as `standby`: opens and checks it (password, validity, key/certificate pair,
/// digitalSignature, chain), seals its material, stores it, audits it.
pub fn import(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    label: &str,
    material: &KeyMaterial,
    origin: &Origin,
    now: Millis,
) -> Result<SealKeyRow, KeyringError> {
    let label = label.trim();
    let checked = (|| {
        if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
            return Err(KeyRefusal::Unreadable(
                "the label must be 1–100 printable characters".into(),
            ));
        }
        let (cert, chain) = match material {
            KeyMaterial::Pkcs11 {
                cert_pem,
                chain_pem,
                module,
                token_label,
                key_label,
                pin_file,
            } => {
                if [module, token_label, key_label, pin_file]
                    .iter()
                    .any(|s| s.trim().is_empty())
                {
                    return Err(KeyRefusal::Unreadable(
                        "a PKCS#11 key needs its module, token label, key label and PIN file"
                            .into(),
                    ));
                }
                let (cert, chain) = parse_chain(cert_pem, chain_pem)?;
                check_certificates(&cert, &chain, now)?;
                (cert, chain)
            }
            _ => {
                let signer = open_signer(material, now)?;
                (signer.certificate().clone(), signer.chain().to_vec())
            }
        };
        let der = cert
            .to_der()
            .map_err(|e| KeyRefusal::Unreadable(e.to_string()))?;
        let sha = super::hex_sha256(&der);
        if let Some(id) = seal_keys::table
            .filter(seal_keys::cert_sha256.eq(&sha))
            .select(seal_keys::id)
            .first::<String>(conn)
            .optional()
            .map_err(|e| KeyRefusal::Unreadable(e.to_string()))?
        {
            return Err(KeyRefusal::Duplicate(id));
        }
        Ok((cert, chain, sha))
    })();
    let (cert, chain, sha) = match checked {
        Ok(c) => c,
        Err(r) => return Err(refused(conn, origin, "import", None, r, now)),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let tbs = cert.tbs_certificate();
    let info = super::certificate_info(&cert, now);
    let mut all = vec![&cert];
    all.extend(chain.iter());
    let (module, token, key_label, pin) = match material {
        KeyMaterial::Pkcs11 {
            module,
            token_label,
            key_label,
            pin_file,
            ..
        } => (
            Some(module.trim().to_owned()),
            Some(token_label.trim().to_owned()),
            Some(key_label.trim().to_owned()),
            Some(pin_file.trim().to_owned()),
        ),
        _ => (None, None, None, None),
    };
    let row = SealKeyRow {
        id: id.clone(),
        label: label.to_owned(),
        kind: material.kind().to_owned(),
        state: STANDBY.to_owned(),
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial_number: info.serial_number.clone(),
        cert_sha256: sha,
        not_before: super::key_source::unix_ms(&tbs.validity().not_before),
        not_after: super::key_source::unix_ms(&tbs.validity().not_after),
        certificates_pem: pem_of(&all).map_err(KeyringError::Refused)?,
        sealed_material: material.to_secret().map(|s| keys.seal(&purpose(&id), &s)),
        pkcs11_module: module,
        pkcs11_token_label: token,
        pkcs11_key_label: key_label,
        pkcs11_pin_file: pin,
        created_at: now.0,
        created_by: origin.actor_label.clone(),
        activated_at: None,
        retired_at: None,
    };
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        diesel::insert_into(seal_keys::table)
            .values(&row)
            .execute(conn)?;
        record_in_system_chain(
            conn,
            origin,
            AuditAction::SealKeyImported,
            Some(("seal_key", &row.id)),
            Outcome::Success,
            json!({ "label": row.label, "kind": row.kind, "subject": row.subject,
                    "issuer": row.issuer, "serial_number": row.serial_number,
                    "cert_sha256": row.cert_sha256, "not_after": info.not_after }),
            now,
        )
    })?;
    Ok(row)
}

/// Makes `id` the active key; the previous active key stands by. The key is opened first (so
/// a key that cannot seal never becomes active). Takes effect at the next seal job of every
/// server process.
pub fn activate(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    id: &str,
    origin: &Origin,
    now: Millis,
) -> Result<SealKeyRow, KeyringError> {
    let row = get(conn, id)?;
    let usable = if row.state == RETIRED {
        Err(KeyRefusal::NotActivatable("it is retired".into()))
    } else {
        signer_of(&row, keys, now).map(|_| ())
    };
    if let Err(r) = usable {
        return Err(refused(conn, origin, "activate", Some(id), r, now));
    }
    if row.state == ACTIVE {
        return Ok(row);
    }
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        let previous = active_id(conn)?;
        diesel::update(seal_keys::table.filter(seal_keys::state.eq(ACTIVE)))
            .set(seal_keys::state.eq(STANDBY))
            .execute(conn)?;
        from_standby(
            conn,
            &row,
            ACTIVE,
            AuditAction::SealKeyActivated,
            json!({ "previous": previous }),
            origin,
            now,
        )
    })?;
    get(conn, id)
}

/// Retires `id`: it never seals again (its certificates stay trusted). The active key cannot
/// be retired; retiring a retired key changes nothing.
pub fn retire(
    conn: &mut AnyConnection,
    id: &str,
    origin: &Origin,
    now: Millis,
) -> Result<SealKeyRow, KeyringError> {
    let row = get(conn, id)?;
    if row.state == ACTIVE {
        return Err(refused(
            conn,
            origin,
            "retire",
            Some(id),
            KeyRefusal::Active,
            now,
        ));
    }
    if row.state == RETIRED {
        return Ok(row);
    }
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        from_standby(
            conn,
            &row,
            RETIRED,
            AuditAction::SealKeyRetired,
            json!({}),
            origin,
            now,
        )
    })?;
    get(conn, id)
}

/// Moves `row` from standby to `to` (`active` or `retired`) and audits it, inside the
/// caller's transaction; rolls back if another process changed the key meanwhile.
fn from_standby(
    conn: &mut AnyConnection,
    row: &SealKeyRow,
    to: &str,
    action: AuditAction,
    mut details: serde_json::Value,
    origin: &Origin,
    now: Millis,
) -> QueryResult<()> {
    let changed = diesel::update(
        seal_keys::table.filter(seal_keys::id.eq(&row.id).and(seal_keys::state.eq(STANDBY))),
    )
    .set((
        seal_keys::state.eq(to),
        seal_keys::activated_at.eq((to == ACTIVE).then_some(now.0).or(row.activated_at)),
        seal_keys::retired_at.eq((to == RETIRED).then_some(now.0).or(row.retired_at)),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(diesel::result::Error::RollbackTransaction);
    }
    details["label"] = json!(row.label);
    details["subject"] = json!(row.subject);
    details["cert_sha256"] = json!(row.cert_sha256);
    record_in_system_chain(
        conn,
        origin,
        action,
        Some(("seal_key", &row.id)),
        Outcome::Success,
        details,
        now,
    )
}

/// Records which key made a seal on `document_id` (inside the seal job's transaction).
pub fn record_seal(
    conn: &mut AnyConnection,
    tenant_id: &str,
    document_id: &str,
    seal: &super::service::ActiveSeal,
    now: Millis,
) -> QueryResult<()> {
    diesel::insert_into(document_seals::table)
        .values((
            document_seals::document_id.eq(document_id),
            document_seals::tenant_id.eq(tenant_id),
            document_seals::seal_key_id.eq(seal.key_id.as_deref()),
            document_seals::source.eq(seal.source),
            document_seals::cert_sha256.eq(&seal.cert_sha256),
            document_seals::created_at.eq(now.0),
        ))
        .execute(conn)
        .map(|_| ())
}
