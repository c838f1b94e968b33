//! Digests of several byte-range sets over one buffer, hashing shared bytes once.
//!
//! A PDF with several signatures has nested byte ranges: each later signature covers the
//! earlier revisions, including the earlier signatures' `/Contents` holes. Hashing every
//! signature's ranges separately reads the common prefix once per signature. Here the
//! buffer is walked once, interval by interval; signatures whose digest states are equal
//! (same algorithm, same bytes so far) share one context, and the context is forked (cloned)
//! only where their ranges diverge. For the usual incremental layout the bytes hashed are
//! the file plus the small tails between a signature's hole and its revision end.

use std::ops::Range;

use kyso_pki::DigestAlgorithm;

/// One digest to compute: an algorithm over the concatenation of `ranges` (in order,
/// non-overlapping, ascending).
#[derive(Debug, Clone)]
pub struct DigestJob {
    pub algorithm: DigestAlgorithm,
    pub ranges: Vec<Range<usize>>,
}

struct Group {
    ctx: kyso_pki::algorithm::DigestContext,
    members: Vec<usize>,
}

/// Computes every job's digest over `data`. Ranges beyond `data` are clipped (callers
/// validate ranges first). The result is in job order.
pub fn digest_all(data: &[u8], jobs: &[DigestJob]) -> Vec<Vec<u8>> {
    digest_all_counted(data, jobs).0
}

/// [`digest_all`], also returning how many bytes were fed to digest contexts in all.
fn digest_all_counted(data: &[u8], jobs: &[DigestJob]) -> (Vec<Vec<u8>>, usize) {
    let mut hashed = 0usize;
    let clip = |r: &Range<usize>| r.start.min(data.len())..r.end.min(data.len());
    let mut bounds: Vec<usize> = jobs
        .iter()
        .flat_map(|j| j.ranges.iter().map(clip))
        .flat_map(|r| [r.start, r.end])
        .collect();
    bounds.sort_unstable();
    bounds.dedup();

    // One group per algorithm to start with.
    let mut groups: Vec<Group> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|g| g.members.first().map(|m| jobs[*m].algorithm) == Some(job.algorithm))
        {
            Some(g) => g.members.push(i),
            None => groups.push(Group {
                ctx: job.algorithm.context(),
                members: vec![i],
            }),
        }
    }

    let covers = |job: &DigestJob, iv: &Range<usize>| {
        job.ranges
            .iter()
            .map(clip)
            .any(|r| r.start <= iv.start && iv.end <= r.end)
    };
    for w in bounds.windows(2) {
        let iv = w[0]..w[1];
        let Some(bytes) = data.get(iv.clone()) else {
            continue;
        };
        let mut forks = Vec::new();
        for g in &mut groups {
            let (inside, outside): (Vec<usize>, Vec<usize>) =
                g.members.iter().partition(|m| covers(&jobs[**m], &iv));
            if inside.is_empty() {
                continue;
            }
            hashed += bytes.len();
            if outside.is_empty() {
                g.ctx.update(bytes);
                continue;
            }
            // Diverging here: the covering members continue on a copy of the state.
            let mut ctx = g.ctx.clone();
            ctx.update(bytes);
            g.members = outside;
            forks.push(Group {
                ctx,
                members: inside,
            });
        }
        groups.extend(forks);
    }

    let mut out = vec![Vec::new(); jobs.len()];
    for g in groups {
        let digest = g.ctx.finish();
        for m in g.members {
            if let Some(slot) = out.get_mut(m) {
                *slot = digest.as_ref().to_vec();
            }
        }
    }
    (out, hashed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(data: &[u8], job: &DigestJob) -> Vec<u8> {
        let mut ctx = job.algorithm.context();
        for r in &job.ranges {
            ctx.update(&data[r.clone()]);
        }
        ctx.finish().as_ref().to_vec()
    }

    #[test]
    fn nested_signatures_match_separate_hashing() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + 3) as u8).collect();
        let jobs = vec![
            // First signature: hole 1000..1500, revision ends at 2000.
            DigestJob {
                algorithm: DigestAlgorithm::Sha256,
                ranges: vec![0..1000, 1500..2000],
            },
            // Second: covers the first, hole 5000..5600, ends at 6000.
            DigestJob {
                algorithm: DigestAlgorithm::Sha256,
                ranges: vec![0..5000, 5600..6000],
            },
            // Third, another algorithm, whole file minus a hole.
            DigestJob {
                algorithm: DigestAlgorithm::Sha384,
                ranges: vec![0..8000, 8500..10_000],
            },
            // Same ranges as the first: shares its state to the end.
            DigestJob {
                algorithm: DigestAlgorithm::Sha256,
                ranges: vec![0..1000, 1500..2000],
            },
            // Odd layout: hole at the start.
            DigestJob {
                algorithm: DigestAlgorithm::Sha256,
                ranges: vec![10..20, 30..9000],
            },
        ];
        let got = digest_all(&data, &jobs);
        for (job, digest) in jobs.iter().zip(&got) {
            assert_eq!(digest, &direct(&data, job));
        }
    }

    #[test]
    fn shared_prefix_is_hashed_once() {
        let data = vec![0x5au8; 100_000];
        // Two signatures in the incremental layout: the second covers the first's revision.
        let jobs = vec![
            DigestJob {
                algorithm: DigestAlgorithm::Sha256,
                ranges: vec![0..60_000, 61_000..62_000],
            },
            DigestJob {
                algorithm: DigestAlgorithm::Sha256,
                ranges: vec![0..99_000, 99_500..100_000],
            },
        ];
        let (got, hashed) = digest_all_counted(&data, &jobs);
        assert_eq!(got[0], direct(&data, &jobs[0]));
        assert_eq!(got[1], direct(&data, &jobs[1]));
        // Every byte once, plus the first signature's 1000-byte tail after its hole, which
        // both digests need after they diverged: 99_500 + 1_000, not 61_000 + 99_500.
        assert_eq!(hashed, 99_500 + 1_000);
    }

    #[test]
    fn out_of_range_is_clipped_not_panicking() {
        let data = b"abcdef";
        let jobs = vec![DigestJob {
            algorithm: DigestAlgorithm::Sha256,
            ranges: vec![0..3, 4..100],
        }];
        let got = digest_all(data, &jobs);
        let mut ctx = DigestAlgorithm::Sha256.context();
        ctx.update(b"abc");
        ctx.update(b"ef");
        assert_eq!(got[0], ctx.finish().as_ref());
        assert_eq!(digest_all(data, &[]), Vec::<Vec<u8>>::new());
    }
}
