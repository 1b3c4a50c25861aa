//! `brokerdesk oauth login`: sign in to any OAuth 2.0 provider (or a vendor preset) through
//! the system browser, with a loopback redirect and PKCE. Output never holds a token.

use anyhow::{Context, bail};
use brokerdesk_oauth::{
    BrowserOpener, LoopbackHost, MemoryTokenStore, PrintUrl, ProviderConfig, RedirectPath,
    SecretString, SystemBrowser, TokenStore, preset,
};
use std::sync::Arc;
use std::time::Duration;

/// The client secret, for vendors that demand one; never taken as a flag (it would show in `ps`).
const CLIENT_SECRET_ENV: &str = "BROKERDESK_OAUTH_CLIENT_SECRET";

#[derive(Debug, clap::Subcommand)]
pub enum OauthCommand {
    /// Sign in through the browser and keep the tokens.
    Login(OauthLoginArgs),
}

#[derive(Debug, clap::Args)]
pub struct OauthLoginArgs {
    /// A vendor preset (alpaca, square, square-sandbox, paypal, stripe) for the URLs and scopes.
    #[arg(long)]
    pub vendor: Option<String>,
    /// The authorization endpoint (overrides the preset's).
    #[arg(long, required_unless_present = "vendor")]
    pub authorize_url: Option<String>,
    /// The token endpoint (overrides the preset's).
    #[arg(long, required_unless_present = "vendor")]
    pub token_url: Option<String>,
    /// Your registered app's client id.
    #[arg(long)]
    pub client_id: String,
    /// A scope to ask for; repeat for more (replaces the preset's).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Print the sign-in URL instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Seconds to wait for the browser to come back.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    /// A fixed loopback port, for servers that registered one exact redirect URI (0 = any).
    #[arg(long, default_value_t = 0)]
    pub redirect_port: u16,
    /// A fixed redirect path, for servers that match it exactly (default: a new one per sign-in).
    #[arg(long)]
    pub redirect_path: Option<String>,
    /// Listen on [::1] instead of 127.0.0.1.
    #[arg(long)]
    pub ipv6: bool,
    /// The server's issuer id: an `iss` on the redirect must match it (RFC 9207).
    #[arg(long)]
    pub issuer: Option<String>,
}

pub async fn run(cmd: OauthCommand, data_dir: &std::path::Path) -> anyhow::Result<()> {
    match cmd {
        OauthCommand::Login(args) => login(args, data_dir).await,
    }
}

/// Signs in and seals the tokens in the vault; without a vault, keeps them for this run only
/// and says so.
pub async fn login(args: OauthLoginArgs, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let vault = brokerdesk_service::VaultAccess::open(data_dir, None);
    if !vault.state()?.initialized {
        let store = Arc::new(MemoryTokenStore::new());
        let key = login_into(args, store).await?;
        println!(
            "Tokens are held in memory for this run only (as `{key}`): create a vault \
             (`brokerdesk vault init`) to keep them."
        );
        return Ok(());
    }
    vault.unlock(crate::vault_cmd::session_password()?).await?;
    let vendor = brokerdesk_model::VendorId::new(args.vendor.as_deref().unwrap_or("oauth"));
    let store = Arc::new(brokerdesk_service::VaultTokenStore::new(vault, vendor));
    let key = login_into(args, store).await?;
    println!("Tokens sealed in the vault as `{key}` (see `brokerdesk vault list`).");
    Ok(())
}

/// Signs in and saves the tokens into `store`; returns the key they were saved under.
pub async fn login_into(
    args: OauthLoginArgs,
    store: Arc<dyn TokenStore>,
) -> anyhow::Result<String> {
    let secret = std::env::var(CLIENT_SECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .map(SecretString::from);
    let mut config = match &args.vendor {
        Some(id) => {
            let preset = preset::preset(id).with_context(|| {
                let known: Vec<&str> = preset::PRESETS.iter().map(|p| p.id).collect();
                format!("unknown vendor `{id}` (known: {})", known.join(", "))
            })?;
            if preset.client_secret_required && secret.is_none() {
                bail!(
                    "{} requires your own OAuth app's client secret: set {CLIENT_SECRET_ENV}. {}",
                    preset.name,
                    preset.notes
                );
            }
            ProviderConfig::from_preset(preset, &args.client_id, secret)?
        }
        None => {
            let (Some(authorize), Some(token)) = (&args.authorize_url, &args.token_url) else {
                bail!("--authorize-url and --token-url are required without --vendor");
            };
            let mut config = ProviderConfig::new(authorize, token, &args.client_id)?;
            config.client_secret = secret;
            config
        }
    };
    if let Some(url) = &args.authorize_url {
        config.authorize_url = url
            .parse()
            .with_context(|| format!("bad --authorize-url {url}"))?;
    }
    if let Some(url) = &args.token_url {
        config.token_url = url
            .parse()
            .with_context(|| format!("bad --token-url {url}"))?;
    }
    if !args.scopes.is_empty() {
        config.scopes = args.scopes.clone();
    }
    config.timeout = Duration::from_secs(args.timeout);
    config.redirect.port = args.redirect_port;
    config.redirect.host = if args.ipv6 {
        LoopbackHost::Ipv6
    } else {
        LoopbackHost::Ipv4
    };
    if let Some(path) = &args.redirect_path {
        config.redirect.path = RedirectPath::Fixed(path.clone());
    }
    config.issuer = args.issuer.clone();
    config.validate()?;

    let key = format!(
        "{}:{}",
        args.vendor
            .as_deref()
            .unwrap_or_else(|| config.token_url.host_str().unwrap_or("oauth")),
        args.client_id
    );
    let opener: Box<dyn BrowserOpener> = if args.no_browser {
        Box::new(PrintUrl::stderr())
    } else {
        eprintln!(
            "Opening your browser to sign in (waiting up to {} s)…",
            args.timeout
        );
        Box::new(SystemBrowser)
    };
    let tokens = brokerdesk_oauth::sign_in(config, opener.as_ref(), store.as_ref(), &key)
        .await
        .context("sign-in failed")?;
    println!("Signed in.");
    println!(
        "  scopes:        {}",
        if tokens.scopes.is_empty() {
            "(server default)".to_owned()
        } else {
            tokens.scopes.join(" ")
        }
    );
    match tokens.expires_at {
        Some(at) => println!(
            "  access token:  expires {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => println!("  access token:  no expiry given"),
    }
    println!(
        "  refresh token: {}",
        if tokens.refresh_token.is_some() {
            "yes"
        } else {
            "none issued"
        }
    );
    Ok(key)
}
