//! [`StrongholdVault`]: the [`SecretStore`] backed by a Stronghold snapshot and sealed records.

use crate::atomic;
use crate::backup;
use crate::clock::{Clock, SystemClock, to_delta};
use crate::crypto::Dek;
use crate::datafile::{DataFile, StoredRecord};
use crate::error::VaultError;
use crate::files::Files;
use crate::kdf::KdfParams;
use crate::profile::{AccessError, Action, Profile, Role};
use crate::record::{CredentialId, CredentialMeta, NewCredential};
use crate::store::{ImportReport, SecretStore, VaultStatus};
use brokerdesk_model::vault::VaultState;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroize;

/// The shortest password the vault accepts (shared with the UI's hint).
pub use brokerdesk_model::vault::MIN_PASSWORD_CHARS;
/// Idle time after which an unlocked vault locks itself, unless configured otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Longest label accepted; labels are shown in lists, not documents.
const MAX_LABEL_CHARS: usize = 200;
/// `get` persists `last_used_at` at most this often per record, so that a token read on every
/// request does not cost a file rewrite each time.
const LAST_USED_GRANULARITY: TimeDelta = TimeDelta::seconds(60);

/// How a vault is opened.
#[derive(Clone, Debug)]
pub struct VaultOptions {
    /// Used when creating a vault or changing its password; reading uses what the header records.
    pub kdf: KdfParams,
    /// `None` never locks on idleness.
    pub idle_timeout: Option<Duration>,
    pub clock: Arc<dyn Clock>,
}

impl Default for VaultOptions {
    fn default() -> Self {
        Self {
            kdf: KdfParams::RECOMMENDED,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            clock: Arc::new(SystemClock),
        }
    }
}

/// An unlocked session: the key, and what lives only as long as the session.
struct Session {
    dek: Dek,
    last_activity: DateTime<Utc>,
    live_armed_until: Option<DateTime<Utc>>,
}

/// The vault in `<data dir>/vault/`.
pub struct StrongholdVault {
    files: Files,
    options: VaultOptions,
    session: Option<Session>,
}

impl std::fmt::Debug for StrongholdVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrongholdVault")
            .field("dir", &self.files.dir())
            .field("unlocked", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

impl StrongholdVault {
    /// Name of the vault's directory inside the data directory.
    pub const DIR_NAME: &'static str = "vault";

    /// A handle on the vault in `data_dir`; touches no file. The vault starts locked.
    pub fn new(data_dir: &Path, options: VaultOptions) -> Self {
        Self {
            files: Files::new(data_dir.join(Self::DIR_NAME)),
            options,
            session: None,
        }
    }

    /// The directory holding every file the vault writes.
    pub fn dir(&self) -> &Path {
        self.files.dir()
    }

    /// Whether a vault has been created here (the app shows Unlock, else Create).
    pub fn exists(&self) -> bool {
        self.files.exists()
    }

    pub fn is_unlocked(&mut self) -> bool {
        let now = self.options.clock.now();
        self.expire_idle(now);
        self.session.is_some()
    }

    fn now(&self) -> DateTime<Utc> {
        self.options.clock.now()
    }

    fn expire_idle(&mut self, now: DateTime<Utc>) -> bool {
        let expired = match (&self.session, self.options.idle_timeout) {
            (Some(s), Some(timeout)) => {
                now.signed_duration_since(s.last_activity) >= to_delta(timeout)
            }
            _ => false,
        };
        if expired {
            self.lock();
        }
        expired
    }

    /// The live session after an idle check, or `Locked`.
    fn session(&mut self, now: DateTime<Utc>) -> Result<&mut Session, VaultError> {
        self.expire_idle(now);
        self.session.as_mut().ok_or(VaultError::Locked)
    }

    /// Counts as user activity: pushes the auto-lock back.
    fn touch_at(&mut self, now: DateTime<Utc>) {
        if let Some(s) = self.session.as_mut() {
            s.last_activity = s.last_activity.max(now);
        }
    }

    /// Read-modify-write of the data file under the exclusive lock, so that two processes never
    /// lose each other's changes.
    fn modify<T>(
        &mut self,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut DataFile, &Dek) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        self.session(now)?;
        let _guard = self.files.guard(true)?;
        let session = self.session.as_ref().ok_or(VaultError::Locked)?;
        let mut data = self.files.read_data(&session.dek)?;
        let out = change(&mut data, &session.dek)?;
        self.files.write_data(&session.dek, &data)?;
        self.touch_at(now);
        Ok(out)
    }

    fn read(&mut self, now: DateTime<Utc>) -> Result<DataFile, VaultError> {
        self.session(now)?;
        let _guard = self.files.guard(false)?;
        let session = self.session.as_ref().ok_or(VaultError::Locked)?;
        self.files.read_data(&session.dek)
    }

    /// Unlocks only to prove `password`; used by operations that re-ask for it.
    fn verify_password(&self, password: &SecretString) -> Result<Dek, VaultError> {
        let header = self.files.read_header()?;
        self.files.unwrap_dek(&header, password)
    }
}

