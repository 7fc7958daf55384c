//! Where an export goes and where an import comes from: a directory, a ZIP file or a tar file
//! (POSIX ustar, written and read here: the entries are plain files with short names, so the
//! format's whole surface is one 512-byte header per file). Writers stage into a temporary
//! sibling of the target and rename it into place only when complete, so a failed or killed
//! export never leaves something that looks like a finished one.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;

use super::TenantIoError;

/// Which container, from the path: an existing directory or a name without `.zip`/`.tar` is a
/// directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A directory tree.
    Dir,
    /// A ZIP file.
    Zip,
    /// A tar file (ustar).
    Tar,
}

impl Container {
    /// The container `path` names.
    pub fn of(path: &Path) -> Container {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if path.is_dir() {
            Container::Dir
        } else if name.ends_with(".zip") {
            Container::Zip
        } else if name.ends_with(".tar") {
            Container::Tar
        } else {
            Container::Dir
        }
    }
}

pub use crate::storage::{hash_reader, hashing_copy};

enum SinkKind {
    Dir,
    Zip(Box<zip::ZipWriter<File>>),
    Tar(BufWriter<File>),
}

/// An export being written.
pub struct Sink {
    target: PathBuf,
    staging: PathBuf,
    kind: SinkKind,
}

impl Sink {
    /// Starts writing to `target`, which must not exist.
    pub fn create(target: &Path) -> Result<Sink, TenantIoError> {
        if target.exists() {
            return Err(TenantIoError::OutputExists(target.to_owned()));
        }
        let container = Container::of(target);
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let staging = parent.join(format!(".{name}.partial-{}", uuid::Uuid::new_v4()));
        let kind = match container {
            Container::Dir => {
                crate::private_fs::create_dir(&staging)?;
                SinkKind::Dir
            }
            Container::Zip => SinkKind::Zip(Box::new(zip::ZipWriter::new(
                crate::private_fs::create_file(&staging)?,
            ))),
            Container::Tar => {
                SinkKind::Tar(BufWriter::new(crate::private_fs::create_file(&staging)?))
            }
        };
        Ok(Sink {
            target: target.to_owned(),
            staging,
            kind,
        })
    }

    /// Adds the entry `name` (`/`-separated, relative) of `size` bytes; returns its SHA-256 and
    /// size as written. `compress`: worth deflating (JSON), not for PDFs.
    pub fn add(
        &mut self,
        name: &str,
        input: impl Read,
        size: u64,
        compress: bool,
    ) -> Result<(String, u64), TenantIoError> {
        let written = match &mut self.kind {
            SinkKind::Dir => {
                let path = self.staging.join(name);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut file = BufWriter::new(crate::private_fs::create_file(&path)?);
                let written = hashing_copy(input, &mut file)?;
                file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                written
            }
            SinkKind::Zip(zip) => {
                let method = if compress {
                    zip::CompressionMethod::Deflated
                } else {
                    zip::CompressionMethod::Stored
                };
                let options = SimpleFileOptions::default()
                    .compression_method(method)
                    .large_file(size >= u32::MAX as u64)
                    .unix_permissions(0o600);
                zip.start_file(name, options)
                    .map_err(|e| anyhow::anyhow!("zip: {e}"))?;
                hashing_copy(input, zip)?
            }
            SinkKind::Tar(out) => {
                out.write_all(&ustar_header(name, size)?)?;
                let written = hashing_copy(input, &mut *out)?;
                let pad = (512 - (written.1 % 512) as usize) % 512;
                out.write_all(&vec![0u8; pad])?;
                written
            }
        };
        if written.1 != size {
            return Err(TenantIoError::Other(anyhow::anyhow!(
                "{name} changed while it was exported ({size} bytes expected, {} read)",
                written.1
            )));
        }
        Ok(written)
    }

