//! `tachiai seal …` and `tachiai tsa …`: the seal keyring and the time-stamp authorities, for
//! the operator (tenant-spanning; the API's equivalent needs `manage_seal_keys`). The server
//! picks every change up at its next seal, without a restart. Exit 0 done, 2 a wrong request
//! (no such key, a retired or active key, a missing file), 3 key material refused (password,
//! validity, key/certificate pair, digitalSignature, chain); one sentence on stderr.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::clock::Millis;
use crate::config::Config;
use crate::db;
use crate::seal::keyring::{self, KeyMaterial, KeyringError};
use crate::seal::tsas::{self, TsaError};

/// `tachiai seal …`
#[derive(Debug, Subcommand)]
pub enum SealCommand {
    /// List the keyring: ID, state, kind, expiry, subject, label (and what seals when no key
    /// is active).
    List,
    /// Import a key (it stands by until activated): a PKCS#12 file, PEM files, or a PKCS#11
    /// reference with the key's certificate.
    Import(Box<ImportArgs>),
    /// Make a key the one the service seals with (the previous one stands by).
    Activate {
        /// The key's ID.
        id: String,
    },
    /// Retire a key: it never seals again; its certificates stay trusted for verification.
    Retire {
        /// The key's ID.
        id: String,
    },
}

/// `tachiai seal import …`
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A name for the key, e.g. "2027年度 電子署名鍵".
    #[arg(long)]
    label: String,
    /// PKCS#12 (.p12/.pfx) file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "pkcs11_module"])]
    p12: Option<PathBuf>,
    /// File holding the PKCS#12 password (first line).
    #[arg(long, value_name = "FILE", requires = "p12")]
    password_file: Option<PathBuf>,
    /// PEM private key.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// PEM seal certificate (with --key, or with --pkcs11-*).
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// PEM chain certificates (repeatable).
    #[arg(long, value_name = "FILE")]
    chain: Vec<PathBuf>,
    /// PKCS#11 module path.
    #[arg(long, value_name = "PATH", requires_all = ["pkcs11_token", "pkcs11_key", "pkcs11_pin_file", "cert"])]
    pkcs11_module: Option<String>,
    /// PKCS#11 token label.
    #[arg(long)]
    pkcs11_token: Option<String>,
    /// PKCS#11 private key label.
    #[arg(long)]
    pkcs11_key: Option<String>,
    /// File holding the token's user PIN (stored as a path, never read into the database).
    #[arg(long, value_name = "FILE")]
    pkcs11_pin_file: Option<String>,
    /// Activate it right away.
    #[arg(long)]
    activate: bool,
}

/// `tachiai tsa …`
#[derive(Debug, Subcommand)]
pub enum TsaCommand {
    /// The TSAs in failover order, with their health.
    List,
    /// Add an RFC 3161 TSA URL (last, or at --position).
    Add {
        /// http(s) URL.
        url: String,
        /// Place in the order, from 1.
        #[arg(long)]
        position: Option<u32>,
    },
    /// Remove a TSA (by ID or URL).
    Remove {
        /// ID or URL.
        tsa: String,
    },
    /// Move a TSA to a place in the order (from 1).
    Move {
        /// ID or URL.
        tsa: String,
        /// The new place.
        position: u32,
    },
}

/// A refusal: exit status and one sentence.
struct Refusal(i32, String);

impl From<KeyringError> for Refusal {
    fn from(e: KeyringError) -> Self {
        match e {
            KeyringError::Refused(r) => Refusal(r.exit_code(), format!("{r}.")),
            KeyringError::Db(e) => Refusal(1, format!("database: {e}")),
        }
    }
}

impl From<TsaError> for Refusal {
    fn from(e: TsaError) -> Self {
        match e {
            TsaError::Refused(code) => Refusal(2, code.message_en().to_owned()),
            TsaError::Db(e) => Refusal(1, format!("database: {e}")),
        }
    }
}

impl From<diesel::result::Error> for Refusal {
    fn from(e: diesel::result::Error) -> Self {
        Refusal(1, format!("database: {e}"))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Refusal> {
    std::fs::read(path).map_err(|e| Refusal(2, format!("cannot read {}: {e}.", path.display())))
}

fn read_text(path: &Path) -> Result<String, Refusal> {
    String::from_utf8(read(path)?)
        .map_err(|_| Refusal(3, format!("{} is not a text (PEM) file.", path.display())))
}

fn operator() -> crate::audit::Origin {
    crate::workflow::tenants::operator_origin("operator")
}

fn line(row: &keyring::SealKeyRow) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        row.id,
        row.state,
        row.kind,
        crate::clock::rfc3339(row.not_after),
        row.subject,
        row.label
    )
}

/// Runs `tachiai seal …`.
pub fn run_seal(config: &Config, cmd: SealCommand) -> anyhow::Result<i32> {
    finish(seal(config, cmd))
}

/// Runs `tachiai tsa …`.
pub fn run_tsa(config: &Config, cmd: TsaCommand) -> anyhow::Result<i32> {
    finish(tsa(config, cmd))
}

fn finish(r: anyhow::Result<Result<(), Refusal>>) -> anyhow::Result<i32> {
    match r? {
        Ok(()) => Ok(0),
        Err(Refusal(code, message)) => {
            eprintln!("tachiai: {message}");
            Ok(code)
        }
    }
}

