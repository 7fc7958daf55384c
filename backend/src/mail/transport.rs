//! Where a finished message goes: the `.eml` outbox or an SMTP relay (blocking lettre client
//! with rustls; no OpenSSL).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport as _};
use time::OffsetDateTime;
use time::macros::format_description;

use super::config::{MailTransportConfig, SmtpSecurity};
use crate::jobs::JobError;

/// A configured transport.
pub(super) enum Transport {
    /// Files in this directory.
    File(PathBuf),
    /// An SMTP relay (a connection per message).
    Smtp(Box<SmtpTransport>),
}

impl Transport {
    pub(super) fn from_config(config: &MailTransportConfig) -> anyhow::Result<Transport> {
        Ok(match config {
            MailTransportConfig::File { outbox_dir } => Transport::File(outbox_dir.clone()),
            MailTransportConfig::Smtp(s) => {
                let builder = match s.security {
                    SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&s.host)?,
                    SmtpSecurity::Tls => SmtpTransport::relay(&s.host)?,
                    SmtpSecurity::None => SmtpTransport::builder_dangerous(&s.host),
                };
                let mut builder = builder.port(s.port).timeout(Some(s.timeout));
                if let Some((user, password)) = &s.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Transport::Smtp(Box::new(builder.build()))
            }
        })
    }

    /// Delivers `message`. A relay that cannot be reached, or answers with a transient (4xx)
    /// error, is a [`JobError::Retry`]; a permanent (5xx) refusal is [`JobError::Permanent`].
    pub(super) fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<String, JobError> {
        match self {
            Transport::File(dir) => write_outbox(dir, message)
                .map(|path| path.display().to_string())
                .map_err(|e| {
                    JobError::Retry(format!("cannot write to the outbox {}: {e}", dir.display()))
                }),
            Transport::Smtp(smtp) => match smtp.send_raw(envelope, message) {
                Ok(response) => Ok(format!("SMTP {}", response.code())),
                Err(e) if e.is_permanent() => Err(JobError::Permanent(format!(
                    "the SMTP server refused the message: {e}"
                ))),
                Err(e) => Err(JobError::Retry(format!("SMTP: {e}"))),
            },
        }
    }
}

/// Writes `message` into `dir` as `20261125T154501.123Z-<uuid>.eml` (names sort by time),
/// atomically: a hidden temp file, synced, then renamed, so a reader never sees half a mail.
pub fn write_outbox(dir: &Path, message: &[u8]) -> std::io::Result<PathBuf> {
    crate::private_fs::create_dir(dir)?;
    let stamp = OffsetDateTime::now_utc()
        .format(format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
        ))
        .map_err(std::io::Error::other)?;
    let name = format!("{stamp}-{}.eml", uuid::Uuid::new_v4());
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut file = crate::private_fs::create_file(&tmp)?;
        file.write_all(message)?;
        file.sync_all()?;
        let path = dir.join(&name);
        fs::rename(&tmp, &path)?;
        Ok(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_files_sort_by_time_and_leave_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("tachiai-outbox-{}", uuid::Uuid::new_v4()));
        let a = write_outbox(&dir, b"first").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = write_outbox(&dir, b"second").unwrap();
        assert!(a.file_name() < b.file_name());
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            name.len(),
            "20261125T154501.123Z-".len() + 36 + ".eml".len(),
            "{name}"
        );
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2);
        assert_eq!(fs::read(&b).unwrap(), b"second");
        fs::remove_dir_all(dir).unwrap();
    }
}
