fn main() {
    // Generate one permission per app command, so that capabilities/main.json can grant the
    // main window exactly the commands it uses and nothing else is callable from the webview.
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(brokerdesk_commands()));
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build script failed: {err:#}");
    }
}

/// Every command `src/lib.rs` registers. A command missing here cannot be granted.
fn brokerdesk_commands() -> &'static [&'static str] {
    &["accounts_overview"]
}
