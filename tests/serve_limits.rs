//! `kyso serve` at its limits: bodies over the limit refused before they are read (declared or
//! chunked), many clients at once, uploads dropped halfway, SIGTERM under load, and SIGKILL in
//! the middle of signing. The real binary on a loopback port; every loop bounded in count and
//! time, no timing assertions.

mod common;

use common::server::*;
use common::signing::*;
use common::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

// ------------------------------------------------------------------ a tolerant client

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.set_write_timeout(Some(Duration::from_secs(60)))?;
    Ok(s)
}

/// A request head; chunked when `length` is `None`.
fn head(method: &str, target: &str, headers: &[(&str, &str)], length: Option<usize>) -> Vec<u8> {
    let mut h = format!("{method} {target} HTTP/1.1\r\nHost: kyso\r\nConnection: close\r\n");
    match length {
        Some(n) => h.push_str(&format!("Content-Length: {n}\r\n")),
        None => h.push_str("Transfer-Encoding: chunked\r\n"),
    }
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h.into_bytes()
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut c = format!("{:x}\r\n", data.len()).into_bytes();
    c.extend_from_slice(data);
    c.extend_from_slice(b"\r\n");
    c
}

/// The headers of an answer, names in lower case.
type Headers = Vec<(String, String)>;

/// The status line and headers of `raw`, and where the body starts; interim 1xx answers
/// (100 Continue) are skipped.
fn parse_head(raw: &[u8]) -> Option<(u16, Headers, usize)> {
    let mut at = 0;
    for _ in 0..8 {
        let rest = raw.get(at..)?;
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n")?;
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        let mut lines = text.split("\r\n");
        let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        if (100..200).contains(&status) {
            at += end + 4;
            continue;
        }
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        return Some((status, headers, at + end + 4));
    }
    None
}

/// The chunked body `data` up to its closing chunk; `None` when it stops before.
fn try_dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = data.get(line_end + 2..)?;
        if size == 0 {
            return data.starts_with(b"\r\n").then_some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
    None
}

