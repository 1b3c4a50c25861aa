//! Every vendor Brokerdesk connects to, once. Adding a vendor is one folder with a
//! `descriptor` and one line in [`DESCRIPTORS`]; the service, the CLI and the UI find it here.
//!
//! Besides the vendors' own entries the catalog lists the institutions reached only through an
//! aggregator ([`reached_through_aggregators`]) and the local sandbox: they have no folder, as
//! Brokerdesk speaks to them only through another vendor (or is them).

use crate::vendor::{Capabilities, OAuthSupport, VendorDescriptor};
use brokerdesk_model::VendorId;
use brokerdesk_model::catalog::{
    Aggregator, Capabilities as Caps, Capability, Institution, InstitutionKind, SignIn,
};
use brokerdesk_model::vendors::{VendorCatalog, VendorInfo};

/// Every vendor, in the order the catalog lists their entries.
pub static DESCRIPTORS: &[&VendorDescriptor] = &[
    &crate::alpaca::descriptor::DESCRIPTOR,
    &crate::ibkr::descriptor::DESCRIPTOR,
    &crate::paypal::descriptor::DESCRIPTOR,
    &crate::stripe::descriptor::DESCRIPTOR,
    &crate::square::descriptor::DESCRIPTOR,
    &crate::snaptrade::descriptor::DESCRIPTOR,
    &crate::plaid::descriptor::DESCRIPTOR,
];

/// The vendor with this id.
pub fn descriptor(id: &str) -> Option<&'static VendorDescriptor> {
    DESCRIPTORS.iter().copied().find(|d| d.id == id)
}

/// The vendor an OAuth preset signs in to, and how it takes the tokens.
pub fn by_oauth_preset(preset: &str) -> Option<(&'static VendorDescriptor, &'static OAuthSupport)> {
    DESCRIPTORS.iter().find_map(|d| {
        d.oauth
            .as_ref()
            .filter(|o| o.presets.contains(&preset))
            .map(|o| (*d, o))
    })
}

/// Every OAuth preset a vendor signs in with.
pub fn oauth_presets() -> Vec<&'static str> {
    DESCRIPTORS
        .iter()
        .filter_map(|d| d.oauth.as_ref())
        .flat_map(|o| o.presets.iter().copied())
        .collect()
}

/// The id of the local sandbox's catalog entry and connections' vendor.
pub const LOCAL_SANDBOX: &str = "paper";

/// The local paper exchange speaks Alpaca's API: its connector's capabilities.
pub fn sandbox_capabilities(connector: crate::alpaca::AlpacaConnector) -> Capabilities {
    // Its history is its own stored snapshots from its first start: its history endpoint
    // only covers the running process, so there is nothing older to back-fill.
    Capabilities {
        equity_history: None,
        ..crate::alpaca::descriptor::capabilities(connector)
    }
}

/// The whole catalog: the local sandbox, every vendor's entries, then the institutions
/// reached through aggregators.
pub fn catalog() -> Vec<Institution> {
    let mut all = vec![local_sandbox()];
    for d in DESCRIPTORS {
        all.extend((d.catalog)());
    }
    all.extend(reached_through_aggregators());
    all
}

/// What the Connect page needs: the catalog and each vendor's ways to connect.
pub fn vendor_catalog() -> VendorCatalog {
    VendorCatalog {
        institutions: catalog(),
        vendors: DESCRIPTORS
            .iter()
            .map(|d| VendorInfo {
                id: VendorId::new(d.id),
                name: d.name.to_owned(),
                aggregator: d.aggregator,
                form: d.form.map(|f| f()),
                oauth: d.oauth.is_some(),
                // Filled by the service, which knows the OAuth presets' rules.
                oauth_presets: Vec::new(),
                portal: d.aggregator.is_some(),
                link_purposes: d.link_purposes.to_vec(),
            })
            .collect(),
    }
}

