//! `brokerdesk connect <vendor>`: connect an institution the way the app's Connect page does:
//! with the vendor's own form (`connections_cmd`), or by OAuth sign-in in the system browser.
//! Output never holds a token or a key.

use anyhow::{Context, bail};
use brokerdesk_model::VendorId;
use brokerdesk_model::catalog::SignIn;
use brokerdesk_oauth::{BrowserOpener, PrintUrl, SystemBrowser};
use brokerdesk_service::{ServiceConfig, oauth_vendors, vendor_catalog};

pub use crate::connections_cmd::ConnectArgs;

/// Why a vendor cannot be connected here, in words that say what to do instead.
fn not_oauth(vendor: &str) -> String {
    let oauth = oauth_vendors().join(", ");
    let catalog = vendor_catalog();
    let Some(i) = brokerdesk_model::catalog::institution(&catalog.institutions, vendor) else {
        return format!("no institution `{vendor}`; `brokerdesk connect` signs in to {oauth}");
    };
    let how = match i.sign_in.first() {
        Some(SignIn::Builtin) => "is always connected".to_owned(),
        Some(SignIn::ApiKey) => "has no OAuth sign-in: it connects with an API key".to_owned(),
        Some(SignIn::AggregatorPortal(a)) => match catalog.aggregator(*a) {
            Some(v) => format!(
                "is reached through {}: connect it (`brokerdesk connect {}`), then link the \
                 accounts with `brokerdesk portal CONNECTION_ID`",
                v.name, v.id
            ),
            None => "is reached through an aggregator".to_owned(),
        },
        Some(SignIn::LocalGateway) => "signs in through its local gateway".to_owned(),
        _ => format!("cannot be connected: {}", i.summary),
    };
    format!(
        "{} {how}. `brokerdesk connect` signs in with OAuth to {oauth}",
        i.name
    )
}

pub async fn run(args: ConnectArgs, config: ServiceConfig, json: bool) -> anyhow::Result<String> {
    let catalog = vendor_catalog();
    let has_form = catalog
        .vendor(&args.vendor)
        .is_some_and(|v| v.form.is_some());
    if !args.oauth && (has_form || args.show_form) {
        return crate::connections_cmd::connect_with_form(args, config, json).await;
    }
    // Checked before the vault asks for its password: a typo should not cost one.
    if !oauth_vendors().contains(&args.vendor.as_str()) {
        bail!("{}", not_oauth(&args.vendor));
    }
    let service = crate::open_service(config).await?;
    let opener: Box<dyn BrowserOpener> = if args.no_browser {
        Box::new(PrintUrl::stderr())
    } else {
        Box::new(SystemBrowser)
    };
    let vendor = VendorId::new(args.vendor.as_str());
    let started = service.oauth_start(&vendor, opener.as_ref()).await?;
    eprintln!("Waiting for the browser to come back (Ctrl-C cancels)…");
    let summary = crate::portal_cmd::finish_or_cancel(&service, &started.flow_id)
        .await
        .context("not connected")?;
    Ok(if json {
        serde_json::to_string_pretty(&summary)? + "\n"
    } else {
        format!(
            "Connected {}.\n{}",
            summary.display_name,
            crate::render::status(std::slice::from_ref(&summary))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_what_to_do_instead() {
        let unknown = not_oauth("nope");
        assert!(unknown.contains("no institution `nope`"), "{unknown}");
        assert!(unknown.contains("square") && unknown.contains("paypal"));
        let ibkr = not_oauth("ibkr");
        assert!(ibkr.contains("gateway"), "{ibkr}");
        let fidelity = not_oauth("fidelity");
        assert!(fidelity.contains("SnapTrade"), "{fidelity}");
        assert!(fidelity.contains("brokerdesk portal"), "{fidelity}");
    }
}
