//! The sandbox's own API key pair, generated once per install and kept beside its journal.
//!
//! A fixed, published key would let any program (or web page) that reaches the loopback port
//! trade the user's paper account; a key made on this machine is known only to whoever can read
//! the data dir. The file is `credentials.json` in the sandbox's data dir, created atomically
//! with mode 0600 (unix), and reused on every later start.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the key pair inside the sandbox's data dir.
pub const CREDENTIALS_FILE: &str = "credentials.json";

const KEY_ID_PREFIX: &str = "PK";
/// Random characters after the prefix: 18 of 36, about 93 bits (Alpaca's ids are 20 long).
const KEY_ID_RANDOM: usize = 18;
/// Secret length: 40 of 62 characters, about 238 bits.
const SECRET_LEN: usize = 40;
const KEY_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("sandbox credentials {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "sandbox credentials {path} are unreadable ({reason}); delete the file to make new ones"
    )]
    Invalid { path: PathBuf, reason: String },
}

/// An API key id and secret for the sandbox. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxCredentials {
    key_id: String,
    secret_key: String,
}

impl fmt::Debug for SandboxCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxCredentials")
            .field("key_id", &self.key_id)
            .field("secret_key", &"[redacted]")
            .finish()
    }
}

impl SandboxCredentials {
    /// A given key pair (`--key/--secret`, tests).
    pub fn new(key_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            key_id: key_id.into(),
            secret_key: secret_key.into(),
        }
    }

    /// A fresh pair from the thread's CSPRNG (ChaCha seeded by the OS): `PK` + 18 of A–Z0–9,
    /// and a 40-character alphanumeric secret.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let key_id = KEY_ID_PREFIX
            .chars()
            .chain((0..KEY_ID_RANDOM).map(|_| {
                let i = rng.random_range(0..KEY_ID_ALPHABET.len());
                char::from(KEY_ID_ALPHABET[i])
            }))
            .collect();
        let secret_key = (0..SECRET_LEN)
            .map(|_| char::from(rng.sample(rand::distr::Alphanumeric)))
            .collect();
        Self { key_id, secret_key }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// Where `load_or_create(dir)` keeps them.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(CREDENTIALS_FILE)
    }

    /// The pair kept in `dir`, made (and written, 0600, atomically) on first use. Two processes
    /// racing to make it end up with the same pair: only one file ever lands.
    pub fn load_or_create(dir: &Path) -> Result<Self, CredentialsError> {
        let path = Self::path(dir);
        match Self::load(&path) {
            Err(CredentialsError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            other => return other,
        }
        std::fs::create_dir_all(dir).map_err(|source| CredentialsError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let fresh = Self::generate();
        match write_new(&path, &fresh) {
            Ok(()) => Ok(fresh),
            // Someone else wrote it first: theirs is the pair.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(&path),
            Err(source) => Err(CredentialsError::Io { path, source }),
        }
    }

    fn load(path: &Path) -> Result<Self, CredentialsError> {
        let text = std::fs::read(path).map_err(|source| CredentialsError::Io {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |reason: String| CredentialsError::Invalid {
            path: path.to_owned(),
            reason,
        };
        // Only where it broke: serde's message may quote the file's text, which is the secret.
        let creds: Self = serde_json::from_slice(&text).map_err(|e| {
            invalid(format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        let usable = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        if !usable(&creds.key_id) || !usable(&creds.secret_key) {
            return Err(invalid("empty or non-printable key".into()));
        }
        Ok(creds)
    }
}

/// Writes `creds` to `path` only if nothing is there: a private temporary file, flushed, then
/// hard-linked into place (which fails if the name exists), so a reader never sees half a file.
fn write_new(path: &Path, creds: &SandboxCredentials) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{CREDENTIALS_FILE}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut file = private_file(&tmp)?;
        let body = serde_json::to_vec_pretty(creds).map_err(std::io::Error::other)?;
        file.write_all(&body)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        drop(file);
        std::fs::hard_link(&tmp, path).or_else(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Err(e),
            // A file system without hard links: a rename, after checking the name is free.
            _ if !path.exists() => std::fs::rename(&tmp, path),
            _ => Err(std::io::ErrorKind::AlreadyExists.into()),
        })?;
        sync_dir(dir);
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    // The per-user data dir's ACL is what protects it here.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Makes the new name durable (unix); best effort, the file itself is already synced.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pairs_have_alpaca_shapes_and_differ() {
        let a = SandboxCredentials::generate();
        let b = SandboxCredentials::generate();
        assert_ne!(a, b);
        assert_eq!(a.key_id().len(), 20);
        assert!(a.key_id().starts_with("PK"));
        assert!(
            a.key_id()
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(a.secret_key().len(), 40);
        assert!(a.secret_key().bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = SandboxCredentials::new("PKVISIBLE", "hidden-secret-123");
        let shown = format!("{c:?} {c:#?}");
        assert!(shown.contains("PKVISIBLE"));
        assert!(!shown.contains("hidden-secret-123"), "{shown}");
    }

    #[test]
    fn created_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("paper");
        let first = SandboxCredentials::load_or_create(&sub).unwrap();
        let path = SandboxCredentials::path(&sub);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let again = SandboxCredentials::load_or_create(&sub).unwrap();
        assert_eq!(first, again);
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [CREDENTIALS_FILE]);
    }

    #[test]
    fn racing_creators_agree_on_one_pair() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        let all: Vec<SandboxCredentials> = (0..8)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || SandboxCredentials::load_or_create(&p).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(all.iter().all(|c| c == &all[0]));
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(SandboxCredentials::path(dir.path()), "{not json").unwrap();
        let err = SandboxCredentials::load_or_create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("delete the file"), "{err}");
    }
}
