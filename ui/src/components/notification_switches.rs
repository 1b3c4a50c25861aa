//! Which events the app tells with a native notification; each is saved at once.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::NotificationSettings;
use brokerdesk_model::ipc::{GetSettings, NoArgs, NotificationsArgs, SetNotifications};
use web_sys::HtmlInputElement;
use yew::prelude::*;

type Field = fn(&mut NotificationSettings) -> &mut bool;

const SWITCHES: [(&str, &str, Field); 4] = [
    ("notify-fills", "An order filled", |s| &mut s.fills),
    ("notify-rejections", "An order was rejected", |s| {
        &mut s.rejections
    }),
    ("notify-disconnections", "A connection was lost", |s| {
        &mut s.disconnections
    }),
    (
        "notify-auto-lock",
        "The vault locked itself after the idle time",
        |s| &mut s.auto_lock,
    ),
];

#[component]
pub fn NotificationSwitches() -> Html {
    let settings = use_command::<GetSettings>(NoArgs {});
    let error = use_state(|| None::<String>);
    let current = match &*settings.state {
        Load::Loading => return html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            return html! { <ErrorBanner error={err.clone()} on_retry={settings.reload.clone()} /> };
        }
        Load::Ready(s) => s.notifications,
    };
    let toggle = |field: Field| {
        let (error, reload) = (error.clone(), settings.reload.clone());
        Callback::from(move |e: Event| {
            let mut next = current;
            *field(&mut next) = e.target_unchecked_into::<HtmlInputElement>().checked();
            let (error, reload) = (error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SetNotifications>(&NotificationsArgs {
                    notifications: next,
                })
                .await
                {
                    Ok(_) => error.set(None),
                    Err(err) => error.set(Some(err.message)),
                }
                reload.emit(());
            });
        })
    };
    html! {
        <fieldset class="notification-switches" id="notification-switches">
            <legend>{ "Tell me with a system notification when…" }</legend>
            { for SWITCHES.iter().map(|(id, text, field)| {
                let mut copy = current;
                let on = *field(&mut copy);
                html! {
                    <label class="check" for={*id}>
                        <input type="checkbox" id={*id} checked={on} onchange={toggle(*field)} />
                        { *text }
                    </label>
                }
            }) }
            <p class="muted">{ "Notifications name the order or connection, never a key or password." }</p>
            if let Some(why) = &*error {
                <p class="form-error" role="alert">{ why }</p>
            }
        </fieldset>
    }
}
