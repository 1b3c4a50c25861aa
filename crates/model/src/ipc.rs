//! The IPC contract: every command's name, arguments and result, defined once for both sides.
//!
//! The backend registers a `#[tauri::command]` under each `NAME` (its build script generates a
//! permission for each name in [`ALL`]); the UI's `ipc` module invokes them through
//! [`Command`], so a renamed command or a changed result type fails to compile on both sides.

use crate::connection::{ConnectionSummary, KeyConnectionArgs, OAuthStarted};
use crate::ids::VendorId;
use crate::ids::{AccountId, ConnectionId, OrderId, Symbol};
use crate::market::Quote;
use crate::reconcile::ReconciliationBreak;
use crate::trading::{BlotterEntry, OrderPlacement, OrderTicket};
use crate::vault::{CredentialInfo, Role, VaultState};
use serde::{Serialize, de::DeserializeOwned};

pub trait Command {
    const NAME: &'static str;
    type Args: Serialize + DeserializeOwned;
    type Output: Serialize + DeserializeOwned;
}

/// Arguments of a command that takes none (an empty JSON object on the wire).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoArgs {}

/// Every account of every connection, with balances and positions.
pub struct GetAccountsOverview;

impl Command for GetAccountsOverview {
    const NAME: &'static str = "accounts_overview";
    type Args = NoArgs;
    type Output = crate::AccountsOverview;
}

/// The app's version and where it keeps its data, for the Settings page.
pub struct GetAppInfo;

impl Command for GetAppInfo {
    const NAME: &'static str = "app_info";
    type Args = NoArgs;
    type Output = crate::AppInfo;
}

/// A password typed by the user, on its way from the UI to the backend (never the other way).
/// `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswordArgs {
    pub password: String,
}

impl std::fmt::Debug for PasswordArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordArgs { password: [REDACTED] }")
    }
}

/// Create the vault: a new password and the profile's role.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreateVaultArgs {
    pub password: String,
    pub role: Role,
}

