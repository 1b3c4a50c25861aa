//! The only module that touches `window.__TAURI__`. Every backend call goes through [`call`],
//! typed by the shared contract in `brokerdesk_model::ipc`.

use brokerdesk_model::ipc::Command;
use brokerdesk_model::{ErrorCode, IpcError, ServiceEvent};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Tauri's `event.listen`; resolves to the unlisten function.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(event: &str, handler: &js_sys::Function) -> Result<JsValue, JsValue>;

    /// Tauri's `invoke`; `catch` turns a rejected promise (or a missing `__TAURI__`) into `Err`.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

pub async fn call<C: Command>(args: &C::Args) -> Result<C::Output, IpcError> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|err| {
        IpcError::new(
            ErrorCode::Ipc,
            format!("could not encode the request to {}: {err}", C::NAME),
        )
    })?;
    match tauri_invoke(C::NAME, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|err| {
            IpcError::new(
                ErrorCode::Ipc,
                format!("unexpected reply from {}: {err}", C::NAME),
            )
        }),
        Err(raw) => Err(decode_error(C::NAME, raw)),
    }
}

/// A rejection is our `{ code, message }` when the command failed, or a JS error (or string)
/// when the call never reached it.
fn decode_error(name: &str, raw: JsValue) -> IpcError {
    if let Ok(err) = serde_wasm_bindgen::from_value::<IpcError>(raw.clone()) {
        return err;
    }
    let detail = raw
        .as_string()
        .or_else(|| {
            raw.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "no details".to_owned());
    IpcError::new(
        ErrorCode::Ipc,
        format!("could not reach the backend ({name}): {detail}"),
    )
}

/// Delivers every backend event to `on_event` for the life of the window. An event this
/// version cannot read (a newer backend may send more kinds) is delivered as `Missed`: it may
/// have been an order's fill, and every page re-reads what it shows rather than go stale.
pub fn listen_events(on_event: impl Fn(ServiceEvent) + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |raw: JsValue| {
            let payload =
                js_sys::Reflect::get(&raw, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
            on_event(
                serde_wasm_bindgen::from_value::<ServiceEvent>(payload)
                    .unwrap_or(ServiceEvent::Missed),
            );
        });
        let listening = tauri_listen(
            brokerdesk_model::event::EVENT_NAME,
            handler.as_ref().unchecked_ref(),
        )
        .await;
        if listening.is_ok() {
            // The window listens until it closes; the closure must outlive this task.
            handler.forget();
        }
    });
}
