//! The app's side of the attached mode: a Unix socket only the same user can open, one per
//! data dir, where each connection is served by a [`BrokerdeskMcp`] on the app's own service
//! (the relay `brokerdesk mcp` only carries the bytes).
//!
//! Who may connect: the socket's directory is 0700 and owned by the user, the socket 0600, and
//! each peer's uid (`SO_PEERCRED`) must be the app's own. Where: `$XDG_RUNTIME_DIR/brokerdesk/`
//! (a per-user tmpfs), else `<data dir>/run/`; the file is named from a hash of the data dir,
//! so the app and the CLI find the same socket for the same data dir, and two data dirs never
//! share one. A socket file nobody answers on (a crashed app) is replaced.

use crate::BrokerdeskMcp;
use brokerdesk_service::BrokerageService;
use sha2::{Digest, Sha256};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::net::{UnixListener, UnixStream};

/// `sun_path` holds 108 bytes on Linux (104 on macOS), with the closing NUL.
const MAX_SOCKET_PATH: usize = 103;

/// The socket for `data_dir`: the same path from the app and the CLI.
pub fn socket_path(data_dir: &Path) -> Result<PathBuf, String> {
    let dir = std::fs::canonicalize(data_dir)
        .or_else(|_| std::path::absolute(data_dir))
        .map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let digest = hex::encode(Sha256::digest(dir.as_os_str().as_encoded_bytes()));
    let name = format!("mcp-{}.sock", &digest[..16]);
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir());
    let candidates = runtime
        .map(|r| r.join("brokerdesk"))
        .into_iter()
        .chain([dir.join("run")]);
    for base in candidates {
        let path = base.join(&name);
        if path.as_os_str().len() <= MAX_SOCKET_PATH {
            return Ok(path);
        }
    }
    Err(format!(
        "no socket path short enough for {} (set XDG_RUNTIME_DIR, or use a shorter data dir)",
        dir.display()
    ))
}

/// The process's effective uid: the only one let in.
pub fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// A peer of another user is refused, whatever the file modes say.
pub fn check_peer(peer_uid: u32, own_uid: u32) -> Result<(), String> {
    if peer_uid == own_uid {
        Ok(())
    } else {
        Err(format!(
            "refused a connection from uid {peer_uid}: only uid {own_uid} may attach"
        ))
    }
}

/// Creates `dir` 0700, or checks that the one there is a directory (not a link) of ours with
/// no access for anyone else, tightening its mode if it is ours.
fn private_dir(dir: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", dir.display());
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(err(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(err)?;
    if !meta.is_dir() || meta.uid() != own_uid() {
        return Err(format!(
            "{} is not a directory of this user: the assistant socket is not opened",
            dir.display()
        ));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// The listening socket; its file is removed when dropped.
pub struct AttachListener {
    listener: UnixListener,
    path: PathBuf,
}

impl AttachListener {
    /// Binds at `path` (its directory made private). Refuses when another process answers
    /// there (another app on the same data dir); a stale file is replaced.
    pub async fn bind(path: &Path) -> Result<Self, String> {
        let dir = path
            .parent()
            .ok_or_else(|| format!("{} has no directory", path.display()))?;
        private_dir(dir)?;
        if std::fs::symlink_metadata(path).is_ok() {
            if UnixStream::connect(path).await.is_ok() {
                return Err(format!(
                    "another Brokerdesk already listens for assistants at {}",
                    path.display()
                ));
            }
            std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let listener = UnixListener::bind(path).map_err(|e| format!("{}: {e}", path.display()))?;
        // The directory already keeps others out; the socket's own mode says so too.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self {
            listener,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Serves every connection of this user with its own [`BrokerdeskMcp`] on `service`, until
    /// the task is dropped.
    pub async fn serve(self, service: BrokerageService) {
        let me = own_uid();
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "assistant socket: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            };
            let peer = match stream.peer_cred() {
                Ok(cred) => cred,
                Err(e) => {
                    tracing::warn!(error = %e, "assistant socket: peer unknown, refused");
                    continue;
                }
            };
            if let Err(why) = check_peer(peer.uid(), me) {
                tracing::warn!("assistant socket: {why}");
                continue;
            }
            let executable = peer
                .pid()
                .and_then(|pid| u32::try_from(pid).ok())
                .map(parent_executable)
                .unwrap_or_else(|| "unknown".to_owned());
            tracing::info!(executable = %executable, "an assistant attached");
            let handler = BrokerdeskMcp::attached(service.clone(), executable);
            tokio::spawn(async move {
                use rmcp::ServiceExt;
                match handler.serve(stream).await {
                    Ok(running) => {
                        let _ = running.waiting().await;
                    }
                    Err(e) => tracing::debug!(error = %e, "an assistant's session did not start"),
                }
            });
        }
    }
}

impl Drop for AttachListener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the socket for the service's data dir and serves it in the background: the app's
/// one call. An error (another app on the same data dir, no usable path) is returned for the
/// app to log; the app runs on without assistants.
pub async fn start(service: BrokerageService) -> Result<PathBuf, String> {
    let path = socket_path(service.data_dir())?;
    let listener = AttachListener::bind(&path).await?;
    tokio::spawn(listener.serve(service));
    Ok(path)
}

/// The program that started the relay: the relay (`brokerdesk mcp`) is the peer, its parent
/// the assistant's client. A client's name is only its claim; this is what the system says.
pub fn parent_executable(pid: u32) -> String {
    fn parent(pid: u32) -> Option<u32> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .and_then(|v| v.trim().parse().ok())
    }
    parent(pid)
        .and_then(|ppid| std::fs::read_link(format!("/proc/{ppid}/exe")).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.
    use super::*;

    #[test]
    fn another_uid_is_refused() {
        assert!(check_peer(1000, 1000).is_ok());
        let refused = check_peer(1001, 1000).unwrap_err();
        assert!(refused.contains("uid 1001"), "{refused}");
        assert!(check_peer(0, 1000).is_err(), "not even root's client");
    }

    #[test]
    fn the_path_is_per_data_dir_and_fits_sun_path() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let pa = socket_path(a.path()).unwrap();
        assert_eq!(pa, socket_path(a.path()).unwrap());
        assert_ne!(pa, socket_path(b.path()).unwrap());
        assert!(pa.as_os_str().len() <= MAX_SOCKET_PATH);
        // The same dir named another way is the same socket.
        let dotted = a.path().join(".");
        assert_eq!(pa, socket_path(&dotted).unwrap());
    }

    #[tokio::test]
    async fn modes_are_private_and_a_stale_socket_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run").join("mcp.sock");
        // A stale file left by a crashed app: a socket nobody listens on.
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::set_permissions(
            path.parent().unwrap(),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let listener = AttachListener::bind(&path).await.unwrap();
        let dir_mode = std::fs::metadata(path.parent().unwrap()).unwrap().mode() & 0o777;
        let sock_mode = std::fs::symlink_metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        assert_eq!(sock_mode, 0o600);
        // A second app on the same data dir is refused while the first answers.
        let second = AttachListener::bind(&path).await;
        assert!(second.is_err());
        drop(listener);
        assert!(!path.exists(), "the file goes with the listener");
    }

    #[test]
    fn the_parent_executable_is_read_from_proc() {
        let me = std::process::id();
        let exe = parent_executable(me);
        if cfg!(target_os = "linux") {
            assert_ne!(exe, "unknown");
        }
        assert_eq!(parent_executable(u32::MAX), "unknown");
    }
}
