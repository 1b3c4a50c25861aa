//! The vault directory and the multi-file commit protocol.
//!
//! `vault.json` (header) names the current `snapshot-<n>.stronghold` and is the commit point for
//! password changes: the new snapshot is written and synced under a new name first, then the
//! header is atomically replaced, then the old snapshot is deleted. `vault.data` is replaced
//! atomically on its own. `vault.lock` serialises processes (the app and the CLI) that share a
//! data directory: shared for reads, exclusive for writes.

use crate::atomic;
use crate::crypto::{self, Dek};
use crate::datafile::{DATA_FILE, DataFile};
use crate::error::VaultError;
use crate::header::{HEADER_FILE, Header};
use crate::kdf::{self, KdfParams, SALT_LEN};
use crate::snapshot;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

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

    fn data_path(&self) -> PathBuf {
        self.dir.join(DATA_FILE)
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

    pub(crate) fn read_data_bytes(&self) -> Result<Vec<u8>, VaultError> {
        let path = self.data_path();
        fs::read(&path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => VaultError::corrupt(DATA_FILE, "file is missing"),
            _ => VaultError::io(format!("could not read {}", path.display()), e),
        })
    }

    pub(crate) fn read_data(&self, dek: &Dek) -> Result<DataFile, VaultError> {
        DataFile::decode(&self.read_data_bytes()?, dek)
    }

    /// Replaces the data file. Caller holds the exclusive guard, which also makes it safe to
    /// sweep temp files that a killed writer left behind.
    pub(crate) fn write_data(&self, dek: &Dek, data: &DataFile) -> Result<(), VaultError> {
        atomic::write(&self.data_path(), &data.encode(dek)?)?;
        self.sweep_tmp();
        Ok(())
    }

    fn sweep_tmp(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(atomic::TMP_SUFFIX) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Writes a snapshot of `dek` under a key derived from `password` with fresh salt and
    /// `kdf_params`, then commits it by replacing the header. Caller holds the exclusive guard.
    pub(crate) fn commit_snapshot(
        &self,
        dek: &Dek,
        password: &SecretString,
        kdf_params: KdfParams,
        generation: u64,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Header, VaultError> {
        let salt = crypto::random::<SALT_LEN>();
        let kek = kdf::derive_key(password.expose_secret().as_bytes(), &salt, &kdf_params)?;
        let path = self.snapshot_path(generation);
        // A leftover of an earlier crashed attempt at this generation; the header never named it.
        remove_if_present(&path)?;
        snapshot::write(&path, &kek, dek)?;
        restrict(&path, 0o600)?;
        atomic::sync_file(&path)?;
        atomic::sync_dir(&self.dir)?;
        let bytes = fs::read(&path)
            .map_err(|e| VaultError::io(format!("could not read {}", path.display()), e))?;
        let header = Header::new(kdf_params, &salt, generation, &bytes, created_at, now);
        atomic::write(&self.header_path(), &header.encode()?)?;
        self.sweep(Some(generation));
        Ok(header)
    }

    /// Deletes snapshots the header does not name and temp files of interrupted writes. Best
    /// effort, and only under the exclusive guard, so no other writer's file is in flight.
    pub(crate) fn sweep(&self, keep_generation: Option<u64>) {
        let keep = keep_generation.map(Header::snapshot_file);
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stale_snapshot = name.starts_with("snapshot-") && Some(&name) != keep.as_ref();
            let stale_tmp = name.starts_with('.') && name.ends_with(atomic::TMP_SUFFIX);
            if stale_snapshot || stale_tmp {
                let _ = fs::remove_file(entry.path());
            }
        }
        let _ = atomic::sync_dir(&self.dir);
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