fn check_password(password: &SecretString) -> Result<(), VaultError> {
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(VaultError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    Ok(())
}

fn find(data: &mut DataFile, id: CredentialId) -> Result<&mut StoredRecord, VaultError> {
    data.records
        .iter_mut()
        .find(|r| r.meta.id == id)
        .ok_or(VaultError::NotFound(id))
}

/// Moves decrypted bytes into a `SecretString` without leaving a copy behind.
fn to_secret_string(
    mut bytes: zeroize::Zeroizing<Vec<u8>>,
    id: CredentialId,
) -> Result<SecretString, VaultError> {
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(s) => Ok(SecretString::from(s)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err(VaultError::RecordTampered(id))
        }
    }
}

impl SecretStore for StrongholdVault {
    fn init(&mut self, password: &SecretString, role: Role) -> Result<(), VaultError> {
        check_password(password)?;
        let now = self.now();
        self.files.create_dir()?;
        let _guard = self.files.guard(true)?;
        if self.files.exists() {
            return Err(VaultError::AlreadyInitialized(
                self.files.dir().to_path_buf(),
            ));
        }
        self.lock();
        // Leftovers of an init that crashed before its header was written.
        self.files.sweep(None);
        let dek = Dek::generate();
        self.files.write_data(&dek, &DataFile::new(role))?;
        self.files
            .commit_snapshot(&dek, password, self.options.kdf, 1, now, now)?;
        self.session = Some(Session {
            dek,
            last_activity: now,
            live_armed_until: None,
        });
        Ok(())
    }

    fn unlock(&mut self, password: &SecretString) -> Result<(), VaultError> {
        self.lock();
        let _guard = self.files.guard(false)?;
        let dek = self.verify_password(password)?;
        // The password was right, so a failure here is damage to the data file: refuse now
        // rather than at first use.
        self.files.read_data(&dek)?;
        self.session = Some(Session {
            dek,
            last_activity: self.now(),
            live_armed_until: None,
        });
        Ok(())
    }

    fn lock(&mut self) {
        // Dropping the session zeroizes the key (Zeroizing) and ends live arming.
        self.session = None;
    }

    fn status(&mut self) -> Result<VaultStatus, VaultError> {
        let now = self.now();
        self.expire_idle(now);
        let idle_timeout_secs = self.options.idle_timeout.map(|d| d.as_secs());
        if !self.files.exists() {
            return Ok(VaultStatus {
                state: VaultState {
                    initialized: false,
                    unlocked: false,
                    role: None,
                    credentials: None,
                    idle_timeout_secs,
                    locks_at: None,
                    live_armed_until: None,
                },
                kdf: None,
            });
        }
        let header = {
            let _guard = self.files.guard(false)?;
            self.files.read_header()?
        };
        let (role, credentials) = match self.session.is_some() {
            true => {
                let data = self.read(now)?;
                (Some(data.role), Some(data.records.len()))
            }
            false => (None, None),
        };
        let session = self.session.as_ref();
        Ok(VaultStatus {
            state: VaultState {
                initialized: true,
                unlocked: session.is_some(),
                role,
                credentials,
                idle_timeout_secs,
                locks_at: session.and_then(|s| {
                    self.options
                        .idle_timeout
                        .map(|t| s.last_activity + to_delta(t))
                }),
                live_armed_until: session.and_then(|s| s.live_armed_until),
            },
            kdf: Some(header.kdf),
        })
    }

