//! The form a vendor connects with (pasted keys, a gateway address, a server choice): which
//! fields, which of them are secret, and what to type. Each vendor's descriptor builds its own
//! (`brokerdesk_connectors::<vendor>::descriptor`); the Connect page renders it as received
//! over IPC, and the service checks `KeyConnectionArgs::fields` against the very same form, so
//! the two cannot drift.
//!
//! Pure data and string checks: it compiles for the wasm UI.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an input is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FieldKind {
    Text,
    /// Typed into a password input, stored only in the vault, never shown again.
    Secret,
    /// A server address (checked by the vendor: https, or http on this computer only).
    Url,
    /// One of a few values, as a select.
    Choice {
        options: Vec<Choice>,
    },
    /// A yes/no switch; its value is `"true"` or `"false"`.
    Checkbox,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What a field holds before the user types.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum FieldDefault {
    #[default]
    Empty,
    Text(String),
    /// The address of this app's own local sandbox (`AppInfo::sandbox_url`).
    LocalSandboxUrl,
}

/// Shows a field only while another field has a given value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownWhen {
    pub field: String,
    pub equals: String,
}

/// One input of a form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyField {
    /// The key in `KeyConnectionArgs::fields`.
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    /// An empty optional field is left out.
    pub required: bool,
    /// Where to find it and what it looks like.
    pub hint: String,
    #[serde(default)]
    pub default: FieldDefault,
    #[serde(default)]
    pub shown_when: Option<ShownWhen>,
}

impl KeyField {
    fn new(name: &str, label: &str, kind: FieldKind, hint: &str) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            required: true,
            hint: hint.to_owned(),
            default: FieldDefault::Empty,
            shown_when: None,
        }
    }
    pub fn text(name: &str, label: &str, hint: &str) -> Self {
        Self::new(name, label, FieldKind::Text, hint)
    }
    pub fn secret(name: &str, label: &str, hint: &str) -> Self {
        Self::new(name, label, FieldKind::Secret, hint)
    }
    pub fn url(name: &str, label: &str, hint: &str) -> Self {
        Self::new(name, label, FieldKind::Url, hint)
    }
    pub fn checkbox(name: &str, label: &str, hint: &str) -> Self {
        Self {
            required: false,
            ..Self::new(name, label, FieldKind::Checkbox, hint)
        }
    }
    pub fn choice(name: &str, label: &str, options: &[(&str, &str)], hint: &str) -> Self {
        let options = options
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).to_owned(),
                label: (*label).to_owned(),
            })
            .collect();
        Self::new(name, label, FieldKind::Choice { options }, hint)
    }
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
    pub fn with_default(mut self, default: FieldDefault) -> Self {
        self.default = default;
        self
    }
    pub fn shown_when(mut self, field: &str, equals: &str) -> Self {
        self.shown_when = Some(ShownWhen {
            field: field.to_owned(),
            equals: equals.to_owned(),
        });
        self
    }
    pub fn is_secret(&self) -> bool {
        self.kind == FieldKind::Secret
    }
}

/// A vendor's connect form and the words around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyForm {
    pub fields: Vec<KeyField>,
    /// The label of the "use the vendor's sandbox" switch; `None` when the vendor has no
    /// separate sandbox to pick (its key or server says which it is).
    pub sandbox_switch: Option<String>,
    /// Steps to take before the form, in order.
    #[serde(default)]
    pub steps: Vec<String>,
    /// What the vendor is asked while the form waits ("Checking the keys with …").
    pub busy_text: String,
    pub submit_label: String,
}

/// The filled-in fields, trimmed, with empty optional ones and hidden ones left out; or what is
/// wrong, in words for the user. Values are never quoted back: they may be secrets.
pub fn check_fields(
    form: &KeyForm,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    if let Some(stray) = fields
        .keys()
        .find(|name| !form.fields.iter().any(|f| &f.name == *name))
    {
        return Err(format!("this form has no field named {stray:?}"));
    }
    let value_of = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let mut out = BTreeMap::new();
    for f in &form.fields {
        if let Some(when) = &f.shown_when
            && value_of(&when.field) != when.equals
        {
            continue;
        }
        let value = value_of(&f.name);
        if value.is_empty() {
            if f.required {
                return Err(format!("enter the {}", f.label.to_lowercase()));
            }
            continue;
        }
        match &f.kind {
            // A secret with a line break or a space inside is a broken paste, not a key. (Ids
            // are let through: a user id is whatever the partner chose.)
            FieldKind::Secret if value.chars().any(char::is_whitespace) => {
                return Err(format!(
                    "the {} has spaces or line breaks in it",
                    f.label.to_lowercase()
                ));
            }
            FieldKind::Choice { options } if !options.iter().any(|o| o.value == value) => {
                return Err(format!("pick one of the {}", f.label.to_lowercase()));
            }
            FieldKind::Checkbox if !matches!(value, "true" | "false") => {
                return Err(format!("the {} is yes or no", f.label.to_lowercase()));
            }
            _ => {}
        }
        out.insert(f.name.clone(), value.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> KeyForm {
        KeyForm {
            fields: vec![
                KeyField::secret("secret_key", "Secret key", "hint"),
                KeyField::text("account_id", "Account ID", "hint").optional(),
                KeyField::choice(
                    "environment",
                    "Environment",
                    &[("custom", "Custom"), ("live", "Live")],
                    "",
                )
                .optional(),
                KeyField::url("server_url", "Server URL", "").shown_when("environment", "custom"),
            ],
            sandbox_switch: None,
            steps: Vec::new(),
            busy_text: String::new(),
            submit_label: String::new(),
        }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn checking_trims_drops_empty_optionals_and_hidden_fields_and_never_echoes_values() {
        let ok = check_fields(
            &form(),
            &map(&[
                ("secret_key", "  sk_test_abc \n"),
                ("account_id", " "),
                ("server_url", "http://x"),
            ]),
        )
        .unwrap();
        assert_eq!(ok, map(&[("secret_key", "sk_test_abc")]));
        let missing = check_fields(&form(), &map(&[("environment", "custom")])).unwrap_err();
        assert_eq!(missing, "enter the secret key");
        let shown = check_fields(
            &form(),
            &map(&[("secret_key", "k"), ("environment", "custom")]),
        )
        .unwrap_err();
        assert_eq!(shown, "enter the server url");
        let stray =
            check_fields(&form(), &map(&[("secret_key", "t"), ("password", "x")])).unwrap_err();
        assert!(stray.contains("password"), "{stray}");
        let broken = check_fields(&form(), &map(&[("secret_key", "EAAA half\nkey")])).unwrap_err();
        assert!(!broken.contains("EAAA"), "{broken}");
        let choice = check_fields(
            &form(),
            &map(&[("secret_key", "k"), ("environment", "moon")]),
        )
        .unwrap_err();
        assert!(!choice.contains("moon"), "{choice}");
    }
}
