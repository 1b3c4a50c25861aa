//! The form of each vendor that connects by keys pasted from its dashboard: which fields, which
//! of them are secret, and what to type. The Connect page renders its form from this, and the
//! service checks `KeyConnectionArgs::fields` against the same list, so the two cannot drift.
//!
//! Pure data and string checks: it compiles for the wasm UI.

use std::collections::BTreeMap;

/// One input of a key form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyField {
    /// The key in `KeyConnectionArgs::fields`.
    pub name: &'static str,
    pub label: &'static str,
    /// Typed into a password input, stored only in the vault, never shown again.
    pub secret: bool,
    /// An empty optional field is left out.
    pub required: bool,
    /// Where to find it and what it looks like.
    pub hint: &'static str,
}

const fn field(
    name: &'static str,
    label: &'static str,
    secret: bool,
    hint: &'static str,
) -> KeyField {
    KeyField {
        name,
        label,
        secret,
        required: true,
        hint,
    }
}

const fn optional(mut f: KeyField) -> KeyField {
    f.required = false;
    f
}

static ALPACA: &[KeyField] = &[
    field(
        "key_id",
        "API key ID",
        false,
        "Alpaca dashboard → API Keys; starts with PK (paper) or AK (live).",
    ),
    field(
        "secret_key",
        "Secret key",
        true,
        "Shown once, when the key is generated.",
    ),
];

static STRIPE: &[KeyField] = &[
    field(
        "secret_key",
        "Secret or restricted key",
        true,
        "Stripe Dashboard → Developers → API keys: sk_live_…/sk_test_…, or a restricted rk_… key \
         with read access to Balance. Test-mode keys connect as paper.",
    ),
    optional(field(
        "account_id",
        "Connected account ID",
        false,
        "Optional: acct_… to read a Connect account instead of your own.",
    )),
];

static SQUARE: &[KeyField] = &[field(
    "access_token",
    "Access token",
    true,
    "Square Developer Dashboard → your application → Credentials: the personal access token \
     (use the Sandbox one with the sandbox option).",
)];

static PAYPAL: &[KeyField] = &[
    field(
        "client_id",
        "Client ID",
        false,
        "PayPal Developer Dashboard → Apps & Credentials → your REST app (Sandbox or Live).",
    ),
    field(
        "client_secret",
        "Secret",
        true,
        "The same app's secret. Transaction Search must be enabled for the app.",
    ),
];

static SNAPTRADE: &[KeyField] = &[
    field(
        "client_id",
        "Client ID",
        false,
        "SnapTrade dashboard → API keys (your personal key).",
    ),
    field(
        "consumer_key",
        "Consumer key",
        true,
        "Shown with the client ID; it signs every request.",
    ),
    optional(field(
        "user_id",
        "User ID",
        false,
        "An existing SnapTrade user; leave both user fields empty and Brokerdesk registers one \
         (its secret goes straight into the vault), then \"Link accounts\" opens the portal.",
    )),
    optional(field(
        "user_secret",
        "User secret",
        true,
        "Returned once when that user was registered.",
    )),
];

static PLAID: &[KeyField] = &[
    field(
        "client_id",
        "Client ID",
        false,
        "Plaid Dashboard → Developers → Keys.",
    ),
    field(
        "secret",
        "Secret",
        true,
        "The Sandbox or Production secret, matching the sandbox option.",
    ),
    optional(field(
        "access_token",
        "Access token",
        true,
        "Leave empty and use \"Link accounts\" (Plaid's Hosted Link) once connected; or paste \
         an Item's access-… token from a completed Link (investments product).",
    )),
];

/// The form for `vendor`; empty for a vendor that does not connect by pasted keys.
pub fn key_fields(vendor: &str) -> &'static [KeyField] {
    match vendor {
        "alpaca" => ALPACA,
        "stripe" => STRIPE,
        "square" => SQUARE,
        "paypal" => PAYPAL,
        "snaptrade" => SNAPTRADE,
        "plaid" => PLAID,
        _ => &[],
    }
}

/// Whether the form offers a "sandbox" switch. Stripe has none (a test-mode key is the
/// sandbox) and neither has SnapTrade (one host; paper brokerages are connected like any other).
pub fn offers_sandbox(vendor: &str) -> bool {
    matches!(vendor, "alpaca" | "square" | "paypal" | "plaid")
}