    fn put(&mut self, credential: NewCredential) -> Result<CredentialMeta, VaultError> {
        let label = credential.label.trim().to_owned();
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            return Err(VaultError::InvalidInput(format!(
                "a label needs 1 to {MAX_LABEL_CHARS} characters"
            )));
        }
        if credential.vendor.as_str().trim().is_empty() {
            return Err(VaultError::InvalidInput("a vendor is required".into()));
        }
        if credential.secret.expose_secret().is_empty() {
            return Err(VaultError::InvalidInput("the secret is empty".into()));
        }
        let now = self.now();
        self.modify(now, |data, dek| {
            let meta = CredentialMeta {
                id: CredentialId::new_random(),
                vendor: credential.vendor,
                connection: credential.connection,
                label,
                kind: credential.kind,
                created_at: now,
                updated_at: now,
                last_used_at: None,
                expires_at: credential.expires_at,
            };
            let record = StoredRecord::seal(
                meta.clone(),
                dek,
                credential.secret.expose_secret().as_bytes(),
            )?;
            data.records.push(record);
            Ok(meta)
        })
    }

    fn update_secret(
        &mut self,
        id: CredentialId,
        secret: SecretString,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CredentialMeta, VaultError> {
        if secret.expose_secret().is_empty() {
            return Err(VaultError::InvalidInput("the secret is empty".into()));
        }
        let now = self.now();
        self.modify(now, |data, dek| {
            let record = find(data, id)?;
            // The old secret must still open: refuse to paper over a tampered record.
            record.open(dek)?;
            let mut meta = record.meta.clone();
            meta.updated_at = now;
            meta.expires_at = expires_at;
            *record = StoredRecord::seal(meta.clone(), dek, secret.expose_secret().as_bytes())?;
            Ok(meta)
        })
    }

    fn get(&mut self, id: CredentialId) -> Result<SecretString, VaultError> {
        // Not user activity: the service reads tokens in the background.
        let now = self.now();
        self.session(now)?;
        let _guard = self.files.guard(true)?;
        let session = self.session.as_ref().ok_or(VaultError::Locked)?;
        let mut data = self.files.read_data(&session.dek)?;
        let record = find(&mut data, id)?;
        let secret = to_secret_string(record.open(&session.dek)?, id)?;
        let stale = record
            .meta
            .last_used_at
            .is_none_or(|at| now.signed_duration_since(at) >= LAST_USED_GRANULARITY);
        if stale {
            record.meta.last_used_at = Some(now);
            self.files.write_data(&session.dek, &data)?;
        }
        Ok(secret)
    }

    fn list(&mut self) -> Result<Vec<CredentialMeta>, VaultError> {
        let now = self.now();
        let data = self.read(now)?;
        self.touch_at(now);
        Ok(data.records.into_iter().map(|r| r.meta).collect())
    }

    fn remove(&mut self, id: CredentialId) -> Result<CredentialMeta, VaultError> {
        let now = self.now();
        self.modify(now, |data, _| {
            let pos = data
                .records
                .iter()
                .position(|r| r.meta.id == id)
                .ok_or(VaultError::NotFound(id))?;
            Ok(data.records.remove(pos).meta)
        })
    }

    fn change_password(
        &mut self,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), VaultError> {
        check_password(new)?;
        let now = self.now();
        self.expire_idle(now);
        let _guard = self.files.guard(true)?;
        let header = self.files.read_header()?;
        let dek = self.files.unwrap_dek(&header, old)?;
        // Re-derive with today's parameters: this is how recorded parameters get raised.
        self.files.commit_snapshot(
            &dek,
            new,
            self.options.kdf,
            header.snapshot_generation + 1,
            header.created_at,
            now,
        )?;
        self.touch_at(now);
        Ok(())
    }

    fn set_role(&mut self, password: &SecretString, role: Role) -> Result<(), VaultError> {
        let now = self.now();
        self.expire_idle(now);
        let _guard = self.files.guard(true)?;
        let dek = self.verify_password(password)?;
        let mut data = self.files.read_data(&dek)?;
        data.role = role;
        self.files.write_data(&dek, &data)?;
        if let Some(s) = self.session.as_mut() {
            s.live_armed_until = None;
        }
        self.touch_at(now);
        Ok(())
    }

    fn profile(&mut self) -> Result<Profile, VaultError> {
        let now = self.now();
        let data = self.read(now)?;
        Ok(Profile {
            role: data.role,
            live_armed_until: self.session.as_ref().and_then(|s| s.live_armed_until),
        })
    }

    fn authorize(&mut self, action: Action) -> Result<(), AccessError> {
        let now = self.now();
        // Any failure to read the profile refuses: fail closed.
        let profile = self.profile().map_err(|e| match e {
            VaultError::Locked => AccessError::Locked,
            other => AccessError::ProfileUnavailable(other.to_string()),
        })?;
        profile.authorize(action, now)
    }

    fn arm_live(&mut self, duration: Duration) -> Result<DateTime<Utc>, VaultError> {
        let now = self.now();
        let mut profile = self.profile()?;
        let until = profile.arm_live(now, duration)?;
        if let Some(s) = self.session.as_mut() {
            s.live_armed_until = Some(until);
        }
        self.touch_at(now);
        Ok(until)
    }

    fn disarm_live(&mut self) {
        if let Some(s) = self.session.as_mut() {
            s.live_armed_until = None;
        }
    }

    fn set_idle_timeout(&mut self, timeout: Option<Duration>) {
        self.options.idle_timeout = timeout;
    }

    fn touch(&mut self) {
        let now = self.now();
        if !self.expire_idle(now) {
            self.touch_at(now);
        }
    }

    fn enforce_auto_lock(&mut self) -> bool {
        let now = self.now();
        self.expire_idle(now)
    }

    fn export_backup(&mut self, path: &Path, password: &SecretString) -> Result<usize, VaultError> {
        check_password(password)?;
        let now = self.now();
        self.session(now)?;
        let (bytes, count) = {
            let _guard = self.files.guard(false)?;
            let session = self.session.as_ref().ok_or(VaultError::Locked)?;
            let raw = self.files.read_data_bytes()?;
            let count = DataFile::decode(&raw, &session.dek)?.records.len();
            let sealed = backup::seal(
                &session.dek,
                &raw,
                password.expose_secret().as_bytes(),
                self.options.kdf,
                now,
            )?;
            (sealed, count)
        };
        atomic::write(&absolute(path), &bytes)?;
        self.touch_at(now);
        Ok(count)
    }

    fn import_backup(
        &mut self,
        path: &Path,
        password: &SecretString,
    ) -> Result<ImportReport, VaultError> {
        let now = self.now();
        self.session(now)?;
        let bytes = std::fs::read(path)
            .map_err(|e| VaultError::io(format!("could not read {}", path.display()), e))?;
        let (backup_dek, backup_data) = backup::open(&bytes, password.expose_secret().as_bytes())?;
        let incoming = DataFile::decode(&backup_data, &backup_dek)?;
        self.modify(now, |data, dek| {
            let mut report = ImportReport {
                added: 0,
                skipped: 0,
            };
            for record in incoming.records {
                if data.records.iter().any(|r| r.meta.id == record.meta.id) {
                    report.skipped += 1;
                    continue;
                }
                let secret = record.open(&backup_dek)?;
                data.records
                    .push(StoredRecord::seal(record.meta, dek, &secret)?);
                report.added += 1;
            }
            Ok(report)
        })
    }
}