/// One whole answer in `raw`: its head and all its body (as many bytes as Content-Length says,
/// or chunked up to the closing chunk). `None` when the bytes stop before that.
fn complete(raw: &[u8]) -> Option<Answer> {
    let (status, headers, start) = parse_head(raw)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let rest = &raw[start..];
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        try_dechunk(rest)?
    } else {
        let n: usize = header("content-length")?.parse().ok()?;
        rest.get(..n)?.to_vec()
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// Reads on `s` (after `raw`, already read) until one whole answer has come, the server
/// closes the connection, or a read fails: every byte read, and the answer if it is whole.
fn read_whole(s: &mut TcpStream, mut raw: Vec<u8>) -> (Vec<u8>, Option<Answer>) {
    let mut buf = vec![0u8; 65536];
    for _ in 0..100_000 {
        if let Some(a) = complete(&raw) {
            return (raw, Some(a));
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let answer = complete(&raw);
    (raw, answer)
}

/// Sends `request` on a new connection and reads the answer: `None` when the connection
/// cannot be made (the server is not listening), else the bytes and the whole answer if one
/// came. A failed write still reads what the server said.
fn exchange(addr: SocketAddr, request: &[u8]) -> Option<(Vec<u8>, Option<Answer>)> {
    let mut s = connect(addr).ok()?;
    let _ = s.write_all(request);
    Some(read_whole(&mut s, Vec::new()))
}

fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = head(method, target, headers, Some(body.len()));
    r.extend_from_slice(body);
    r
}

/// Sends the head of a request with `Expect: 100-continue` and waits for the server's word on
/// it. The handlers read the body only once the request holds a slot (`server.concurrency`),
/// so 100 Continue means it holds one: then `first` (the start of the body) is sent and the
/// connection returned, the request in flight. Otherwise the server's answer (503 when every
/// slot is taken).
fn hold_slot(
    addr: SocketAddr,
    head_lines: &[u8],
    first: &[u8],
) -> Result<TcpStream, Option<Answer>> {
    let mut s = connect(addr).expect("connect");
    s.write_all(head_lines).expect("send the head");
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    for _ in 0..65536 {
        if raw.ends_with(b"\r\n\r\n") {
            break;
        }
        match s.read(&mut byte) {
            Ok(1) => raw.push(byte[0]),
            _ => break,
        }
    }
    if raw.starts_with(b"HTTP/1.1 100 ") {
        s.write_all(first).expect("send the start of the body");
        Ok(s)
    } else {
        Err(read_whole(&mut s, raw).1)
    }
}

/// A raw verify request holding a slot with half of `doc` sent (see [`hold_slot`]).
fn hold_raw(addr: SocketAddr, doc: &[u8]) -> Result<TcpStream, Option<Answer>> {
    let h = head(
        "POST",
        "/v1/verify",
        &[("Expect", "100-continue")],
        Some(doc.len()),
    );
    hold_slot(addr, &h, &doc[..doc.len() / 2])
}

/// Sends the rest of `doc` (after [`hold_raw`]) and reads the answer.
fn finish_raw(mut s: TcpStream, doc: &[u8]) -> Option<Answer> {
    s.write_all(&doc[doc.len() / 2..]).expect("send the rest");
    read_whole(&mut s, Vec::new()).1
}

/// `n` requests from `hold` holding a slot each at the same time: a request answered 503 is
/// made again (slots freed by dropped connections come back asynchronously), for at most 60 s.
fn hold_all(
    n: usize,
    mut hold: impl FnMut() -> Result<TcpStream, Option<Answer>>,
) -> Vec<TcpStream> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut held = Vec::new();
    for _ in 0..10_000 {
        if held.len() == n {
            return held;
        }
        match hold() {
            Ok(s) => held.push(s),
            Err(Some(a)) if a.status == 503 => {
                assert!(
                    Instant::now() < deadline,
                    "only {} of {n} slots could be held in 60 s: a slot was never given back",
                    held.len()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(other) => panic!("expected 100 Continue or 503: {other:?}"),
        }
    }
    panic!("only {} of {n} slots could be held", held.len());
}

fn assert_problem(answer: Option<Answer>, status: u16) -> serde_json::Value {
    answer
        .unwrap_or_else(|| panic!("no whole answer where {status} was expected"))
        .assert_problem(status)
}

fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    assert!(log.is_empty() || log.ends_with('\n'), "a cut line: {log}");
    log.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

// ------------------------------------------------------------------ body limits

#[test]
fn over_the_limit_is_refused_without_reading_the_rest() {
    let docs = documents();
    let dir = tempdir();
    let audit = dir.path().join("audit.jsonl");
    let config = signing_config(dir.path(), &format!("audit_log = \"{}\"", audit.display()));
    let mut server = Server::start_with(&config, &key_env());
    let addr = server.addr;
    let signer = bearer(SIGNER_TOKEN);
    let sign_headers = [("Authorization", signer.as_str())];
    let huge = 50 * LIMIT;

    // A declared length over the limit: 413 after a little of the body, the rest never sent
    // (the answer is read while the server still expects megabytes).
    for (target, headers) in [
        ("/v1/verify", &[][..]),
        ("/v1/sign?key=agency", &sign_headers),
    ] {
        let mut s = connect(addr).expect("connect");
        s.write_all(&head("POST", target, headers, Some(huge)))
            .expect("send the head");
        s.write_all(&docs.pdf[..4096]).expect("send a little");
        let p = assert_problem(read_whole(&mut s, Vec::new()).1, 413);
        assert_eq!(
            p["type"], "urn:kyso:problem:body-too-large",
            "{target}: {p}"
        );
    }

    // Chunked, no length declared: 413 as soon as the limit is passed; the body sent so far
    // is just over the limit, and it never ends (no closing chunk).
    let garbage = vec![b'%'; 16 * 1024];
    let over_the_limit = |s: &mut TcpStream, already: usize| {
        let mut sent = already;
        for _ in 0..LIMIT / garbage.len() + 2 {
            if sent > LIMIT {
                break;
            }
            s.write_all(&chunk(&garbage)).expect("send a chunk");
            sent += garbage.len();
        }
        assert!(sent > LIMIT);
    };
    for (target, headers) in [
        ("/v1/verify", &[][..]),
        ("/v1/sign?key=agency", &sign_headers),
    ] {
        let mut s = connect(addr).expect("connect");
        s.write_all(&head("POST", target, headers, None))
            .expect("send the head");
        over_the_limit(&mut s, 0);
        let p = assert_problem(read_whole(&mut s, Vec::new()).1, 413);
        assert_eq!(
            p["type"], "urn:kyso:problem:body-too-large",
            "{target}: {p}"
        );
    }

    // Chunked multipart, the first part too large: 413 (nothing was answered yet).
    let boundary = "kyso-limit-9e2";
    let ct = format!("multipart/form-data; boundary={boundary}");
    let part_head = |name: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes()
    };
    let mut s = connect(addr).expect("connect");
    s.write_all(&head("POST", "/v1/verify", &[("Content-Type", &ct)], None))
        .expect("send the head");
    s.write_all(&chunk(&part_head("big.pdf"))).expect("send");
    over_the_limit(&mut s, 0);
    assert_problem(read_whole(&mut s, Vec::new()).1, 413);

    // Chunked multipart, the second part too large: the answer has started (200, the first
    // part's report); it ends with a problem line saying why, and ends properly (the closing
    // chunk), so the client knows the answer is whole and the second part was not verified.
    let mut s = connect(addr).expect("connect");
    s.write_all(&head("POST", "/v1/verify", &[("Content-Type", &ct)], None))
        .expect("send the head");
    let mut first = part_head("letter.pdf");
    first.extend_from_slice(&docs.pdf);
    first.extend_from_slice(b"\r\n");
    first.extend_from_slice(&part_head("big.pdf"));
    s.write_all(&chunk(&first)).expect("send");
    over_the_limit(&mut s, first.len());
    let (raw, answer) = read_whole(&mut s, Vec::new());
    let answer = answer.unwrap_or_else(|| {
        panic!(
            "the answer did not end properly: {}",
            String::from_utf8_lossy(&raw)
        )
    });
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    let text = answer.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let expected = cli_json(&docs.config, docs.dir.path(), &["letter.pdf"], &[]);
    assert_eq!(format!("{}\n", lines[0]).as_bytes(), expected.as_slice());
    let p: serde_json::Value = serde_json::from_str(lines[1]).expect("a JSON line");
    assert_eq!(p["type"], "urn:kyso:problem:body-too-large", "{p}");
    assert_eq!(p["status"], 413, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&LIMIT.to_string())),
        "{p}"
    );

    // The server still serves, and the refused signings are in the audit log.
    let ok = server.post("/v1/verify", &docs.pdf);
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(server.terminate().code(), Some(0));
    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for l in &lines {
        assert_eq!(l["outcome"], "body-too-large", "{l}");
        assert_eq!(l["token"], "registry", "{l}");
        assert_eq!(l["output_sha256"], serde_json::Value::Null, "{l}");
    }
}

