//! Writing an export directory atomically: files go to a temporary sibling directory,
//! which is renamed into place only when every file is written, so an interrupted export
//! never leaves half a project behind.

use super::error::CExportError;
use std::path::Path;

/// Writes `files` (name, contents) into `dir`. `dir` must not exist or be empty, unless
/// `force`, which replaces it.
pub fn write_dir(dir: &Path, files: &[(String, String)], force: bool) -> Result<(), CExportError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CExportError::Io { path, source }
    };
    let non_empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io(dir)(e)),
    };
    if dir.exists() && !dir.is_dir() {
        return Err(CExportError::Destination { path: dir.to_owned(), reason: "it is a file".into() });
    }
    if non_empty && !force {
        return Err(CExportError::Destination {
            path: dir.to_owned(),
            reason: "it is not empty (pass --force to replace it)".into(),
        });
    }
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("export");
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let tmp = parent.join(format!(".{name}.tinyml-tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir(&tmp).map_err(io(&tmp))?;
    let result = (|| {
        for (file, text) in files {
            let path = tmp.join(file);
            std::fs::write(&path, text).map_err(io(&path))?;
        }
        if dir.exists() {
            // Empty, or replaced under --force.
            std::fs::remove_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::rename(&tmp, dir).map_err(io(dir))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_empty_without_force_and_replaces_with_it() {
        let base = std::env::temp_dir().join(format!("tinyml-cexport-out-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("out");
        let files = vec![("a.txt".to_owned(), "1".to_owned())];
        write_dir(&dir, &files, false).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "1");
        let err = write_dir(&dir, &[("b.txt".to_owned(), "2".to_owned())], false).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(!dir.join("b.txt").exists());
        write_dir(&dir, &[("b.txt".to_owned(), "2".to_owned())], true).unwrap();
        assert!(dir.join("b.txt").exists() && !dir.join("a.txt").exists());
        // No temporary directory is left behind.
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
