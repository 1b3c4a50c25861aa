//! Institution search: fuzzy, case- and accent-insensitive, ranked.
//!
//! Matching is nucleo's (the Helix editor's fuzzy matcher). Haystacks are folded by nucleo's
//! config; the query is folded here too, so `Société` finds `Societe` and `societe` finds
//! `Société`. Each item may have several names (its name and aliases); the best one counts,
//! and the primary name wins ties so that an exact name outranks an alias.

use crate::catalog::{CATALOG, Institution};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

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

/// Searches the static catalog by name and aliases.
pub fn search_catalog(query: &str) -> Vec<Ranked<&'static Institution>> {
    rank(query, CATALOG.iter(), |i| {
        std::iter::once(i.name)
            .chain(i.aliases.iter().copied())
            .map(str::to_owned)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(query: &str) -> Vec<&'static str> {
        search_catalog(query)
            .into_iter()
            .map(|r| r.item.id)
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
        assert!(ids("square cash").contains(&"cashapp"));
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
        assert_eq!(all.len(), CATALOG.len());
        assert_eq!(all[0], CATALOG[0].id);
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
}
