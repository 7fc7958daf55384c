//! The service's files are for the service alone: the database and its WAL, blobs, the mail
//! outbox (live signing links and codes), keys. Directories are created 0700 and files 0600
//! from the first byte — never created readable and tightened later — and `tachiai` starts with
//! the umask 077 so that files other libraries create (SQLite's WAL, the development PKI) follow.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Sets the process umask to 077: every file and directory created from now on is private to
/// the service's user.
pub fn restrict_new_files() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// `mkdir -p` with mode 0700 for every directory it creates.
pub fn create_dir(path: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// A new file (truncated if it exists) with mode 0600, for writing.
pub fn create_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// Makes an existing directory 0700 if group or others could enter it; says whether it did.
pub fn tighten_dir(path: &Path) -> io::Result<bool> {
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_files_are_private() {
        let root = std::env::temp_dir().join(format!("tachiai-private-{}", uuid::Uuid::new_v4()));
        create_dir(&root.join("a/b")).unwrap();
        for d in [root.join("a"), root.join("a/b")] {
            assert_eq!(
                std::fs::metadata(d).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        let f = root.join("a/b/x");
        create_file(&f).unwrap();
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(tighten_dir(&root).unwrap());
        assert!(!tighten_dir(&root).unwrap());
        assert_eq!(
            std::fs::metadata(&root).unwrap().permissions().mode() & 0o777,
            0o700
        );
        std::fs::remove_dir_all(root).unwrap();
    }
}
