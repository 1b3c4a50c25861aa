//! The real binary, run as a user would.

use std::process::Command;

fn brokerdesk(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .args(args)
        .env("BROKERDESK_DATA_DIR", data_dir)
        .output()
        .expect("the brokerdesk binary runs")
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(dir.path(), &["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for command in ["accounts", "positions"] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
}

#[test]
fn positions_prints_the_paper_account_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(dir.path(), &["positions"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Paper (local)"), "{text}");
    assert!(text.contains("PAPER"), "{text}");
    assert!(text.contains("Cash $100,000.00"), "{text}");
    assert!(text.contains("Buying power $200,000.00"), "{text}");
    assert!(text.contains("No positions."), "{text}");
}

#[test]
fn json_output_is_the_model_type() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(dir.path(), &["positions", "--json"]);
    assert!(out.status.success());
    let overview: brokerdesk_model::AccountsOverview =
        serde_json::from_slice(&out.stdout).expect("JSON of AccountsOverview");
    assert_eq!(overview.accounts.len(), 1);
    assert_eq!(overview.accounts[0].balances.cash.to_string(), "100000");
}

#[test]
fn unknown_command_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(dir.path(), &["frobnicate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}

#[test]
fn an_order_from_the_terminal_fills_on_the_sandbox_and_reconciles() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = brokerdesk(dir.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let quotes: serde_json::Value =
        serde_json::from_str(&run(&["--json", "quotes", "aapl"])).unwrap();
    assert_eq!(quotes[0]["symbol"], "AAPL");
    let placed: serde_json::Value =
        serde_json::from_str(&run(&["--json", "order", "buy", "AAPL", "2"])).unwrap();
    assert_eq!(placed["order"]["symbol"], "AAPL");
    assert_eq!(placed["mode"], "paper");
    let orders = run(&["orders"]);
    assert!(
        orders.contains("AAPL") && orders.contains("PAPER"),
        "{orders}"
    );
    let positions = run(&["positions"]);
    assert!(positions.contains("AAPL"), "{positions}");
    assert!(run(&["reconcile"]).contains("no breaks"));
    assert!(run(&["status"]).contains("Connected"));

    // A bad order says why and places nothing.
    let out = brokerdesk(dir.path(), &["order", "buy", "AAPL", "1", "--limit=0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("limit price must be greater than zero"));
    let all: serde_json::Value = serde_json::from_str(&run(&["--json", "orders"])).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
}

#[test]
fn connect_refuses_unknown_and_non_oauth_vendors_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(dir.path(), &["connect", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no institution `nope`"), "{err}");
    for vendor in ["alpaca", "square", "paypal", "stripe"] {
        assert!(err.contains(vendor), "OAuth vendors listed: {err}");
    }
    // Reached only through an aggregator: connect that, then its portal.
    let out = brokerdesk(dir.path(), &["connect", "fidelity"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("brokerdesk portal"), "{err}");
}

#[test]
fn connect_needs_a_vault_before_any_browser_opens() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(
        dir.path(),
        &["connect", "square", "--oauth", "--no-browser"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("create a vault"), "{err}");
    assert!(
        !err.contains("https://"),
        "no sign-in URL was printed: {err}"
    );
    // By the vendor's form: said before any secret is asked for.
    let out = brokerdesk(dir.path(), &["connect", "square"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("create a vault"), "{err}");
}

#[test]
fn a_large_order_needs_yes_and_the_limit_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = brokerdesk(dir.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["settings"]).contains("25 %"));
    // $30,000 of the $100,000 paper account.
    let big = ["order", "buy", "AAPL", "300", "--limit", "100"];
    let out = brokerdesk(dir.path(), &big);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for words in [
        "$30,000.00",
        "30 % of the account's equity",
        "limit of 25 %",
        "--yes",
    ] {
        assert!(err.contains(words), "{words}: {err}");
    }
    let orders: serde_json::Value = serde_json::from_str(&run(&["--json", "orders"])).unwrap();
    assert!(orders.as_array().unwrap().is_empty(), "nothing placed");

    let mut confirmed = big.to_vec();
    confirmed.push("--yes");
    run(&confirmed);

    assert!(run(&["settings", "max-order-pct", "50"]).contains("50 %"));
    run(&["order", "buy", "MSFT", "300", "--limit", "100"]);
    let orders: serde_json::Value = serde_json::from_str(&run(&["--json", "orders"])).unwrap();
    assert_eq!(orders.as_array().unwrap().len(), 2);
    let settings: serde_json::Value = serde_json::from_str(&run(&["--json", "settings"])).unwrap();
    assert_eq!(settings["max_order_pct"], "50");
    let out = brokerdesk(dir.path(), &["settings", "max-order-pct", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 0"));
}

#[test]
fn an_unknown_side_type_or_time_in_force_is_refused_never_guessed() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["order", "bu y", "AAPL", "1"][..],
        &["order", "BUY!", "AAPL", "1"],
        &["order", "buy", "AAPL", "1", "--tif", "gtd"],
    ] {
        let out = brokerdesk(dir.path(), args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("invalid value"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = brokerdesk(dir.path(), &["--json", "orders"]);
    let orders: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(orders.as_array().unwrap().is_empty());
}

/// `accounts --live-balances CONNECTION` is the app's "Refresh balances now": a connection
/// whose balances are not billed per read says so instead of pretending; `portal --for` takes
/// what to link, and a connection without a portal says that.
#[test]
fn live_balances_and_link_purposes_are_cli_options_with_clear_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let out = brokerdesk(dir.path(), &["accounts", "--live-balances", "paper-local"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("reads live balances on every refresh already"),
        "{err}"
    );

    let out = brokerdesk(dir.path(), &["portal", "paper-local", "--for", "bank"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no portal"), "{err}");

    let out = brokerdesk(dir.path(), &["portal", "paper-local", "--for", "savings"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("investments") && err.contains("bank"), "{err}");
}
