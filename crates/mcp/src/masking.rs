//! Account numbers never leave as they are: an account is shown as `••••1234` (its last four
//! characters) and named in arguments by an opaque reference (`acct-…`, a hash of its
//! connection and number), and the final scan of every result replaces any full account number
//! this server has seen with its masked form.

use brokerdesk_model::{AccountId, ConnectionId};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Mutex;

const DOTS: &str = "••••";
/// A run of this many digits or more in free text (a vendor's description, an error) is taken
/// for an account or card number and masked; amounts and dates are shorter, or carry separators.
const DIGIT_RUN: usize = 8;

/// `••••` and the last four characters of `id`.
pub fn mask_account(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("{DOTS}{tail}")
}

/// The name an assistant uses for an account: stable across runs, unique per (connection,
/// account), and says nothing about the number.
pub fn account_ref(connection: &ConnectionId, account: &AccountId) -> String {
    let mut h = Sha256::new();
    h.update(connection.as_str().as_bytes());
    h.update([0]);
    h.update(account.as_str().as_bytes());
    format!("acct-{}", &hex::encode(h.finalize())[..12])
}

/// `text` with every run of [`DIGIT_RUN`] or more digits masked but its last four.
pub fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= DIGIT_RUN {
            out.push_str(&mask_account(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Every account number this server has read, for the final scan.
#[derive(Default)]
pub struct KnownAccounts {
    ids: Mutex<BTreeMap<String, String>>,
}

impl KnownAccounts {
    pub fn learn(&self, id: &AccountId) {
        // Four characters or fewer are shown whole anyway; searching for them would mangle
        // ordinary text.
        if id.as_str().chars().count() > 4 {
            self.ids
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.as_str().to_owned(), mask_account(id.as_str()));
        }
    }

    /// `text` with every known full account number replaced by its masked form (longest
    /// first, so a number that contains another is masked whole).
    pub fn scrub(&self, text: &str) -> String {
        let ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let mut by_len: Vec<(&String, &String)> = ids.iter().collect();
        by_len.sort_by_key(|(full, _)| std::cmp::Reverse(full.len()));
        let mut out = text.to_owned();
        for (full, masked) in by_len {
            if out.contains(full.as_str()) {
                out = out.replace(full.as_str(), masked);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_shows_only_its_last_four() {
        assert_eq!(mask_account("PA3X1KZ98765"), "••••8765");
        assert_eq!(mask_account("12"), "••••12");
        assert_eq!(mask_account(""), "••••");
    }

    #[test]
    fn references_are_stable_distinct_and_opaque() {
        let c = ConnectionId::new("paper-local");
        let a = account_ref(&c, &AccountId::new("PA123456789"));
        assert_eq!(a, account_ref(&c, &AccountId::new("PA123456789")));
        assert_ne!(a, account_ref(&c, &AccountId::new("PA123456780")));
        assert_ne!(
            a,
            account_ref(&ConnectionId::new("other"), &AccountId::new("PA123456789"))
        );
        assert!(!a.contains("6789"), "{a}");
    }

    #[test]
    fn long_digit_runs_in_text_are_masked_short_numbers_stay() {
        assert_eq!(
            mask_digit_runs("Transfer to 000123456789 of 1500.25 on 2026-12-01"),
            "Transfer to ••••6789 of 1500.25 on 2026-12-01"
        );
        assert_eq!(mask_digit_runs("12345678"), "••••5678");
        assert_eq!(mask_digit_runs("1234567"), "1234567");
    }

    #[test]
    fn known_numbers_are_scrubbed_anywhere() {
        let k = KnownAccounts::default();
        k.learn(&AccountId::new("PA3X1KZ98765"));
        k.learn(&AccountId::new("ABC"));
        assert_eq!(
            k.scrub(r#"{"message":"account PA3X1KZ98765 not found","x":"ABC"}"#),
            r#"{"message":"account ••••8765 not found","x":"ABC"}"#
        );
    }
}
