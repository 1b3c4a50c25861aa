//! Institution search: fuzzy, case- and accent-insensitive, ranked.
//!
//! Matching is nucleo's (the Helix editor's fuzzy matcher). Haystacks are folded by nucleo's
//! config; the query is folded here too, so `Société` finds `Societe` and `societe` finds
//! `Société`. Each item may have several names (its name and aliases); the best one counts,
//! and the primary name wins ties so that an exact name outranks an alias.
//!
//! When an aggregator is connected, its own institution search (Plaid's, SnapTrade's
//! brokerages) is merged in with [`merge_search`]: the catalog wins over a remote hit with the
//! same name, since it knows how Brokerdesk connects and what it can show.

use crate::catalog::{Aggregator, Institution};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use serde::Serialize;
use std::collections::HashSet;

/// One result: the item and how well it matched (higher is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranked<T> {
    pub item: T,
    pub score: u32,
}

/// A primary name's match beats an alias's by this much.
const PRIMARY_NAME_BONUS: u32 = 8;

/// Ranks `items` against `query`. `names` gives each item's names, primary first. An empty
/// query keeps every item in its original order.
pub fn rank<T: Copy>(
    query: &str,
    items: impl IntoIterator<Item = T>,
    names: impl Fn(T) -> Vec<String>,
) -> Vec<Ranked<T>> {
    let folded: String = query
        .trim()
        .chars()
        .map(nucleo_matcher::chars::normalize)
        .collect();
    if folded.is_empty() {
        return items
            .into_iter()
            .map(|item| Ranked { item, score: 0 })
            .collect();
    }
    let pattern = Pattern::parse(&folded, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut ranked: Vec<(usize, Ranked<T>)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(order, item)| {
            let score = names(item)
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let s = pattern.score(Utf32Str::new(name, &mut buf), &mut matcher)?;
                    Some(if i == 0 { s + PRIMARY_NAME_BONUS } else { s })
                })
                .max()?;
            Some((order, Ranked { item, score }))
        })
        .collect();
    // Best first; equal scores keep the input order, so results are stable.
    ranked.sort_by(|(oa, a), (ob, b)| b.score.cmp(&a.score).then(oa.cmp(ob)));
    ranked.into_iter().map(|(_, r)| r).collect()
}

/// Searches the catalog by name and aliases.
pub fn search_catalog<'c>(catalog: &'c [Institution], query: &str) -> Vec<Ranked<&'c Institution>> {
    rank(query, catalog.iter(), |i| {
        std::iter::once(&i.name)
            .chain(i.aliases.iter())
            .cloned()
            .collect()
    })
}

/// An institution found by an aggregator's own search (Plaid's `/institutions/search`,
/// SnapTrade's brokerage list), not in the static catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RemoteInstitution {
    /// The aggregator's id (`ins_109508`, a SnapTrade brokerage slug).
    pub id: String,
    pub name: String,
    pub aggregator: Aggregator,
    pub url: Option<String>,
    pub logo_url: Option<String>,
    /// Whether the aggregator can place orders there; `None` when it does not say.
    pub trading: Option<bool>,
}

