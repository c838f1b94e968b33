//! File input and output: whole-file reads, atomic writes, credential loading.

use std::io::Write;
use std::path::{Path, PathBuf};

use kyso_pki::Credential;

use crate::Error;

/// Reads a whole file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Writes `data` to a temporary file beside `path`, syncs it, and renames it into place, so
/// that `path` is either absent/unchanged or complete.
pub fn write_atomically(path: &Path, data: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp: PathBuf = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1
            }
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    };
    let result = file.write_all(data).and_then(|_| file.sync_all());
    drop(file);
    if let Err(e) = result.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Loads a signing credential: a PKCS#12 file with its password.
pub fn load_credential(path: &Path, password: &str) -> Result<Credential, Error> {
    let data = read_file(path)?;
    Credential::from_pkcs12(&data, password)
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}