impl std::fmt::Debug for CreateVaultArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CreateVaultArgs {{ password: [REDACTED], role: {:?} }}",
            self.role
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CredentialIdArgs {
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AutoLockArgs {
    /// Minutes without activity before the vault locks itself; `None` never.
    pub minutes: Option<u32>,
}

/// Whether a vault exists and is unlocked; what the profile may do.
pub struct GetVaultState;

impl Command for GetVaultState {
    const NAME: &'static str = "vault_state";
    type Args = NoArgs;
    type Output = VaultState;
}

pub struct CreateVault;

impl Command for CreateVault {
    const NAME: &'static str = "vault_create";
    type Args = CreateVaultArgs;
    type Output = VaultState;
}

/// The app's sign-in.
pub struct UnlockVault;

impl Command for UnlockVault {
    const NAME: &'static str = "vault_unlock";
    type Args = PasswordArgs;
    type Output = VaultState;
}

pub struct LockVault;

impl Command for LockVault {
    const NAME: &'static str = "vault_lock";
    type Args = NoArgs;
    type Output = VaultState;
}

pub struct SetAutoLock;

impl Command for SetAutoLock {
    const NAME: &'static str = "vault_set_auto_lock";
    type Args = AutoLockArgs;
    type Output = VaultState;
}

/// Stored credentials' metadata; never a secret.
pub struct ListCredentials;

impl Command for ListCredentials {
    const NAME: &'static str = "credentials_list";
    type Args = NoArgs;
    type Output = Vec<CredentialInfo>;
}

pub struct RemoveCredential;

impl Command for RemoveCredential {
    const NAME: &'static str = "credential_remove";
    type Args = CredentialIdArgs;
    type Output = CredentialInfo;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConnectionIdArgs {
    pub id: ConnectionId,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlaceOrderArgs {
    pub ticket: OrderTicket,
}

/// The user's answer to an order's warnings (`OrderPlacement::NeedsConfirmation`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerOrderWarningsArgs {
    pub confirmation: String,
    pub confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CancelOrderArgs {
    pub connection: ConnectionId,
    pub account: AccountId,
    pub order_id: OrderId,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SymbolsArgs {
    pub symbols: Vec<Symbol>,
}

/// Quotes from one connection's own market data (the account the ticket trades in, the
/// account whose positions are shown).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuotesArgs {
    pub connection: ConnectionId,
    pub symbols: Vec<Symbol>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BreakIdArgs {
    pub id: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArmLiveArgs {
    /// How long live orders may go out before the arming lapses.
    pub minutes: u32,
}

/// Every connection, its status, latency and last refresh.
pub struct ListConnections;

impl Command for ListConnections {
    const NAME: &'static str = "connections_list";
    type Args = NoArgs;
    type Output = Vec<ConnectionSummary>;
}

/// Every institution of the catalog and every vendor's ways to connect (forms, sign-in,
/// portal), from the vendors' descriptors: the Connect page renders from this and holds no
/// vendor list of its own.
pub struct GetVendorCatalog;

impl Command for GetVendorCatalog {
    const NAME: &'static str = "vendor_catalog";
    type Args = NoArgs;
    type Output = crate::vendors::VendorCatalog;
}

/// Adds a connection with a vendor's form (`VendorInfo::form`: pasted keys, a gateway, a
/// server); the vendor is asked before anything is saved.
pub struct AddKeyConnection;

impl Command for AddKeyConnection {
    const NAME: &'static str = "connection_add_key";
    type Args = KeyConnectionArgs;
    type Output = ConnectionSummary;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VendorArgs {
    pub vendor: VendorId,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowArgs {
    pub flow_id: String,
}

/// Starts an OAuth sign-in for a catalog vendor: the backend opens the system browser and
/// listens on loopback for the redirect.
pub struct OAuthStart;

impl Command for OAuthStart {
    const NAME: &'static str = "oauth_start";
    type Args = VendorArgs;
    type Output = OAuthStarted;
}

/// Whether the user's own OAuth app is registered for a preset (`VendorArgs::vendor` is the
/// preset id, e.g. a vendor's sandbox); never its secret.
pub struct GetOAuthClient;

impl Command for GetOAuthClient {
    const NAME: &'static str = "oauth_client_get";
    type Args = VendorArgs;
    type Output = crate::vendors::OAuthClientInfo;
}

/// Registers the user's OAuth app for a preset, replacing an older one. The secret goes in only.
pub struct SaveOAuthClient;

impl Command for SaveOAuthClient {
    const NAME: &'static str = "oauth_client_save";
    type Args = crate::vendors::OAuthClientArgs;
    type Output = crate::vendors::OAuthClientInfo;
}

/// Waits for the browser to come back (or the flow's timeout); on success the tokens are in
/// the vault and the connection exists.
pub struct OAuthFinish;

impl Command for OAuthFinish {
    const NAME: &'static str = "oauth_finish";
    type Args = FlowArgs;
    type Output = ConnectionSummary;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueryArgs {
    pub query: String,
}

/// Institutions found by the connected aggregators' own searches (Plaid, SnapTrade), for the
/// UI to merge into the catalog search (`search::merge_search`).
pub struct SearchRemoteInstitutions;

impl Command for SearchRemoteInstitutions {
    const NAME: &'static str = "institutions_search";
    type Args = QueryArgs;
    type Output = Vec<crate::search::RemoteInstitution>;
}

/// Opens an aggregator connection's portal to link more accounts, for one of what it links
/// (`VendorInfo::link_purposes`; `None`: its first); finished and cancelled like a sign-in,
/// with `oauth_finish` / `oauth_cancel`.
pub struct PortalStart;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortalStartArgs {
    pub id: ConnectionId,
    #[serde(default)]
    pub purpose: Option<crate::vendors::LinkPurpose>,
}

impl Command for PortalStart {
    const NAME: &'static str = "portal_start";
    type Args = PortalStartArgs;
    type Output = OAuthStarted;
}

/// Reads a connection's balances live now, where its vendor bills each live read and so
/// reads them live only every so often (`ConnectionSummary::live_balances_every_min`); then
/// every account, as `accounts_overview`.
pub struct RefreshLiveBalances;

impl Command for RefreshLiveBalances {
    const NAME: &'static str = "refresh_live_balances";
    type Args = ConnectionIdArgs;
    type Output = crate::AccountsOverview;
}

/// Connects a remote search hit: the portal of the user's connection to the hit's
/// aggregator, opened on that institution.
pub struct PortalStartForHit;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RemoteHitArgs {
    pub hit: crate::search::RemoteInstitution,
}

impl Command for PortalStartForHit {
    const NAME: &'static str = "portal_start_for_hit";
    type Args = RemoteHitArgs;
    type Output = OAuthStarted;
}

pub struct OAuthCancel;

impl Command for OAuthCancel {
    const NAME: &'static str = "oauth_cancel";
    type Args = FlowArgs;
    type Output = ();
}

/// Removes a connection and the credentials stored for it; returns the connections left.
pub struct RemoveConnection;

impl Command for RemoveConnection {
    const NAME: &'static str = "connection_remove";
    type Args = ConnectionIdArgs;
    type Output = Vec<ConnectionSummary>;
}

pub struct PlaceOrder;

impl Command for PlaceOrder {
    const NAME: &'static str = "order_place";
    type Args = PlaceOrderArgs;
    /// Placed, or held back by the broker with warnings for the user to answer.
    type Output = OrderPlacement;
}

pub struct AnswerOrderWarnings;

impl Command for AnswerOrderWarnings {
    const NAME: &'static str = "order_answer_warnings";
    type Args = AnswerOrderWarningsArgs;
    type Output = OrderPlacement;
}

pub struct CancelOrder;

impl Command for CancelOrder {
    const NAME: &'static str = "order_cancel";
    type Args = CancelOrderArgs;
    type Output = ();
}

/// The orders the app placed, newest first, as their brokers last reported them.
pub struct ListOrders;

impl Command for ListOrders {
    const NAME: &'static str = "orders_blotter";
    type Args = NoArgs;
    type Output = Vec<BlotterEntry>;
}

pub struct GetQuotes;

impl Command for GetQuotes {
    const NAME: &'static str = "quotes";
    type Args = QuotesArgs;
    type Output = Vec<Quote>;
}

/// Reconciles the journal with every broker now; returns the breaks not yet resolved.
pub struct Reconcile;

impl Command for Reconcile {
    const NAME: &'static str = "reconciliation";
    type Args = NoArgs;
    type Output = Vec<ReconciliationBreak>;
}

/// Accepts the broker's figures for one break; returns the breaks still open.
pub struct ResolveBreak;

impl Command for ResolveBreak {
    const NAME: &'static str = "break_resolve";
    type Args = BreakIdArgs;
    type Output = Vec<ReconciliationBreak>;
}

pub struct ArmLive;

impl Command for ArmLive {
    const NAME: &'static str = "live_arm";
    type Args = ArmLiveArgs;
    type Output = VaultState;
}

pub struct DisarmLive;

impl Command for DisarmLive {
    const NAME: &'static str = "live_disarm";
    type Args = NoArgs;
    type Output = VaultState;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MaxOrderPctArgs {
    /// Percent of the account's equity, e.g. `25`.
    pub percent: rust_decimal::Decimal,
}

/// The user's settings (the order size limit).
pub struct GetSettings;

impl Command for GetSettings {
    const NAME: &'static str = "settings_get";
    type Args = NoArgs;
    type Output = crate::Settings;
}

/// Sets the order size limit: orders above this share of the account's equity need a second
/// confirmation.
pub struct SetMaxOrderPct;

impl Command for SetMaxOrderPct {
    const NAME: &'static str = "settings_set_max_order_pct";
    type Args = MaxOrderPctArgs;
    type Output = crate::Settings;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThemeArgs {
    pub theme: crate::Theme,
}

/// Sets the colour theme (System / Light / Dark).
pub struct SetTheme;

impl Command for SetTheme {
    const NAME: &'static str = "settings_set_theme";
    type Args = ThemeArgs;
    type Output = crate::Settings;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotificationsArgs {
    pub notifications: crate::NotificationSettings,
}

/// Sets which events become native notifications.
pub struct SetNotifications;

impl Command for SetNotifications {
    const NAME: &'static str = "settings_set_notifications";
    type Args = NotificationsArgs;
    type Output = crate::Settings;
}

/// A page of the Activity list (stored movements of every connection), newest first.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActivityArgs {
    #[serde(default)]
    pub filter: crate::ActivityFilter,
    /// Continue after this row (`ActivityList::next`); `None` for the first page.
    #[serde(default)]
    pub cursor: Option<crate::ActivityCursor>,
    #[serde(default)]
    pub limit: Option<u32>,
}

pub struct GetActivity;

impl Command for GetActivity {
    const NAME: &'static str = "activity_list";
    type Args = ActivityArgs;
    type Output = crate::ActivityList;
}

/// Writes the movements matching `filter` to a CSV file in the app's exports folder (inside
/// its data folder) and answers with the file's path: the webview never names a path.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportActivityArgs {
    #[serde(default)]
    pub filter: crate::ActivityFilter,
}

pub struct ExportActivityCsv;

impl Command for ExportActivityCsv {
    const NAME: &'static str = "activity_export_csv";
    type Args = ExportActivityArgs;
    type Output = String;
}

/// Reads every connection's new activity now (the page's Refresh); answers with the
/// connections that failed.
pub struct SyncActivity;

impl Command for SyncActivity {
    const NAME: &'static str = "activity_sync";
    type Args = NoArgs;
    type Output = Vec<crate::ActivitySyncError>;
}

/// One position looked at closely (the position page): price history from the account's own
/// market data, the user's fills, cost basis, P&L and the orders on the symbol.
pub struct GetPositionDetail;

impl Command for GetPositionDetail {
    const NAME: &'static str = "position_detail";
    type Args = crate::position_detail::PositionDetailArgs;
    type Output = crate::position_detail::PositionDetail;
}

/// The latest reference rates the service holds (fetched at most once a day), for totals in
/// the user's base currency.
pub struct GetFxRates;

impl Command for GetFxRates {
    const NAME: &'static str = "fx_rates";
    type Args = NoArgs;
    type Output = crate::fx::FxRatesReply;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BaseCurrencyArgs {
    /// An ISO 4217 code, e.g. `EUR`.
    pub code: String,
}

/// Sets the currency totals are shown in.
pub struct SetBaseCurrency;

impl Command for SetBaseCurrency {
    const NAME: &'static str = "settings_set_base_currency";
    type Args = BaseCurrencyArgs;
    type Output = crate::Settings;
}

/// The newest tool calls AI assistants made through `brokerdesk mcp` (Settings › Assistant
/// activity), newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssistantAuditArgs {
    /// At most this many (default 100, at most 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

pub struct ListAssistantAudit;

impl Command for ListAssistantAudit {
    const NAME: &'static str = "assistant_audit_list";
    type Args = AssistantAuditArgs;
    type Output = Vec<crate::AssistantCall>;
}

/// The local sandbox's controls: where its prices come from, its starting cash.
pub struct GetSandboxControls;

impl Command for GetSandboxControls {
    const NAME: &'static str = "sandbox_controls";
    type Args = NoArgs;
    type Output = crate::sandbox::SandboxControls;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandboxPricesArgs {
    pub prices: crate::sandbox::SandboxPrices,
}

/// Takes the sandbox's prices from the simulation or a replayed file from now on (saved).
pub struct SetSandboxPrices;

impl Command for SetSandboxPrices {
    const NAME: &'static str = "sandbox_set_prices";
    type Args = SandboxPricesArgs;
    type Output = crate::sandbox::SandboxControls;
}

/// `confirmed` must be true: the UI sets it only after the user confirmed in a dialog.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandboxResetArgs {
    pub confirmed: bool,
}

/// Resets the paper account: every order cancelled, positions and fills forgotten, the starting
/// cash restored (journaled by the exchange).
pub struct ResetSandbox;

impl Command for ResetSandbox {
    const NAME: &'static str = "sandbox_reset";
    type Args = SandboxResetArgs;
    type Output = crate::sandbox::SandboxControls;
}

/// The questions attached AI assistants are waiting on (consent, live orders), oldest first.
pub struct ListAssistantQuestions;

impl Command for ListAssistantQuestions {
    const NAME: &'static str = "assistant_questions";
    type Args = NoArgs;
    type Output = Vec<crate::AssistantQuestion>;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsentAnswerArgs {
    pub id: String,
    pub answer: crate::ConsentAnswer,
}

/// The user's answer to "Allow <client> to read your accounts?"; the questions still waiting.
pub struct AnswerAssistantConsent;

impl Command for AnswerAssistantConsent {
    const NAME: &'static str = "assistant_answer_consent";
    type Args = ConsentAnswerArgs;
    type Output = Vec<crate::AssistantQuestion>;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderDecisionArgs {
    pub id: String,
    pub decision: crate::OrderDecision,
}

/// Confirm or decline a live order an assistant asked for. Confirm places it (live trading
/// must still be armed); the result is the order as placed, `None` when declined.
pub struct AnswerAssistantOrder;

impl Command for AnswerAssistantOrder {
    const NAME: &'static str = "assistant_answer_order";
    type Args = OrderDecisionArgs;
    type Output = Option<BlotterEntry>;
}

/// The clients allowed "always" (Settings).
pub struct ListAllowedAssistants;

impl Command for ListAllowedAssistants {
    const NAME: &'static str = "assistant_allowed_list";
    type Args = NoArgs;
    type Output = Vec<crate::AllowedAssistant>;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RevokeAssistantArgs {
    pub client: String,
    pub executable: String,
}

/// Revokes an "always" allowance; the list after.
pub struct RevokeAssistant;

impl Command for RevokeAssistant {
    const NAME: &'static str = "assistant_allowed_revoke";
    type Args = RevokeAssistantArgs;
    type Output = Vec<crate::AllowedAssistant>;
}

/// Net worth over time: each account's equity series and the totals (live and paper apart,
/// per currency).
pub struct NetWorthHistory;

impl Command for NetWorthHistory {
    const NAME: &'static str = "net_worth_history";
    type Args = NetWorthArgs;
    type Output = crate::net_worth::NetWorthHistory;
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetWorthArgs {
    pub query: crate::net_worth::NetWorthQuery,
}

/// Every command name; the shell's build script turns each into a grantable permission.
pub const ALL: &[&str] = &[
    GetAccountsOverview::NAME,
    GetAppInfo::NAME,
    GetVaultState::NAME,
    CreateVault::NAME,
    UnlockVault::NAME,
    LockVault::NAME,
    SetAutoLock::NAME,
    ListCredentials::NAME,
    RemoveCredential::NAME,
    ListConnections::NAME,
    GetVendorCatalog::NAME,
    AddKeyConnection::NAME,
    OAuthStart::NAME,
    GetOAuthClient::NAME,
    SaveOAuthClient::NAME,
    OAuthFinish::NAME,
    OAuthCancel::NAME,
    PortalStart::NAME,
    RefreshLiveBalances::NAME,
    PortalStartForHit::NAME,
    SearchRemoteInstitutions::NAME,
    RemoveConnection::NAME,
    PlaceOrder::NAME,
    AnswerOrderWarnings::NAME,
    CancelOrder::NAME,
    ListOrders::NAME,
    GetQuotes::NAME,
    Reconcile::NAME,
    ResolveBreak::NAME,
    ArmLive::NAME,
    DisarmLive::NAME,
    GetSettings::NAME,
    SetMaxOrderPct::NAME,
    SetTheme::NAME,
    SetNotifications::NAME,
    GetActivity::NAME,
    ExportActivityCsv::NAME,
    SyncActivity::NAME,
    GetPositionDetail::NAME,
    GetFxRates::NAME,
    SetBaseCurrency::NAME,
    ListAssistantAudit::NAME,
    ListAssistantQuestions::NAME,
    AnswerAssistantConsent::NAME,
    AnswerAssistantOrder::NAME,
    ListAllowedAssistants::NAME,
    RevokeAssistant::NAME,
    NetWorthHistory::NAME,
    GetSandboxControls::NAME,
    SetSandboxPrices::NAME,
    ResetSandbox::NAME,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for name in ALL {
            assert!(seen.insert(*name), "duplicate command {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
        }
    }

    #[test]
    fn passwords_never_show_in_debug() {
        let a = PasswordArgs {
            password: "hunter2-hunter2".into(),
        };
        let b = CreateVaultArgs {
            password: "hunter2-hunter2".into(),
            role: Role::Trader,
        };
        assert!(!format!("{a:?}{b:?}").contains("hunter2"));
    }

    fn ticket_json(side: &str, order_type: &str, tif: &str) -> serde_json::Value {
        serde_json::json!({ "ticket": {
            "connection": "paper-local", "account": "PA-1", "symbol": "AAPL", "side": side,
            "quantity": {"qty": "1"}, "order_type": order_type, "time_in_force": tif,
            "limit_price": null, "stop_price": null,
        }})
    }

    #[test]
    fn an_order_with_an_unknown_side_type_or_time_in_force_does_not_deserialize() {
        let ok: PlaceOrderArgs =
            serde_json::from_value(ticket_json("buy", "market", "day")).unwrap();
        assert!(!ok.ticket.confirm_large, "absent means not confirmed");
        for (side, order_type, tif) in [
            ("bu y", "market", "day"),
            ("BUY", "market", "day"),
            ("buy", "markte", "day"),
            ("buy", "", "day"),
            ("buy", "market", "gtd"),
        ] {
            let err = serde_json::from_value::<PlaceOrderArgs>(ticket_json(side, order_type, tif))
                .unwrap_err();
            assert!(err.to_string().contains("unknown variant"), "{err}");
        }
    }

    #[test]
    fn no_args_is_an_empty_object() {
        assert_eq!(serde_json::to_string(&NoArgs {}).unwrap(), "{}");
    }
}
