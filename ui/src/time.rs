//! Times in the user's own time zone, as the browser engine knows it.

use chrono::{DateTime, Utc};

/// `14:03:07` in local time (the webview's locale).
pub fn local_time(at: DateTime<Utc>) -> String {
    // Millisecond timestamps fit f64 exactly for the next few hundred thousand years.
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    String::from(date.to_locale_time_string("default"))
}

/// Now, by the webview's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}
