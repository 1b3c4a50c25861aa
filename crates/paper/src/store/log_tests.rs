//! The segment files under crashes, damage, snapshots and a second process.

use super::*;
use crate::store::{Durability, Journal};

fn entry(n: u8) -> (Vec<u8>, Vec<u8>) {
    (vec![n; 5], vec![n, n])
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(parse_segment_name)
                .is_some()
        })
        .collect();
    v.sort();
    v
}

/// A log holding two one-entry batches, and its segment.
fn two_batches() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(dir.path(), 0, false).unwrap();
    log.append(&[entry(1)]).unwrap();
    log.append(&[entry(2)]).unwrap();
    let path = segments(dir.path())[0].clone();
    (dir, path)
}

fn read_all(log: &Log, after: i64) -> Vec<(i64, Vec<u8>)> {
    let mut out = Vec::new();
    log.read(after, |e| {
        out.push((e.seq, e.command));
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn batches_read_back_in_order_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut log = Log::open(dir.path(), 0, true).unwrap();
        assert_eq!(log.append(&[entry(1), entry(2)]).unwrap(), 2);
        assert_eq!(log.append(&[entry(3)]).unwrap(), 3);
        assert_eq!(log.append(&[]).unwrap(), 3);
    }
    let mut log = Log::open(dir.path(), 0, true).unwrap();
    assert_eq!(log.last(), 3);
    assert_eq!(
        read_all(&log, 1),
        vec![(2, vec![2; 5]), (3, vec![3; 5])],
        "entries after 1"
    );
    assert_eq!(log.append(&[entry(4)]).unwrap(), 4);
    assert_eq!(read_all(&log, 0).len(), 4);
}

#[test]
fn a_new_log_numbers_after_the_rows_it_continues() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(dir.path(), 41, false).unwrap();
    assert_eq!(log.last(), 41);
    assert_eq!(log.append(&[entry(1)]).unwrap(), 42);
    assert_eq!(segments(dir.path()).len(), 1);
    assert!(
        segments(dir.path())[0].ends_with(segment_name(42)),
        "{:?}",
        segments(dir.path())
    );
}

/// A crash mid-write: the last frame is cut short. Opening drops it (it was never
/// acknowledged), keeps its bytes aside, and the next batch takes its numbers.
#[test]
fn a_torn_last_frame_is_cut_off_and_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = {
        let mut log = Log::open(dir.path(), 0, true).unwrap();
        log.append(&[entry(1)]).unwrap();
        log.append(&[entry(2), entry(3)]).unwrap();
        segments(dir.path())[0].clone()
    };
    let whole = std::fs::read(&path).unwrap();
    for cut in [1, 9, 20] {
        std::fs::write(&path, &whole[..whole.len() - cut]).unwrap();
        let mut log = Log::open(dir.path(), 0, true).unwrap();
        assert_eq!(log.last(), 1, "cut {cut}");
        assert_eq!(read_all(&log, 0), vec![(1, vec![1; 5])]);
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains(".cut-"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert_eq!(log.append(&[entry(9)]).unwrap(), 2);
        drop(log);
        assert_eq!(
            read_all(&Log::open(dir.path(), 0, true).unwrap(), 0).len(),
            2
        );
        for n in &aside {
            std::fs::remove_file(dir.path().join(n)).unwrap();
        }
        std::fs::write(&path, &whole).unwrap();
    }
}

/// A last frame whose bytes are all there but wrong (a torn page) is cut off too.
#[test]
fn a_last_frame_with_a_bad_checksum_is_torn() {
    let (dir, path) = two_batches();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let log = Log::open(dir.path(), 0, false).unwrap();
    assert_eq!(log.last(), 1);
}

