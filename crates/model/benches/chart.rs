//! The net worth chart: 5 years of daily points for 10 accounts, series → SVG (layout with
//! M4 downsampling to the pixel width, ticks, and the SVG text). Budget: 100 ms.

use brokerdesk_model::chart::{layout, to_svg};
use brokerdesk_model::net_worth::EquityPoint;
use chrono::{DateTime, Duration, FixedOffset};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::hint::black_box;

fn series_to_svg(c: &mut Criterion) {
    let start = DateTime::from_timestamp(1_638_576_000, 0).expect("a time"); // 2021-12-04
    let end = start + Duration::days(5 * 365 + 1);
    let lines: Vec<Vec<EquityPoint>> = (0..10)
        .map(|a| {
            (0..=5 * 365 + 1)
                .map(|d| EquityPoint {
                    time: start + Duration::days(d),
                    equity: Decimal::new(10_000_000 + ((d * 7919 + a * 131) % 100_000), 2),
                })
                .collect()
        })
        .collect();
    let utc = FixedOffset::east_opt(0).expect("UTC");
    c.bench_function(
        "net worth chart: 10 accounts × 5 y daily → SVG (800 px)",
        |b| {
            b.iter(|| {
                let refs: Vec<&[EquityPoint]> = lines.iter().map(Vec::as_slice).collect();
                let l = layout(black_box(&refs), start, end, 800.0, 240.0, utc);
                black_box(to_svg(&l))
            })
        },
    );
}

criterion_group!(benches, series_to_svg);
criterion_main!(benches);