fn material(
    p12: Option<PathBuf>,
    password_file: Option<PathBuf>,
    key: Option<PathBuf>,
    cert: Option<PathBuf>,
    chain: &[PathBuf],
    pkcs11: Option<(String, String, String, String)>,
) -> Result<KeyMaterial, Refusal> {
    let chain_pem = || -> Result<String, Refusal> {
        let mut s = String::new();
        for c in chain {
            s.push_str(&read_text(c)?);
            s.push('\n');
        }
        Ok(s)
    };
    if let Some(p12) = p12 {
        let password = match password_file {
            Some(f) => read_text(&f)?.lines().next().unwrap_or_default().to_owned(),
            None => String::new(),
        };
        return Ok(KeyMaterial::Pkcs12 {
            der: read(&p12)?,
            password,
        });
    }
    let Some(cert) = cert else {
        return Err(Refusal(
            2,
            "give --p12, or --key with --cert, or --pkcs11-* with --cert.".into(),
        ));
    };
    if let Some(key) = key {
        return Ok(KeyMaterial::Pem {
            key_pem: read_text(&key)?,
            cert_pem: read_text(&cert)?,
            chain_pem: chain_pem()?,
        });
    }
    match pkcs11 {
        Some((module, token_label, key_label, pin_file)) => Ok(KeyMaterial::Pkcs11 {
            module,
            token_label,
            key_label,
            pin_file,
            cert_pem: read_text(&cert)?,
            chain_pem: chain_pem()?,
        }),
        None => Err(Refusal(
            2,
            "--cert needs --key or the --pkcs11-* options.".into(),
        )),
    }
}

fn seal(config: &Config, cmd: SealCommand) -> anyhow::Result<Result<(), Refusal>> {
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    crate::startup::install_audit_key(config)?;
    let keys = crate::secrets::KeyRing::from_config(config)?;
    let now = Millis::now();
    Ok((|| -> Result<(), Refusal> {
        match cmd {
            SealCommand::List => {
                let rows = keyring::list(&mut conn)?;
                if !rows.iter().any(|r| r.state == keyring::ACTIVE) {
                    println!(
                        "# no active key: the configured key, else the development PKI, seals"
                    );
                }
                for r in &rows {
                    println!("{}", line(r));
                }
                Ok(())
            }
            SealCommand::Import(args) => {
                let ImportArgs {
                    label,
                    p12,
                    password_file,
                    key,
                    cert,
                    chain,
                    pkcs11_module,
                    pkcs11_token,
                    pkcs11_key,
                    pkcs11_pin_file,
                    activate,
                } = *args;
                let pkcs11 = match (pkcs11_module, pkcs11_token, pkcs11_key, pkcs11_pin_file) {
                    (Some(m), Some(t), Some(k), Some(p)) => Some((m, t, k, p)),
                    _ => None,
                };
                let m = material(p12, password_file, key, cert, &chain, pkcs11)?;
                let mut row = keyring::import(&mut conn, &keys, &label, &m, &operator(), now)?;
                if activate {
                    row = keyring::activate(&mut conn, &keys, &row.id, &operator(), now)?;
                }
                println!("{}", line(&row));
                Ok(())
            }
            SealCommand::Activate { id } => {
                let row = keyring::activate(&mut conn, &keys, &id, &operator(), now)?;
                println!("{}", line(&row));
                Ok(())
            }
            SealCommand::Retire { id } => {
                let row = keyring::retire(&mut conn, &id, &operator(), now)?;
                println!("{}", line(&row));
                Ok(())
            }
        }
    })())
}

fn tsa(config: &Config, cmd: TsaCommand) -> anyhow::Result<Result<(), Refusal>> {
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    crate::startup::install_audit_key(config)?;
    let now = Millis::now();
    let changed = match cmd {
        TsaCommand::List => Ok(()),
        TsaCommand::Add { url, position } => {
            tsas::add(&mut conn, &url, position, &operator(), now).map(|_| ())
        }
        TsaCommand::Remove { tsa } => tsas::remove(&mut conn, &tsa, &operator(), now),
        TsaCommand::Move { tsa, position } => {
            tsas::move_to(&mut conn, &tsa, position, &operator(), now)
        }
    };
    if let Err(e) = changed {
        return Ok(Err(e.into()));
    }
    let listed = crate::seal::service::tsa_list(&mut conn)?;
    let (source, urls): (&str, Vec<(String, String)>) = if !listed.is_empty() {
        ("database", listed)
    } else if !config.tsa_urls.is_empty() {
        (
            "configured (tsa_urls)",
            config
                .tsa_urls
                .iter()
                .map(|u| ("-".to_owned(), u.clone()))
                .collect(),
        )
    } else {
        ("the development PKI's built-in TSA", Vec::new())
    };
    println!("# source: {source}");
    for (i, (id, url)) in urls.iter().enumerate() {
        let health = crate::seal::service::tsa_health_of(&mut conn, url)?.unwrap_or_default();
        let at = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), crate::clock::rfc3339);
        println!(
            "{}\t{id}\t{url}\tlast success {}\tlast error {} {}\tcertificate until {}",
            i + 1,
            at(health.0),
            at(health.1),
            health.2.unwrap_or_default(),
            at(health.4),
        );
    }
    Ok(Ok(()))
}