/// Damage before the end is not a crash: opening refuses, names the file and the byte, and
/// changes nothing on disk.
#[test]
fn damage_before_the_end_is_refused_and_left_alone() {
    let (dir, path) = two_batches();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[HEADER + HEADER + 2] ^= 0xff; // inside the first frame's payload
    std::fs::write(&path, &bytes).unwrap();
    let err = Log::open(dir.path(), 0, false).err().unwrap();
    assert!(
        matches!(&err, StoreError::Damaged { offset, .. } if *offset == HEADER as u64),
        "{err}"
    );
    assert!(err.to_string().contains("checksum"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_file_that_is_not_a_segment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(segment_name(1)),
        b"hello, this is not a log",
    )
    .unwrap();
    // Names that only look alike are not segments.
    std::fs::write(dir.path().join("journal-12x.log"), b"x").unwrap();
    let err = Log::open(dir.path(), 0, false).err().unwrap();
    assert!(err.to_string().contains("not a journal segment"), "{err}");
}

/// A frame with a valid checksum but an impossible shape (a count larger than its bytes) is
/// damage, read without allocating what the count claims.
#[test]
fn a_frame_that_lies_about_its_count_is_damage() {
    let mut payload = vec![FRAME_V1];
    payload.extend_from_slice(&1i64.to_le_bytes());
    payload.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode_payload(&payload).is_none());
    payload.truncate(9);
    payload.extend_from_slice(&1u32.to_le_bytes());
    payload.extend_from_slice(&1000u32.to_le_bytes()); // a part longer than the frame
    payload.extend_from_slice(&[0; 8]);
    assert!(decode_payload(&payload).is_none());
    let mut ok = vec![FRAME_V1];
    ok.extend_from_slice(&7i64.to_le_bytes());
    ok.extend_from_slice(&1u32.to_le_bytes());
    ok.extend_from_slice(&1u32.to_le_bytes());
    ok.push(5);
    ok.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(decode_payload(&ok), Some((7, vec![(vec![5], vec![])])));
}

#[test]
fn a_snapshot_rotates_and_later_drops_what_it_covers() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(dir.path(), 0, true).unwrap();
    log.append(&[entry(1), entry(2), entry(3)]).unwrap();
    // The image covers 2: the segment holding 1..3 must stay (3 is not covered).
    log.rotate_and_prune(2).unwrap();
    assert_eq!(segments(dir.path()).len(), 2);
    log.append(&[entry(4)]).unwrap();
    assert_eq!(read_all(&log, 0).len(), 4);
    log.rotate_and_prune(4).unwrap();
    let left = segments(dir.path());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(segment_name(5)));
    // An empty newest segment is not rotated again.
    log.rotate_and_prune(4).unwrap();
    assert_eq!(segments(dir.path()).len(), 1);
    assert_eq!(log.append(&[entry(5)]).unwrap(), 5);
    drop(log);
    let log = Log::open(dir.path(), 0, true).unwrap();
    assert_eq!(read_all(&log, 4), vec![(5, vec![5; 5])]);
}

/// A segment deleted by hand leaves a hole: replay refuses instead of skipping orders.
#[test]
fn a_missing_segment_is_a_gap_not_a_skip() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(dir.path(), 0, false).unwrap();
    log.append(&[entry(1)]).unwrap();
    log.rotate_and_prune(0).unwrap();
    log.append(&[entry(2)]).unwrap();
    log.rotate_and_prune(0).unwrap();
    log.append(&[entry(3)]).unwrap();
    drop(log);
    std::fs::remove_file(&segments(dir.path())[1]).unwrap();
    let log = Log::open(dir.path(), 0, false).unwrap();
    let err = log.read(0, |_| Ok(())).err().unwrap();
    assert!(err.to_string().contains("skip"), "{err}");
}

/// Two sandboxes appending to one journal would interleave their batches: the second is
/// refused while the first has it open, and gets it once the first closed it.
#[test]
fn one_process_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
    let err = Journal::open_dir(dir.path(), Durability::Normal)
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    drop(first);
    Journal::open_dir(dir.path(), Durability::Normal).unwrap();
}