// ------------------------------------------------------------------ many clients

const CLIENTS: usize = 200;

#[test]
fn two_hundred_concurrent_clients_are_all_answered() {
    let docs = documents();
    let expected = Arc::new(cli_json(&docs.config, docs.dir.path(), &["-"], &[]));
    let letter = Arc::new(request("POST", "/v1/verify", &[], &docs.pdf));
    // As many slots as clients: all verified at once, none refused. Four slots: the others are
    // told 503 with Retry-After, and retrying as told, every one is answered.
    for (concurrency, may_refuse) in [(CLIENTS as u32, false), (4, true)] {
        let dir = tempdir();
        let server = Server::start(&config_with(dir.path(), concurrency));
        let addr = server.addr;
        let start = Arc::new(Barrier::new(CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (start, letter) = (start.clone(), letter.clone());
                std::thread::spawn(move || {
                    start.wait();
                    for refused in 0..120u32 {
                        let (raw, answer) = exchange(addr, &letter).expect("connect");
                        let answer = answer.unwrap_or_else(|| {
                            panic!("a cut answer: {}", String::from_utf8_lossy(&raw))
                        });
                        if answer.status != 503 {
                            return (answer, refused);
                        }
                        let wait: u64 = answer
                            .header("retry-after")
                            .and_then(|v| v.parse().ok())
                            .expect("503 with Retry-After in seconds");
                        std::thread::sleep(Duration::from_secs(wait.min(5)));
                    }
                    panic!("still refused after 120 attempts");
                })
            })
            .collect();
        let mut refusals = 0;
        for c in clients {
            let (answer, refused) = c.join().expect("a client");
            assert_eq!(answer.status, 200, "{}", answer.text());
            assert_eq!(answer.body, *expected);
            refusals += refused;
        }
        if !may_refuse {
            assert_eq!(refusals, 0, "concurrency {concurrency}");
        }
        eprintln!("concurrency {concurrency}: {CLIENTS} clients answered, {refusals} times 503");
    }
}

