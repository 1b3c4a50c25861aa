//! `brokerdesk connect <vendor>`: connect an institution by OAuth sign-in in the system
//! browser, through the same service flow as the app's Connect page. Output never holds a token.

use anyhow::{Context, bail};
use brokerdesk_model::VendorId;
use brokerdesk_model::catalog::SignIn;
use brokerdesk_oauth::{BrowserOpener, PrintUrl, SystemBrowser};
use brokerdesk_service::{BrokerageService, ServiceConfig, oauth_vendors, vendor_catalog};

#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// The institution's id, e.g. `square` (OAuth vendors: see `brokerdesk connect --help`).
    pub vendor: String,
    /// Print the sign-in URL instead of opening a browser ($BROWSER, else the platform's).
    #[arg(long)]
    pub no_browser: bool,
}

/// Why a vendor cannot be connected here, in words that say what to do instead.
fn not_oauth(vendor: &str) -> String {
    let oauth = oauth_vendors().join(", ");
    let catalog = vendor_catalog();
    let Some(i) = brokerdesk_model::catalog::institution(&catalog.institutions, vendor) else {
        return format!("no institution `{vendor}`; `brokerdesk connect` signs in to {oauth}");
    };
    let how = match i.sign_in.first() {
        Some(SignIn::Builtin) => "is always connected".to_owned(),
        Some(SignIn::ApiKey) => {
            "connects with an API key: paste it on the app's Connect page".to_owned()
        }
        Some(SignIn::AggregatorPortal(a)) => format!(
            "is reached through {}: connect it on the app's Connect page",
            catalog
                .aggregator(*a)
                .map_or("an aggregator", |v| v.name.as_str())
        ),
        Some(SignIn::LocalGateway) => {
            "signs in through its local gateway: add the gateway on the app's Connect page"
                .to_owned()
        }
        _ => format!("cannot be connected: {}", i.summary),
    };
    format!(
        "{} {how}. `brokerdesk connect` signs in with OAuth to {oauth}",
        i.name
    )
}

pub async fn run(args: ConnectArgs, config: ServiceConfig, json: bool) -> anyhow::Result<String> {
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
    let summary = finish_or_cancel(&service, &started.flow_id)
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

/// Ctrl-C cancels the flow (closing its port) rather than leaving it to time out.
async fn finish_or_cancel(
    service: &BrokerageService,
    flow_id: &str,
) -> Result<brokerdesk_model::ConnectionSummary, brokerdesk_service::ServiceError> {
    let finish = service.oauth_finish(flow_id);
    tokio::pin!(finish);
    tokio::select! {
        done = &mut finish => done,
        _ = tokio::signal::ctrl_c() => {
            service.oauth_cancel(flow_id)?;
            finish.await
        }
    }
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
    }
}
