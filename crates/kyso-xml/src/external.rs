//! External references (`URI` neither `""` nor `#id`): never fetched, unless the user names a
//! directory (`--allow-external DIR`), inside which relative file URIs are read. No network,
//! no absolute paths, no `..` or symbolic link leaving the directory.

use std::path::Path;

use crate::Error;

/// Reads the data of the external reference `uri` inside `dir`.
pub(crate) fn read(uri: &str, dir: Option<&Path>) -> Result<Vec<u8>, Error> {
    let Some(dir) = dir else {
        return Err(Error::Unsupported(format!(
            "external reference '{uri}' is not fetched (only same-document references; --allow-external DIR reads relative file URIs inside DIR)"
        )));
    };
    let refuse = |why: &str| Error::Unsupported(format!("external reference '{uri}': {why}"));
    let path = uri.split(['#', '?']).next().unwrap_or("");
    if path.is_empty()
        || path.contains(':')
        || path.starts_with('/')
        || path.starts_with('\\')
        || path.contains('\\')
    {
        return Err(refuse(
            "only relative file URIs are read with --allow-external (no scheme, no absolute path)",
        ));
    }
    if uri.contains('#') || uri.contains('?') {
        return Err(refuse(
            "a fragment or query in an external URI is not supported",
        ));
    }
    let decoded = percent_decode(path).ok_or_else(|| refuse("malformed percent-encoding"))?;
    let base = dir.canonicalize().map_err(|e| {
        refuse(&format!(
            "the --allow-external directory cannot be read: {e}"
        ))
    })?;
    let target = base.join(&decoded).canonicalize().map_err(|e| {
        refuse(&format!(
            "cannot be read inside the --allow-external directory: {e}"
        ))
    })?;
    if !target.starts_with(&base) {
        return Err(refuse("resolves outside the --allow-external directory"));
    }
    std::fs::read(&target).map_err(|e| refuse(&format!("cannot be read: {e}")))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let h = b.get(i + 1..i + 3)?;
            let h = std::str::from_utf8(h).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_without_a_directory() {
        let e = read("doc.txt", None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("'doc.txt'") && e.contains("not fetched"), "{e}");
    }

    #[test]
    fn no_escape() {
        let dir = std::env::temp_dir().join(format!("kyso-ext-{}", std::process::id()));
        let inner = dir.join("in");
        std::fs::create_dir_all(&inner).ok();
        std::fs::write(dir.join("secret.txt"), b"s").ok();
        std::fs::write(inner.join("ok.txt"), b"data").ok();
        assert_eq!(read("ok.txt", Some(&inner)).ok(), Some(b"data".to_vec()));
        assert!(read("../secret.txt", Some(&inner)).is_err());
        assert!(read("%2e%2e/secret.txt", Some(&inner)).is_err());
        assert!(read("http://example.com/x", Some(&inner)).is_err());
        assert!(read("file:///etc/passwd", Some(&inner)).is_err());
        assert!(read("/etc/passwd", Some(&inner)).is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret.txt"), inner.join("link.txt")).ok();
            assert!(read("link.txt", Some(&inner)).is_err());
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