// ------------------------------------------------------------------ aborted uploads

#[test]
fn aborted_uploads_give_their_slot_back() {
    const SLOTS: usize = 2;
    let docs = documents();
    let dir = tempdir();
    let server = Server::start_with(
        &signing_config(dir.path(), &format!("concurrency = {SLOTS}")),
        &key_env(),
    );
    let addr = server.addr;
    let expected = cli_json(&docs.config, docs.dir.path(), &["-"], &[]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let signer = bearer(SIGNER_TOKEN);
    let sign_head = head(
        "POST",
        "/v1/sign?key=agency",
        &[("Authorization", &signer), ("Expect", "100-continue")],
        Some(letter.len()),
    );

    // Two letters as multipart, cut in the middle of the second: its first report is out.
    let (ct, form) = multipart(&[("letter.pdf", &docs.pdf), ("again.pdf", &docs.pdf)]);
    let cut = form.len() - docs.pdf.len() / 2;
    let multipart_head = head(
        "POST",
        "/v1/verify",
        &[("Content-Type", &ct), ("Expect", "100-continue")],
        Some(form.len()),
    );
    let hold_multipart = || {
        let mut s = hold_slot(addr, &multipart_head, &form[..cut])?;
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        for _ in 0..10_000 {
            if raw.windows(2).any(|w| w == b"}\n") {
                break;
            }
            match s.read(&mut buf) {
                Ok(n) if n > 0 => raw.extend_from_slice(&buf[..n]),
                _ => panic!("no first report: {}", String::from_utf8_lossy(&raw)),
            }
        }
        assert!(raw.starts_with(b"HTTP/1.1 200 "), "{raw:?}");
        Ok(s)
    };

    for _round in 0..3 {
        // Every slot held by an upload, then the clients go away halfway through the body.
        let held = hold_all(SLOTS, || hold_raw(addr, &docs.pdf));
        server.post("/v1/verify", &docs.pdf).assert_problem(503);
        drop(held);
        // Every slot held by a multipart upload whose answer has started, then dropped.
        let held = hold_all(SLOTS, hold_multipart);
        server.post("/v1/verify", &docs.pdf).assert_problem(503);
        drop(held);
        // Every slot held by a signing upload, dropped halfway.
        let held = hold_all(SLOTS, || {
            hold_slot(addr, &sign_head, &letter[..letter.len() / 2])
        });
        server.post("/v1/verify", &docs.pdf).assert_problem(503);
        drop(held);
    }
    // Every slot came back: as many uploads as slots hold one each at once, and each is
    // answered in full once its body is whole.
    let held = hold_all(SLOTS, || hold_raw(addr, &docs.pdf));
    server.post("/v1/verify", &docs.pdf).assert_problem(503);
    for s in held {
        let answer = finish_raw(s, &docs.pdf).expect("a whole answer");
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.body, expected);
    }
    let ok = server.post("/v1/verify", &docs.pdf);
    assert_eq!(ok.status, 200, "{}", ok.text());
}

