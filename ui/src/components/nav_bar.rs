use crate::pages::Page;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NavBarProps {
    pub current: Page,
    pub on_navigate: Callback<Page>,
}

#[component]
pub fn NavBar(props: &NavBarProps) -> Html {
    let item = |page: Page| {
        let on_navigate = props.on_navigate.clone();
        let current = (page == props.current).then_some("page");
        html! {
            <button
                id={format!("nav-{}", page.slug())}
                class="nav-item"
                aria-current={current}
                onclick={Callback::from(move |_: MouseEvent| on_navigate.emit(page))}
            >
                { page.title() }
            </button>
        }
    };
    html! {
        <nav class="nav" aria-label="Main">
            <div class="brand">{ "Brokerdesk" }</div>
            { for Page::ALL.into_iter().map(item) }
        </nav>
    }
}
