//! Batch verification: stream inputs (files, directories, list files), verify them in parallel
//! with exactly the single-document code path, and hand each report to a sink as it completes.
//! Memory stays flat: inputs are enumerated lazily and reports are not collected.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::iter::{ParallelBridge, ParallelIterator};
use serde::Serialize;

use crate::report::{DocumentReport, Reason, Status};
use crate::trust::TrustConfig;
use crate::{Error, verify_file};

/// One input as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a directory walked recursively.
    Path(PathBuf),
    /// A text file with one path per line (`@list.txt`).
    List(PathBuf),
    /// Paths read from standard input, one per line (`-`).
    Stdin,
}

impl Input {
    /// Interprets a command-line argument: `-`, `@FILE`, or a path.
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else if let Some(list) = arg.strip_prefix('@') {
            Input::List(PathBuf::from(list))
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// A stable slice of the inputs: those whose path hashes to `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based, as Kubernetes Indexed Jobs number their pods.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 0 <= K < N.
    pub fn parse(s: &str) -> Result<Shard, Error> {
        let bad = || {
            Error::Invalid(format!(
                "--shard '{s}': expected K/N with 0 <= K < N, e.g. 0/4"
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard owns `path` (FNV-1a of the path as given: stable across machines).
    pub fn owns(&self, path: &Path) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in path.to_string_lossy().as_bytes() {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h % self.count as u64 == self.index as u64
    }
}

/// An input that could be enumerated, or the reason it could not.
pub type Entry = Result<PathBuf, (PathBuf, String)>;

/// Lazily enumerates every document path of `inputs`, in order: directories depth-first with
/// sorted entries, list files line by line. Problems become `Err` entries (reported, not skipped).
pub fn enumerate(inputs: Vec<Input>) -> impl Iterator<Item = Entry> + Send {
    let mut pending: Vec<Source> = inputs.into_iter().rev().map(Source::Input).collect();
    std::iter::from_fn(move || {
        loop {
            match pending.pop()? {
                Source::Input(Input::Path(p)) => match std::fs::metadata(&p) {
                    Ok(m) if m.is_dir() => match read_dir_sorted(&p) {
                        Ok(children) => pending.extend(
                            children
                                .into_iter()
                                .rev()
                                .map(|c| Source::Input(Input::Path(c))),
                        ),
                        Err(e) => return Some(Err((p, format!("cannot read the directory: {e}")))),
                    },
                    Ok(_) => return Some(Ok(p)),
                    Err(e) => return Some(Err((p, e.to_string()))),
                },
                Source::Input(Input::List(p)) => match std::fs::File::open(&p) {
                    Ok(f) => pending.push(Source::Lines(
                        p,
                        Box::new(std::io::BufReader::new(f).lines()),
                    )),
                    Err(e) => return Some(Err((p, format!("cannot read the list: {e}")))),
                },
                Source::Input(Input::Stdin) => {
                    pending.push(Source::Lines(
                        PathBuf::from("-"),
                        Box::new(std::io::BufReader::new(std::io::stdin()).lines()),
                    ));
                }
                Source::Lines(name, mut lines) => match lines.next() {
                    None => {}
                    Some(Err(e)) => return Some(Err((name, format!("cannot read the list: {e}")))),
                    Some(Ok(line)) => {
                        pending.push(Source::Lines(name, lines));
                        let t = line.trim();
                        if !t.is_empty() && !t.starts_with('#') {
                            pending.push(Source::Input(Input::Path(PathBuf::from(t))));
                        }
                    }
                },
            }
        }
    })
}

enum Source {
    Input(Input),
    Lines(
        PathBuf,
        Box<dyn Iterator<Item = std::io::Result<String>> + Send>,
    ),
}

fn read_dir_sorted(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

/// Totals of a batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub documents: u64,
    pub signatures: u64,
    pub bytes: u64,
    pub by_status: BTreeMap<String, u64>,
    /// Signatures by signer kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Documents that did not pass, by reason.
    pub by_reason: BTreeMap<String, u64>,
    pub seconds: f64,
    pub documents_per_second: f64,
    /// The first [`NOT_PASSED_LISTED`] documents that did not pass, in completion order.
    pub not_passed: Vec<NotPassed>,
    /// How many documents did not pass (all of them, listed or not).
    pub not_passed_count: u64,
}

/// How many documents that did not pass a [`Summary`] names.
pub const NOT_PASSED_LISTED: usize = 20;

/// A document that did not pass, as named in a [`Summary`].
#[derive(Debug, Clone, Serialize)]
pub struct NotPassed {
    /// The path as reported.
    pub file: String,
    /// `failed`, `indeterminate` or `error`.
    pub status: Status,
    /// The document's reason code.
    pub reason: Reason,
    /// The document's human explanation.
    pub message: String,
}

impl Summary {
    fn add(&mut self, r: &DocumentReport, bytes: u64) {
        self.documents += 1;
        self.bytes += bytes;
        *self
            .by_status
            .entry(r.status.as_str().to_string())
            .or_default() += 1;
        if r.status != Status::Passed {
            *self.by_reason.entry(r.reason.to_string()).or_default() += 1;
            self.not_passed_count += 1;
            if self.not_passed.len() < NOT_PASSED_LISTED {
                self.not_passed.push(NotPassed {
                    file: r.file.clone(),
                    status: r.status,
                    reason: r.reason,
                    message: r.message.clone(),
                });
            }
        }
        for s in &r.signatures {
            self.signatures += 1;
            let kind = s
                .signer
                .as_ref()
                .map(|k| k.kind.as_str().to_string())
                .unwrap_or_else(|| "unknown".into());
            *self.by_kind.entry(kind).or_default() += 1;
        }
    }

    /// Whether every document passed (and there was at least one).
    pub fn all_passed(&self) -> bool {
        self.documents > 0 && self.by_status.get("passed").copied().unwrap_or(0) == self.documents
    }
}

/// Verifies every entry on `jobs` threads (0: all cores), calling `sink` on the calling thread
/// with each report as it completes (in completion order). `progress` is called after each
/// document with the running count.
pub fn verify_batch(
    entries: impl Iterator<Item = Entry> + Send,
    shard: Option<Shard>,
    trust: &TrustConfig,
    jobs: usize,
    mut sink: impl FnMut(&DocumentReport) -> Result<(), Error>,
    mut progress: impl FnMut(u64),
) -> Result<Summary, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start worker threads: {e}")))?;
    let start = Instant::now();
    // A bounded channel keeps memory flat when the sink is slower than the workers.
    let (tx, rx) = mpsc::sync_channel::<(DocumentReport, u64)>(256);
    let mut summary = Summary::default();
    let mut failure = None;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            pool.install(|| {
                entries
                    .filter(|e| match (e, shard) {
                        (_, None) => true,
                        (Ok(p), Some(s)) | (Err((p, _)), Some(s)) => s.owns(p),
                    })
                    .par_bridge()
                    .for_each_with(tx, |tx, entry| {
                        let (report, bytes) = match entry {
                            Ok(path) => {
                                let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                                (verify_file(&path, trust), bytes)
                            }
                            Err((path, why)) => (
                                DocumentReport::error(
                                    &path.display().to_string(),
                                    crate::Format::Unknown,
                                    why,
                                ),
                                0,
                            ),
                        };
                        // The receiver only goes away after a sink error; stop quietly then.
                        let _ = tx.send((report, bytes));
                    });
            });
        });
        for (report, bytes) in rx.iter() {
            if failure.is_none() {
                summary.add(&report, bytes);
                if let Err(e) = sink(&report) {
                    failure = Some(e);
                }
                progress(summary.documents);
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let elapsed: Duration = start.elapsed();
    summary.seconds = elapsed.as_secs_f64();
    summary.documents_per_second = if summary.seconds > 0.0 {
        summary.documents as f64 / summary.seconds
    } else {
        0.0
    };
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for i in 0..300 {
            let p = PathBuf::from(format!("incoming/{i}.pdf"));
            assert_eq!(shards.iter().filter(|s| s.owns(&p)).count(), 1);
        }
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(Shard::parse("2/5").ok(), Some(Shard { index: 2, count: 5 }));
    }

    #[test]
    fn inputs_parse() {
        assert_eq!(Input::parse("-"), Input::Stdin);
        assert_eq!(Input::parse("@a.txt"), Input::List("a.txt".into()));
        assert_eq!(Input::parse("dir"), Input::Path("dir".into()));
    }
}

/// The outcome of signing one file in [`sign_files`].
#[derive(Debug)]
pub struct Signed {
    pub input: PathBuf,
    pub output: PathBuf,
    pub result: Result<(), Error>,
}

/// Threads that write, sync and rename signed outputs, so that no signing thread waits on the
/// disk (concurrent fsyncs are also merged by the file system's journal).
const WRITERS: usize = 8;

/// Signs many files with one signing function (one key load, one prompt): each input is read
/// and signed on `jobs` threads (0: one per core), then written atomically (temporary file,
/// fsync, rename) to its output by a separate set of writer threads. `done` is called on the
/// calling thread as each file completes; a failure does not stop the others. Returns (signed,
/// failed) counts.
pub fn sign_files(
    pairs: Vec<(PathBuf, PathBuf)>,
    jobs: usize,
    sign: impl Fn(&[u8]) -> Result<Vec<u8>, Error> + Sync,
    mut done: impl FnMut(&Signed),
) -> Result<(u64, u64), Error> {
    let jobs = if jobs == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start worker threads: {e}")))?;
    type Work = (PathBuf, PathBuf, Result<Vec<u8>, Error>);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(2 * WRITERS);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (tx, rx) = mpsc::sync_channel::<Signed>(64);
    let (mut ok, mut failed) = (0u64, 0u64);
    std::thread::scope(|scope| {
        let sign = &sign;
        scope.spawn(move || {
            pool.install(|| {
                pairs.into_iter().par_bridge().for_each_with(
                    work_tx,
                    |work_tx, (input, output)| {
                        let signed = crate::io::read_file(&input).and_then(|data| sign(&data));
                        let _ = work_tx.send((input, output, signed));
                    },
                );
            });
        });
        for _ in 0..WRITERS {
            let tx = tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((input, output, signed)) = next else {
                        return;
                    };
                    let result =
                        signed.and_then(|bytes| crate::io::write_atomically(&output, &bytes));
                    let _ = tx.send(Signed {
                        input,
                        output,
                        result,
                    });
                }
            });
        }
        drop(tx);
        for s in rx.iter() {
            if s.result.is_ok() {
                ok += 1;
            } else {
                failed += 1;
            }
            done(&s);
        }
    });
    Ok((ok, failed))
}
