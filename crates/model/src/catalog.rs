//! Every institution Brokerdesk knows, how one signs in to it, and what it can honestly show.
//!
//! Facts and sources are in `../shared/specs/NOTES.md`. Where a capability depends on the
//! aggregator or on the user's connection, the note says so; where none exists (Venmo and
//! Cash App have no public API for a personal account), the catalog says that plainly.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// Brokerdesk's own paper exchange.
    LocalSandbox,
    /// A broker with its own API we connect to directly.
    NativeBroker,
    /// A broker reached through an aggregator (SnapTrade, Plaid).
    AggregatedBroker,
    /// A payment processor with its own API (PayPal, Stripe, Square).
    PaymentProcessor,
    /// A consumer payment app with no API for a personal account.
    PaymentApp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregator {
    SnapTrade,
    Plaid,
}

impl Aggregator {
    pub fn display_name(self) -> &'static str {
        match self {
            Aggregator::SnapTrade => "SnapTrade",
            Aggregator::Plaid => "Plaid",
        }
    }
}

/// One way to connect an institution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "method", content = "via")]
pub enum SignIn {
    /// Nothing to do: always connected.
    Builtin,
    /// The user pastes an API key (and secret) from the vendor's dashboard.
    ApiKey,
    /// OAuth 2.0 in the system browser with PKCE and no client secret.
    OAuthPkce,
    /// OAuth 2.0 where the vendor demands a client secret: the user brings their own registered
    /// app's client id and secret (kept in the vault).
    OAuthClientSecret,
    /// The aggregator's hosted portal, opened in the system browser.
    AggregatorPortal(Aggregator),
    /// The user signs in to a gateway running on their own machine (IBKR Client Portal).
    LocalGateway,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    Yes,
    /// Available with a condition the note states.
    Partial,
    No,
}

/// Whether a capability exists, and in plain words why or under what condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Capability {
    pub support: Support,
    pub note: &'static str,
}

