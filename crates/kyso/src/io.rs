//! File input and output: whole-file reads, atomic writes, credential loading.

use std::io::Write;
use std::path::{Path, PathBuf};

use kyso_pki::Credential;

use crate::Error;

/// Reads a whole file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Files at least this large are memory-mapped for verification instead of read.
pub const MAP_THRESHOLD: u64 = 4 << 20;

/// A document's bytes: read into memory when small, memory-mapped when large, so that a
/// huge document is hashed straight from the page cache and never copied onto the heap.
pub enum FileBytes {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(v) => v,
            FileBytes::Mapped(m) => m,
        }
    }
}

/// Opens a document for reading: small files are read, files of [`MAP_THRESHOLD`] bytes or
/// more are mapped read-only. As with any memory-mapped reader (ripgrep's among them), a
/// file truncated by another process while it is being verified can stop the process; kyso
/// expects documents under verification not to be rewritten in place.
pub fn open_bytes(path: &Path) -> Result<FileBytes, Error> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len >= MAP_THRESHOLD {
        // SAFETY: the map is read-only and private to this process; the bytes are treated
        // as untrusted input by every parser. The remaining hazard (truncation by another
        // process while mapped) is documented above.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) };
        if let Ok(map) = map {
            return Ok(FileBytes::Mapped(map));
        }
    }
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut data)
        .map_err(|e| Error::io(path, e))?;
    Ok(FileBytes::Read(data))
}

/// Writes `data` to a temporary file beside `path`, syncs it, and renames it into place, so
/// that `path` is either absent/unchanged or complete.
pub fn write_atomically(path: &Path, data: &[u8]) -> Result<(), Error> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(data).map_err(|e| Error::io(path, e))?;
    file.commit()
}

/// Loads a signing credential: a PKCS#12 file with its password.
///
/// The errors a program may handle: [`Error::Io`], [`Error::WrongPassword`],
/// [`Error::WrongFileKind`] (not a PKCS#12 file: a PEM certificate, a key...),
/// [`Error::KeyStore`] (a corrupt PKCS#12 file, or one without a key and its certificate) and
/// [`Error::UnsupportedKey`].
pub fn load_credential(path: &Path, password: &str) -> Result<Credential, Error> {
    let data = read_file(path)?;
    credential_from_pkcs12(&path.display().to_string(), &data, password)
}

/// Loads a signing credential from a PKCS#12 file held in memory; `name` names it in errors.
/// The errors are those of [`load_credential`].
pub fn credential_from_pkcs12(
    name: &str,
    data: &[u8],
    password: &str,
) -> Result<Credential, Error> {
    use kyso_pki::Error as P;
    Credential::from_pkcs12(data, password).map_err(|e| match e {
        P::WrongPassword => Error::WrongPassword {
            path: name.to_string(),
        },
        P::Key(_) | P::UnsupportedAlgorithm(_) => Error::UnsupportedKey(format!("{name}: {e}")),
        other => match crate::sniff(data) {
            crate::FileKind::Pkcs12 => Error::KeyStore {
                path: name.to_string(),
                reason: other.to_string(),
            },
            found => Error::WrongFileKind {
                path: name.to_string(),
                expected: crate::FileKind::Pkcs12,
                found,
            },
        },
    })
}

/// A file written in a stream and renamed into place only on [`AtomicFile::commit`]: until
/// then the destination is untouched, and dropping without committing removes the temporary.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Creates the temporary file beside `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile, Error> {
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        for attempt in 0..100u32 {
            let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => {
                    return Ok(AtomicFile {
                        tmp,
                        dest: dest.to_path_buf(),
                        file: Some(std::io::BufWriter::new(f)),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                // The temporary's name is an internal detail: name the destination.
                Err(e) => return Err(Error::io(dest, e)),
            }
        }
        Err(Error::Invalid(format!(
            "cannot create a temporary file beside {}",
            dest.display()
        )))
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let Some(buffered) = self.file.take() else {
            return Ok(());
        };
        let file = buffered
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
