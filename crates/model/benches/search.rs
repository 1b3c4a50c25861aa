//! Institution search over a catalog the size of Plaid's institution list merged with ours.

use brokerdesk_model::catalog::Aggregator;
use brokerdesk_model::search::{RemoteInstitution, merge_search, rank};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn institutions(n: usize) -> Vec<String> {
    const WORDS: [&str; 12] = [
        "First",
        "National",
        "Credit",
        "Union",
        "Savings",
        "Trust",
        "Capital",
        "Société",
        "Federal",
        "Community",
        "Investment",
        "Brokerage",
    ];
    (0..n)
        .map(|i| {
            format!(
                "{} {} {} {i}",
                WORDS[i % 12],
                WORDS[(i / 12) % 12],
                WORDS[(i / 144) % 12]
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let names = institutions(5_000);
    c.bench_function("rank 5,000 institutions, fuzzy query", |b| {
        b.iter(|| {
            rank(black_box("natl credt union"), names.iter(), |n| {
                vec![n.clone()]
            })
            .len()
        })
    });
    let remotes: Vec<RemoteInstitution> = names
        .iter()
        .enumerate()
        .map(|(i, n)| RemoteInstitution {
            id: format!("ins_{i}"),
            name: n.clone(),
            aggregator: Aggregator::Plaid,
            url: None,
            logo_url: None,
            trading: Some(false),
        })
        .collect();
    c.bench_function("merge_search: catalog + 5,000 remote institutions", |b| {
        b.iter(|| merge_search(&[], black_box("natl credt union"), black_box(&remotes)).len())
    });
    c.bench_function("search_catalog", |b| {
        b.iter(|| brokerdesk_model::search::search_catalog(&[], black_box("schwab")).len())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
