//! Mail settings (`mail_*`, `smtp_*`, `outbox_dir`), read by `config::Config`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::Mailbox;

/// How mail leaves the server.
#[derive(Clone)]
pub struct MailConfig {
    /// The `From` of every mail.
    pub from: Mailbox,
    /// Where it goes.
    pub transport: MailTransportConfig,
}

/// The transport.
#[derive(Debug, Clone)]
pub enum MailTransportConfig {
    /// Each message becomes an `.eml` file in this directory (the default; development,
    /// tests, and sites that pick mail up from a directory).
    File {
        /// The outbox.
        outbox_dir: PathBuf,
    },
    /// An SMTP relay.
    Smtp(SmtpConfig),
}

/// An SMTP relay.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Host name (also the name its TLS certificate must carry).
    pub host: String,
    /// Port.
    pub port: u16,
    /// How the connection is protected.
    pub security: SmtpSecurity,
    /// AUTH user and password, when the relay needs them.
    pub credentials: Option<(String, String)>,
    /// Timeout of each network operation.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.credentials.as_ref().map(|(u, _)| u))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("from", &self.from.to_string())
            .field("transport", &self.transport)
            .finish()
    }
}

/// `smtp_security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (default port 587).
    StartTls,
    /// TLS from the first byte, "SMTPS" (default port 465).
    Tls,
    /// No encryption (default port 25): only for a relay on the same host or network.
    None,
}

impl SmtpSecurity {
    /// The setting's text.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }

    fn parse(s: &str) -> Option<SmtpSecurity> {
        match s {
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" => Some(SmtpSecurity::Tls),
            "none" => Some(SmtpSecurity::None),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }
    }
}

/// Default of `mail_from`.
pub const DEFAULT_FROM: &str = "tachiai@localhost";
/// Default of `mail_from_name`.
pub const DEFAULT_FROM_NAME: &str = "立会 電子契約";

impl MailConfig {
    /// Reads the mail settings through `get` (the effective value of a key, `None` when
    /// unset); `data_dir` places the default outbox.
    pub fn from_settings(
        get: &dyn Fn(&str) -> Option<String>,
        data_dir: &Path,
    ) -> anyhow::Result<MailConfig> {
        let address = get("mail_from").unwrap_or_else(|| DEFAULT_FROM.to_owned());
        let address = address.parse().map_err(|e| {
            anyhow::anyhow!("setting `mail_from`: `{address}` is not an address: {e}")
        })?;
        let name = get("mail_from_name").unwrap_or_else(|| DEFAULT_FROM_NAME.to_owned());
        let from = Mailbox::new(Some(name), address);
        let transport = match get("mail_transport").as_deref().unwrap_or("file") {
            "file" => MailTransportConfig::File {
                outbox_dir: get("outbox_dir")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("outbox")),
            },
            "smtp" => {
                let Some(host) = get("smtp_host") else {
                    bail!("setting `smtp_host` is required when `mail_transport` is smtp");
                };
                let security = match get("smtp_security") {
                    None => SmtpSecurity::StartTls,
                    Some(s) => SmtpSecurity::parse(&s).with_context(|| {
                        format!("setting `smtp_security`: `{s}` is not starttls, tls or none")
                    })?,
                };
                let port = match get("smtp_port") {
                    None => security.default_port(),
                    Some(p) => p
                        .parse()
                        .map_err(|_| anyhow::anyhow!("setting `smtp_port`: `{p}` is not a port"))?,
                };
                let credentials = match (get("smtp_username"), get("smtp_password")) {
                    (Some(u), Some(p)) => Some((u, p)),
                    (None, None) => None,
                    _ => bail!("settings `smtp_username` and `smtp_password` go together"),
                };
                let timeout = match get("smtp_timeout_seconds") {
                    None => 30,
                    Some(t) => t.parse::<u64>().map_err(|_| {
                        anyhow::anyhow!("setting `smtp_timeout_seconds`: `{t}` is not a number")
                    })?,
                };
                MailTransportConfig::Smtp(SmtpConfig {
                    host,
                    port,
                    security,
                    credentials,
                    timeout: Duration::from_secs(timeout.max(1)),
                })
            }
            other => bail!("setting `mail_transport`: `{other}` is not file or smtp"),
        };
        Ok(MailConfig { from, transport })
    }

    /// The effective values for `tachiai config check`, the password masked.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("mail_from", self.from.email.to_string()),
            ("mail_from_name", self.from.name.clone().unwrap_or_default()),
        ];
        match &self.transport {
            MailTransportConfig::File { outbox_dir } => {
                rows.push(("mail_transport", "file".into()));
                rows.push(("outbox_dir", outbox_dir.display().to_string()));
            }
            MailTransportConfig::Smtp(s) => {
                rows.push(("mail_transport", "smtp".into()));
                rows.push(("smtp_host", s.host.clone()));
                rows.push(("smtp_port", s.port.to_string()));
                rows.push(("smtp_security", s.security.as_str().into()));
                if let Some((user, _)) = &s.credentials {
                    rows.push(("smtp_username", user.clone()));
                    rows.push(("smtp_password", "(set)".into()));
                }
                rows.push(("smtp_timeout_seconds", s.timeout.as_secs().to_string()));
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> anyhow::Result<MailConfig> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        MailConfig::from_settings(&get, Path::new("/srv/data"))
    }

    #[test]
    fn the_default_is_the_outbox_in_the_data_dir() {
        let c = config(&[]).unwrap();
        assert_eq!(c.from.email.to_string(), "tachiai@localhost");
        assert_eq!(c.from.name.as_deref(), Some("立会 電子契約"));
        assert!(
            matches!(c.transport, MailTransportConfig::File { ref outbox_dir }
            if outbox_dir == Path::new("/srv/data/outbox"))
        );
    }

    #[test]
    fn smtp_needs_a_host_and_takes_the_port_from_the_security() {
        assert!(config(&[("mail_transport", "smtp")]).is_err());
        let c = config(&[
            ("mail_transport", "smtp"),
            ("smtp_host", "mail.city.example.lg.jp"),
            ("smtp_security", "tls"),
            ("smtp_username", "tachiai"),
            ("smtp_password", "s3cret"),
        ])
        .unwrap();
        let MailTransportConfig::Smtp(s) = &c.transport else {
            panic!("smtp expected")
        };
        assert_eq!((s.port, s.security), (465, SmtpSecurity::Tls));
        let described = format!("{:?} {:?}", c, c.describe());
        assert!(!described.contains("s3cret"), "{described}");
        assert!(
            config(&[
                ("mail_transport", "smtp"),
                ("smtp_host", "h"),
                ("smtp_security", "ssl")
            ])
            .is_err()
        );
        assert!(
            config(&[
                ("mail_transport", "smtp"),
                ("smtp_host", "h"),
                ("smtp_username", "u")
            ])
            .is_err()
        );
        assert!(config(&[("mail_transport", "pigeon")]).is_err());
        assert!(config(&[("mail_from", "not an address")]).is_err());
    }
}
