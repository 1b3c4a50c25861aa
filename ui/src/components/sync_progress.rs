//! "Syncing 3 of 8 connections…" while connections opened for the first time (at unlock) are
//! read: a long first sync of many accounts says how far it is instead of looking empty.

use crate::live::use_live;
use yew::prelude::*;

#[component]
pub fn SyncProgress() -> Html {
    let Some(live) = use_live() else {
        return html! {};
    };
    let Some((done, total)) = live.sync.filter(|(done, total)| done < total) else {
        return html! {};
    };
    let text = format!("Syncing {done} of {total} connections…");
    html! {
        <div class="sync-progress" id="sync-progress" role="status">
            <span id="sync-progress-text">{ text.clone() }</span>
            <progress id="sync-progress-bar" max={total.to_string()} value={done.to_string()}
                aria-label="First sync of your connections" aria-valuemin="0"
                aria-valuemax={total.to_string()} aria-valuenow={done.to_string()}
                aria-valuetext={text}></progress>
        </div>
    }
}