fn local_sandbox() -> Institution {
    Institution {
        id: LOCAL_SANDBOX.into(),
        name: "Paper (local)".into(),
        aliases: vec![
            "paper trading".into(),
            "sandbox".into(),
            "simulator".into(),
            "demo".into(),
        ],
        kind: InstitutionKind::LocalSandbox,
        sign_in: vec![SignIn::Builtin],
        capabilities: Caps {
            balances: Capability::yes(),
            positions: Capability::yes(),
            quotes: Capability::partial("Simulated quotes, or replayed from a CSV you provide."),
            trading: Capability::yes(),
            transactions: Capability::yes(),
        },
        sandbox: true,
        summary: "A paper-trading exchange on your own machine: no account, no keys, no real \
                  money."
            .into(),
    }
}

const SNAPTRADE_TRADING: &str =
    "Through SnapTrade, where this brokerage allows it and the connection is made for trading.";
const READ_ONLY_AGGREGATED: &str =
    "Read-only: the aggregators that reach this brokerage cannot place orders.";
const NO_PERSONAL_API: &str = "No public API exists for a personal account.";
const COUNTERPARTY_ONLY: &str = "Only as the counterparty of transfers in a bank account you \
                                 link through Plaid (for example \"Venmo cashout\"); never the \
                                 app's own balance or history.";

fn aggregated(trading: Capability) -> Caps {
    Caps {
        balances: Capability::yes(),
        positions: Capability::partial(
            "Refreshed by the aggregator, typically once a day unless it offers real-time sync.",
        ),
        quotes: Capability::no(
            "Aggregators report holdings, not live quotes; prices come from a market data \
             connection.",
        ),
        trading,
        transactions: Capability::yes(),
    }
}

