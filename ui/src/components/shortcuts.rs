//! Keyboard shortcuts for the whole app (`?` lists them): `/` search, `n` new order, `g` then a
//! letter to go to a page. None fires while the user types in a field, or with Ctrl, Alt or
//! Meta held (those belong to the system and the webview).

use crate::components::HelpOverlay;
use crate::pages::Page;
use crate::session::use_session;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// What a key (or `g` and a key) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    Search,
    NewOrder,
    Go(Page),
    Help,
}

/// How long after `g` the page letter may come.
const G_WINDOW_MS: f64 = 1500.0;

/// Every shortcut as the help overlay lists it: the keys, then what they do.
pub const LIST: &[(&[&str], &str)] = &[
    (&["/"], "Search (institutions, activity)"),
    (&["n"], "New order"),
    (&["g", "a"], "Go to Accounts"),
    (&["g", "o"], "Go to Orders"),
    (&["g", "c"], "Go to Connect"),
    (&["g", "y"], "Go to Activity"),
    (&["g", "s"], "Go to Settings"),
    (&["?"], "Show this list"),
    (&["Esc"], "Close this list"),
];

/// The shortcut `key` makes, `after_g` when it follows a `g`.
pub fn shortcut(after_g: bool, key: &str) -> Option<Shortcut> {
    if after_g {
        let page = match key {
            "a" => Page::Accounts,
            "o" => Page::Orders,
            "c" => Page::Connect,
            "y" => Page::Activity,
            "s" => Page::Settings,
            _ => return None,
        };
        return Some(Shortcut::Go(page));
    }
    match key {
        "/" => Some(Shortcut::Search),
        "n" => Some(Shortcut::NewOrder),
        "?" => Some(Shortcut::Help),
        _ => None,
    }
}

/// True when the key belongs to a field the user is typing in.
fn typing(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    matches!(
        target.tag_name().to_ascii_lowercase().as_str(),
        "input" | "textarea" | "select"
    ) || target.is_content_editable()
}

/// Focuses the element `css` finds, waiting a few frames for a page that is still rendering.
fn focus_soon(css: &'static str) {
    wasm_bindgen_futures::spawn_local(async move {
        for _ in 0..40 {
            let found = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(css).ok().flatten())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(el) = found {
                let _ = el.focus();
                return;
            }
            gloo_timers::future::TimeoutFuture::new(25).await;
        }
    });
}

#[component]
pub fn Shortcuts() -> Html {
    let session = use_session();
    let help = use_state_eq(|| false);
    let g_at = use_mut_ref(|| None::<f64>);
    {
        let navigate = session.navigate.clone();
        let help = help.clone();
        use_effect_with(*help, move |open| {
            let open = *open;
            let on_key = Closure::<dyn Fn(KeyboardEvent)>::new(move |event: KeyboardEvent| {
                // The overlay handles its own keys (Escape, Tab) while it is open.
                if open
                    || event.default_prevented()
                    || event.ctrl_key()
                    || event.alt_key()
                    || event.meta_key()
                    || typing(&event)
                {
                    return;
                }
                let key = event.key();
                let now = js_sys::Date::now();
                let after_g = g_at
                    .borrow_mut()
                    .take()
                    .is_some_and(|t| now - t <= G_WINDOW_MS);
                if !after_g && key == "g" {
                    *g_at.borrow_mut() = Some(now);
                    return;
                }
                let Some(action) = shortcut(after_g, &key) else {
                    return;
                };
                event.prevent_default();
                match action {
                    Shortcut::Help => help.set(true),
                    Shortcut::Go(page) => navigate.emit(page),
                    Shortcut::NewOrder => {
                        navigate.emit(Page::Orders);
                        focus_soon("#ticket-symbol");
                    }
                    Shortcut::Search => {
                        // This page's search field, else the institution search.
                        let here = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| {
                                d.query_selector("main input[type=search]").ok().flatten()
                            })
                            .is_some();
                        if here {
                            focus_soon("main input[type=search]");
                        } else {
                            navigate.emit(Page::Connect);
                            focus_soon("#institution-search");
                        }
                    }
                }
            });
            let document = web_sys::window().and_then(|w| w.document());
            if let Some(d) = &document {
                let _ =
                    d.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
            }
            move || {
                if let Some(d) = &document {
                    let _ = d.remove_event_listener_with_callback(
                        "keydown",
                        on_key.as_ref().unchecked_ref(),
                    );
                }
                drop(on_key);
            }
        });
    }
    let open_help = {
        let help = help.clone();
        Callback::from(move |_: MouseEvent| help.set(true))
    };
    let close_help = {
        let help = help.clone();
        Callback::from(move |()| help.set(false))
    };
    html! {
        <>
            <button id="shortcuts-button" class="shortcuts-button secondary" onclick={open_help}
                aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" aria-haspopup="dialog">
                { "?" }
            </button>
            if *help {
                <HelpOverlay on_close={close_help} />
            }
        </>
    }
}
