//! `brokerdesk vault …`: create, open and manage the local vault from a terminal or a script.
//!
//! Passwords come from, in order: `--password-stdin` (first line of standard input), the
//! `BROKERDESK_PASSWORD` environment variable, or a hidden prompt on the terminal. A new password
//! (init, change-password) comes from `--password-stdin` (init: the first line; change-password:
//! the second line), `BROKERDESK_NEW_PASSWORD` (change-password) / `BROKERDESK_PASSWORD` (init),
//! or a prompt asked twice. Backups are protected by `BROKERDESK_BACKUP_PASSWORD` when it is set,
//! otherwise by the vault password. `change-password` also replaces the data key (every record
//! re-sealed) unless `--keep-key` is given.
//!
//! The CLI is a one-shot process: it keeps no session between invocations, so every command that
//! touches credentials asks for the password and the vault is locked again when the process
//! exits. `unlock` therefore only checks the password and reports the status; `lock` holds
//! nothing to drop and says so. Output never contains a secret: `list` and `put` print metadata.

use anyhow::{Context, anyhow, bail};
use brokerdesk_vault::{
    CredentialId, CredentialKind, CredentialMeta, DataKey, ExposeSecret, NewCredential, Role,
    SecretStore, SecretString, StrongholdVault, VaultOptions, VaultStatus,
};
use chrono::{DateTime, Utc};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

const PASSWORD_ENV: &str = "BROKERDESK_PASSWORD";
const NEW_PASSWORD_ENV: &str = "BROKERDESK_NEW_PASSWORD";
const BACKUP_PASSWORD_ENV: &str = "BROKERDESK_BACKUP_PASSWORD";

