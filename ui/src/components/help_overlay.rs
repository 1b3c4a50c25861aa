//! The list of keyboard shortcuts, as a modal dialog: focus moves into it, Tab stays inside,
//! Escape (or Close, or a click outside) closes it and gives focus back where it was.

use crate::components::shortcuts::LIST;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_close: Callback<()>,
}

const FOCUSABLE: &str =
    "button, [href], input, select, textarea, [tabindex]:not([tabindex=\"-1\"])";

fn focusables(dialog: &Element) -> Vec<HtmlElement> {
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

#[component]
pub fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            let before = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(first) = dialog
                .cast::<Element>()
                .and_then(|d| focusables(&d).into_iter().next())
            {
                let _ = first.focus();
            }
            move || {
                if let Some(el) = before {
                    let _ = el.focus();
                }
            }
        });
    }
    let onkeydown = {
        let dialog = dialog.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                e.stop_propagation();
                on_close.emit(());
            }
            "Tab" => {
                let Some(d) = dialog.cast::<Element>() else {
                    return;
                };
                let items = focusables(&d);
                let (Some(first), Some(last)) = (items.first(), items.last()) else {
                    e.prevent_default();
                    return;
                };
                let active = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|doc| doc.active_element());
                let at = |el: &HtmlElement| {
                    active
                        .as_ref()
                        .is_some_and(|a| a == el.unchecked_ref::<Element>())
                };
                let inside = active.as_ref().is_some_and(|a| d.contains(Some(a)));
                if e.shift_key() && (at(first) || !inside) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !e.shift_key() && (at(last) || !inside) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let backdrop = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: MouseEvent| {
            // Only a click on the backdrop itself, not one inside the dialog.
            if e.target() == e.current_target() {
                on_close.emit(());
            }
        })
    };
    html! {
        <div class="overlay-backdrop" onclick={backdrop}>
            <div ref={dialog} id="shortcut-help" class="help-overlay card" role="dialog"
                aria-modal="true" aria-labelledby="shortcut-help-title" {onkeydown}>
                <div class="row">
                    <h2 id="shortcut-help-title">{ "Keyboard shortcuts" }</h2>
                    <span class="spacer"></span>
                    <button id="shortcut-help-close" class="secondary" onclick={close}>{ "Close" }</button>
                </div>
                <table class="shortcut-list">
                    <tbody>
                        { for LIST.iter().map(|(keys, what)| html! {
                            <tr>
                                <th scope="row">
                                    { for keys.iter().enumerate().map(|(i, k)| html! {
                                        <>
                                            if i > 0 { <span class="muted">{ " then " }</span> }
                                            <kbd>{ *k }</kbd>
                                        </>
                                    }) }
                                </th>
                                <td>{ *what }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <p class="muted">{ "Shortcuts never fire while you type in a field." }</p>
            </div>
        </div>
    }
}
