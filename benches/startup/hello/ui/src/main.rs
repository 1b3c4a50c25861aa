use yew::prelude::*;

#[component]
fn App() -> Html {
    html! { <h1 id="hello">{ "Hello" }</h1> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
