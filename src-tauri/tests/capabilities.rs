//! The main window may call exactly the commands of the IPC contract, and nothing else.

use std::collections::BTreeSet;

#[test]
fn main_window_is_granted_exactly_the_ipc_contract() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/capabilities/main.json"
    ))
    .expect("capabilities/main.json");
    let capability: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("a permissions list")
        .iter()
        .map(|p| p.as_str().expect("permission names are strings").to_owned())
        .collect();
    let mut expected: BTreeSet<String> = brokerdesk_model::ipc::ALL
        .iter()
        .map(|name| format!("allow-{}", name.replace('_', "-")))
        .collect();
    // The UI listens to the backend's one event; it may not emit events of its own.
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    assert_eq!(
        granted, expected,
        "no plugin permissions, no extra commands, none missing"
    );
}

#[test]
fn csp_allows_wasm_but_not_eval_or_remote_content() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json"))
        .expect("tauri.conf.json");
    let conf: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let csp = &conf["app"]["security"]["csp"];
    assert_eq!(csp["script-src"], "'self' 'wasm-unsafe-eval'");
    assert_eq!(csp["default-src"], "'self'");
    for directive in csp.as_object().expect("csp is an object").values() {
        let value = directive.as_str().expect("string directives");
        assert!(
            !value.contains("'unsafe-eval'") && !value.contains("'unsafe-inline'"),
            "{value}"
        );
        assert!(
            !value.contains("https:") && !value.contains('*'),
            "remote content allowed: {value}"
        );
    }
    assert!(
        conf["build"].get("devUrl").is_none(),
        "a devUrl would replace the embedded UI"
    );
}
