//! Adding a connection with a vendor's form and removing one: the app's Connect page and its
//! "Remove" button, headless. The form is whatever the vendor's descriptor says
//! (`VendorInfo::form`): this file knows no vendor.
//!
//! Secrets never come from the command line or the environment (both leak: shell history,
//! `ps`, `/proc/*/environ`): a secret field is read from standard input or a hidden prompt, and
//! `--field` refuses a secret field's name.

use anyhow::{Context, anyhow, bail};
use brokerdesk_model::key_fields::{FieldDefault, FieldKind, KeyForm};
use brokerdesk_model::{ConnectionId, KeyConnectionArgs, VendorId};
use brokerdesk_service::{ServiceConfig, vendor_catalog};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use zeroize::{Zeroize, Zeroizing};

pub const CONNECT_HELP: &str = "\
A vendor with a form (keys, a server, a gateway) connects with it; one without a form, or any
vendor given --oauth, signs in with OAuth in the browser. Secret fields are never taken from
the command line or the environment. The vault password: BROKERDESK_PASSWORD, else a prompt.

Examples:
  brokerdesk connect VENDOR --show-form          the vendor's fields (add --json for scripts)
  printf 'secret_key=%s\\n' \"$KEY\" | brokerdesk connect VENDOR --field key_id=ID --secrets-from-stdin
  brokerdesk connect VENDOR --oauth --no-browser sign in with OAuth, printing the URL";

/// One `--field NAME=VALUE`. Its `Debug` shows the name only: the command line is logged at
/// debug level, and a secret given here by mistake must not reach the log.
#[derive(Clone)]
pub struct FieldArg {
    name: String,
    value: String,
}

impl std::fmt::Debug for FieldArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}=[value]", self.name)
    }
}

impl std::str::FromStr for FieldArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok(Self {
                name: name.trim().to_owned(),
                value: value.to_owned(),
            }),
            _ => Err("expected NAME=VALUE, e.g. --field key_id=PK123".into()),
        }
    }
}

/// Field values, wiped when dropped on every path (a refusal after a secret was read too).
#[derive(Default)]
struct Values(BTreeMap<String, String>);

