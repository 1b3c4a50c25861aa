//! The colour theme on the page: `data-theme="light"|"dark"` on `<html>`, which the custom
//! properties in `styles/app.css` follow. The user's choice is kept by the service
//! (settings.json); a copy in localStorage paints the right theme before the backend answers
//! and while the vault is locked (the unlock page cannot read settings).

use brokerdesk_model::Theme;
use std::cell::Cell;
use wasm_bindgen::prelude::*;

const STORAGE_KEY: &str = "brokerdesk.theme";
const DARK_QUERY: &str = "(prefers-color-scheme: dark)";

thread_local! {
    static CHOICE: Cell<Theme> = const { Cell::new(Theme::System) };
    static FOLLOWING: Cell<bool> = const { Cell::new(false) };
}

/// The theme shown for `choice`: System asks the OS (`prefers-color-scheme`).
fn resolve(choice: Theme) -> &'static str {
    match choice {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::System => {
            let dark = web_sys::window()
                .and_then(|w| w.match_media(DARK_QUERY).ok().flatten())
                .is_some_and(|q| q.matches());
            if dark { "dark" } else { "light" }
        }
    }
}

fn paint(choice: Theme) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", resolve(choice));
        let _ = root.set_attribute("data-theme-choice", choice.slug());
    }
}

/// Shows `choice` now and remembers it for the next start.
pub fn apply(choice: Theme) {
    CHOICE.with(|c| c.set(choice));
    paint(choice);
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, choice.slug());
    }
    follow_the_system();
}

/// The choice remembered from the last run (System if none), painted at once.
pub fn apply_remembered() {
    let remembered = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|slug| Theme::from_slug(&slug))
        .unwrap_or_default();
    apply(remembered);
}

/// While the choice is System, an OS switch between light and dark repaints at once.
fn follow_the_system() {
    if FOLLOWING.with(|f| f.replace(true)) {
        return;
    }
    let Some(query) = web_sys::window().and_then(|w| w.match_media(DARK_QUERY).ok().flatten())
    else {
        return;
    };
    let on_change = Closure::<dyn Fn()>::new(|| paint(CHOICE.with(|c| c.get())));
    let _ = query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    // For the life of the page.
    on_change.forget();
}