// ------------------------------------------------------------------ SIGTERM under load

#[test]
fn sigterm_under_load_answers_every_request_in_flight() {
    let docs = documents();
    let dir = tempdir();
    let mut server = Server::start(&config_with(dir.path(), 16));
    let addr = server.addr;
    let expected = Arc::new(cli_json(&docs.config, docs.dir.path(), &["-"], &[]));
    let letter = Arc::new(request("POST", "/v1/verify", &[], &docs.pdf));
    let answered = Arc::new(AtomicUsize::new(0));

    // Six clients verifying one letter after another until the server stops listening.
    let loaders: Vec<_> = (0..6)
        .map(|_| {
            let (letter, answered) = (letter.clone(), answered.clone());
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                for _ in 0..5_000 {
                    let Some((raw, answer)) = exchange(addr, &letter) else {
                        break;
                    };
                    if answer.is_some() {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    outcomes.push((raw, answer));
                }
                outcomes
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while answered.load(Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "the loaders got no answers");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Four more in flight, each holding a slot with half its body sent.
    let held: Vec<TcpStream> = (0..4)
        .map(|_| hold_raw(addr, &docs.pdf).expect("a free slot"))
        .collect();

    let sent = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    // Once the listener is closed (new connections refused), the requests in flight finish.
    let mut closed = false;
    for _ in 0..3_000 {
        if TcpStream::connect(addr).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(closed, "still listening 30 s after SIGTERM");
    let finishing: Vec<_> = held
        .into_iter()
        .map(|s| {
            let doc = docs.pdf.clone();
            std::thread::spawn(move || finish_raw(s, &doc))
        })
        .collect();
    for f in finishing {
        let answer = f
            .join()
            .expect("a client")
            .expect("a whole answer after SIGTERM");
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.body, *expected);
    }
    let status = server
        .wait(Duration::from_secs(30))
        .expect("kyso serve still running 30 s after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status}");

    // The loaders: every answer that started is whole and right; a connection the server had
    // not taken yet is closed without a byte.
    let (mut whole, mut untaken) = (0, 0);
    for l in loaders {
        for (raw, answer) in l.join().expect("a loader") {
            match answer {
                Some(a) => {
                    assert_eq!(a.status, 200, "{}", a.text());
                    assert_eq!(a.body, *expected);
                    whole += 1;
                }
                None => {
                    assert!(
                        raw.is_empty(),
                        "a cut answer: {}",
                        String::from_utf8_lossy(&raw)
                    );
                    untaken += 1;
                }
            }
        }
    }
    eprintln!("loaders: {whole} whole answers, {untaken} connections not taken");
}

// ------------------------------------------------------------------ SIGKILL while signing

/// The files the process has open that are neither the audit log nor sockets, pipes, devices
/// or the kernel's views.
fn unexpected_open_files(pid: u32, audit: &Path) -> Vec<String> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| {
            let t = target.to_string_lossy();
            !(t.starts_with("socket:")
                || t.starts_with("pipe:")
                || t.starts_with("anon_inode:")
                || t.starts_with("/dev/")
                || t.starts_with("/proc/")
                || t.starts_with("/sys/")
                || target == audit)
        })
        .map(|t| t.display().to_string())
        .collect()
}

#[test]
fn sigkill_while_signing_leaves_nothing_half_done() {
    let dir = tempdir();
    let work = tempdir();
    let tmp = tempdir();
    let audit = dir.path().join("audit.jsonl");
    let config = signing_config(
        dir.path(),
        &format!("audit_log = \"{}\"\nconcurrency = 8", audit.display()),
    );
    let tmp_dir = tmp.path().display().to_string();
    let mut server = Server::start_in(
        &config,
        &[("KYSO_TEST_KEY_PASSWORD", PASSWORD), ("TMPDIR", &tmp_dir)],
        Some(work.path()),
    );
    let addr = server.addr;
    let pid = server.child.id();
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let signer = bearer(SIGNER_TOKEN);
    let sign_request = Arc::new(request(
        "POST",
        "/v1/sign?key=agency",
        &[("Authorization", &signer)],
        &letter,
    ));

    // Six clients signing one letter after another until the server is gone.
    let clients: Vec<_> = (0..6)
        .map(|_| {
            let sign_request = sign_request.clone();
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                for _ in 0..2_000 {
                    let Some(outcome) = exchange(addr, &sign_request) else {
                        break;
                    };
                    outcomes.push(outcome);
                }
                outcomes
            })
        })
        .collect();
    // Once 30 signings are recorded, SIGKILL; meanwhile, what the server has open.
    let mut open = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    for _ in 0..100_000 {
        open.extend(unexpected_open_files(pid, &audit));
        let recorded = std::fs::read(&audit)
            .map(|log| log.iter().filter(|&&b| b == b'\n').count())
            .unwrap_or(0);
        if recorded >= 30 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {recorded} signings in 120 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    server.child.kill().expect("SIGKILL");
    let status = server.child.wait().expect("wait");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    assert!(open.is_empty(), "the server had files open: {open:?}");

    // The audit log: whole JSON lines only, each a signing.
    let lines = audit_lines(&audit);
    assert!(lines.len() >= 30, "{}", lines.len());
    let recorded: std::collections::HashSet<String> = lines
        .iter()
        .map(|l| {
            assert_eq!(l["outcome"], "signed", "{l}");
            l["output_sha256"].as_str().expect("a hash").to_string()
        })
        .collect();
    // Nothing written where the server runs or keeps temporary files.
    for d in [work.path(), tmp.path()] {
        let left: Vec<_> = std::fs::read_dir(d).expect("read_dir").collect();
        assert!(left.is_empty(), "{}: {left:?}", d.display());
    }

    // The clients: each answer is whole (as long as its Content-Length says; a signed document
    // always has one) and then verifies and is in the audit log, or it is visibly cut.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let (mut whole, mut cut) = (Vec::new(), 0);
    for c in clients {
        for (raw, answer) in c.join().expect("a client") {
            if let Some((status, headers, _)) = parse_head(&raw)
                && status == 200
            {
                assert!(
                    headers.iter().any(|(k, _)| k == "content-length"),
                    "a signed document without Content-Length: {headers:?}"
                );
            }
            match answer {
                Some(a) => {
                    assert_eq!(a.status, 200, "{}", a.text());
                    assert_eq!(a.header("content-type"), Some("application/pdf"));
                    whole.push(a.body);
                }
                None => cut += 1,
            }
        }
    }
    assert!(!whole.is_empty(), "no signed document came back");
    let mut files = Vec::new();
    for body in &whole {
        let hash = sha256_hex(body);
        assert!(recorded.contains(&hash), "signed but not in the audit log");
        let file = out.join(format!("{hash}.pdf"));
        if !file.exists() {
            std::fs::write(&file, body).expect("write");
            files.push(file);
        }
    }
    let o = run(kyso()
        .arg("verify")
        .args(&files)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json"));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), files.len(), "{text}{}", stderr(&o));
    for line in text.lines() {
        let report: serde_json::Value = serde_json::from_str(line).expect("a report");
        assert_eq!(report["status"], "passed", "{report}");
    }
    eprintln!(
        "{} whole signed answers ({} distinct), {cut} cut by the kill, {} audit lines",
        whole.len(),
        files.len(),
        lines.len()
    );
}
