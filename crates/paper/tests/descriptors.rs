//! A sandbox out of file descriptors: its accepts fail (EMFILE), it backs off rather than
//! ending or spinning, and it serves again once descriptors are free. A test binary of its
//! own: it lowers the whole process's descriptor limit. Linux only (`/proc/self/fd`, rlimits).

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)] // Test: a failed unwrap is a failed test.

mod common;

use common::*;
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use rustix::time::{ClockId, clock_gettime};
use std::time::Duration;

/// CPU time the whole process has used (read without a descriptor).
fn cpu_used() -> Duration {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_the_sandbox_stops_accepting_then_serves_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    assert!(s.get("/v2/account").await["cash"].is_string());
    // Sockets made while descriptors are plentiful; connecting them needs none more.
    let mut sockets = Vec::new();
    for _ in 0..32 {
        sockets.push(tokio::net::TcpSocket::new_v4().unwrap());
    }
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    let limit = getrlimit(Resource::Nofile);
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(open + 4),
            maximum: limit.maximum,
        },
    )
    .unwrap();
    let mut held = Vec::new();
    for socket in sockets {
        held.push(socket.connect(s.addr).await.unwrap());
    }
    // The server takes the few descriptors left, then its accepts fail: the table is full
    // (even listing it needs one) with connections still waiting to be accepted. Backing
    // off, the server spends next to no CPU on them (accepting again at once would spin).
    let cpu = cpu_used();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let spent = cpu_used() - cpu;
    assert!(
        spent < Duration::from_millis(500),
        "{spent:?} of CPU while out of descriptors"
    );
    let listing = std::fs::read_dir("/proc/self/fd");
    assert_eq!(
        listing.err().and_then(|e| e.raw_os_error()),
        Some(rustix::io::Errno::MFILE.raw_os_error()),
        "the descriptor table should be full"
    );
    drop(held);
    setrlimit(Resource::Nofile, limit).unwrap();
    // Within the back-off (1 s) and a little more, the sandbox answers again.
    eventually(|| async {
        let r = s.client.get(s.url("/v2/account")).send().await;
        r.is_ok_and(|r| r.status().is_success())
    })
    .await;
    s.stop().await;
}
