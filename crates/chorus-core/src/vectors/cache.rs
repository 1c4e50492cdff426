//! The embedding cache: one append-only file per model in `.chorus/vectors/`, keyed by the
//! normalised text's hash, so a rerun or a new event embeds only text it has not seen.
//!
//! Layout: an 16-byte header (`CHORUSV1`, dimensions as u32 LE, 4 reserved bytes), then records
//! of a 16-byte key and `dim` f32 LE values. A run killed mid-append leaves a partial last
//! record, which loading ignores (and the next append overwrites).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CHORUSV1";
const HEADER: u64 = 16;

/// A 16-byte key from the hex `text_hash` of a unit.
pub fn key_of(text_hash: &str) -> [u8; 16] {
    let mut k = [0u8; 16];
    for (i, b) in k.iter_mut().enumerate() {
        *b = text_hash
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    k
}

/// The vectors of one model.
pub struct Cache {
    path: PathBuf,
    dim: usize,
    /// key -> row in `data`.
    rows: HashMap<[u8; 16], usize>,
    data: Vec<f32>,
    /// Bytes of complete records on disk (where the next append goes).
    valid_len: u64,
}

impl Cache {
    /// Opens (or starts) the cache file at `path` for `dim`-dimensional vectors.
    pub fn open(path: &Path, dim: usize) -> std::io::Result<Self> {
        let mut c = Cache {
            path: path.to_path_buf(),
            dim,
            rows: HashMap::new(),
            data: Vec::new(),
            valid_len: HEADER,
        };
        let Ok(mut f) = std::fs::File::open(path) else {
            return Ok(c);
        };
        let mut head = [0u8; HEADER as usize];
        if f.read_exact(&mut head).is_err()
            || &head[..8] != MAGIC
            || u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize != dim
        {
            // unreadable or another model's shape: start over
            return Ok(c);
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        let rec = 16 + 4 * dim;
        let n = bytes.len() / rec;
        c.data.reserve(n * dim);
        for r in 0..n {
            let b = &bytes[r * rec..(r + 1) * rec];
            let mut key = [0u8; 16];
            key.copy_from_slice(&b[..16]);
            if c.rows.contains_key(&key) {
                continue;
            }
            c.rows.insert(key, c.rows.len());
            c.data.extend(
                b[16..]
                    .chunks_exact(4)
                    .map(|x| f32::from_le_bytes([x[0], x[1], x[2], x[3]])),
            );
        }
        c.valid_len = HEADER + (n * rec) as u64;
        Ok(c)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn contains(&self, key: &[u8; 16]) -> bool {
        self.rows.contains_key(key)
    }

    pub fn get(&self, key: &[u8; 16]) -> Option<&[f32]> {
        self.rows
            .get(key)
            .map(|&r| &self.data[r * self.dim..(r + 1) * self.dim])
    }

    /// Appends vectors to the file (and to memory), syncing before returning.
    pub fn append(&mut self, items: &[([u8; 16], Vec<f32>)]) -> std::io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&self.path)?;
        if f.metadata()?.len() < HEADER || self.valid_len == HEADER && self.rows.is_empty() {
            f.set_len(0)?;
            let mut head = [0u8; HEADER as usize];
            head[..8].copy_from_slice(MAGIC);
            head[8..12].copy_from_slice(&(self.dim as u32).to_le_bytes());
            f.write_all(&head)?;
            self.valid_len = HEADER;
        }
        f.set_len(self.valid_len)?;
        f.seek(SeekFrom::Start(self.valid_len))?;
        let mut buf = Vec::with_capacity(items.len() * (16 + 4 * self.dim));
        for (key, v) in items {
            if v.len() != self.dim || self.rows.contains_key(key) {
                continue;
            }
            buf.extend_from_slice(key);
            for x in v {
                buf.extend_from_slice(&x.to_le_bytes());
            }
            self.rows.insert(*key, self.rows.len());
            self.data.extend_from_slice(v);
        }
        f.write_all(&buf)?;
        f.sync_data()?;
        self.valid_len += buf.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_reload_and_partial_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        let mut c = Cache::open(&path, 3).unwrap();
        c.append(&[
            (key_of("00ff"), vec![1.0, 2.0, 3.0]),
            (key_of("0100"), vec![4.0, 5.0, 6.0]),
        ])
        .unwrap();
        // a killed append leaves half a record
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(&[1, 2, 3, 4, 5]).unwrap();
        let mut c = Cache::open(&path, 3).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&key_of("0100")), Some(&[4.0f32, 5.0, 6.0][..]));
        c.append(&[(key_of("0200"), vec![7.0, 8.0, 9.0])]).unwrap();
        let c = Cache::open(&path, 3).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&key_of("0200")), Some(&[7.0f32, 8.0, 9.0][..]));
        // another dimension starts over
        assert_eq!(Cache::open(&path, 4).unwrap().len(), 0);
    }
}
