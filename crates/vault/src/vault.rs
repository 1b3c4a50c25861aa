//! [`StrongholdVault`]: the [`SecretStore`] backed by a Stronghold snapshot and sealed records.

use crate::atomic;
use crate::backup;
use crate::clock::{Clock, SystemClock, to_delta};
use crate::crypto::Dek;
use crate::datafile::{DataFile, StoredRecord};
use crate::error::VaultError;
use crate::files::{Commit, CommitHook, CommitStep, Files};
use crate::header::Header;
use crate::kdf::KdfParams;
use crate::mac;
use crate::profile::{AccessError, Action, Profile, Role};
use crate::record::{CredentialId, CredentialMeta, NewCredential};
use crate::stamp::{self, Stamp};
use crate::store::{DataKey, ImportReport, SecretStore, VaultStatus};
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
    /// The data generation `dek` belongs to. When the header names another one, a process
    /// rotated the key since this session unlocked: the session's key is stale and it ends.
    data_generation: u64,
    last_activity: DateTime<Utc>,
    live_armed_until: Option<DateTime<Utc>>,
}

/// What was last read from disk, under the stamps of the files it came from (`stamp`): used
/// while the stamps hold, so asking for the vault's state or a permission costs two `stat`s, not
/// a read and a decryption of the data file.
#[derive(Default)]
struct Cache {
    header: Option<(Stamp, Header)>,
    /// Decoded with the session's key; dropped when the session ends.
    data: Option<(u64, Stamp, DataFile)>,
    /// Data files decoded from disk (tests check the cache is used).
    #[cfg(test)]
    decodes: usize,
}

