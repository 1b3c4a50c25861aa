//! The engine bench's market round trips, for counting instructions or timing without
//! criterion. Wall-clock figures on a shared VM move by a quarter between identical runs;
//! instructions do not:
//!
//! ```sh
//! cargo build --release -p brokerdesk-paper --example round_trip_count
//! valgrind --tool=callgrind --toggle-collect='*round_trip_count*step*' \
//!     target/release/examples/round_trip_count count 2000 0     # then 12000; the difference / 10,000
//! target/release/examples/round_trip_count time                # 40 chunks of 20,000, best and median
//! target/release/examples/round_trip_count snapshot 250000      # a snapshot's cost, and a restart's
//! ```
//! (`strip = "symbols"` in the release profile: build with `CARGO_PROFILE_RELEASE_STRIP=none`
//! for callgrind to find `step`.)

#![allow(clippy::unwrap_used)] // A measuring tool: a bad argument may stop it.

#[path = "../benches/workload/mod.rs"]
mod workload;

use brokerdesk_paper::engine::{Command, Engine, EngineLists, EngineSnapshot, Event};
use std::time::Instant;

/// One command applied and the previous command's events dropped: what callgrind counts.
/// One event vector throughout, as the exchange keeps one per request.
#[inline(never)]
fn step(e: &mut Engine, c: Command, out: &mut Vec<Event>) -> usize {
    out.clear();
    e.apply_into(c, out);
    out.len()
}

/// Applies each command in turn; returns how many events they made.
fn apply_all(e: &mut Engine, commands: Vec<Command>) -> usize {
    let mut out = Vec::new();
    commands.into_iter().map(|c| step(e, c, &mut out)).sum()
}

fn count(round_trips: u64, resting: u128) {
    let (mut e, t) = workload::base(resting);
    let events = apply_all(&mut e, workload::round_trips(t, 1, round_trips));
    assert_eq!(events as u64, 4 * round_trips);
}

/// Wall clock per chunk (a fresh copy of the engine each), best and median of 40: noise on a
/// shared machine only ever slows a chunk, so the best is the steadiest figure.
fn time(resting: u128) {
    let (start, t) = workload::base(resting);
    let mut rates: Vec<f64> = (0..40)
        .map(|_| {
            let mut e = start.clone();
            let commands = workload::round_trips(t, 1, 20_000);
            let clock = Instant::now();
            let events = apply_all(&mut e, commands);
            events as f64 / clock.elapsed().as_secs_f64() / 1e6
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    println!(
        "{resting} resting: best {:.3}, median {:.3} M events/s",
        rates[rates.len() - 1],
        rates[rates.len() / 2]
    );
}

/// What a snapshot costs after `round_trips` (two orders each): on the exchange thread, the
/// copy it used to take (`snapshot`) against the shared image (`image`); on the snapshot
/// thread, encoding the image as one JSON document (until the twenty-second round) against its
/// head as JSON and its orders and fills in the binary layout (now): alone (into `io::sink`,
/// best of five), streamed into a synced file; and a restart's reading it back.
fn snapshot(round_trips: u64) {
    let (mut e, t) = workload::base(0);
    apply_all(&mut e, workload::round_trips(t, 1, round_trips));
    let clock = Instant::now();
    let copy = e.snapshot();
    let copied = clock.elapsed();
    let clock = Instant::now();
    let image = e.image();
    let shared = clock.elapsed();
    let json = |out: &mut dyn std::io::Write| serde_json::to_writer(out, &image).unwrap();
    let binary = |out: &mut dyn std::io::Write| {
        serde_json::to_writer(&mut *out, image.head()).unwrap();
        image.write_lists(out).unwrap();
    };
    let text = serde_json::to_string(&image).unwrap();
    assert_eq!(text.len(), serde_json::to_string(&copy).unwrap().len());
    let head = serde_json::to_vec(image.head()).unwrap();
    let mut lists = Vec::new();
    image.write_lists(&mut lists).unwrap();
    println!(
        "{} orders: copy {copied:?}, image {shared:?}",
        2 * round_trips
    );
    let restore_json = || Engine::restore(serde_json::from_str::<EngineSnapshot>(&text).unwrap());
    let restore_binary = || {
        let head = serde_json::from_slice(&head).unwrap();
        Engine::restore_image(head, EngineLists::read(&lists).unwrap())
    };
    let (json_restores, binary_restores) =
        (restores(&e, restore_json), restores(&e, restore_binary));
    for (name, encode, bytes, restored) in [
        (
            "one JSON document",
            &json as &dyn Fn(&mut dyn std::io::Write),
            text.len(),
            json_restores,
        ),
        (
            "JSON head, binary lists",
            &binary,
            head.len() + lists.len(),
            binary_restores,
        ),
    ] {
        let alone = (0..5)
            .map(|_| {
                let clock = Instant::now();
                encode(&mut std::io::sink());
                clock.elapsed()
            })
            .min()
            .unwrap();
        // What the snapshot thread does: the encoding streamed into a file, synced.
        let dir = tempfile::tempdir().unwrap();
        let clock = Instant::now();
        let file = std::fs::File::create(dir.path().join("image")).unwrap();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        encode(&mut out);
        out.into_inner().unwrap().sync_all().unwrap();
        let streamed = clock.elapsed();
        println!(
            "  {name}: encoding alone {alone:?}, streamed to a synced file {streamed:?}, {} MB; \
             read back and restored {:?} the first time, {:?} at best",
            bytes >> 20,
            restored[0],
            restored.iter().min().unwrap()
        );
    }
}

/// Three restores, each checked equal to `saved`. The first time takes its memory fresh from
/// the kernel, as a restarted process does; later ones reuse it.
fn restores(saved: &Engine, restore: impl Fn() -> Engine) -> Vec<std::time::Duration> {
    (0..3)
        .map(|_| {
            let clock = Instant::now();
            let back = restore();
            let took = clock.elapsed();
            assert!(back == *saved, "the restored engine is the one saved");
            took
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["count", n, resting] => count(n.parse().unwrap(), resting.parse().unwrap()),
        ["snapshot", n] => snapshot(n.parse().unwrap()),
        ["time"] => {
            time(0);
            time(1_000);
        }
        _ => eprintln!(
            "usage: round_trip_count count ROUND_TRIPS RESTING | time | snapshot ROUND_TRIPS"
        ),
    }
}

/// The allocator the shipped binaries use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
