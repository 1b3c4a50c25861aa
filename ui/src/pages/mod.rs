mod accounts;
mod activity;
mod allocation;
mod connect;
mod orders;
mod position;
mod settings;
mod unlock;

pub use accounts::AccountsPage;
pub use activity::ActivityPage;
pub use allocation::AllocationPage;
pub use connect::ConnectPage;
pub use orders::OrdersPage;
pub use position::PositionPage;
pub use settings::SettingsPage;
pub use unlock::UnlockPage;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Accounts,
    Allocation,
    Connect,
    Orders,
    Activity,
    Settings,
    /// One position (which one: `route::PositionRoute`); reached from a positions table, so
    /// not in the navigation's `ALL`.
    Position,
}

impl Page {
    pub const ALL: [Page; 6] = [
        Page::Accounts,
        Page::Allocation,
        Page::Connect,
        Page::Orders,
        Page::Activity,
        Page::Settings,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Page::Accounts => "Accounts",
            Page::Allocation => "Allocation",
            Page::Connect => "Connect",
            Page::Orders => "Orders",
            Page::Activity => "Activity",
            Page::Settings => "Settings",
            Page::Position => "Position",
        }
    }

    /// Stable id fragment for tests and anchors.
    pub fn slug(self) -> &'static str {
        match self {
            Page::Accounts => "accounts",
            Page::Allocation => "allocation",
            Page::Connect => "connect",
            Page::Orders => "orders",
            Page::Activity => "activity",
            Page::Settings => "settings",
            Page::Position => "position",
        }
    }
}