/// Where the password comes from when not from the environment or a prompt.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct PasswordInput {
    /// Read the password from the first line of standard input (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum VaultCommand {
    /// Create the vault (asks for a new password twice).
    Init {
        /// The profile's role: `trader` places orders (live ones only once armed), `viewer`
        /// only reads.
        #[arg(long, default_value = "trader")]
        role: Role,
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Check the password and show the status. The CLI keeps no session: each later command
    /// asks for the password again.
    Unlock {
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Report that this process holds no unlocked session (the CLI never keeps one).
    Lock,
    /// Whether a vault exists, and its recorded key-derivation parameters. No password needed.
    Status,
    /// Stored credentials' metadata (never the secrets).
    List {
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Store a credential; the secret is read from standard input (hidden prompt on a terminal).
    /// With --password-stdin, the first line is the password and the rest the secret.
    Put {
        /// Institution id, e.g. `alpaca`.
        vendor: String,
        /// A name to recognise it by, e.g. "paper key".
        label: String,
        /// api_key, api_secret, oauth_token, oauth_refresh_token, aggregator_secret or other.
        #[arg(long, default_value = "api_key")]
        kind: CredentialKind,
        /// The connection this credential belongs to.
        #[arg(long)]
        connection: Option<String>,
        /// When the secret stops working (RFC 3339, e.g. 2026-12-31T00:00:00Z).
        #[arg(long, value_parser = parse_rfc3339)]
        expires: Option<DateTime<Utc>>,
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Delete a credential by id.
    Remove {
        id: CredentialId,
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Re-protect the vault with a new password; the old one stops working. The data key is
    /// replaced too, every record re-sealed under a new one (the default), so copies of the old
    /// files open nothing stored afterwards.
    ChangePassword {
        /// Replace the data key as well. This is the default; the flag lets a script say so.
        #[arg(long, conflicts_with = "keep_key")]
        rotate_key: bool,
        /// Keep the current data key and only re-wrap it under the new password (for instance
        /// while a damaged record, which a rotation will not carry over, is still stored).
        #[arg(long)]
        keep_key: bool,
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Write an encrypted backup of every credential to PATH.
    Export {
        path: PathBuf,
        #[command(flatten)]
        input: PasswordInput,
    },
    /// Add the credentials of an encrypted backup to this vault (existing ids are kept).
    Import {
        path: PathBuf,
        #[command(flatten)]
        input: PasswordInput,
    },
}

/// Runs one vault command against the vault in `data_dir`.
pub fn run(cmd: VaultCommand, data_dir: &Path, json: bool) -> anyhow::Result<()> {
    let mut vault = StrongholdVault::new(data_dir, VaultOptions::default());
    match cmd {
        VaultCommand::Init { role, input } => {
            let password = if input.password_stdin {
                next_line(
                    &mut stdin_lines(),
                    "the new password (first line of standard input)",
                )?
            } else {
                new_password(PASSWORD_ENV)?
            };
            vault.init(&password, role)?;
            report_status(&mut vault, json, "vault created")
        }
        VaultCommand::Unlock { input } => {
            vault.unlock(&password(input, &mut stdin_lines())?)?;
            report_status(&mut vault, json, "password accepted")
        }
        VaultCommand::Lock => {
            vault.lock();
            report_status(
                &mut vault,
                json,
                "locked (the CLI keeps no session, so nothing was held open)",
            )
        }
        VaultCommand::Status => report_status(&mut vault, json, ""),
        VaultCommand::List { input } => {
            vault.unlock(&password(input, &mut stdin_lines())?)?;
            let list = vault.list()?;
            if json {
                emit(&(serde_json::to_string_pretty(&list)? + "\n"))?;
            } else {
                emit(&render_list(&list))?;
            }
            Ok(())
        }
        VaultCommand::Put {
            vendor,
            label,
            kind,
            connection,
            expires,
            input,
        } => {
            let mut lines = stdin_lines();
            let password = password(input, &mut lines)?;
            let secret = read_secret(&mut lines)?;
            vault.unlock(&password)?;
            let meta = vault.put(NewCredential {
                vendor: vendor.into(),
                connection: connection.map(Into::into),
                label,
                kind,
                expires_at: expires,
                secret,
            })?;
            if json {
                emit(&(serde_json::to_string_pretty(&meta)? + "\n"))?;
            } else {
                emit(&format!(
                    "stored {} ({} {} \"{}\")\n",
                    meta.id, meta.vendor, meta.kind, meta.label
                ))?;
            }
            Ok(())
        }
        VaultCommand::Remove { id, input } => {
            vault.unlock(&password(input, &mut stdin_lines())?)?;
            let meta = vault.remove(id)?;
            if json {
                emit(&(serde_json::to_string_pretty(&meta)? + "\n"))?;
            } else {
                emit(&format!(
                    "removed {} ({} \"{}\")\n",
                    meta.id, meta.vendor, meta.label
                ))?;
            }
            Ok(())
        }
        VaultCommand::ChangePassword {
            rotate_key: _,
            keep_key,
            input,
        } => {
            let mut lines = stdin_lines();
            let old = password(input, &mut lines)?;
            let new = if input.password_stdin {
                next_line(
                    &mut lines,
                    "the new password (second line of standard input)",
                )?
            } else {
                new_password(NEW_PASSWORD_ENV)?
            };
            let (data_key, headline) = match keep_key {
                true => (DataKey::Keep, "password changed (data key kept)"),
                false => (DataKey::Rotate, "password changed and data key replaced"),
            };
            vault.change_password_with(&old, &new, data_key)?;
            report_status(&mut vault, json, headline)
        }
        VaultCommand::Export { path, input } => {
            let password = password(input, &mut stdin_lines())?;
            vault.unlock(&password)?;
            let count = vault.export_backup(&path, &backup_password(password))?;
            if json {
                emit(&format!(
                    "{}\n",
                    serde_json::json!({ "exported": count, "path": path })
                ))?;
            } else {
                emit(&format!(
                    "exported {count} credential(s) to {}\n",
                    path.display()
                ))?;
            }
            Ok(())
        }
        VaultCommand::Import { path, input } => {
            let password = password(input, &mut stdin_lines())?;
            vault.unlock(&password)?;
            let report = vault.import_backup(&path, &backup_password(password))?;
            if json {
                emit(&(serde_json::to_string(&report)? + "\n"))?;
            } else {
                emit(&format!(
                    "imported {} credential(s), kept {} already present\n",
                    report.added, report.skipped
                ))?;
            }
            Ok(())
        }
    }
}

fn report_status(vault: &mut StrongholdVault, json: bool, headline: &str) -> anyhow::Result<()> {
    let status = vault.status()?;
    if json {
        let mut value = serde_json::to_value(&status)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("dir".into(), serde_json::json!(vault.dir()));
        }
        emit(&(serde_json::to_string_pretty(&value)? + "\n"))
    } else {
        let mut out = String::new();
        if !headline.is_empty() {
            out = format!("{headline}\n");
        }
        out += &render_status(&status, vault.dir());
        emit(&out)
    }
}

fn render_status(status: &VaultStatus, dir: &Path) -> String {
    let s = &status.state;
    let mut out = format!("vault:       {}\n", dir.display());
    if !s.initialized {
        out += "state:       not created (run `brokerdesk vault init`)\n";
        return out;
    }
    out += &format!(
        "state:       {}\n",
        if s.unlocked { "unlocked" } else { "locked" }
    );
    if let Some(role) = s.role {
        out += &format!("role:        {role}\n");
    }
    if let Some(n) = s.credentials {
        out += &format!("credentials: {n}\n");
    }
    if let Some(k) = status.kdf {
        out += &format!(
            "key:         argon2id v{:#x}, {} MiB, {} passes, {} lanes\n",
            k.version,
            k.m_cost_kib / 1024,
            k.t_cost,
            k.p_cost
        );
    }
    out
}

fn render_list(list: &[CredentialMeta]) -> String {
    if list.is_empty() {
        return "no credentials stored\n".into();
    }
    let date = |d: Option<DateTime<Utc>>| {
        d.map_or("-".to_owned(), |d| d.format("%Y-%m-%d %H:%M").to_string())
    };
    let mut out = format!(
        "{:<36}  {:<10}  {:<19}  {:<24}  {:<16}  {:<16}  {:<16}\n",
        "ID", "VENDOR", "KIND", "LABEL", "CREATED", "LAST USED", "EXPIRES"
    );
    for m in list {
        out += &format!(
            "{:<36}  {:<10}  {:<19}  {:<24}  {:<16}  {:<16}  {:<16}\n",
            m.id.to_string(),
            m.vendor.as_str(),
            m.kind.as_str(),
            m.label,
            date(Some(m.created_at)),
            date(m.last_used_at),
            date(m.expires_at)
        );
    }
    out
}

/// Writes to standard output; a closed pipe (`| head`) ends output quietly instead of panicking.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("could not write to standard output")
        }
        _ => Ok(()),
    }
}

type Lines = std::io::StdinLock<'static>;

fn stdin_lines() -> Lines {
    std::io::stdin().lock()
}

/// The vault password: `--password-stdin`, else the environment, else a prompt.
fn password(input: PasswordInput, lines: &mut Lines) -> anyhow::Result<SecretString> {
    if input.password_stdin {
        return next_line(lines, "the password (first line of standard input)");
    }
    if let Some(p) = env_secret(PASSWORD_ENV) {
        return Ok(p);
    }
    prompt("Vault password: ")
}

/// The password for a command that reads accounts while a vault exists: the environment, else
/// a prompt.
/// The session password from the environment only, never a prompt (for `brokerdesk mcp`,
/// whose standard input is the protocol).
pub fn session_password_from_env() -> Option<SecretString> {
    env_secret(PASSWORD_ENV)
}

pub fn session_password() -> anyhow::Result<SecretString> {
    if let Some(p) = env_secret(PASSWORD_ENV) {
        return Ok(p);
    }
    prompt("Vault password: ")
}

/// A new password from `env`, else prompted twice (callers handle `--password-stdin`).
fn new_password(env: &str) -> anyhow::Result<SecretString> {
    if let Some(p) = env_secret(env) {
        return Ok(p);
    }
    let first = prompt("New vault password: ")?;
    let again = prompt("Repeat the new password: ")?;
    if first.expose_secret() != again.expose_secret() {
        bail!("the two passwords differ");
    }
    Ok(first)
}

fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-12-31T00:00:00Z ({e})"))
}