/// The vault in `<data dir>/vault/`.
pub struct StrongholdVault {
    files: Files,
    options: VaultOptions,
    session: Option<Session>,
    hook: Option<CommitHook>,
    cache: Cache,
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
            hook: None,
            cache: Cache::default(),
        }
    }

    /// Crash tests only: `hook` is called at each [`CommitStep`] of init, password changes and
    /// key rotations, so that a test can kill the process exactly there. Observes; changes nothing.
    #[doc(hidden)]
    pub fn set_commit_hook(&mut self, hook: impl FnMut(CommitStep) + Send + 'static) {
        self.hook = Some(Box::new(hook));
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

    /// The header, read under the caller's guard, checked against the session: if another
    /// process rotated the data key since this session unlocked, the session's key no longer
    /// opens anything, so the session ends (`Locked`) and the user unlocks again.
    fn checked_header(&mut self) -> Result<Header, VaultError> {
        let header = self.header()?;
        let session = self.session.as_ref().ok_or(VaultError::Locked)?;
        if session.data_generation != header.data_generation {
            self.lock();
            return Err(VaultError::Locked);
        }
        Ok(header)
    }

    /// The header, from memory while `vault.json` is the file it was read from.
    fn header(&mut self) -> Result<Header, VaultError> {
        // Stamped before reading: a file replaced in between is read again next time.
        let stamp = stamp::of(&self.files.header_path());
        if let (Some(now), Some((then, header))) = (stamp, &self.cache.header)
            && now == *then
        {
            return Ok(header.clone());
        }
        let header = self.files.read_header()?;
        self.cache.header = stamp.map(|s| (s, header.clone()));
        Ok(header)
    }

    /// The session's data file from memory, when neither the header nor the data file it names
    /// changed since it was decoded.
    fn cached_data(&self) -> Option<DataFile> {
        let (generation, data_stamp, data) = self.cache.data.as_ref()?;
        let (header_stamp, header) = self.cache.header.as_ref()?;
        let fresh = self.session.as_ref()?.data_generation == *generation
            && header.data_generation == *generation
            && stamp::of(&self.files.header_path())? == *header_stamp
            && stamp::of(&self.files.data_path(*generation))? == *data_stamp;
        fresh.then(|| data.clone())
    }

    /// Decodes the data file the header names and keeps it for `cached_data`.
    fn decode_data(&mut self, header: &Header) -> Result<DataFile, VaultError> {
        let dek = &self.session.as_ref().ok_or(VaultError::Locked)?.dek;
        let stamp = stamp::of(&self.files.data_path(header.data_generation));
        let data = self.files.read_data(header.data_generation, dek)?;
        #[cfg(test)]
        {
            self.cache.decodes += 1;
        }
        self.cache.data = stamp.map(|s| (header.data_generation, s, data.clone()));
        Ok(data)
    }

    /// Read-modify-write of the data file under the exclusive lock, so that two processes never
    /// lose each other's changes. `activity`: whether this counts as user activity.
    fn modify<T>(
        &mut self,
        now: DateTime<Utc>,
        activity: bool,
        change: impl FnOnce(&mut DataFile, &Dek) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        self.session(now)?;
        let _guard = self.files.guard(true)?;
        let header = self.checked_header()?;
        let session = self.session.as_ref().ok_or(VaultError::Locked)?;
        let mut data = self.files.read_data(header.data_generation, &session.dek)?;
        let out = change(&mut data, &session.dek)?;
        self.cache.data = None;
        self.files.write_data(&header, &session.dek, &data)?;
        if activity {
            self.touch_at(now);
        }
        Ok(out)
    }

    fn read(&mut self, now: DateTime<Utc>) -> Result<DataFile, VaultError> {
        self.session(now)?;
        if let Some(data) = self.cached_data() {
            return Ok(data);
        }
        let _guard = self.files.guard(false)?;
        let header = self.checked_header()?;
        self.decode_data(&header)
    }

    /// The session's key (after a `read` or `modify` checked it is current).
    fn dek(&self) -> Result<&Dek, VaultError> {
        self.session
            .as_ref()
            .map(|s| &s.dek)
            .ok_or(VaultError::Locked)
    }

    /// Unlocks only to prove `password`; used by operations that re-ask for it.
    fn verify_password(&self, password: &SecretString) -> Result<(Header, Dek), VaultError> {
        let header = self.files.read_header()?;
        let dek = self.files.unwrap_dek(&header, password)?;
        Ok((header, dek))
    }

    /// Runs the commit protocol, reporting its steps to the crash-test hook if one is set.
    fn commit(&mut self, commit: Commit<'_>) -> Result<Header, VaultError> {
        self.cache = Cache::default();
        let hook = &mut self.hook;
        self.files.commit(commit, &mut |step| {
            if let Some(h) = hook.as_mut() {
                h(step);
            }
        })
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
        self.files.sweep(None, &mut |_| {});
        let dek = Dek::generate();
        let header = self.commit(Commit {
            dek: &dek,
            password,
            kdf: self.options.kdf,
            previous: None,
            data: Some(&DataFile::new(role)),
            created_at: now,
            now,
        })?;
        self.session = Some(Session {
            dek,
            data_generation: header.data_generation,
            last_activity: now,
            live_armed_until: None,
        });
        Ok(())
    }

    fn unlock(&mut self, password: &SecretString) -> Result<(), VaultError> {
        self.lock();
        let _guard = self.files.guard(false)?;
        let (header, dek) = self.verify_password(password)?;
        // The password was right, so a failure here is damage to the data file: refuse now
        // rather than at first use.
        self.files.read_data(header.data_generation, &dek)?;
        self.session = Some(Session {
            dek,
            data_generation: header.data_generation,
            last_activity: self.now(),
            live_armed_until: None,
        });
        Ok(())
    }

    fn lock(&mut self) {
        // Dropping the session zeroizes the key (Zeroizing) and ends live arming; what was
        // decoded with it goes too.
        self.session = None;
        self.cache.data = None;
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
        let header = self.header()?;
        let (role, credentials) = match self.session.is_some() {
            true => match self.read(now) {
                Ok(data) => (Some(data.role), Some(data.records.len())),
                // The key was rotated by another process: the session just ended.
                Err(VaultError::Locked) => (None, None),
                Err(e) => return Err(e),
            },
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
        self.modify(now, true, |data, dek| {
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
        self.modify(now, true, |data, dek| {
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
        let header = self.checked_header()?;
        let session = self.session.as_ref().ok_or(VaultError::Locked)?;
        let mut data = self.files.read_data(header.data_generation, &session.dek)?;
        let record = find(&mut data, id)?;
        let secret = to_secret_string(record.open(&session.dek)?, id)?;
        let stale = record
            .meta
            .last_used_at
            .is_none_or(|at| now.signed_duration_since(at) >= LAST_USED_GRANULARITY);
        if stale {
            record.meta.last_used_at = Some(now);
            self.cache.data = None;
            self.files.write_data(&header, &session.dek, &data)?;
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
        self.modify(now, true, |data, _| {
            let pos = data
                .records
                .iter()
                .position(|r| r.meta.id == id)
                .ok_or(VaultError::NotFound(id))?;
            Ok(data.records.remove(pos).meta)
        })
    }

    fn change_password_with(
        &mut self,
        old: &SecretString,
        new: &SecretString,
        data_key: DataKey,
    ) -> Result<(), VaultError> {
        check_password(new)?;
        let now = self.now();
        self.expire_idle(now);
        let _guard = self.files.guard(true)?;
        let (header, old_dek) = self.verify_password(old)?;
        // Re-derive with today's parameters: this is how recorded parameters get raised.
        let kdf = self.options.kdf;
        let commit = |dek, data| Commit {
            dek,
            password: new,
            kdf,
            previous: Some(&header),
            data,
            created_at: header.created_at,
            now,
        };
        match data_key {
            DataKey::Keep => {
                self.commit(commit(&old_dek, None))?;
            }
            DataKey::Rotate => {
                // Every record and the MAC key re-sealed in memory first: a record that does not
                // open stops the rotation before anything is written.
                let data = self.files.read_data(header.data_generation, &old_dek)?;
                let new_dek = Dek::generate();
                let resealed = data.reseal(&old_dek, &new_dek)?;
                let committed = self.commit(commit(&new_dek, Some(&resealed)))?;
                if let Some(s) = self.session.as_mut() {
                    s.dek = new_dek;
                    s.data_generation = committed.data_generation;
                }
            }
        }
        self.touch_at(now);
        Ok(())
    }

    fn set_role(&mut self, password: &SecretString, role: Role) -> Result<(), VaultError> {
        let now = self.now();
        self.expire_idle(now);
        let _guard = self.files.guard(true)?;
        let (header, dek) = self.verify_password(password)?;
        let mut data = self.files.read_data(header.data_generation, &dek)?;
        data.role = role;
        self.cache.data = None;
        self.files.write_data(&header, &dek, &data)?;
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
        let data = self.read(now)?;
        let dek = self.dek()?;
        // Plaintext secrets, each in a zeroizing buffer, only for as long as the sealing takes.
        let credentials = data
            .records
            .iter()
            .map(|r| Ok((r.meta.clone(), r.open(dek)?)))
            .collect::<Result<Vec<_>, VaultError>>()?;
        let bytes = backup::seal(
            data.role,
            &credentials,
            password.expose_secret().as_bytes(),
            self.options.kdf,
            now,
        )?;
        drop(credentials);
        atomic::write(&absolute(path), &bytes)?;
        self.touch_at(now);
        Ok(data.records.len())
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
        // Framing and key-derivation limits first: no derivation for a header beyond them.
        let contents = backup::Parsed::parse(&bytes)?.open(password.expose_secret().as_bytes())?;
        self.modify(now, true, |data, dek| {
            let mut report = ImportReport {
                added: 0,
                skipped: 0,
            };
            for (meta, secret) in &contents.credentials {
                if data.records.iter().any(|r| r.meta.id == meta.id) {
                    report.skipped += 1;
                    continue;
                }
                data.records
                    .push(StoredRecord::seal(meta.clone(), dek, secret)?);
                report.added += 1;
            }
            Ok(report)
        })
    }

    fn authenticate(&mut self, purpose: &str, data: &[u8]) -> Result<[u8; 32], VaultError> {
        mac::check_purpose(purpose)?;
        // Not user activity: the service authenticates its files as it saves them.
        let now = self.now();
        let file = self.read(now)?;
        if file.authenticated.contains(purpose)
            && let Some(key) = file.mac_key(self.dek()?)?
        {
            return mac::tag(&key, purpose, data);
        }
        // First use of the key or of this purpose: record it (under the exclusive lock, re-read).
        self.modify(now, false, |file, dek| {
            let key = file.mac_key_or_create(dek)?;
            file.authenticated.insert(purpose.to_owned());
            mac::tag(&key, purpose, data)
        })
    }

    fn verify_tag(&mut self, purpose: &str, data: &[u8], tag: &[u8]) -> Result<bool, VaultError> {
        mac::check_purpose(purpose)?;
        let now = self.now();
        let file = self.read(now)?;
        if !file.authenticated.contains(purpose) {
            return Ok(false);
        }
        match file.mac_key(self.dek()?)? {
            Some(key) => mac::verify(&key, purpose, data, tag),
            None => Ok(false),
        }
    }

    fn has_authenticated(&mut self, purpose: &str) -> Result<bool, VaultError> {
        mac::check_purpose(purpose)?;
        let now = self.now();
        Ok(self.read(now)?.authenticated.contains(purpose))
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
    use chrono::Utc;

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
        let header = v.files.read_header().unwrap();
        let mut data = v.files.read_data(header.data_generation, dek).unwrap();
        edit(&mut data);
        v.files.write_data(&header, dek, &data).unwrap();
    }

    fn dek_of(v: &StrongholdVault) -> Dek {
        Dek::from_slice(v.session.as_ref().unwrap().dek.as_bytes()).unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
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
        let dek = dek_of(&v);
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
        let header = v.files.read_header().unwrap();
        assert_eq!(
            names(v.files.dir()),
            vec![
                Header::snapshot_file(header.snapshot_generation),
                Header::data_file(header.data_generation),
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

    /// Issue point 1: a backup holds the secrets, never the data key. Even with the backup
    /// password in hand (a weak one can be guessed), the decrypted payload does not contain the
    /// live DEK; and it restores into a vault with another password and another DEK.
    #[test]
    fn a_backup_never_holds_the_data_key_and_restores_into_another_vault() {
        let dir = tempfile::tempdir().unwrap();
        let mut src = unlocked(&dir.path().join("a"));
        let secrets = ["alpaca-secret-1", "ibkr-secret-22", "plaid-secret-333"];
        let ids: Vec<_> = secrets
            .iter()
            .zip(["alpaca", "ibkr", "plaid"])
            .map(|(s, vendor)| src.put(cred(vendor, s)).unwrap().id)
            .collect();
        let live = dek_of(&src);
        let path = dir.path().join("backup.bdv");
        let backup_pw = SecretString::from("weak backup pw");
        assert_eq!(src.export_backup(&path, &backup_pw).unwrap(), 3);

        let bytes = std::fs::read(&path).unwrap();
        let parsed = backup::Parsed::parse(&bytes).unwrap();
        let payload = parsed.decrypt(b"weak backup pw").unwrap();
        for haystack in [&bytes[..], &payload[..]] {
            assert!(
                !haystack.windows(32).any(|w| w == live.as_bytes()),
                "the live DEK is in the backup"
            );
            let hex = hex::encode(live.as_bytes());
            assert!(!String::from_utf8_lossy(haystack).contains(&hex));
        }
        // The payload is the secrets themselves (that is what the backup password protects).
        for s in secrets {
            assert!(payload.windows(s.len()).any(|w| w == s.as_bytes()));
        }

        let mut dst = StrongholdVault::new(
            &dir.path().join("b"),
            VaultOptions {
                kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
                ..VaultOptions::default()
            },
        );
        dst.init(
            &SecretString::from("a different vault password"),
            Role::Viewer,
        )
        .unwrap();
        assert_ne!(dek_of(&dst).as_bytes(), live.as_bytes());
        let report = dst.import_backup(&path, &backup_pw).unwrap();
        assert_eq!((report.added, report.skipped), (3, 0));
        dst.lock();
        dst.unlock(&SecretString::from("a different vault password"))
            .unwrap();
        for (id, s) in ids.iter().zip(secrets) {
            assert_eq!(dst.get(*id).unwrap().expose_secret(), s);
        }
        // Re-sealed under the importing vault's key, not carried over.
        let header = dst.files.read_header().unwrap();
        let data = dst
            .files
            .read_data(header.data_generation, &dek_of(&dst))
            .unwrap();
        assert!(data.records.iter().all(|r| r.open(&live).is_err()));
    }

    /// Backups from the previous build (DEK + data file) still import, into any vault.
    #[test]
    fn a_version_1_backup_still_imports() {
        let dir = tempfile::tempdir().unwrap();
        let old_dek = Dek::generate();
        let mut old = DataFile::new(Role::Trader);
        let meta = CredentialMeta {
            id: CredentialId::new_random(),
            vendor: VendorId::new("alpaca"),
            connection: None,
            label: "from v1".into(),
            kind: CredentialKind::ApiKey,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            last_used_at: None,
            expires_at: None,
        };
        old.records
            .push(StoredRecord::seal(meta.clone(), &old_dek, b"v1-secret").unwrap());
        let path = dir.path().join("old.bdv");
        std::fs::write(
            &path,
            backup::tests::seal_v1(&old_dek, &old.encode(&old_dek).unwrap(), b"backup pw 1"),
        )
        .unwrap();
        let mut v = unlocked(&dir.path().join("v"));
        let report = v
            .import_backup(&path, &SecretString::from("backup pw 1"))
            .unwrap();
        assert_eq!(report.added, 1);
        assert_eq!(v.get(meta.id).unwrap().expose_secret(), "v1-secret");
    }

    /// Issue point 2 for the vault's own header: parameters beyond the ceilings, in a header
    /// whose checksum is right, are refused by `Header::decode` (no password there, so nothing
    /// derived) and surface from `unlock` as `InvalidKdfParams`, not as a wrong password.
    #[test]
    fn unlock_refuses_a_header_asking_for_parameters_beyond_the_ceilings() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        v.lock();
        let header = v.files.read_header().unwrap();
        for kdf in [
            // Under the old ceilings these were derived (and failed as a wrong password).
            KdfParams {
                t_cost: 21,
                ..header.kdf
            },
            KdfParams {
                p_cost: 17,
                m_cost_kib: 17 * 8,
                ..header.kdf
            },
            // Exactly the old ceiling: 4 GiB would have been allocated.
            KdfParams {
                m_cost_kib: 4 * 1024 * 1024,
                ..header.kdf
            },
        ] {
            let forged = Header {
                kdf,
                ..header.clone()
            };
            std::fs::write(v.files.header_path(), forged.encode().unwrap()).unwrap();
            let err = v.unlock(&SecretString::from(PW)).unwrap_err();
            assert!(
                matches!(err, VaultError::InvalidKdfParams(_)),
                "{kdf:?}: {err}"
            );
            assert!(
                err.to_string().contains("refused without deriving"),
                "{err}"
            );
        }
        std::fs::write(v.files.header_path(), header.encode().unwrap()).unwrap();
        v.unlock(&SecretString::from(PW)).unwrap();
    }

    /// Issue point 3: a change rotates the data key by default (new DEK, every record and the MAC
    /// key re-sealed, a new data file named by the header, the old one gone); `Keep` does not.
    #[test]
    fn change_password_rotates_the_data_key_unless_told_to_keep_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        let id = v.put(cred("alpaca", "rotated-secret")).unwrap().id;
        let tag = v.authenticate("connections", b"file").unwrap();
        let before = dek_of(&v);
        let h1 = v.files.read_header().unwrap();
        let old_file = v.files.dir().join(Header::data_file(h1.data_generation));
        let old_bytes = std::fs::read(&old_file).unwrap();
        let (a, b) = (
            SecretString::from(PW),
            SecretString::from("password number two"),
        );

        v.change_password(&a, &b).unwrap();
        let after = dek_of(&v);
        assert_ne!(after.as_bytes(), before.as_bytes());
        let h2 = v.files.read_header().unwrap();
        assert_eq!(h2.data_generation, h1.data_generation + 1);
        assert!(!old_file.exists(), "the old data file is deleted");
        // The new file opens under the new key only; the old key opens nothing in it.
        let data = v.files.read_data(h2.data_generation, &after).unwrap();
        assert!(v.files.read_data(h2.data_generation, &before).is_err());
        assert!(data.records.iter().all(|r| r.open(&before).is_err()));
        assert!(DataFile::decode(&old_bytes, &before).is_ok());
        // This handle's session carries on with the new key; a fresh unlock gets the same key.
        assert_eq!(v.get(id).unwrap().expose_secret(), "rotated-secret");
        assert!(v.verify_tag("connections", b"file", &tag).unwrap());
        v.lock();
        v.unlock(&b).unwrap();
        assert_eq!(dek_of(&v).as_bytes(), after.as_bytes());

        v.change_password_with(&b, &a, DataKey::Keep).unwrap();
        assert_eq!(dek_of(&v).as_bytes(), after.as_bytes());
        let h3 = v.files.read_header().unwrap();
        assert_eq!(h3.data_generation, h2.data_generation);
        assert_eq!(h3.snapshot_generation, h2.snapshot_generation + 1);
        v.lock();
        v.unlock(&a).unwrap();
        assert_eq!(dek_of(&v).as_bytes(), after.as_bytes());
        assert_eq!(v.get(id).unwrap().expose_secret(), "rotated-secret");
    }

    /// A rotation refuses to carry over a record that does not open, and writes nothing.
    #[test]
    fn a_rotation_with_a_tampered_record_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        v.put(cred("alpaca", "fine")).unwrap();
        v.put(cred("ibkr", "moved")).unwrap();
        rewrite(&v, |d| {
            d.records[1].meta.vendor = VendorId::new("elsewhere")
        });
        let before = names(v.files.dir());
        let header = std::fs::read(v.files.header_path()).unwrap();
        let (a, b) = (
            SecretString::from(PW),
            SecretString::from("password number two"),
        );
        assert!(matches!(
            v.change_password(&a, &b),
            Err(VaultError::RecordTampered(_))
        ));
        assert_eq!(names(v.files.dir()), before);
        assert_eq!(std::fs::read(v.files.header_path()).unwrap(), header);
        // Keeping the key still works, so the user is not stuck with the old password.
        v.change_password_with(&a, &b, DataKey::Keep).unwrap();
    }

    /// A vault written by the previous build (header version 1, plain `vault.data` version 1)
    /// opens, and its first rotation moves it to `vault.data.1`.
    #[test]
    fn a_vault_of_the_previous_format_opens_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        let id = v.put(cred("alpaca", "legacy-secret")).unwrap().id;
        let dek = dek_of(&v);
        let header = v.files.read_header().unwrap();
        let mut data = v.files.read_data(header.data_generation, &dek).unwrap();
        data.version = 1;
        std::fs::remove_file(
            v.files
                .dir()
                .join(Header::data_file(header.data_generation)),
        )
        .unwrap();
        std::fs::write(v.files.dir().join("vault.data"), data.encode(&dek).unwrap()).unwrap();
        let legacy = Header {
            version: 1,
            data_generation: 0,
            ..header
        };
        std::fs::write(v.files.header_path(), legacy.encode().unwrap()).unwrap();
        v.lock();

        v.unlock(&SecretString::from(PW)).unwrap();
        assert_eq!(v.get(id).unwrap().expose_secret(), "legacy-secret");
        v.change_password(
            &SecretString::from(PW),
            &SecretString::from("a newer password"),
        )
        .unwrap();
        let h = v.files.read_header().unwrap();
        assert_eq!((h.version, h.data_generation), (2, 1));
        assert!(!v.files.dir().join("vault.data").exists());
        v.lock();
        v.unlock(&SecretString::from("a newer password")).unwrap();
        assert_eq!(v.get(id).unwrap().expose_secret(), "legacy-secret");
    }

    /// Issue point 5: the MAC key is neither the DEK nor derived from the password, survives a
    /// rotation unchanged, and is sealed (never in the clear) in the data file.
    #[test]
    fn the_mac_key_is_its_own_sealed_key_and_survives_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        assert!(v.files.read_data(1, &dek_of(&v)).unwrap().mac_key.is_none());
        let tag = v.authenticate("connections", b"data").unwrap();
        let key = |v: &StrongholdVault| {
            let h = v.files.read_header().unwrap();
            let dek = dek_of(v);
            *v.files
                .read_data(h.data_generation, &dek)
                .unwrap()
                .mac_key(&dek)
                .unwrap()
                .unwrap()
        };
        let k1 = key(&v);
        assert_ne!(&k1, dek_of(&v).as_bytes());
        assert_eq!(tag, mac::tag(&k1, "connections", b"data").unwrap());
        let raw = std::fs::read(v.files.dir().join(Header::data_file(1))).unwrap();
        assert!(!raw.windows(32).any(|w| w == k1));
        assert!(!String::from_utf8_lossy(&raw).contains(&hex::encode(k1)));
        v.change_password(
            &SecretString::from(PW),
            &SecretString::from("password number two"),
        )
        .unwrap();
        assert_eq!(key(&v), k1);
    }

    #[test]
    fn asking_for_the_state_and_permissions_decodes_the_data_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = unlocked(dir.path());
        v.put(cred("alpaca", "alpaca-secret")).unwrap();
        let before = v.cache.decodes;
        for _ in 0..100 {
            assert_eq!(v.status().unwrap().state.credentials, Some(1));
            v.authorize(Action::PlacePaperOrder).unwrap();
            assert_eq!(v.list().unwrap().len(), 1);
        }
        assert!(
            v.cache.decodes - before <= 1,
            "{} decodes for 300 calls",
            v.cache.decodes - before
        );
    }

    #[test]
    fn a_change_made_by_another_process_is_seen_at_the_next_call() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = unlocked(dir.path());
        assert_eq!(app.list().unwrap().len(), 0);
        assert_eq!(app.status().unwrap().state.role, Some(Role::Trader));

        // The CLI, another handle on the same directory.
        let mut cli = StrongholdVault::new(
            dir.path().parent().unwrap_or(dir.path()),
            VaultOptions::default(),
        );
        cli.files = Files::new(app.files.dir().to_path_buf());
        cli.unlock(&SecretString::from(PW)).unwrap();
        cli.put(cred("stripe", "sk_test_x")).unwrap();
        cli.set_role(&SecretString::from(PW), Role::Viewer).unwrap();

        assert_eq!(app.list().unwrap().len(), 1, "the new record is seen");
        let state = app.status().unwrap().state;
        assert_eq!(state.role, Some(Role::Viewer), "so is the new role");
        assert!(app.authorize(Action::PlacePaperOrder).is_err());

        // A password change with a new data key ends the app's session rather than serving
        // what it decoded under the old key.
        cli.change_password_with(
            &SecretString::from(PW),
            &SecretString::from("another long password"),
            DataKey::Rotate,
        )
        .unwrap();
        assert!(matches!(app.list(), Err(VaultError::Locked)));
        assert!(!app.status().unwrap().state.unlocked);
    }
}