/// One line of the connect widget's results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "source", content = "institution")]
pub enum SearchHit<'a> {
    Catalog(&'a Institution),
    Remote(&'a RemoteInstitution),
}

/// Folds a name for de-duplication: accents and case away, only letters and digits, and the
/// corporate words that differ between lists ("Robinhood" vs "Robinhood Markets Inc.") dropped.
pub fn normalized_name(name: &str) -> String {
    const NOISE: [&str; 9] = [
        "inc",
        "llc",
        "ltd",
        "corp",
        "corporation",
        "the",
        "co",
        "plc",
        "markets",
    ];
    let folded: String = name
        .chars()
        .map(nucleo_matcher::chars::normalize)
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded
        .split_whitespace()
        .filter(|w| !NOISE.contains(w))
        .collect::<Vec<_>>()
        .concat()
}

/// Merges the catalog's hits for `query` with remote hits. A remote institution whose
/// normalized name equals a catalog entry's name or alias is dropped (the catalog wins), as is a
/// second remote with a name already seen (the first source listed wins). Results are ranked
/// by match score; on equal scores catalog entries come first, then input order. Remote hits
/// that the fuzzy matcher does not match are kept at the end: the aggregator matched them on
/// something it knows (a former name, a routing number).
pub fn merge_search<'a>(
    catalog: &'a [Institution],
    query: &str,
    remote: &'a [RemoteInstitution],
) -> Vec<Ranked<SearchHit<'a>>> {
    let mut seen: HashSet<String> = catalog
        .iter()
        .flat_map(|i| std::iter::once(&i.name).chain(i.aliases.iter()))
        .map(|n| normalized_name(n))
        .collect();
    let fresh: Vec<&RemoteInstitution> = remote
        .iter()
        .filter(|r| seen.insert(normalized_name(&r.name)))
        .collect();
    let catalog = search_catalog(catalog, query);
    let scored = rank(query, fresh.iter().copied(), |r| vec![r.name.clone()]);
    let matched: HashSet<*const RemoteInstitution> =
        scored.iter().map(|r| r.item as *const _).collect();
    // (score, catalog first, input order)
    let mut merged: Vec<(u32, u8, usize, SearchHit<'a>)> =
        Vec::with_capacity(catalog.len() + fresh.len());
    merged.extend(
        catalog
            .iter()
            .enumerate()
            .map(|(i, r)| (r.score, 0, i, SearchHit::Catalog(r.item))),
    );
    merged.extend(
        scored
            .iter()
            .enumerate()
            .map(|(i, r)| (r.score, 1, i, SearchHit::Remote(r.item))),
    );
    let unmatched = fresh
        .iter()
        .filter(|r| !matched.contains(&(**r as *const _)));
    let offset = scored.len();
    merged.extend(
        unmatched
            .enumerate()
            .map(|(i, r)| (0, 2, offset + i, SearchHit::Remote(r))),
    );
    merged.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    merged
        .into_iter()
        .map(|(score, _, _, item)| Ranked { item, score })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Capabilities, Capability, InstitutionKind};

    /// A catalog like the real one (`brokerdesk_connectors::registry`), for the algorithm.
    fn fixture() -> Vec<Institution> {
        let entry = |id: &str, name: &str, aliases: &[&str]| Institution {
            id: id.into(),
            name: name.into(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            kind: InstitutionKind::AggregatedBroker,
            sign_in: Vec::new(),
            capabilities: Capabilities {
                balances: Capability::yes(),
                positions: Capability::yes(),
                quotes: Capability::yes(),
                trading: Capability::yes(),
                transactions: Capability::yes(),
            },
            sandbox: false,
            summary: "s".into(),
        };
        vec![
            entry("paper", "Paper (local)", &["sandbox"]),
            entry("alpaca", "Alpaca", &["alpaca markets"]),
            entry("ibkr", "Interactive Brokers", &["ibkr", "ib"]),
            entry("fidelity", "Fidelity Investments", &["fidelity"]),
            entry("schwab", "Charles Schwab", &["schwab", "td ameritrade"]),
            entry("robinhood", "Robinhood", &["robin hood"]),
            entry("etrade", "E*TRADE", &["etrade", "e-trade"]),
            entry("vanguard", "Vanguard", &["vanguard group"]),
            entry("cashapp", "Cash App", &["square cash"]),
        ]
    }

    fn ids(query: &str) -> Vec<String> {
        search_catalog(&fixture(), query)
            .into_iter()
            .map(|r| r.item.id.clone())
            .collect()
    }

    #[test]
    fn exact_names_come_first() {
        assert_eq!(ids("fidelity")[0], "fidelity");
        assert_eq!(ids("Interactive Brokers")[0], "ibkr");
        assert_eq!(ids("vanguard")[0], "vanguard");
    }

    #[test]
    fn aliases_and_abbreviations_find_the_institution() {
        assert_eq!(ids("ibkr")[0], "ibkr");
        assert_eq!(ids("td ameritrade")[0], "schwab");
        assert_eq!(ids("e-trade")[0], "etrade");
        assert!(ids("square cash").contains(&"cashapp".to_owned()));
    }

    #[test]
    fn case_and_accents_do_not_matter() {
        assert_eq!(ids("ALPACA")[0], "alpaca");
        assert_eq!(ids("Vänguärd")[0], "vanguard");
        assert_eq!(ids("ròbinhóod")[0], "robinhood");
    }

    #[test]
    fn fuzzy_subsequences_match_and_nonsense_does_not() {
        assert_eq!(ids("rbnhd")[0], "robinhood");
        assert!(ids("zzzzqqq").is_empty());
    }

    #[test]
    fn empty_query_lists_everything_in_catalog_order() {
        let all = ids("  ");
        assert_eq!(all.len(), fixture().len());
        assert_eq!(all[0], fixture()[0].id);
    }

    #[test]
    fn accents_in_the_haystack_are_found_by_plain_queries() {
        let names = ["Société Générale", "Banque Populaire", "Crédit Agricole"];
        let hits = rank("societe generale", names.iter().copied(), |n| {
            vec![n.to_owned()]
        });
        assert_eq!(hits[0].item, "Société Générale");
        let hits = rank("CRÉDIT", names.iter().copied(), |n| vec![n.to_owned()]);
        assert_eq!(hits[0].item, "Crédit Agricole");
    }

    #[test]
    fn ranking_is_stable_for_equal_scores() {
        let names = ["Alpha One", "Alpha Two", "Alpha Three"];
        let hits = rank("alpha", names.iter().copied(), |n| vec![n.to_owned()]);
        let order: Vec<_> = hits.iter().map(|h| h.item).collect();
        assert_eq!(order, names);
    }

    fn remote(id: &str, name: &str, aggregator: Aggregator) -> RemoteInstitution {
        RemoteInstitution {
            id: id.into(),
            name: name.into(),
            aggregator,
            url: None,
            logo_url: None,
            trading: None,
        }
    }

    fn label(hit: &SearchHit<'_>) -> String {
        match hit {
            SearchHit::Catalog(i) => format!("catalog:{}", i.id),
            SearchHit::Remote(r) => format!("remote:{}", r.id),
        }
    }

    #[test]
    fn names_normalize_across_lists() {
        assert_eq!(normalized_name("Robinhood Markets, Inc."), "robinhood");
        assert_eq!(normalized_name("  Société  Générale "), "societegenerale");
        assert_eq!(normalized_name("E*TRADE"), normalized_name("E TRADE"));
        assert_ne!(normalized_name("Chase"), normalized_name("Charles Schwab"));
    }

    #[test]
    fn catalog_entries_win_over_remote_duplicates_and_the_first_remote_wins() {
        let remotes = vec![
            remote("ROBINHOOD", "Robinhood", Aggregator::SnapTrade),
            remote("ins_54", "Robinhood Markets Inc", Aggregator::Plaid),
            remote("ins_3", "Chase", Aggregator::Plaid),
            remote("ins_4", "Chase", Aggregator::Plaid),
            remote("ins_alias", "TD Ameritrade", Aggregator::Plaid),
        ];
        let catalog = fixture();
        let hits = merge_search(&catalog, "robinhood", &remotes);
        let labels: Vec<_> = hits.iter().map(|h| label(&h.item)).collect();
        assert_eq!(labels[0], "catalog:robinhood");
        assert!(
            !labels
                .iter()
                .any(|l| l.starts_with("remote:") && l.contains("ROBINHOOD"))
        );
        assert!(!labels.contains(&"remote:ins_54".to_owned()), "{labels:?}");
        let chase = merge_search(&catalog, "chase", &remotes);
        let chase: Vec<_> = chase.iter().map(|h| label(&h.item)).collect();
        assert!(chase.contains(&"remote:ins_3".to_owned()), "{chase:?}");
        assert!(!chase.contains(&"remote:ins_4".to_owned()), "{chase:?}");
        // An alias of a catalog entry counts as its name.
        let td = merge_search(&catalog, "td ameritrade", &remotes);
        assert!(td.iter().all(|h| label(&h.item) != "remote:ins_alias"));
        assert_eq!(label(&td[0].item), "catalog:schwab");
    }

    #[test]
    fn remote_hits_rank_among_catalog_hits_and_unmatched_ones_come_last() {
        let remotes = vec![
            remote("ins_x", "Zeta Credit Union", Aggregator::Plaid),
            remote("ins_y", "Alpacas of Peru Bank", Aggregator::Plaid),
        ];
        let catalog = fixture();
        let hits = merge_search(&catalog, "alpaca", &remotes);
        let labels: Vec<_> = hits.iter().map(|h| label(&h.item)).collect();
        assert_eq!(labels[0], "catalog:alpaca");
        let y = labels
            .iter()
            .position(|l| l == "remote:ins_y")
            .expect("matched");
        let x = labels
            .iter()
            .position(|l| l == "remote:ins_x")
            .expect("kept");
        assert!(y < x, "{labels:?}");
        assert_eq!(hits[x].score, 0);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn merging_thousands_of_remote_hits_is_fast_and_deduplicated() {
        let mut remotes: Vec<_> = (0..5_000)
            .map(|i| {
                remote(
                    &format!("ins_{i}"),
                    &format!("First Community Credit Union {}", i % 2_500),
                    Aggregator::Plaid,
                )
            })
            .collect();
        remotes.push(remote("VANGUARD", "Vanguard", Aggregator::SnapTrade));
        let catalog = fixture();
        let started = std::time::Instant::now();
        let hits = merge_search(&catalog, "community credit 12", &remotes);
        let elapsed = started.elapsed();
        let remote_ids: HashSet<_> = hits
            .iter()
            .filter_map(|h| match h.item {
                SearchHit::Remote(r) => Some(r.name.as_str()),
                SearchHit::Catalog(_) => None,
            })
            .collect();
        // 2,500 distinct names survive of 5,000; the catalog's Vanguard replaces SnapTrade's.
        assert_eq!(remote_ids.len(), 2_500);
        assert!(!remote_ids.contains("Vanguard"));
        assert_eq!(
            hits.iter()
                .filter(|h| matches!(h.item, SearchHit::Remote(_)))
                .count(),
            2_500
        );
        assert!(
            elapsed < std::time::Duration::from_secs(2),
            "merging took {elapsed:?}"
        );
    }
}