fn backup_password(vault_password: SecretString) -> SecretString {
    env_secret(BACKUP_PASSWORD_ENV).unwrap_or(vault_password)
}

fn env_secret(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

fn prompt(question: &str) -> anyhow::Result<SecretString> {
    rpassword::prompt_password(question)
        .map(SecretString::from)
        .map_err(|_| {
            anyhow!(
                "no password given: set {PASSWORD_ENV}, pass --password-stdin, or run in a terminal"
            )
        })
}

fn next_line(lines: &mut Lines, what: &str) -> anyhow::Result<SecretString> {
    let mut line = String::new();
    let n = lines
        .read_line(&mut line)
        .with_context(|| format!("could not read {what}"))?;
    if n == 0 {
        bail!("standard input ended before {what}");
    }
    Ok(strip_newline(line))
}

/// The secret for `put`: the rest of standard input, or a hidden prompt on a terminal.
fn read_secret(lines: &mut Lines) -> anyhow::Result<SecretString> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Secret (input hidden): ")
            .map(SecretString::from)
            .context("could not read the secret");
    }
    let mut secret = String::new();
    lines
        .read_to_string(&mut secret)
        .context("could not read the secret from standard input")?;
    let secret = strip_newline(secret);
    if secret.expose_secret().is_empty() {
        bail!("the secret on standard input is empty");
    }
    Ok(secret)
}

/// Drops the line ending without copying the secret into a new buffer.
fn strip_newline(mut s: String) -> SecretString {
    let len = s.trim_end_matches(['\n', '\r']).len();
    s.truncate(len);
    SecretString::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_vault::CredentialId;

    #[test]
    fn strip_newline_drops_only_the_line_ending() {
        assert_eq!(
            strip_newline("pw with spaces \r\n".into()).expose_secret(),
            "pw with spaces "
        );
        assert_eq!(
            strip_newline("multi\nline\n\n".into()).expose_secret(),
            "multi\nline"
        );
        assert_eq!(strip_newline("none".into()).expose_secret(), "none");
    }

    #[test]
    fn rfc3339_times_parse_and_garbage_does_not() {
        let t = parse_rfc3339("2026-12-31T01:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-31T00:00:00+00:00");
        assert!(parse_rfc3339("tomorrow").is_err());
    }

    #[test]
    fn list_rendering_shows_metadata_in_columns() {
        let now = Utc::now();
        let meta = CredentialMeta {
            id: CredentialId::new_random(),
            vendor: "alpaca".into(),
            connection: None,
            label: "paper key".into(),
            kind: CredentialKind::OauthToken,
            created_at: now,
            updated_at: now,
            last_used_at: None,
            expires_at: Some(now),
        };
        let out = render_list(std::slice::from_ref(&meta));
        let row = out.lines().nth(1).unwrap();
        assert!(row.starts_with(&meta.id.to_string()));
        assert!(row.contains("alpaca      oauth_token"));
        assert_eq!(render_list(&[]), "no credentials stored\n");
    }
}