/// Names only: the values may be secrets.
impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Drop for Values {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            value.zeroize();
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// How a vendor is connected: with its form (keys, a server, a gateway) when it has one,
/// else by OAuth sign-in in the browser. `--oauth` picks the sign-in for a vendor that has both.
///
/// Form fields that are not secret are given as `--field NAME=VALUE`; secret ones are read from
/// standard input with `--secrets-from-stdin` (one `NAME=VALUE` per line, or one JSON object),
/// or asked at a hidden prompt — never from the command line or the environment.
/// `--show-form` lists a vendor's fields. The vault password: `BROKERDESK_PASSWORD`, else a
/// prompt.
#[derive(Debug, clap::Args)]
#[command(after_help = CONNECT_HELP)]
pub struct ConnectArgs {
    /// The institution's id, as the app's Connect page and `--show-form` name it.
    pub vendor: String,
    /// Sign in with OAuth in the browser even though the vendor also has a form.
    #[arg(long, conflicts_with_all = ["fields", "secrets_from_stdin", "sandbox", "label", "show_form"])]
    pub oauth: bool,
    /// Print the sign-in URL instead of opening a browser ($BROWSER, else the platform's).
    #[arg(long)]
    pub no_browser: bool,
    /// A field of the vendor's form that is not secret, as NAME=VALUE (repeat it). A field
    /// left out takes the form's default.
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<FieldArg>,
    /// Read the secret fields from standard input: one NAME=VALUE per line, or one JSON
    /// object. Without it they are asked at a hidden prompt.
    #[arg(long)]
    pub secrets_from_stdin: bool,
    /// Use the vendor's own sandbox (for vendors whose form has that switch).
    #[arg(long)]
    pub sandbox: bool,
    /// The connection's name; the vendor's default when left out.
    #[arg(long)]
    pub label: Option<String>,
    /// Print the vendor's form (its fields, which are secret, defaults) and stop.
    #[arg(long)]
    pub show_form: bool,
}

/// `brokerdesk connect VENDOR` for a vendor with a form.
pub async fn connect_with_form(
    args: ConnectArgs,
    config: ServiceConfig,
    as_json: bool,
) -> anyhow::Result<String> {
    let catalog = vendor_catalog();
    let Some(info) = catalog.vendor(&args.vendor) else {
        bail!(
            "no vendor `{}` connects with a form; vendors with one: {}",
            args.vendor,
            form_vendors().join(", ")
        );
    };
    let Some(form) = info.form.clone() else {
        bail!("{} has no form to fill in; try `--oauth`", info.name);
    };
    if args.show_form {
        return if as_json {
            json(&form)
        } else {
            Ok(render_form(&info.name, &form))
        };
    }
    if args.sandbox && form.sandbox_switch.is_none() {
        bail!(
            "{} has no separate sandbox (its key or server says which it is); drop --sandbox",
            info.name
        );
    }
    // Everything the user typed is checked before the vault asks for its password.
    let mut fields = Values::default();
    for FieldArg { name, value } in args.fields {
        let Some(field) = form.fields.iter().find(|f| f.name == name) else {
            bail!(
                "{} has no field `{name}`; its fields: {}",
                info.name,
                field_names(&form)
            );
        };
        if field.is_secret() {
            bail!(
                "`{name}` is secret: give it on standard input (--secrets-from-stdin) or at the \
                 prompt, never on the command line"
            );
        }
        if fields.0.insert(name.clone(), value).is_some() {
            bail!("--field {name} is given twice");
        }
    }
    let mut secrets = if args.secrets_from_stdin {
        let mut text = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the secrets from standard input")?;
        parse_secrets(&text).map_err(|why| anyhow!("standard input: {why}"))?
    } else {
        Values::default()
    };
    // Moved, not copied; what a refusal leaves in either map is wiped with it.
    while let Some((name, value)) = secrets.0.pop_first() {
        if !form.fields.iter().any(|f| f.name == name) {
            bail!(
                "standard input names `{name}`, which {} does not have; its fields: {}",
                info.name,
                field_names(&form)
            );
        }
        if fields.0.insert(name.clone(), value).is_some() {
            bail!("`{name}` is given both as --field and on standard input");
        }
    }

    let service = crate::open_service(config).await?;
    // Before a secret is asked for: it could not be kept anywhere.
    if !service.vault().state()?.initialized {
        bail!(
            "create a vault first (`brokerdesk vault init`): it is where this connection's key \
             is kept"
        );
    }
    // The form's defaults, as the app prefills them.
    for field in &form.fields {
        if fields.0.contains_key(&field.name) {
            continue;
        }
        let default = match &field.default {
            FieldDefault::Empty => None,
            FieldDefault::Text(text) => Some(text.clone()),
            FieldDefault::LocalSandboxUrl => service.app_info().sandbox_url,
        };
        if let Some(default) = default {
            fields.0.insert(field.name.clone(), default);
        }
    }
    // Secret fields still missing, asked without echo (only on a terminal, and only those the
    // form shows for the values given).
    let missing: Vec<_> = form
        .fields
        .iter()
        .filter(|f| f.is_secret() && !fields.0.contains_key(&f.name))
        .filter(|f| {
            f.shown_when.as_ref().is_none_or(|w| {
                fields.0.get(&w.field).map(String::as_str) == Some(w.equals.as_str())
            })
        })
        .collect();
    if !missing.is_empty() && !args.secrets_from_stdin {
        if !std::io::stdin().is_terminal() {
            bail!(
                "no terminal to ask for the {}: pass the secret fields on standard input with \
                 --secrets-from-stdin",
                missing[0].label.to_lowercase()
            );
        }
        for field in missing {
            let value = Zeroizing::new(
                rpassword::prompt_password(format!("{} (input hidden): ", field.label))
                    .context("could not read a hidden answer from the terminal")?,
            );
            if !value.trim().is_empty() {
                fields.0.insert(field.name.clone(), value.to_string());
            }
        }
    }

    let summary = service
        .add_key_connection(KeyConnectionArgs {
            vendor: VendorId::new(info.id.as_str()),
            fields: std::mem::take(&mut fields.0),
            sandbox: args.sandbox,
            label: args.label.unwrap_or_default(),
        })
        .await?;
    Ok(if as_json {
        json(&summary)?
    } else {
        format!(
            "Connected {}.\n{}",
            summary.display_name,
            crate::render::status(std::slice::from_ref(&summary))
        )
    })
}

fn field_names(form: &KeyForm) -> String {
    form.fields
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn form_vendors() -> Vec<String> {
    vendor_catalog()
        .vendors
        .into_iter()
        .filter(|v| v.form.is_some())
        .map(|v| v.id.as_str().to_owned())
        .collect()
}

/// `NAME=VALUE` lines (blank lines skipped) or one JSON object of strings. Errors never quote
/// a value.
fn parse_secrets(text: &str) -> Result<Values, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("nothing was given; expected NAME=VALUE lines or a JSON object".into());
    }
    let mut out = Values::default();
    if trimmed.starts_with('{') {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(trimmed)
            .map_err(|_| "not a JSON object of names to strings".to_owned())?;
        for (name, value) in object {
            let serde_json::Value::String(value) = value else {
                return Err(format!("the value of `{name}` is not a string"));
            };
            out.0.insert(name, value);
        }
        return Ok(out);
    }
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("line {} is not NAME=VALUE", i + 1));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("line {} has no name before `=`", i + 1));
        }
        if out.0.insert(name.to_owned(), value.to_owned()).is_some() {
            return Err(format!("`{name}` is given twice"));
        }
    }
    Ok(out)
}