    /// Completes the export and moves it into place.
    pub fn finish(mut self) -> Result<PathBuf, TenantIoError> {
        match std::mem::replace(&mut self.kind, SinkKind::Dir) {
            SinkKind::Dir => {}
            SinkKind::Zip(zip) => {
                (*zip)
                    .finish()
                    .map_err(|e| anyhow::anyhow!("zip: {e}"))?
                    .sync_all()?;
            }
            SinkKind::Tar(mut out) => {
                out.write_all(&[0u8; 1024])?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            }
        }
        if self.target.exists() {
            return Err(TenantIoError::OutputExists(self.target.clone()));
        }
        std::fs::rename(&self.staging, &self.target)?;
        let target = self.target.clone();
        // Renamed: nothing left for Drop to remove.
        self.staging = PathBuf::new();
        Ok(target)
    }
}

impl Drop for Sink {
    /// An unfinished export is removed.
    fn drop(&mut self) {
        if self.staging.as_os_str().is_empty() {
            return;
        }
        let _ = if self.staging.is_dir() {
            std::fs::remove_dir_all(&self.staging)
        } else {
            std::fs::remove_file(&self.staging)
        };
    }
}

fn octal(field: &mut [u8], value: u64) -> Result<(), TenantIoError> {
    let text = format!("{value:0width$o}", width = field.len() - 1);
    if text.len() > field.len() - 1 {
        return Err(TenantIoError::Other(anyhow::anyhow!(
            "a file of {value} bytes is too large for tar"
        )));
    }
    field[..text.len()].copy_from_slice(text.as_bytes());
    Ok(())
}

/// A ustar header for a regular file.
fn ustar_header(name: &str, size: u64) -> Result<[u8; 512], TenantIoError> {
    let mut h = [0u8; 512];
    if name.len() > 100 {
        return Err(TenantIoError::Other(anyhow::anyhow!(
            "entry name too long for tar: {name}"
        )));
    }
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], 0o600)?;
    octal(&mut h[108..116], 0)?;
    octal(&mut h[116..124], 0)?;
    octal(&mut h[124..136], size)?;
    octal(&mut h[136..148], 0)?;
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| b as u64).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    Ok(h)
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Indexes the regular files of a tar: name → (data offset, size).
fn tar_index(file: &mut File) -> Result<BTreeMap<String, (u64, u64)>, TenantIoError> {
    let damaged = |why: &str| TenantIoError::NotAnExport(format!("a damaged tar file ({why})"));
    let mut index = BTreeMap::new();
    let len = file.metadata()?.len();
    let mut offset = 0u64;
    loop {
        let mut h = [0u8; 512];
        file.seek(SeekFrom::Start(offset))?;
        if offset + 512 > len {
            return Err(damaged("it ends inside a header"));
        }
        file.read_exact(&mut h)?;
        if h.iter().all(|&b| b == 0) {
            return Ok(index);
        }
        let stored = parse_octal(&h[148..156]).ok_or_else(|| damaged("a bad checksum field"))?;
        let mut sum_h = h;
        sum_h[148..156].copy_from_slice(b"        ");
        if sum_h.iter().map(|&b| b as u64).sum::<u64>() != stored {
            return Err(damaged("a header checksum does not match"));
        }
        let size = parse_octal(&h[124..136]).ok_or_else(|| damaged("a bad size field"))?;
        let mut name = c_string(&h[..100]);
        let prefix = c_string(&h[345..500]);
        if &h[257..262] == b"ustar" && !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        let data = offset + 512;
        if data + size > len {
            return Err(damaged("it ends inside a file"));
        }
        if matches!(h[156], b'0' | 0) {
            index.insert(name, (data, size));
        }
        offset = data + size.div_ceil(512) * 512;
    }
}

enum SourceKind {
    Dir(PathBuf),
    Zip(zip::ZipArchive<File>),
    Tar(File, BTreeMap<String, (u64, u64)>),
}

/// An export being read.
pub struct Source {
    kind: SourceKind,
}

