fn main() {
    // One permission per IPC command, generated from the shared contract, so that
    // capabilities/main.json can grant the main window exactly the commands it uses.
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(brokerdesk_model::ipc::ALL));
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build script failed: {err:#}");
    }
}
