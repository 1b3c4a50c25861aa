//! Cold start to first paint and idle memory of the release app, against a hello-world Tauri +
//! Yew app built the same way (`benches/startup/hello`), side by side in one run, under Xvfb.
//!
//! `scripts/measure-startup.sh` builds both and runs this with `BROKERDESK_BENCH_APP` and
//! `BROKERDESK_BENCH_HELLO` naming the two release binaries (and `BROKERDESK_BENCH_RUNS`, 7 by
//! default). Each run starts the app on a fresh data dir through tauri-driver, times from the
//! session request to the first element of its first page (Brokerdesk: the paper account's cash
//! on Accounts; hello: its heading), waits idle, then sums the proportional set size (PSS) of
//! the app and its WebKit processes. The two apps alternate, run by run, and the medians and
//! their ratios are printed.

use brokerdesk_e2e::{PAPER_CASH, connect, start_driver};
use fantoccini::Locator;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long an app sits idle before its memory is read.
const IDLE: Duration = Duration::from_secs(8);

struct Sample {
    first_paint: Duration,
    pss_kib: u64,
}

/// PSS of one process from `/proc/<pid>/smaps_rollup`, in KiB.
fn pss_kib(pid: &str) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The app and the WebKit processes it started (not tauri-driver or WebKitWebDriver, which
/// carry the same tag).
fn app_memory_kib(tag: &str, app: &Path) -> (u64, Vec<String>) {
    let mut total = 0;
    let mut counted = Vec::new();
    for pid in brokerdesk_e2e::tagged_processes(tag) {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim();
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        let ours = exe == app || (comm.starts_with("WebKit") && comm != "WebKitWebDriver");
        if ours && let Some(kib) = pss_kib(&pid) {
            total += kib;
            counted.push(comm.to_owned());
        }
    }
    (total, counted)
}

async fn one_run(app: &Path, first_element: &str) -> Sample {
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(&data_root.path().join("data"), &[]);
    let started = Instant::now();
    let client = connect(&driver, app).await;
    client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(first_element))
        .await
        .unwrap_or_else(|e| panic!("{}: {first_element} never appeared: {e}", app.display()));
    let first_paint = started.elapsed();
    tokio::time::sleep(IDLE).await;
    let (pss_kib, counted) = app_memory_kib(driver.tag(), app);
    assert!(
        counted.len() >= 2,
        "{}: the app and its web process should be counted, got {counted:?}",
        app.display()
    );
    let _ = client.close().await;
    Sample {
        first_paint,
        pss_kib,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn binary(var: &str) -> PathBuf {
    let path = PathBuf::from(
        std::env::var_os(var).unwrap_or_else(|| panic!("{var} must name a release binary")),
    );
    assert!(path.is_file(), "{} is not a file", path.display());
    path
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var_os("BROKERDESK_BENCH_APP").is_none() {
        eprintln!("startup: BROKERDESK_BENCH_APP not set; run scripts/measure-startup.sh");
        return;
    }
    let app = binary("BROKERDESK_BENCH_APP");
    let hello = binary("BROKERDESK_BENCH_HELLO");
    let runs: usize = std::env::var("BROKERDESK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    // One warm-up each (page cache), not counted.
    one_run(&app, PAPER_CASH).await;
    one_run(&hello, "#hello").await;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let a = one_run(&app, PAPER_CASH).await;
        let h = one_run(&hello, "#hello").await;
        println!(
            "run {}: brokerdesk {:>6.0} ms {:>7} KiB | hello {:>6.0} ms {:>7} KiB",
            i + 1,
            a.first_paint.as_secs_f64() * 1e3,
            a.pss_kib,
            h.first_paint.as_secs_f64() * 1e3,
            h.pss_kib
        );
        ours.push(a);
        base.push(h);
    }
    let ms = |s: &[Sample]| {
        median(
            s.iter()
                .map(|x| x.first_paint.as_secs_f64() * 1e3)
                .collect(),
        )
    };
    let mib = |s: &[Sample]| median(s.iter().map(|x| x.pss_kib as f64 / 1024.0).collect());
    let (a_ms, h_ms, a_mib, h_mib) = (ms(&ours), ms(&base), mib(&ours), mib(&base));
    println!(
        "median first paint: brokerdesk {a_ms:.0} ms, hello {h_ms:.0} ms, ratio {:.2}x",
        a_ms / h_ms
    );
    println!(
        "median idle PSS (app + WebKit): brokerdesk {a_mib:.1} MiB, hello {h_mib:.1} MiB, ratio {:.2}x",
        a_mib / h_mib
    );
}
