//! The Brokerdesk UI: a Yew app that talks to the backend only through `ipc`.

mod app;
mod components;
mod hooks;
mod ipc;
mod live;
mod pages;
mod route;
mod session;
mod theme;
mod time;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
