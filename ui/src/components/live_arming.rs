//! Live trading's explicit, time-limited arm: without it no live order leaves the app.

use crate::ipc;
use crate::session::use_session;
use brokerdesk_model::ipc::{ArmLive, ArmLiveArgs, DisarmLive, NoArgs};
use brokerdesk_model::vault::{Role, VaultState};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LiveArmingProps {
    pub state: VaultState,
}

#[component]
pub fn LiveArming(props: &LiveArmingProps) -> Html {
    let session = use_session();
    let error = use_state(|| None::<String>);
    if props.state.role != Some(Role::Trader) {
        return html! { <p class="muted" id="live-arming">{ "This profile is a viewer: it places no orders, paper or live." }</p> };
    }
    let now = crate::time::now();
    let armed_until = props.state.live_armed_until.filter(|until| *until > now);
    let arm = |minutes: u32| {
        let (set_vault, error) = (session.set_vault.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (set_vault, error) = (set_vault.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<ArmLive>(&ArmLiveArgs { minutes }).await {
                    Ok(state) => set_vault.emit(state),
                    Err(err) => error.set(Some(err.message)),
                }
            });
        })
    };
    let disarm = {
        let (set_vault, error) = (session.set_vault.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (set_vault, error) = (set_vault.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<DisarmLive>(&NoArgs {}).await {
                    Ok(state) => set_vault.emit(state),
                    Err(err) => error.set(Some(err.message)),
                }
            });
        })
    };
    html! {
        <div id="live-arming">
            if let Some(until) = armed_until {
                <p><span class="badge mode live">{ "LIVE ARMED" }</span>{ format!(" Live orders may go out until {}.", crate::time::local_time(until)) }</p>
                <button class="secondary" id="live-disarm" onclick={disarm}>{ "Disarm now" }</button>
            } else {
                <p class="muted">{ "Live trading is not armed: orders on live accounts are refused. Paper trading needs no arm." }</p>
                <div class="row">
                    <button class="danger" id="live-arm-15" onclick={arm(15)}>{ "Arm live trading for 15 minutes" }</button>
                    <button class="secondary" id="live-arm-60" onclick={arm(60)}>{ "for 1 hour" }</button>
                </div>
            }
            if let Some(err) = &*error { <p class="form-error" role="alert">{ err }</p> }
        </div>
    }
}
