//! The Stronghold plugin, registered but never reachable from the webview.
//!
//! The vault (`brokerdesk-vault`) opens Stronghold snapshots from Rust with a key it derives
//! itself, from a random salt recorded in the vault header. The plugin's JS commands are not
//! granted to any window (see `capabilities/main.json`), so the hash function below only runs if
//! a future capability grants them; it still uses explicit Argon2id parameters rather than the
//! plugin's `with_argon2`, whose defaults change with the resolved `rust-argon2` version.

use argon2::{Algorithm, Argon2, Params, Version};

/// Domain-separation salt for the plugin's password hash (per-vault salts live in the vault).
const PLUGIN_SALT: &[u8] = b"brokerdesk/stronghold-plugin/v1";

fn hash_password(password: &str) -> Vec<u8> {
    let mut key = vec![0u8; 32];
    // OWASP's first Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    let derived = Params::new(19 * 1024, 2, 1, Some(32)).and_then(|params| {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into(
            password.as_bytes(),
            PLUGIN_SALT,
            &mut key,
        )
    });
    match derived {
        Ok(()) => key,
        // Constant parameters: this cannot fail at run time; an empty key fails to open a snapshot.
        Err(_) => Vec::new(),
    }
}

pub fn plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_stronghold::Builder::new(hash_password).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_32_bytes_and_depends_on_the_password() {
        let a = hash_password("correct horse");
        assert_eq!(a.len(), 32);
        assert_eq!(a, hash_password("correct horse"));
        assert_ne!(a, hash_password("correct horsf"));
    }
}