impl Source {
    /// Opens the export at `path`.
    pub fn open(path: &Path) -> Result<Source, TenantIoError> {
        let not_export = || TenantIoError::NotAnExport(path.display().to_string());
        if !path.exists() {
            return Err(TenantIoError::NoSuchExport(path.to_owned()));
        }
        let kind = match Container::of(path) {
            Container::Dir if path.is_dir() => SourceKind::Dir(path.to_owned()),
            Container::Dir => return Err(not_export()),
            Container::Zip => {
                SourceKind::Zip(zip::ZipArchive::new(File::open(path)?).map_err(|_| not_export())?)
            }
            Container::Tar => {
                let mut file = File::open(path)?;
                let index = tar_index(&mut file)?;
                SourceKind::Tar(file, index)
            }
        };
        Ok(Source { kind })
    }

    /// Every regular file's name, `/`-separated, relative to the export's root.
    pub fn names(&mut self) -> Result<Vec<String>, TenantIoError> {
        Ok(match &mut self.kind {
            SourceKind::Dir(root) => {
                let mut out = Vec::new();
                let mut stack = vec![root.clone()];
                while let Some(dir) = stack.pop() {
                    for entry in std::fs::read_dir(&dir)? {
                        let path = entry?.path();
                        if path.is_dir() {
                            stack.push(path);
                        } else {
                            let rel = path.strip_prefix(&*root).unwrap_or(&path);
                            out.push(
                                rel.components()
                                    .map(|c| c.as_os_str().to_string_lossy())
                                    .collect::<Vec<_>>()
                                    .join("/"),
                            );
                        }
                    }
                }
                out.sort();
                out
            }
            SourceKind::Zip(zip) => {
                let mut out = Vec::new();
                for name in zip.file_names() {
                    let name = name.map_err(|e| {
                        TenantIoError::NotAnExport(format!("a damaged ZIP file ({e})"))
                    })?;
                    if !name.ends_with('/') {
                        out.push(name.into_owned());
                    }
                }
                out
            }
            SourceKind::Tar(_, index) => index.keys().cloned().collect(),
        })
    }

    /// Hands the entry `name` to `f` as a reader; `Ok(None)` when there is no such entry.
    pub fn read<R>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn Read) -> Result<R, TenantIoError>,
    ) -> Result<Option<R>, TenantIoError> {
        match &mut self.kind {
            SourceKind::Dir(root) => {
                if name
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
                {
                    return Ok(None);
                }
                match File::open(root.join(name)) {
                    Ok(file) => f(&mut std::io::BufReader::new(file)).map(Some),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e.into()),
                }
            }
            SourceKind::Zip(zip) => match zip.by_name(name) {
                Ok(mut entry) => f(&mut entry).map(Some),
                Err(zip::result::ZipError::FileNotFound) => Ok(None),
                Err(e) => Err(TenantIoError::NotAnExport(format!(
                    "a damaged ZIP file ({e})"
                ))),
            },
            SourceKind::Tar(file, index) => {
                let Some(&(offset, size)) = index.get(name) else {
                    return Ok(None);
                };
                file.seek(SeekFrom::Start(offset))?;
                let mut reader = std::io::BufReader::new(Read::take(&mut *file, size));
                f(&mut reader).map(Some)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_container_reads_back_what_was_written() {
        let dir = std::env::temp_dir().join(format!("tachiai-archive-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["out", "out.zip", "out.tar"] {
            let target = dir.join(name);
            let mut sink = Sink::create(&target).unwrap();
            let big = vec![7u8; 70_000];
            let (sha, size) = sink.add("files/a", &big[..], 70_000, false).unwrap();
            assert_eq!(size, 70_000);
            sink.add("manifest.json", &b"{}"[..], 2, true).unwrap();
            sink.finish().unwrap();
            assert!(matches!(
                Sink::create(&target),
                Err(TenantIoError::OutputExists(_))
            ));
            let mut source = Source::open(&target).unwrap();
            assert_eq!(
                source.names().unwrap(),
                ["files/a", "manifest.json"],
                "{name}"
            );
            let back = source
                .read("files/a", |r| Ok(hash_reader(r)?))
                .unwrap()
                .unwrap();
            assert_eq!(back, (sha.clone(), 70_000), "{name}");
            assert!(source.read("nope", |_| Ok(())).unwrap().is_none());
        }
        // Nothing staged is left behind.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
