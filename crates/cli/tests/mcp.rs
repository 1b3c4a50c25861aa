//! `brokerdesk mcp` driven by the official MCP Python SDK (`mcp_py/client.py`): initialize, list
//! tools, call every tool against the local sandbox, and compare with `brokerdesk --json` for
//! the same account. Prints each tool's latency.
//!
//! Skipped when Python or the `mcp` package is missing, unless `BROKERDESK_REQUIRE_MCP_PY=1`
//! (CI sets it after `pip install mcp`). `BROKERDESK_PYTHON` picks the interpreter (default
//! `python3.11`, then `python3`).

use std::process::Command;

fn python_with_mcp() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("BROKERDESK_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["python3.11".into(), "python3".into()],
    };
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import mcp.client.stdio"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn the_python_sdk_reads_trades_paper_and_agrees_with_the_cli() {
    let Some(python) = python_with_mcp() else {
        if std::env::var("BROKERDESK_REQUIRE_MCP_PY").as_deref() == Ok("1") {
            panic!(
                "the mcp package is required (BROKERDESK_REQUIRE_MCP_PY=1) but no python with it was found"
            );
        }
        eprintln!("skipping: python with the mcp package not found (pip install mcp)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp_py/client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_brokerdesk"))
        .arg(dir.path())
        .env_remove("BROKERDESK_PASSWORD")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("MCP_PY_OK"),
        "the MCP client run failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    eprintln!("{stdout}");
    // Every call is in the audit log, under the client's own name.
    let db = dir.path().join("assistant_audit.sqlite3");
    assert!(db.exists(), "no audit log written");
}

#[test]
fn mcp_on_a_locked_vault_never_prompts_and_says_why_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let create = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .args(["vault", "init"])
        .env("BROKERDESK_DATA_DIR", dir.path())
        .env("BROKERDESK_PASSWORD", "a long enough password 123")
        .output()
        .unwrap();
    assert!(
        create.status.success(),
        "{}",
        String::from_utf8_lossy(&create.stderr)
    );
    // No password in the environment, stdin closed at once: the server must not prompt, must
    // print nothing but protocol on stdout, and ends when its client hangs up.
    let out = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .arg("mcp")
        .env("BROKERDESK_DATA_DIR", dir.path())
        .env("BROKERDESK_SANDBOX_ADDR", "127.0.0.1:0")
        .env_remove("BROKERDESK_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("vault is locked") && stderr.contains("BROKERDESK_PASSWORD"),
        "{stderr}"
    );
}
