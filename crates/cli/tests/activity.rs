//! `brokerdesk activity`, the real binary against a fresh data folder and its own sandbox.

use std::process::Command;

fn brokerdesk(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .args(args)
        .env("BROKERDESK_DATA_DIR", data_dir)
        .output()
        .expect("the brokerdesk binary runs")
}

#[test]
fn activity_lists_a_paper_fill_as_json_table_and_csv() {
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
    let empty: serde_json::Value = serde_json::from_str(&run(&["--json", "activity"])).unwrap();
    assert_eq!(empty["total"], 0);
    // One share: the sandbox fills orders of 2+ shares in parts now and then (its default
    // `random_partial_fill_pct`), which would make two fill rows.
    run(&["--json", "order", "buy", "AAPL", "1"]);
    // The sandbox fills on its own clock: ask until the fill is there.
    let mut list = serde_json::Value::Null;
    for _ in 0..50 {
        list = serde_json::from_str(&run(&["--json", "activity", "--kind", "fill"])).unwrap();
        if list["total"] == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(list["total"], 1, "{list}");
    let row = &list["rows"][0];
    assert_eq!(row["connection"], "paper-local");
    assert_eq!(row["entry"]["kind"], "fill");
    assert_eq!(row["entry"]["symbol"], "AAPL");
    assert_eq!(row["entry"]["currency"], "USD");
    assert!(
        row["entry"]["amount"].as_str().unwrap().starts_with('-'),
        "a buy takes cash out: {row}"
    );
    let account = row["entry"]["account_id"].as_str().unwrap().to_owned();
    let table = run(&["activity", "--account", &account, "--since", "2020-01-01"]);
    assert!(table.contains("fill") && table.contains("USD"), "{table}");
    let none: serde_json::Value =
        serde_json::from_str(&run(&["--json", "activity", "--kind", "dividend"])).unwrap();
    assert_eq!(none["total"], 0);
    let csv = dir.path().join("activity.csv");
    let out = run(&["activity", "--csv", csv.to_str().unwrap()]);
    assert!(out.contains("1 movements written"), "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("time,connection,mode,account,kind"),
        "{text}"
    );
    assert!(text.contains(",fill,completed,-"), "{text}");

    // Bad input says why.
    let out = brokerdesk(dir.path(), &["activity", "--since", "yesterday"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad date"));
    let out = brokerdesk(dir.path(), &["activity", "--kind", "fills"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kind"));
}
