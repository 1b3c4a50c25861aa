//! Runs one IPC command when a component mounts, and again on `reload`.

use super::use_latest;
use crate::ipc;
use brokerdesk_model::IpcError;
use brokerdesk_model::ipc::Command;
use std::rc::Rc;
use yew::prelude::*;

pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(IpcError),
}

pub struct CommandHandle<T> {
    pub state: Rc<Load<T>>,
    pub reload: Callback<()>,
}

#[hook]
pub fn use_command<C>(args: C::Args) -> CommandHandle<C::Output>
where
    C: Command + 'static,
    C::Args: Clone + 'static,
    C::Output: 'static,
{
    let state = use_state(|| Rc::new(Load::Loading));
    let generation = use_state(|| 0u32);
    // Answers can come back in any order: one to an older call must not replace a newer one
    // (a blotter read started before a fill, answered after the read that saw it).
    let latest = use_latest();
    {
        let state = state.clone();
        use_effect_with(*generation, move |_| {
            let asked = latest.begin();
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = match ipc::call::<C>(&args).await {
                    Ok(value) => Load::Ready(value),
                    Err(err) => Load::Failed(err),
                };
                if asked.is_newest() {
                    state.set(Rc::new(loaded));
                }
            });
        });
    }
    let reload = {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(generation.wrapping_add(1)))
    };
    CommandHandle {
        state: (*state).clone(),
        reload,
    }
}