/// A broker reached through aggregators.
fn broker(
    id: &str,
    name: &str,
    aliases: &[&str],
    through: &[Aggregator],
    trading: Capability,
    summary: &str,
) -> Institution {
    Institution {
        id: id.into(),
        name: name.into(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        kind: InstitutionKind::AggregatedBroker,
        sign_in: through
            .iter()
            .map(|a| SignIn::AggregatorPortal(*a))
            .collect(),
        capabilities: aggregated(trading),
        sandbox: false,
        summary: summary.into(),
    }
}

/// A consumer payment app with no API: only its transfers, seen in a linked bank account.
fn payment_app(id: &str, name: &str, aliases: &[&str], summary: &str) -> Institution {
    Institution {
        id: id.into(),
        name: name.into(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        kind: InstitutionKind::PaymentApp,
        sign_in: vec![SignIn::AggregatorPortal(Aggregator::Plaid)],
        capabilities: Caps {
            balances: Capability::no(NO_PERSONAL_API),
            positions: Capability::no(NO_PERSONAL_API),
            quotes: Capability::no(NO_PERSONAL_API),
            trading: Capability::no(NO_PERSONAL_API),
            transactions: Capability::partial(COUNTERPARTY_ONLY),
        },
        sandbox: false,
        summary: summary.into(),
    }
}

/// Institutions reached only through an aggregator's portal. Facts and sources:
/// `../shared/specs/NOTES.md`.
pub fn reached_through_aggregators() -> Vec<Institution> {
    use Aggregator::{Plaid, SnapTrade};
    let both = &[SnapTrade, Plaid];
    let snaptrade = &[SnapTrade];
    let trade = || Capability::partial(SNAPTRADE_TRADING);
    vec![
        broker(
            "fidelity",
            "Fidelity Investments",
            &["fidelity", "fmr", "netbenefits"],
            both,
            Capability::no(READ_ONLY_AGGREGATED),
            "Read-only through SnapTrade or Plaid: balances, holdings and activity.",
        ),
        broker(
            "schwab",
            "Charles Schwab",
            &["schwab", "td ameritrade", "tda"],
            both,
            trade(),
            "Through SnapTrade or Plaid. Trading only through SnapTrade, and only if Schwab \
             allows it for your connection (checked when you connect).",
        ),
        broker(
            "robinhood",
            "Robinhood",
            &["robin hood", "hood"],
            both,
            trade(),
            "Through SnapTrade or Plaid; trading through SnapTrade where Robinhood allows it.",
        ),
        broker(
            "etrade",
            "E*TRADE",
            &["etrade", "e trade", "e-trade", "morgan stanley"],
            both,
            trade(),
            "Through SnapTrade or Plaid; trading through SnapTrade where E*TRADE allows it.",
        ),
        broker(
            "vanguard",
            "Vanguard",
            &["vanguard group", "vanguard brokerage"],
            both,
            Capability::no(READ_ONLY_AGGREGATED),
            "Read-only through SnapTrade or Plaid: balances, holdings and activity.",
        ),
        broker(
            "webull",
            "Webull",
            &["webull financial"],
            snaptrade,
            trade(),
            "Through SnapTrade; trading where Webull allows it for your connection.",
        ),
        broker(
            "public",
            "Public",
            &["public.com"],
            snaptrade,
            trade(),
            "Through SnapTrade; trading where Public allows it for your connection.",
        ),
        broker(
            "tastytrade",
            "tastytrade",
            &["tastyworks", "tasty"],
            snaptrade,
            trade(),
            "Through SnapTrade; trading where tastytrade allows it for your connection.",
        ),
        broker(
            "merrill",
            "Merrill Edge",
            &["merrill", "merrill lynch", "bank of america"],
            &[Plaid],
            Capability::no("Plaid reads investments; it cannot place orders."),
            "Read-only through Plaid: balances and holdings.",
        ),
        payment_app(
            "venmo",
            "Venmo",
            &["venmo by paypal"],
            "Venmo has no public API for a personal account. Link the bank account your Venmo \
             transfers go to (through Plaid) to see those transfers; the Venmo balance itself \
             cannot be shown.",
        ),
        payment_app(
            "cashapp",
            "Cash App",
            &["cash app", "square cash", "cashapp", "block"],
            "Cash App's APIs are for merchants only. Link the bank account your Cash App \
             transfers go to (through Plaid) to see those transfers; the Cash App balance \
             itself cannot be shown.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_model::catalog::{Support, institution};
    use brokerdesk_model::key_fields::{FieldKind, check_fields};
    use brokerdesk_model::search::search_catalog;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn ids_are_unique_and_lookup_works() {
        let catalog = catalog();
        let ids: BTreeSet<_> = catalog.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids.len(), catalog.len());
        assert_eq!(
            institution(&catalog, "ibkr").map(|i| i.name.as_str()),
            Some("Interactive Brokers")
        );
        assert!(institution(&catalog, "nope").is_none());
        let vendors: BTreeSet<_> = DESCRIPTORS.iter().map(|d| d.id).collect();
        assert_eq!(
            vendors.len(),
            DESCRIPTORS.len(),
            "one descriptor per vendor id"
        );
        assert_eq!(catalog[0].id, LOCAL_SANDBOX, "the sandbox is listed first");
    }

    #[test]
    fn the_promised_institutions_are_all_there() {
        let catalog = catalog();
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
            assert!(
                institution(&catalog, id).is_some(),
                "{id} missing from the catalog"
            );
        }
    }

    #[test]
    fn every_no_or_partial_says_why() {
        for i in catalog() {
            for (name, cap) in i.capabilities.named() {
                if cap.support != Support::Yes {
                    assert!(!cap.note.is_empty(), "{}.{name} has no explanation", i.id);
                }
            }
            assert!(!i.summary.is_empty(), "{} has no summary", i.id);
        }
    }

    #[test]
    fn facts_from_the_vendor_notes_hold() {
        let catalog = catalog();
        let get = |id: &str| institution(&catalog, id).unwrap();
        // Fidelity and Vanguard are read-only through every aggregator.
        for id in ["fidelity", "vanguard"] {
            assert_eq!(get(id).capabilities.trading.support, Support::No);
        }
        // Venmo and Cash App: no balance, transfers only as counterparties via Plaid.
        for id in ["venmo", "cashapp"] {
            let i = get(id);
            assert_eq!(i.capabilities.balances.support, Support::No);
            assert_eq!(i.capabilities.transactions.support, Support::Partial);
            assert_eq!(i.sign_in, [SignIn::AggregatorPortal(Aggregator::Plaid)]);
        }
        // IBKR: no OAuth for a desktop app, only the local gateway.
        assert_eq!(get("ibkr").sign_in, [SignIn::LocalGateway]);
        // Square supports PKCE (sandbox loopback only, so its token comes first); Alpaca,
        // PayPal and Stripe OAuth need a client secret.
        assert_eq!(get("square").sign_in, [SignIn::ApiKey, SignIn::OAuthPkce]);
        for id in ["alpaca", "paypal", "stripe"] {
            let i = get(id);
            assert!(i.sign_in.contains(&SignIn::OAuthClientSecret));
            assert!(!i.sign_in.contains(&SignIn::OAuthPkce));
        }
    }

    #[test]
    fn every_institution_reached_through_an_aggregator_has_that_aggregators_descriptor() {
        for i in catalog() {
            for way in &i.sign_in {
                if let SignIn::AggregatorPortal(a) = way {
                    let vendor = DESCRIPTORS.iter().find(|d| d.aggregator == Some(*a));
                    let vendor = vendor.unwrap_or_else(|| panic!("{}: no vendor is {a:?}", i.id));
                    assert!(vendor.form.is_some(), "{} connects by its form", vendor.id);
                }
            }
        }
    }

    #[test]
    fn every_vendor_that_signs_in_by_key_or_gateway_has_a_form_and_oauth_has_a_preset() {
        let catalog = catalog();
        for d in DESCRIPTORS {
            assert_eq!(
                d.form.is_some(),
                d.prepare.is_some(),
                "{}: form and prepare",
                d.id
            );
            for i in (d.catalog)() {
                let by_form = i
                    .sign_in
                    .iter()
                    .any(|s| matches!(s, SignIn::ApiKey | SignIn::LocalGateway));
                assert_eq!(
                    by_form,
                    d.form.is_some(),
                    "{}: sign-in by form needs a form",
                    i.id
                );
                let by_oauth = i.sign_in.iter().any(|s| s.is_oauth());
                assert_eq!(
                    by_oauth,
                    d.oauth.is_some(),
                    "{}: OAuth sign-in needs presets",
                    i.id
                );
                if !i.sandbox {
                    let form = (d.form.unwrap())();
                    assert!(form.sandbox_switch.is_none(), "{} has no sandbox", i.id);
                }
                assert!(institution(&catalog, &i.id).is_some());
            }
        }
        assert!(by_oauth_preset("square-sandbox").is_some_and(|(d, _)| d.id == "square"));
        assert!(by_oauth_preset("nope").is_none());
    }

    /// A vendor that says what its token opens must open exactly that: the service fixes an
    /// OAuth connection's shape from `offers` before any token exists.
    #[test]
    fn what_an_oauth_token_opens_is_what_the_descriptor_offers() {
        let token = secrecy::SecretString::from("token-for-the-shape-only");
        let mut openers = 0;
        for d in DESCRIPTORS {
            let Some(oauth) = &d.oauth else { continue };
            let Some(open) = oauth.open else {
                assert_eq!(
                    oauth.offers,
                    Default::default(),
                    "{}: offers without open",
                    d.id
                );
                continue;
            };
            openers += 1;
            for api_url in [None, Some("http://127.0.0.1:9")] {
                let caps = open(&crate::vendor::TokenGrant {
                    token: &token,
                    api_url,
                })
                .unwrap();
                assert!(caps.portfolio.is_some(), "{}", d.id);
                assert_eq!(caps.trading.is_some(), oauth.offers.trading, "{}", d.id);
                assert_eq!(caps.market.is_some(), oauth.offers.quotes, "{}", d.id);
            }
            let refused = open(&crate::vendor::TokenGrant {
                token: &token,
                api_url: Some("http://example.com"),
            });
            assert!(
                refused.is_err(),
                "{}: a token in clear text to another host",
                d.id
            );
        }
        assert!(openers > 0);
    }

    #[test]
    fn forms_are_well_formed() {
        for d in DESCRIPTORS {
            let Some(form) = d.form.map(|f| f()) else {
                continue;
            };
            let names: BTreeSet<_> = form.fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names.len(), form.fields.len(), "{}: duplicate field", d.id);
            assert!(
                form.fields.iter().any(|f| f.required),
                "{}: nothing required",
                d.id
            );
            for f in &form.fields {
                assert!(!f.label.is_empty(), "{}.{}", d.id, f.name);
                assert!(
                    f.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{}.{} is not snake_case",
                    d.id,
                    f.name
                );
                if let Some(when) = &f.shown_when {
                    assert!(names.contains(when.field.as_str()), "{}.{}", d.id, f.name);
                }
            }
            // Key forms keep something secret; a gateway form holds nothing secret.
            let secret = form.fields.iter().any(|f| f.kind == FieldKind::Secret);
            let gateway = (d.catalog)()
                .iter()
                .any(|i| i.sign_in.contains(&SignIn::LocalGateway));
            assert_eq!(secret, !gateway, "{}", d.id);
        }
    }

    fn form_of(id: &str) -> brokerdesk_model::key_fields::KeyForm {
        (descriptor(id).unwrap().form.unwrap())()
    }

    #[test]
    fn the_promised_fields_are_there() {
        let names = |v: &str| {
            form_of(v)
                .fields
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("stripe"), ["secret_key", "account_id"]);
        assert_eq!(names("square"), ["access_token"]);
        assert_eq!(names("paypal"), ["client_id", "client_secret"]);
        assert_eq!(
            names("snaptrade"),
            ["client_id", "consumer_key", "user_id", "user_secret"]
        );
        assert_eq!(names("plaid"), ["client_id", "secret", "access_token"]);
        assert_eq!(
            names("alpaca"),
            ["environment", "server_url", "key_id", "secret_key"]
        );
        assert!(!form_of("stripe").fields[1].required);
        // Sandbox switches where the vendor has a separate sandbox only.
        for (id, switch) in [
            ("alpaca", false),
            ("stripe", false),
            ("snaptrade", false),
            ("square", true),
            ("paypal", true),
            ("plaid", true),
        ] {
            assert_eq!(form_of(id).sandbox_switch.is_some(), switch, "{id}");
        }
    }

    #[test]
    fn checking_against_a_vendors_form_trims_and_never_echoes_values() {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let ok = check_fields(
            &form_of("stripe"),
            &map(&[("secret_key", "  sk_test_abc \n"), ("account_id", " ")]),
        )
        .unwrap();
        assert_eq!(ok, map(&[("secret_key", "sk_test_abc")]));
        let missing = check_fields(&form_of("paypal"), &map(&[("client_id", "A1")])).unwrap_err();
        assert_eq!(missing, "enter the secret");
        let broken = check_fields(
            &form_of("square"),
            &map(&[("access_token", "EAAA half\nkey")]),
        )
        .unwrap_err();
        assert!(!broken.contains("EAAA"), "{broken}");
    }

    #[test]
    fn the_real_catalog_is_searchable_by_names_and_aliases() {
        let catalog = catalog();
        let first = |q: &str| search_catalog(&catalog, q)[0].item.id.clone();
        assert_eq!(first("td ameritrade"), "schwab");
        assert_eq!(first("Interactive Brokers"), "ibkr");
        assert_eq!(first("Vänguärd"), "vanguard");
        assert_eq!(first("e-trade"), "etrade");
    }

    #[test]
    fn the_vendor_catalog_names_each_aggregator_once_and_every_form() {
        let vc = vendor_catalog();
        assert_eq!(vc.institutions, catalog());
        for a in [Aggregator::SnapTrade, Aggregator::Plaid] {
            assert_eq!(
                vc.vendors
                    .iter()
                    .filter(|v| v.aggregator == Some(a))
                    .count(),
                1
            );
            assert!(
                vc.aggregator(a)
                    .is_some_and(|v| v.portal && v.form.is_some())
            );
        }
        assert_eq!(vc.vendors.len(), DESCRIPTORS.len());
    }
}
