//! The workspace's pseudonymisation key: 32 random bytes, kept as hex in the workspace's salt
//! file and created on first use.
//!
//! Reads and writes only that file. Invariant: once written, the salt never changes, so the
//! participant ids made with it stay the same across runs; a file that does not hold 64 hex
//! digits is replaced.

use super::IngestError;
use chorus_core::model::Workspace;

/// The workspace's salt, created (random) on first use.
pub(crate) fn load_salt(ws: &Workspace) -> Result<[u8; 32], IngestError> {
    let path = ws.salt_file();
    let err = |source| IngestError::Workspace {
        path: ws.root().to_path_buf(),
        source,
    };
    if let Ok(hex) = std::fs::read_to_string(&path) {
        if let Some(bytes) = parse_hex32(hex.trim()) {
            return Ok(bytes);
        }
    }
    std::fs::create_dir_all(ws.root()).map_err(err)?;
    let salt = chorus_core::sys::random_bytes();
    let hex = chorus_core::sys::hex(&salt);
    std::fs::write(&path, hex + "\n").map_err(err)?;
    Ok(salt)
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}
