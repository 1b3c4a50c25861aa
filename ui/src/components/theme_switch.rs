//! System / Light / Dark, saved in the service's settings and shown at once.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use crate::theme;
use brokerdesk_model::Theme;
use brokerdesk_model::ipc::{GetSettings, NoArgs, SetTheme, ThemeArgs};
use yew::prelude::*;

#[component]
pub fn ThemeSwitch() -> Html {
    let settings = use_command::<GetSettings>(NoArgs {});
    let error = use_state(|| None::<String>);
    let current = match &*settings.state {
        Load::Loading => return html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            return html! { <ErrorBanner error={err.clone()} on_retry={settings.reload.clone()} /> };
        }
        Load::Ready(s) => s.theme,
    };
    let choose = |theme: Theme| {
        let (error, reload) = (error.clone(), settings.reload.clone());
        Callback::from(move |_: Event| {
            let (error, reload) = (error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SetTheme>(&ThemeArgs { theme }).await {
                    Ok(saved) => {
                        theme::apply(saved.theme);
                        error.set(None);
                        reload.emit(());
                    }
                    Err(err) => error.set(Some(err.message)),
                }
            });
        })
    };
    html! {
        <fieldset class="theme-switch" id="theme-switch">
            <legend>{ "Theme" }</legend>
            { for Theme::ALL.into_iter().map(|t| html! {
                <label class="check" for={format!("theme-{}", t.slug())}>
                    <input type="radio" name="theme" id={format!("theme-{}", t.slug())}
                        value={t.slug()} checked={t == current} onchange={choose(t)} />
                    { t.title() }
                    if t == Theme::System { <span class="muted">{ " (follows your computer)" }</span> }
                </label>
            }) }
            if let Some(why) = &*error {
                <p class="form-error" role="alert">{ why }</p>
            }
        </fieldset>
    }
}
