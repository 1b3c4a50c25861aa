//! Every vault command run with `BROKERDESK_LOG=trace`, the most the CLI can log: nothing it
//! prints, on standard output or in its log on standard error, holds the vault password, the
//! backup password or a stored secret.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "PW-vault-cli-log-7Q2pp";
const NEW_PASSWORD: &str = "PW-vault-cli-new-7Q2qq";
const BACKUP_PASSWORD: &str = "PW-backup-cli-log-7Q2rr";
const SECRET: &str = "SECRET-cli-stored-key-7Q2ss";
const SECRET_FROM_ENV_RUN: &str = "SECRET-cli-second-key-7Q2tt";

/// Runs `brokerdesk` at TRACE with `stdin`, the environment cleared of passwords but for `env`.
fn brokerdesk(data_dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brokerdesk"));
    cmd.args(args)
        .env("BROKERDESK_DATA_DIR", data_dir)
        .env("BROKERDESK_LOG", "trace")
        .env_remove("BROKERDESK_PASSWORD")
        .env_remove("BROKERDESK_NEW_PASSWORD")
        .env_remove("BROKERDESK_BACKUP_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("brokerdesk runs");
    // A command that needs no input may exit before reading it: a closed pipe is no failure.
    match child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin written: {e}"),
        _ => {}
    }
    child.wait_with_output().expect("brokerdesk exits")
}

/// Everything the runs printed, labelled by command.
#[derive(Default)]
struct Transcript(String);

impl Transcript {
    fn record(&mut self, what: &str, out: &Output, must_succeed: bool) -> String {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.success(), must_succeed, "{what}: {text}");
        self.0.push_str(&format!("=== {what}\n{text}\n"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[test]
fn vault_commands_at_trace_never_print_a_password_or_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (data, other) = (dir.path().join("a"), dir.path().join("b"));
    let backup = dir.path().join("backup.bdvault");
    let backup_arg = backup.to_str().unwrap();
    let mut t = Transcript::default();
    let pw = [("BROKERDESK_PASSWORD", PASSWORD)];

    let init = brokerdesk(
        &data,
        &["vault", "init", "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[],
    );
    t.record("init", &init, true);
    let put = brokerdesk(
        &data,
        &["vault", "put", "alpaca", "paper key", "--password-stdin"],
        &format!("{PASSWORD}\n{SECRET}\n"),
        &[],
    );
    t.record("put (password and secret on stdin)", &put, true);
    let put = brokerdesk(
        &data,
        &[
            "vault",
            "put",
            "stripe",
            "live key",
            "--kind",
            "api_secret",
            "--json",
        ],
        SECRET_FROM_ENV_RUN,
        &pw,
    );
    t.record("put (password from the environment)", &put, true);
    let listed = brokerdesk(&data, &["vault", "list", "--json"], "", &pw);
    let listed = t.record("list", &listed, true);
    let list: serde_json::Value = serde_json::from_str(&listed).expect("list --json is JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{listed}");
    let stripe_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["vendor"] == "stripe")
        .and_then(|c| c["id"].as_str())
        .expect("the stripe key's id")
        .to_owned();
    let export = brokerdesk(
        &data,
        &["vault", "export", backup_arg],
        "",
        &[
            ("BROKERDESK_PASSWORD", PASSWORD),
            ("BROKERDESK_BACKUP_PASSWORD", BACKUP_PASSWORD),
        ],
    );
    t.record("export", &export, true);
    let wrong = brokerdesk(
        &data,
        &["vault", "unlock"],
        "",
        &[("BROKERDESK_PASSWORD", NEW_PASSWORD)],
    );
    t.record("unlock with a wrong password", &wrong, false);
    let remove = brokerdesk(&data, &["vault", "remove", &stripe_id], "", &pw);
    t.record("remove", &remove, true);
    let change = brokerdesk(
        &data,
        &["vault", "change-password", "--password-stdin"],
        &format!("{PASSWORD}\n{NEW_PASSWORD}\n"),
        &[],
    );
    t.record("change-password", &change, true);
    let status = brokerdesk(&data, &["vault", "status"], "", &[]);
    t.record("status", &status, true);

    // The backup into a second vault.
    let init = brokerdesk(&other, &["vault", "init"], "", &pw);
    t.record("init (second vault)", &init, true);
    let import = brokerdesk(
        &other,
        &["vault", "import", backup_arg],
        "",
        &[
            ("BROKERDESK_PASSWORD", PASSWORD),
            ("BROKERDESK_BACKUP_PASSWORD", BACKUP_PASSWORD),
        ],
    );
    t.record("import", &import, true);
    let wrong_backup = brokerdesk(
        &other,
        &["vault", "import", backup_arg],
        "",
        &[
            ("BROKERDESK_PASSWORD", PASSWORD),
            ("BROKERDESK_BACKUP_PASSWORD", NEW_PASSWORD),
        ],
    );
    t.record("import with a wrong backup password", &wrong_backup, false);
    let listed = brokerdesk(&other, &["vault", "list"], "", &pw);
    let listed = t.record("list (second vault)", &listed, true);
    assert!(
        listed.contains("paper key") && listed.contains("live key"),
        "{listed}"
    );

    let all = &t.0;
    // The log really was on: each run logged its command line at DEBUG on stderr.
    assert!(
        all.matches(" DEBUG ").count() >= 13 && all.contains("command_line"),
        "BROKERDESK_LOG=trace logged nothing:\n{all}"
    );
    for secret in [
        PASSWORD,
        NEW_PASSWORD,
        BACKUP_PASSWORD,
        SECRET,
        SECRET_FROM_ENV_RUN,
    ] {
        assert!(!all.contains(secret), "{secret} was printed:\n{all}");
        // Nor a telltale part of it.
        assert!(
            !all.contains(&secret[secret.len() - 6..]),
            "{secret}:\n{all}"
        );
    }
}

/// `sandbox serve --secret …` at TRACE, with a client using the secret and one guessing it:
/// the secret is in the command line (and in the logged command line's redacted form), never
/// in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_secret_given_on_the_command_line_never_reaches_the_log() {
    const SANDBOX_SECRET: &str = "SECRET-cli-sandbox-7Q2uu";
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut server = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .args(["sandbox", "serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--key", "PKLOGTEST", "--secret", SANDBOX_SECRET])
        .env("BROKERDESK_DATA_DIR", dir.path())
        .env("BROKERDESK_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brokerdesk sandbox serve starts");
    let http = reqwest::Client::new();
    let account = |secret: &'static str| {
        http.get(format!("http://127.0.0.1:{port}/v2/account"))
            .header("APCA-API-KEY-ID", "PKLOGTEST")
            .header("APCA-API-SECRET-KEY", secret)
            .send()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match account(SANDBOX_SECRET).await {
            Ok(r) if r.status().is_success() => break,
            _ if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            other => panic!("the sandbox never answered: {other:?}"),
        }
    }
    let refused = account("a-wrong-guess").await.unwrap();
    assert!(refused.status().is_client_error(), "{}", refused.status());
    // SIGINT: the server's Ctrl-C path, which shuts down gracefully.
    let _ = Command::new("kill")
        .args(["-s", "INT", "--", &server.id().to_string()])
        .status();
    let _ = server.stdin.take();
    let out = tokio::task::spawn_blocking(move || server.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("command_line"), "nothing was logged:\n{all}");
    assert!(
        !all.contains(SANDBOX_SECRET),
        "the secret was printed:\n{all}"
    );
    assert!(!all.contains("7Q2uu"), "{all}");
}
