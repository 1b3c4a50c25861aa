//! The vault directory and the multi-file commit protocol.
//!
//! `vault.json` (header) names the current `snapshot-<n>.stronghold` and `vault.data.<m>` and is
//! the single commit point of password changes and data-key rotations. A commit writes and syncs
//! every new file under a name the header does not use yet (the re-sealed data file, then the
//! snapshot holding its key), then atomically replaces the header, then deletes the files the
//! header no longer names. A crash before the header's rename leaves the old header naming the old
//! files, all untouched; after it, the new header names new files that are already durable.
//! Leftovers are never read (only the header's names are opened) and are swept by the next write.
//! Ordinary saves replace the current data file atomically on their own. `vault.lock` serialises
//! processes (the app and the CLI) that share a data directory: shared for reads, exclusive for
//! writes.

use crate::atomic;
use crate::crypto::{self, Dek};
use crate::datafile::DataFile;
use crate::error::VaultError;
use crate::header::{HEADER_FILE, Header};
use crate::kdf::{self, KdfParams, SALT_LEN};
use crate::snapshot;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Points of the commit protocol, in order, reported to a hook set with
/// `StrongholdVault::set_commit_hook` so that crash tests can kill the process at each one.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitStep {
    /// The keys are derived; nothing is written yet.
    KeysDerived,
    /// A rotation's new data file (every record re-sealed under the new key) is durable under its
    /// new name; the header still names the old files.
    DataWritten,
    /// The new snapshot is durable too; the header still names the old files.
    SnapshotWritten,
    /// The header names the new files: the commit point.
    HeaderCommitted,
    /// Old data files are deleted.
    OldDataRemoved,
    /// Old snapshots are deleted.
    OldSnapshotRemoved,
}

impl CommitStep {
    pub const ALL: [Self; 6] = [
        Self::KeysDerived,
        Self::DataWritten,
        Self::SnapshotWritten,
        Self::HeaderCommitted,
        Self::OldDataRemoved,
        Self::OldSnapshotRemoved,
    ];
}

/// Observer of [`CommitStep`]s (crash tests only).
pub(crate) type CommitHook = Box<dyn FnMut(CommitStep) + Send>;

/// What a commit writes: a snapshot of `dek` under `password`, and with `data` (a rotation) a new
/// data file sealed under that `dek`.
pub(crate) struct Commit<'a> {
    pub dek: &'a Dek,
    pub password: &'a SecretString,
    pub kdf: KdfParams,
    /// The header being replaced (`None` when creating the vault).
    pub previous: Option<&'a Header>,
    /// `Some`: write this data file under the next data generation (a rotation, or creation).
    pub data: Option<&'a DataFile>,
    pub created_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

const LOCK_FILE: &str = "vault.lock";

#[derive(Debug, Clone)]
pub(crate) struct Files {
    dir: PathBuf,
}