/// `atomic::write` needs a parent directory; a bare file name means the current one.
fn absolute(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => path.to_path_buf(),
        _ => Path::new(".").join(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Header;
    use crate::kdf::KdfParams;
    use crate::record::CredentialKind;
    use brokerdesk_model::VendorId;

    const PW: &str = "correct horse battery staple";

    fn unlocked(dir: &Path) -> StrongholdVault {
        let mut v = StrongholdVault::new(
            dir,
            VaultOptions {
                kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
                ..VaultOptions::default()
            },
        );
        v.init(&SecretString::from(PW), Role::Trader).unwrap();
        v
    }

    fn cred(vendor: &str, secret: &str) -> NewCredential {
        NewCredential {
            vendor: VendorId::new(vendor),
            connection: None,
            label: format!("{vendor} key"),
            kind: CredentialKind::ApiKey,
            expires_at: None,
            secret: SecretString::from(secret),
        }
    }

    /// Rewrites the data file with a valid whole-file MAC, as an attacker holding the DEK could
    /// not, to isolate the per-record AAD binding.
    fn rewrite(v: &StrongholdVault, edit: impl FnOnce(&mut DataFile)) {
        let dek = &v.session.as_ref().unwrap().dek;
        let mut data = v.files.read_data(dek).unwrap();
        edit(&mut data);
        v.files.write_data(dek, &data).unwrap();
    }

    #[test]
    fn a_record_moved_to_another_id_or_swapped_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        let a = v.put(cred("alpaca", "alpaca-secret")).unwrap();
        let b = v.put(cred("alpaca", "other-alpaca-secret")).unwrap();

        // Swap the sealed secrets of two records of the same vendor.
        rewrite(&v, |d| {
            let (x, y) = (d.records[0].clone(), d.records[1].clone());
            d.records[0].nonce = y.nonce;
            d.records[0].sealed = y.sealed;
            d.records[1].nonce = x.nonce;
            d.records[1].sealed = x.sealed;
        });
        assert!(matches!(v.get(a.id), Err(VaultError::RecordTampered(id)) if id == a.id));
        assert!(matches!(v.get(b.id), Err(VaultError::RecordTampered(id)) if id == b.id));
        // Metadata stays listable, so the user can see and remove the broken record.
        assert_eq!(v.list().unwrap().len(), 2);

        // Give record b a fresh id: the sealed secret no longer belongs to it.
        let c = v.put(cred("ibkr", "ibkr-secret")).unwrap();
        let new_id = CredentialId::new_random();
        rewrite(&v, |d| d.records[2].meta.id = new_id);
        assert!(matches!(v.get(new_id), Err(VaultError::RecordTampered(_))));
        assert!(matches!(v.get(c.id), Err(VaultError::NotFound(_))));

        // Moving it to another vendor or connection breaks it as well.
        let d = v.put(cred("ibkr", "ibkr-secret-2")).unwrap();
        rewrite(&v, |f| f.records[3].meta.vendor = VendorId::new("alpaca"));
        assert!(matches!(v.get(d.id), Err(VaultError::RecordTampered(_))));
        let e = v.put(cred("plaid", "plaid-secret")).unwrap();
        rewrite(&v, |f| f.records[4].meta.connection = Some("conn-2".into()));
        assert!(matches!(v.get(e.id), Err(VaultError::RecordTampered(_))));
        // The label is display-only: renaming (with a valid file MAC) keeps the secret readable.
        let g = v.put(cred("kraken", "kraken-secret")).unwrap();
        rewrite(&v, |f| f.records[5].meta.label = "renamed".into());
        assert_eq!(v.get(g.id).unwrap().expose_secret(), "kraken-secret");
    }

    /// Our checksum reports damage before Stronghold is asked; this shows that Stronghold itself
    /// also refuses an altered snapshot whose checksum was made to match.
    #[test]
    fn stronghold_refuses_an_altered_snapshot_even_with_a_matching_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        v.lock();
        let header = v.files.read_header().unwrap();
        let snap = v
            .files
            .dir()
            .join(Header::snapshot_file(header.snapshot_generation));
        let original = std::fs::read(&snap).unwrap();
        let n = original.len();
        for i in [0, 6, 40, 120, n / 2, n - 17, n - 1] {
            let mut bad = original.clone();
            bad[i] ^= 0x10;
            std::fs::write(&snap, &bad).unwrap();
            let mut forged = header.clone();
            forged.snapshot_blake2b = crate::crypto::checksum(&bad);
            std::fs::write(v.files.header_path(), forged.encode().unwrap()).unwrap();
            assert!(
                v.unlock(&SecretString::from(PW)).is_err(),
                "byte {i} accepted"
            );
        }
        std::fs::write(&snap, &original).unwrap();
        std::fs::write(v.files.header_path(), header.encode().unwrap()).unwrap();
        v.unlock(&SecretString::from(PW)).unwrap();
    }

    /// The password-change protocol, stopped at each step: whatever is on disk, exactly one
    /// password opens the vault and the next change cleans up.
    #[test]
    fn a_password_change_interrupted_at_any_step_leaves_one_working_password() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        let id = v.put(cred("alpaca", "kept")).unwrap().id;
        let dek = Dek::from_slice(v.session.as_ref().unwrap().dek.as_bytes()).unwrap();
        let (a, b) = (
            SecretString::from(PW),
            SecretString::from("password number two"),
        );
        let header = v.files.read_header().unwrap();

        // Step 1 done, crash before the header: an orphan snapshot-2 under password b.
        let salt = crate::crypto::random::<{ crate::kdf::SALT_LEN }>();
        let kek = crate::kdf::derive_key(
            b"password number two",
            &salt,
            &KdfParams::INSECURE_FAST_FOR_TESTS,
        )
        .unwrap();
        crate::snapshot::write(&v.files.dir().join(Header::snapshot_file(2)), &kek, &dek).unwrap();
        // ...plus a half-written Stronghold temp file.
        std::fs::write(v.files.dir().join("snapshot-2.stronghold.a1b2c3"), b"PARTI").unwrap();
        assert!(matches!(v.unlock(&b), Err(VaultError::WrongPassword)));
        v.unlock(&a).unwrap();
        assert_eq!(v.get(id).unwrap().expose_secret(), "kept");

        // Header committed, crash before the old snapshot is deleted: only b opens.
        let old_snapshot = v
            .files
            .dir()
            .join(Header::snapshot_file(header.snapshot_generation));
        let old_bytes = std::fs::read(&old_snapshot).unwrap();
        v.change_password(&a, &b).unwrap();
        std::fs::write(&old_snapshot, &old_bytes).unwrap();
        v.lock();
        assert!(matches!(v.unlock(&a), Err(VaultError::WrongPassword)));
        v.unlock(&b).unwrap();
        assert_eq!(v.get(id).unwrap().expose_secret(), "kept");

        // The next change sweeps every leftover.
        v.change_password(&b, &a).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(v.files.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let current = Header::snapshot_file(v.files.read_header().unwrap().snapshot_generation);
        assert_eq!(
            names,
            vec![
                current,
                "vault.data".to_owned(),
                "vault.json".into(),
                "vault.lock".into()
            ]
        );
    }

    #[test]
    fn temp_files_of_a_killed_writer_are_swept_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        let stale = v
            .files
            .dir()
            .join(format!(".vault.data.dead{}", crate::atomic::TMP_SUFFIX));
        std::fs::write(&stale, b"half a file").unwrap();
        v.put(cred("alpaca", "s")).unwrap();
        assert!(!stale.exists());
    }
}
