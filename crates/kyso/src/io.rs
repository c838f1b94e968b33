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
/// then the destination is untouched, and dropping without committing (or a failed commit)
/// removes the temporary. Errors name the destination, never the temporary, and say why a
/// destination cannot be written: its folder does not exist, is a file, or is not writable, or
/// the destination is itself a folder.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Creates the temporary file beside `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile, Error> {
        let dir = folder_of(dest);
        if dest.is_dir() {
            return Err(cannot_write(
                dest,
                std::io::ErrorKind::IsADirectory,
                "it is a folder; give a file name".into(),
            ));
        }
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
                Err(e) => return Err(unwritable_folder(dest, dir, e)),
            }
        }
        Err(Error::Invalid(format!(
            "cannot create a temporary file beside {}",
            dest.display()
        )))
    }

    /// Flushes, syncs and renames the file into place. On failure the temporary is removed
    /// and the destination is left as it was.
    pub fn commit(mut self) -> Result<(), Error> {
        let Some(buffered) = self.file.take() else {
            return Ok(());
        };
        let result = buffered
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| file.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.dest));
        result.map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            if e.kind() == std::io::ErrorKind::IsADirectory || self.dest.is_dir() {
                cannot_write(
                    &self.dest,
                    e.kind(),
                    "it is a folder; give a file name".into(),
                )
            } else {
                Error::io(&self.dest, e)
            }
        })
    }
}

/// The folder a file is written into (`.` for a bare file name).
fn folder_of(dest: &Path) -> &Path {
    dest.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// An error that names `dest` and says why it cannot be written.
fn cannot_write(dest: &Path, kind: std::io::ErrorKind, why: String) -> Error {
    Error::io(
        dest,
        std::io::Error::new(kind, format!("cannot be written: {why}")),
    )
}

/// Why no file can be created in `dir`, the folder of `dest`, after `e`: the folder is
/// missing, is a file (or lies under one), or is not writable; else `e` itself, against `dest`.
fn unwritable_folder(dest: &Path, dir: &Path, e: std::io::Error) -> Error {
    use std::io::ErrorKind;
    let kind = e.kind();
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => cannot_write(
            dest,
            ErrorKind::NotADirectory,
            format!("{} is a file, not a folder", dir.display()),
        ),
        Ok(_) if kind == ErrorKind::PermissionDenied => cannot_write(
            dest,
            kind,
            format!("the folder {} is not writable", dir.display()),
        ),
        Ok(_) if kind == ErrorKind::ReadOnlyFilesystem => cannot_write(
            dest,
            kind,
            format!("the folder {} is on a read-only file system", dir.display()),
        ),
        Ok(_) => Error::io(dest, e),
        Err(m) => {
            // A file somewhere on the way (`notes.txt/out.pdf`) or a folder that is missing.
            if let Some(file) = dir.ancestors().find(|a| a.is_file()) {
                cannot_write(
                    dest,
                    ErrorKind::NotADirectory,
                    format!("{} is a file, not a folder", file.display()),
                )
            } else if m.kind() == ErrorKind::NotFound {
                cannot_write(
                    dest,
                    ErrorKind::NotFound,
                    format!("the folder {} does not exist", dir.display()),
                )
            } else {
                Error::io(dest, e)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("kyso-io-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("scratch folder");
            Scratch(dir)
        }
        fn entries(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .expect("list")
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_missing_folder_is_named_and_no_temporary_is_mentioned() {
        let s = Scratch::new("missing");
        let dest = s.0.join("nosuchdir").join("out.pdf");
        let e = write_atomically(&dest, b"x").expect_err("no folder");
        let text = e.to_string();
        let folder = s.0.join("nosuchdir");
        assert!(
            text.contains(&format!("the folder {} does not exist", folder.display())),
            "{text}"
        );
        assert!(text.starts_with(&dest.display().to_string()), "{text}");
        assert!(!text.contains(".tmp"), "{text}");
        assert!(s.entries().is_empty());
    }

    #[test]
    fn a_file_in_the_way_is_named() {
        let s = Scratch::new("file");
        let notes = s.0.join("notes.txt");
        std::fs::write(&notes, b"notes").expect("write");
        for dest in [notes.join("out.pdf"), notes.join("deeper").join("out.pdf")] {
            let text = write_atomically(&dest, b"x")
                .expect_err("a file")
                .to_string();
            assert!(
                text.contains(&format!("{} is a file, not a folder", notes.display())),
                "{text}"
            );
        }
        assert_eq!(s.entries(), ["notes.txt"]);
    }

    #[test]
    fn a_folder_as_the_destination_is_refused_and_nothing_is_left() {
        let s = Scratch::new("folder");
        let sub = s.0.join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        let text = write_atomically(&sub, b"x")
            .expect_err("a folder")
            .to_string();
        assert!(text.contains("is a folder"), "{text}");
        assert_eq!(s.entries(), ["sub"]);
    }

    #[test]
    fn a_commit_that_fails_removes_the_temporary() {
        let s = Scratch::new("commit");
        let dest = s.0.join("out.pdf");
        let mut f = AtomicFile::create(&dest).expect("create");
        f.write_all(b"half").expect("write");
        // The destination becomes a non-empty folder meanwhile: the rename fails.
        std::fs::create_dir(&dest).expect("mkdir");
        std::fs::write(dest.join("inside"), b"x").expect("write");
        let text = f.commit().expect_err("rename fails").to_string();
        assert!(!text.contains(".tmp"), "{text}");
        assert_eq!(s.entries(), ["out.pdf"]);
    }

    #[test]
    fn a_good_write_replaces_the_destination() {
        let s = Scratch::new("good");
        let dest = s.0.join("out.pdf");
        std::fs::write(&dest, b"old").expect("write");
        write_atomically(&dest, b"new").expect("write");
        assert_eq!(std::fs::read(&dest).expect("read"), b"new");
        assert_eq!(s.entries(), ["out.pdf"]);
    }
}