/// Holds the inter-process lock until dropped.
pub(crate) struct Guard(#[allow(dead_code)] File);

impl Files {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn header_path(&self) -> PathBuf {
        self.dir.join(HEADER_FILE)
    }

    pub(crate) fn data_path(&self, generation: u64) -> PathBuf {
        self.dir.join(Header::data_file(generation))
    }

    fn snapshot_path(&self, generation: u64) -> PathBuf {
        self.dir.join(Header::snapshot_file(generation))
    }

    pub(crate) fn exists(&self) -> bool {
        self.header_path().exists()
    }

    pub(crate) fn create_dir(&self) -> Result<(), VaultError> {
        fs::create_dir_all(&self.dir)
            .map_err(|e| VaultError::io(format!("could not create {}", self.dir.display()), e))?;
        restrict(&self.dir, 0o700)
    }

    /// Takes the inter-process lock. Fails with `NotInitialized` when there is no vault directory.
    pub(crate) fn guard(&self, exclusive: bool) -> Result<Guard, VaultError> {
        if !self.dir.is_dir() {
            return Err(VaultError::NotInitialized(self.dir.clone()));
        }
        let path = self.dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&path)
            .map_err(|e| VaultError::io(format!("could not open {}", path.display()), e))?;
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        locked.map_err(|e| VaultError::io("could not lock the vault", e))?;
        Ok(Guard(file))
    }

    pub(crate) fn read_header(&self) -> Result<Header, VaultError> {
        let path = self.header_path();
        match fs::read(&path) {
            Ok(bytes) => Header::decode(&bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                Err(VaultError::NotInitialized(self.dir.clone()))
            }
            Err(e) => Err(VaultError::io(
                format!("could not read {}", path.display()),
                e,
            )),
        }
    }

    /// Verifies the snapshot against the header's checksum, derives the key and opens it.
    pub(crate) fn unwrap_dek(
        &self,
        header: &Header,
        password: &SecretString,
    ) -> Result<Dek, VaultError> {
        let name = Header::snapshot_file(header.snapshot_generation);
        let path = self.snapshot_path(header.snapshot_generation);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(VaultError::corrupt(name, "file is missing"));
            }
            Err(e) => {
                return Err(VaultError::io(
                    format!("could not read {}", path.display()),
                    e,
                ));
            }
        };
        if crypto::checksum(&bytes) != header.snapshot_blake2b {
            return Err(VaultError::corrupt(name, "checksum mismatch"));
        }
        let kek = kdf::derive_key(
            password.expose_secret().as_bytes(),
            &header.salt_bytes()?,
            &header.kdf,
        )?;
        snapshot::read(&path, &kek)
    }

    pub(crate) fn read_data_bytes(&self, generation: u64) -> Result<Vec<u8>, VaultError> {
        let path = self.data_path(generation);
        fs::read(&path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => {
                VaultError::corrupt(Header::data_file(generation), "file is missing")
            }
            _ => VaultError::io(format!("could not read {}", path.display()), e),
        })
    }

    pub(crate) fn read_data(&self, generation: u64, dek: &Dek) -> Result<DataFile, VaultError> {
        DataFile::decode(&self.read_data_bytes(generation)?, dek)
    }

    /// Replaces the current data file (`header` names it). Caller holds the exclusive guard,
    /// which also makes it safe to sweep what killed writers left behind.
    pub(crate) fn write_data(
        &self,
        header: &Header,
        dek: &Dek,
        data: &DataFile,
    ) -> Result<(), VaultError> {
        atomic::write(&self.data_path(header.data_generation), &data.encode(dek)?)?;
        self.sweep(Some(header), &mut |_| {});
        Ok(())
    }

    /// Runs the commit protocol (module documentation) and returns the new header. Caller holds
    /// the exclusive guard.
    pub(crate) fn commit(
        &self,
        c: Commit<'_>,
        hook: &mut dyn FnMut(CommitStep),
    ) -> Result<Header, VaultError> {
        let salt = crypto::random::<SALT_LEN>();
        let kek = kdf::derive_key(c.password.expose_secret().as_bytes(), &salt, &c.kdf)?;
        hook(CommitStep::KeysDerived);
        // New names for whatever is rewritten; a new vault starts at snapshot-1, vault.data.1.
        let (snapshot_generation, data_generation) = match c.previous {
            Some(h) => (h.snapshot_generation + 1, h.data_generation),
            None => (1, 0),
        };
        let data_generation = match c.data {
            Some(_) => data_generation + 1,
            None => data_generation,
        };
        let written = self.write_new_files(&c, &kek, snapshot_generation, data_generation, hook);
        let header = match written {
            Ok(snapshot_bytes) => Header::new(
                c.kdf,
                &salt,
                (snapshot_generation, &snapshot_bytes),
                data_generation,
                c.created_at,
                c.now,
            ),
            Err(e) => {
                // Nothing names the new files; the next write would sweep them anyway.
                self.sweep(c.previous, &mut |_| {});
                return Err(e);
            }
        };
        atomic::write(&self.header_path(), &header.encode()?)?;
        hook(CommitStep::HeaderCommitted);
        self.sweep(Some(&header), hook);
        Ok(header)
    }

    /// The new data file (if any) and the new snapshot, both durable before the header names
    /// them. Returns the snapshot's bytes (for the header's checksum).
    fn write_new_files(
        &self,
        c: &Commit<'_>,
        kek: &[u8; kdf::KEY_LEN],
        snapshot_generation: u64,
        data_generation: u64,
        hook: &mut dyn FnMut(CommitStep),
    ) -> Result<Vec<u8>, VaultError> {
        if let Some(data) = c.data {
            let path = self.data_path(data_generation);
            // A leftover of an earlier crashed attempt at this generation; no header named it.
            remove_if_present(&path)?;
            atomic::write(&path, &data.encode(c.dek)?)?;
            hook(CommitStep::DataWritten);
        }
        let path = self.snapshot_path(snapshot_generation);
        remove_if_present(&path)?;
        snapshot::write(&path, kek, c.dek)?;
        restrict(&path, 0o600)?;
        atomic::sync_file(&path)?;
        atomic::sync_dir(&self.dir)?;
        hook(CommitStep::SnapshotWritten);
        fs::read(&path).map_err(|e| VaultError::io(format!("could not read {}", path.display()), e))
    }

    /// Deletes data files and snapshots that `keep` does not name (all of them when `None`), then
    /// temp files of interrupted writes. Best effort, and only under the exclusive guard, so no
    /// other writer's file is in flight.
    pub(crate) fn sweep(&self, keep: Option<&Header>, hook: &mut dyn FnMut(CommitStep)) {
        let keep_data = keep.map(|h| Header::data_file(h.data_generation));
        let keep_snapshot = keep.map(|h| Header::snapshot_file(h.snapshot_generation));
        let names: Vec<String> = match fs::read_dir(&self.dir) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => return,
        };
        let remove = |stale: &dyn Fn(&str) -> bool| {
            let mut removed = false;
            for name in names.iter().filter(|n| stale(n)) {
                removed |= fs::remove_file(self.dir.join(name)).is_ok();
            }
            // Only when something went: an ordinary save sweeps too and finds nothing.
            if removed {
                let _ = atomic::sync_dir(&self.dir);
            }
        };
        remove(&|n| Header::is_data_file(n) && Some(n) != keep_data.as_deref());
        hook(CommitStep::OldDataRemoved);
        // Includes Stronghold's own temp files (`snapshot-<n>.stronghold.<random>`).
        remove(&|n| n.starts_with("snapshot-") && Some(n) != keep_snapshot.as_deref());
        hook(CommitStep::OldSnapshotRemoved);
        remove(&|n| n.starts_with('.') && n.ends_with(atomic::TMP_SUFFIX));
    }
}

fn remove_if_present(path: &Path) -> Result<(), VaultError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(VaultError::io(
            format!("could not remove {}", path.display()),
            e,
        )),
        _ => Ok(()),
    }
}

/// Owner-only permissions where the platform has them.
fn restrict(path: &Path, mode: u32) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| {
            VaultError::io(
                format!("could not set permissions of {}", path.display()),
                e,
            )
        })?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