const fn yes() -> Capability {
    Capability {
        support: Support::Yes,
        note: "",
    }
}
const fn partial(note: &'static str) -> Capability {
    Capability {
        support: Support::Partial,
        note,
    }
}
const fn no(note: &'static str) -> Capability {
    Capability {
        support: Support::No,
        note,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub balances: Capability,
    pub positions: Capability,
    pub quotes: Capability,
    pub trading: Capability,
    pub transactions: Capability,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Institution {
    /// Stable id (`alpaca`, `fidelity`, …), also the vendor id of its connections.
    pub id: &'static str,
    pub name: &'static str,
    /// Other names people type: former names, tickers of the firm, abbreviations.
    pub aliases: &'static [&'static str],
    pub kind: InstitutionKind,
    /// Ways to connect, the preferred first. Empty when there is none.
    pub sign_in: &'static [SignIn],
    pub capabilities: Capabilities,
    /// A sandbox or paper environment to try it without real money.
    pub sandbox: bool,
    /// What the user should know before connecting, in one or two sentences.
    pub summary: &'static str,
}

const SNAPTRADE_TRADING: Capability = partial(
    "Through SnapTrade, where this brokerage allows it and the connection is made for trading.",
);
const READ_ONLY_AGGREGATED: Capability =
    no("Read-only: the aggregators that reach this brokerage cannot place orders.");
const AGGREGATED_QUOTES: Capability =
    no("Aggregators report holdings, not live quotes; prices come from a market data connection.");
const AGGREGATED_BALANCES: Capability = yes();
const AGGREGATED_POSITIONS: Capability =
    partial("Refreshed by the aggregator, typically once a day unless it offers real-time sync.");
const AGGREGATED_ACTIVITY: Capability = yes();

const fn aggregated(trading: Capability) -> Capabilities {
    Capabilities {
        balances: AGGREGATED_BALANCES,
        positions: AGGREGATED_POSITIONS,
        quotes: AGGREGATED_QUOTES,
        trading,
        transactions: AGGREGATED_ACTIVITY,
    }
}

const BOTH_AGGREGATORS: &[SignIn] = &[
    SignIn::AggregatorPortal(Aggregator::SnapTrade),
    SignIn::AggregatorPortal(Aggregator::Plaid),
];
const SNAPTRADE_ONLY: &[SignIn] = &[SignIn::AggregatorPortal(Aggregator::SnapTrade)];

const NO_PERSONAL_API: Capability = no("No public API exists for a personal account.");
const COUNTERPARTY_ONLY: Capability = partial(
    "Only as the counterparty of transfers in a bank account you link through Plaid \
     (for example \"Venmo cashout\"); never the app's own balance or history.",
);

pub static CATALOG: &[Institution] = &[
    Institution {
        id: "paper",
        name: "Paper (local)",
        aliases: &["paper trading", "sandbox", "simulator", "demo"],
        kind: InstitutionKind::LocalSandbox,
        sign_in: &[SignIn::Builtin],
        capabilities: Capabilities {
            balances: yes(),
            positions: yes(),
            quotes: partial("Simulated quotes, or replayed from a CSV you provide."),
            trading: yes(),
            transactions: yes(),
        },
        sandbox: true,
        summary: "A paper-trading exchange on your own machine: no account, no keys, no real money.",
    },
    Institution {
        id: "alpaca",
        name: "Alpaca",
        aliases: &["alpaca markets", "alpaca securities"],
        kind: InstitutionKind::NativeBroker,
        sign_in: &[SignIn::ApiKey, SignIn::OAuthClientSecret],
        capabilities: Capabilities {
            balances: yes(),
            positions: yes(),
            quotes: partial("Live quotes; the free plan streams the IEX feed only."),
            trading: yes(),
            transactions: yes(),
        },
        sandbox: true,
        summary: "Trade stocks and ETFs with an API key (paper or live). Alpaca's OAuth needs your \
                  own registered app's client secret.",
    },
    Institution {
        id: "ibkr",
        name: "Interactive Brokers",
        aliases: &["ibkr", "interactive brokers llc", "ib", "tws"],
        kind: InstitutionKind::NativeBroker,
        sign_in: &[SignIn::LocalGateway],
        capabilities: Capabilities {
            balances: yes(),
            positions: yes(),
            quotes: partial("Snapshots through the gateway, after a first warm-up request."),
            trading: yes(),
            transactions: partial("Trades of the current gateway session only."),
        },
        sandbox: true,
        summary: "Sign in to the Client Portal gateway running on your computer; IBKR offers no \
                  OAuth for desktop apps. Paper accounts work the same way.",
    },
    Institution {
        id: "fidelity",
        name: "Fidelity Investments",
        aliases: &["fidelity", "fmr", "netbenefits"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: BOTH_AGGREGATORS,
        capabilities: aggregated(READ_ONLY_AGGREGATED),
        sandbox: false,
        summary: "Read-only through SnapTrade or Plaid: balances, holdings and activity.",
    },
    Institution {
        id: "schwab",
        name: "Charles Schwab",
        aliases: &["schwab", "td ameritrade", "tda"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: BOTH_AGGREGATORS,
        capabilities: aggregated(SNAPTRADE_TRADING),
        sandbox: false,
        summary: "Through SnapTrade or Plaid. Trading only through SnapTrade, and only if Schwab \
                  allows it for your connection (checked when you connect).",
    },
    Institution {
        id: "robinhood",
        name: "Robinhood",
        aliases: &["robin hood", "hood"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: BOTH_AGGREGATORS,
        capabilities: aggregated(SNAPTRADE_TRADING),
        sandbox: false,
        summary: "Through SnapTrade or Plaid; trading through SnapTrade where Robinhood allows it.",
    },
    Institution {
        id: "etrade",
        name: "E*TRADE",
        aliases: &["etrade", "e trade", "e-trade", "morgan stanley"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: BOTH_AGGREGATORS,
        capabilities: aggregated(SNAPTRADE_TRADING),
        sandbox: false,
        summary: "Through SnapTrade or Plaid; trading through SnapTrade where E*TRADE allows it.",
    },
    Institution {
        id: "vanguard",
        name: "Vanguard",
        aliases: &["vanguard group", "vanguard brokerage"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: BOTH_AGGREGATORS,
        capabilities: aggregated(READ_ONLY_AGGREGATED),
        sandbox: false,
        summary: "Read-only through SnapTrade or Plaid: balances, holdings and activity.",
    },
    Institution {
        id: "webull",
        name: "Webull",
        aliases: &["webull financial"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: SNAPTRADE_ONLY,
        capabilities: aggregated(SNAPTRADE_TRADING),
        sandbox: false,
        summary: "Through SnapTrade; trading where Webull allows it for your connection.",
    },
    Institution {
        id: "public",
        name: "Public",
        aliases: &["public.com"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: SNAPTRADE_ONLY,
        capabilities: aggregated(SNAPTRADE_TRADING),
        sandbox: false,
        summary: "Through SnapTrade; trading where Public allows it for your connection.",
    },
    Institution {
        id: "tastytrade",
        name: "tastytrade",
        aliases: &["tastyworks", "tasty"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: SNAPTRADE_ONLY,
        capabilities: aggregated(SNAPTRADE_TRADING),
        sandbox: false,
        summary: "Through SnapTrade; trading where tastytrade allows it for your connection.",
    },
    Institution {
        id: "merrill",
        name: "Merrill Edge",
        aliases: &["merrill", "merrill lynch", "bank of america"],
        kind: InstitutionKind::AggregatedBroker,
        sign_in: &[SignIn::AggregatorPortal(Aggregator::Plaid)],
        capabilities: aggregated(no("Plaid reads investments; it cannot place orders.")),
        sandbox: false,
        summary: "Read-only through Plaid: balances and holdings.",
    },
    Institution {
        id: "paypal",
        name: "PayPal",
        aliases: &["pay pal"],
        kind: InstitutionKind::PaymentProcessor,
        sign_in: &[SignIn::ApiKey, SignIn::OAuthClientSecret],
        capabilities: Capabilities {
            balances: partial("Through the reporting API, once Transaction Search is enabled."),
            positions: no("A payment account holds no securities."),
            quotes: no("A payment account holds no securities."),
            trading: no("A payment account holds no securities."),
            transactions: partial(
                "Through PayPal's reporting API: up to 3 hours late, 31 days per request, and \
                 only once Transaction Search is enabled for your REST app.",
            ),
        },
        sandbox: true,
        summary: "Your business account's balances and transactions, with your own REST app's \
                  client id and secret. \"Log in with PayPal\" proves who you are but does not \
                  open the reporting API, so balances need the app's keys.",
    },
    Institution {
        id: "stripe",
        name: "Stripe",
        aliases: &["stripe payments"],
        kind: InstitutionKind::PaymentProcessor,
        sign_in: &[SignIn::ApiKey, SignIn::OAuthClientSecret],
        capabilities: Capabilities {
            balances: yes(),
            positions: no("A payment account holds no securities."),
            quotes: no("A payment account holds no securities."),
            trading: no("A payment account holds no securities."),
            transactions: yes(),
        },
        sandbox: true,
        summary: "Balance and balance transactions with a secret or restricted key (test mode \
                  keys work too).",
    },
    Institution {
        id: "square",
        name: "Square",
        aliases: &["block", "squareup", "square up"],
        kind: InstitutionKind::PaymentProcessor,
        // A personal access token first: Square accepts loopback redirects in its sandbox only,
        // and production OAuth needs an HTTPS redirect a desktop app does not have.
        sign_in: &[SignIn::ApiKey, SignIn::OAuthPkce],
        capabilities: Capabilities {
            balances: no("Square's public API reports payments, not an account balance."),
            positions: no("A payment account holds no securities."),
            quotes: no("A payment account holds no securities."),
            trading: no("A payment account holds no securities."),
            transactions: yes(),
        },
        sandbox: true,
        summary: "Locations and payments, with a personal access token (or OAuth with PKCE in \
                  Square's sandbox: production redirects must be HTTPS).",
    },
    Institution {
        id: "venmo",
        name: "Venmo",
        aliases: &["venmo by paypal"],
        kind: InstitutionKind::PaymentApp,
        sign_in: &[SignIn::AggregatorPortal(Aggregator::Plaid)],
        capabilities: Capabilities {
            balances: NO_PERSONAL_API,
            positions: NO_PERSONAL_API,
            quotes: NO_PERSONAL_API,
            trading: NO_PERSONAL_API,
            transactions: COUNTERPARTY_ONLY,
        },
        sandbox: false,
        summary: "Venmo has no public API for a personal account. Link the bank account your Venmo \
                  transfers go to (through Plaid) to see those transfers; the Venmo balance \
                  itself cannot be shown.",
    },
    Institution {
        id: "cashapp",
        name: "Cash App",
        aliases: &["cash app", "square cash", "cashapp", "block"],
        kind: InstitutionKind::PaymentApp,
        sign_in: &[SignIn::AggregatorPortal(Aggregator::Plaid)],
        capabilities: Capabilities {
            balances: NO_PERSONAL_API,
            positions: NO_PERSONAL_API,
            quotes: NO_PERSONAL_API,
            trading: NO_PERSONAL_API,
            transactions: COUNTERPARTY_ONLY,
        },
        sandbox: false,
        summary: "Cash App's APIs are for merchants only. Link the bank account your Cash App \
                  transfers go to (through Plaid) to see those transfers; the Cash App balance \
                  itself cannot be shown.",
    },
];

/// The catalog entry with this id.
pub fn institution(id: &str) -> Option<&'static Institution> {
    CATALOG.iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_lookup_works() {
        let ids: BTreeSet<_> = CATALOG.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), CATALOG.len());
        assert_eq!(
            institution("ibkr").map(|i| i.name),
            Some("Interactive Brokers")
        );
        assert!(institution("nope").is_none());
    }

    #[test]
    fn the_promised_institutions_are_all_there() {
        for id in [
            "alpaca",
            "ibkr",
            "fidelity",
            "schwab",
            "robinhood",
            "etrade",
            "vanguard",
            "paypal",
            "stripe",
            "square",
            "venmo",
            "cashapp",
        ] {
            assert!(institution(id).is_some(), "{id} missing from the catalog");
        }
    }

    #[test]
    fn every_no_or_partial_says_why() {
        for i in CATALOG {
            let c = &i.capabilities;
            for (name, cap) in [
                ("balances", c.balances),
                ("positions", c.positions),
                ("quotes", c.quotes),
                ("trading", c.trading),
                ("transactions", c.transactions),
            ] {
                if cap.support != Support::Yes {
                    assert!(!cap.note.is_empty(), "{}.{name} has no explanation", i.id);
                }
            }
            assert!(!i.summary.is_empty(), "{} has no summary", i.id);
        }
    }

    #[test]
    fn facts_from_the_vendor_notes_hold() {
        // Fidelity and Vanguard are read-only through every aggregator.
        for id in ["fidelity", "vanguard"] {
            assert_eq!(
                institution(id).unwrap().capabilities.trading.support,
                Support::No
            );
        }
        // Venmo and Cash App: no balance, transfers only as counterparties via Plaid.
        for id in ["venmo", "cashapp"] {
            let i = institution(id).unwrap();
            assert_eq!(i.capabilities.balances.support, Support::No);
            assert_eq!(i.capabilities.transactions.support, Support::Partial);
            assert_eq!(i.sign_in, &[SignIn::AggregatorPortal(Aggregator::Plaid)]);
        }
        // IBKR: no OAuth for a desktop app, only the local gateway.
        assert_eq!(
            institution("ibkr").unwrap().sign_in,
            &[SignIn::LocalGateway]
        );
        // Square supports PKCE (sandbox loopback only, so its token comes first); Alpaca,
        // PayPal and Stripe OAuth need a client secret.
        assert_eq!(
            institution("square").unwrap().sign_in,
            &[SignIn::ApiKey, SignIn::OAuthPkce]
        );
        for id in ["alpaca", "paypal", "stripe"] {
            let i = institution(id).unwrap();
            assert!(i.sign_in.contains(&SignIn::OAuthClientSecret));
            assert!(!i.sign_in.contains(&SignIn::OAuthPkce));
        }
    }
}