/// The filled-in fields, trimmed, with empty optional ones left out; or what is wrong, in words
/// for the user. Values are never quoted back: they may be secrets.
pub fn check_fields(
    vendor: &str,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let form = key_fields(vendor);
    if form.is_empty() {
        return Err(format!("{vendor} does not connect with pasted keys"));
    }
    if let Some(stray) = fields
        .keys()
        .find(|name| !form.iter().any(|f| f.name == name.as_str()))
    {
        return Err(format!("{vendor} has no field named {stray:?}"));
    }
    let mut out = BTreeMap::new();
    for f in form {
        let value = fields.get(f.name).map(|v| v.trim()).unwrap_or_default();
        if value.is_empty() {
            if f.required {
                return Err(format!("enter the {}", f.label.to_lowercase()));
            }
            continue;
        }
        // A secret with a line break or a space inside is a broken paste, not a key. (Ids are
        // let through: a SnapTrade user id is whatever the partner chose.)
        if f.secret && value.chars().any(char::is_whitespace) {
            return Err(format!(
                "the {} has spaces or line breaks in it",
                f.label.to_lowercase()
            ));
        }
        out.insert(f.name.to_owned(), value.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CATALOG, SignIn};

    const VENDORS: &[&str] = &["alpaca", "stripe", "square", "paypal", "snaptrade", "plaid"];

    #[test]
    fn every_catalog_vendor_that_signs_in_by_key_has_a_form() {
        for i in CATALOG {
            let by_key = i.sign_in.contains(&SignIn::ApiKey);
            assert_eq!(
                by_key,
                !key_fields(i.id).is_empty(),
                "{}: sign-in by key and a key form must go together",
                i.id
            );
            if !i.sandbox {
                assert!(!offers_sandbox(i.id), "{} has no sandbox to offer", i.id);
            }
        }
        // The aggregators are not institutions of the catalog, but connect by key too.
        assert!(!key_fields("snaptrade").is_empty() && !key_fields("plaid").is_empty());
        assert!(key_fields("ibkr").is_empty() && key_fields("venmo").is_empty());
    }

    #[test]
    fn forms_are_well_formed() {
        for vendor in VENDORS {
            let form = key_fields(vendor);
            let names: std::collections::BTreeSet<_> = form.iter().map(|f| f.name).collect();
            assert_eq!(names.len(), form.len(), "{vendor}: duplicate field");
            assert!(form.iter().any(|f| f.secret), "{vendor}: nothing secret");
            assert!(
                form.iter().any(|f| f.required),
                "{vendor}: nothing required"
            );
            for f in form {
                assert!(
                    !f.label.is_empty() && !f.hint.is_empty(),
                    "{vendor}.{}",
                    f.name
                );
                assert!(
                    f.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{vendor}.{} is not snake_case",
                    f.name
                );
            }
        }
    }

    #[test]
    fn the_promised_fields_are_there() {
        let names = |v: &str| key_fields(v).iter().map(|f| f.name).collect::<Vec<_>>();
        assert_eq!(names("stripe"), ["secret_key", "account_id"]);
        assert_eq!(names("square"), ["access_token"]);
        assert_eq!(names("paypal"), ["client_id", "client_secret"]);
        assert_eq!(
            names("snaptrade"),
            ["client_id", "consumer_key", "user_id", "user_secret"]
        );
        assert_eq!(names("plaid"), ["client_id", "secret", "access_token"]);
        assert!(!key_fields("stripe")[1].required);
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn checking_trims_drops_empty_optionals_and_never_echoes_values() {
        let ok = check_fields(
            "stripe",
            &map(&[("secret_key", "  sk_test_abc \n"), ("account_id", " ")]),
        )
        .unwrap();
        assert_eq!(ok, map(&[("secret_key", "sk_test_abc")]));

        let missing = check_fields("paypal", &map(&[("client_id", "A1")])).unwrap_err();
        assert_eq!(missing, "enter the secret");
        let stray =
            check_fields("square", &map(&[("access_token", "t"), ("password", "x")])).unwrap_err();
        assert!(stray.contains("password"), "{stray}");
        let broken =
            check_fields("square", &map(&[("access_token", "EAAA half\nkey")])).unwrap_err();
        assert!(!broken.contains("EAAA"), "{broken}");
        assert!(check_fields("ibkr", &BTreeMap::new()).is_err());
    }
}