fn render_form(name: &str, form: &KeyForm) -> String {
    let mut out = format!("{name} connects with these fields:\n");
    for f in &form.fields {
        let how = match &f.kind {
            FieldKind::Secret => "secret: standard input or prompt".to_owned(),
            FieldKind::Text => "--field".to_owned(),
            FieldKind::Url => "--field, a URL".to_owned(),
            FieldKind::Checkbox => "--field, true or false".to_owned(),
            FieldKind::Choice { options } => format!(
                "--field, one of {}",
                options
                    .iter()
                    .map(|o| o.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut notes = Vec::new();
        if !f.required {
            notes.push("optional".to_owned());
        }
        match &f.default {
            FieldDefault::Empty => {}
            FieldDefault::Text(t) => notes.push(format!("default {t}")),
            FieldDefault::LocalSandboxUrl => notes.push("default: this app's sandbox".into()),
        }
        if let Some(w) = &f.shown_when {
            notes.push(format!("only when {}={}", w.field, w.equals));
        }
        let notes = match notes.is_empty() {
            true => String::new(),
            false => format!(" [{}]", notes.join("; ")),
        };
        out += &format!("  {:<16} {} ({how}){notes}\n", f.name, f.label);
        if !f.hint.is_empty() {
            out += &format!("  {:<16} {}\n", "", f.hint);
        }
    }
    if let Some(switch) = &form.sandbox_switch {
        out += &format!("  --sandbox        {switch}\n");
    }
    for (i, step) in form.steps.iter().enumerate() {
        out += &format!("Step {}: {step}\n", i + 1);
    }
    out
}

/// `brokerdesk disconnect CONNECTION_ID [--yes]`.
#[derive(Debug, clap::Args)]
pub struct DisconnectArgs {
    /// The connection's id, as `brokerdesk status` lists it.
    pub connection: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

pub async fn disconnect(
    service: &brokerdesk_service::BrokerageService,
    args: DisconnectArgs,
    as_json: bool,
) -> anyhow::Result<String> {
    let id = ConnectionId::new(args.connection.as_str());
    let known = service.list_connections().await?;
    let Some(found) = known.iter().find(|c| c.id == id) else {
        bail!(
            "no connection `{id}`; `brokerdesk status` lists them ({})",
            known
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    if !args.yes
        && !confirm(&format!(
            "Remove {} ({id}) and every key stored for it? Type `yes` to continue: ",
            found.display_name
        ))?
    {
        bail!("not removed");
    }
    let name = found.display_name.clone();
    let remaining = service.remove_connection(&id).await?;
    Ok(if as_json {
        json(&remaining)?
    } else {
        format!(
            "Removed {name} and its keys.\n{}",
            crate::render::status(&remaining)
        )
    })
}

/// Asks on standard input; only `yes`, typed out, goes ahead.
fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question}");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the answer")?;
    Ok(line.trim() == "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_from_lines_or_json_and_errors_never_quote_values() {
        let lines = parse_secrets("secret_key=abc=def\n\nother= x \r\n").unwrap();
        let lines = &lines.0;
        assert_eq!(lines["secret_key"], "abc=def");
        assert_eq!(lines["other"], " x ");
        let object = parse_secrets(r#" {"secret_key": "s3cr3t"} "#).unwrap();
        assert_eq!(object.0["secret_key"], "s3cr3t");
        for bad in [
            "just-a-s3cr3t",
            "{\"k\": 5}",
            "{not json s3cr3t",
            "=s3cr3t",
            "",
        ] {
            let err = parse_secrets(bad).unwrap_err();
            assert!(!err.contains("s3cr3t"), "{bad}: {err}");
        }
        assert!(parse_secrets("a=1\na=2").unwrap_err().contains("twice"));
    }

    #[test]
    fn a_field_argument_never_shows_its_value_in_debug() {
        let f: FieldArg = "secret_key=sk_live_0123".parse().unwrap();
        assert_eq!(format!("{f:?}"), "secret_key=[value]");
        assert!("novalue".parse::<FieldArg>().is_err());
        assert!("=x".parse::<FieldArg>().is_err());
    }

    #[test]
    fn every_form_renders_with_its_secret_fields_marked() {
        for v in vendor_catalog().vendors {
            let Some(form) = v.form else { continue };
            let shown = render_form(&v.name, &form);
            for f in &form.fields {
                assert!(shown.contains(&f.name), "{shown}");
            }
            if form.fields.iter().any(|f| f.is_secret()) {
                assert!(shown.contains("secret: standard input"), "{shown}");
            }
        }
    }
}
