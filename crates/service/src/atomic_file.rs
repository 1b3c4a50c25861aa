//! Small files the service owns (`connections.json`, `settings.json`), written atomically:
//! temporary file, fsync, rename, fsync of the directory, so a crash leaves the old content or
//! the new, never half of either.

use crate::error::ServiceError;
use std::io::Write;
use std::path::Path;

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), ServiceError> {
    let io = |source: std::io::Error| ServiceError::DataDir {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    // The rename itself must reach the disk too.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
