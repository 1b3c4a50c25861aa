//! The Brokerdesk UI: a Yew app that talks to the backend only through `ipc`.

mod app;
mod components;
mod hooks;
mod ipc;
mod pages;
mod session;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
