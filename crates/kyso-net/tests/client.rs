//! The client against a tiny scripted server on a loopback TcpListener.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use kyso_net::{Client, Error, Options};

/// A request as the server saw it.
#[derive(Debug)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

type Handler = Box<dyn FnOnce(&mut TcpStream) + Send>;

fn read_request(stream: &mut TcpStream) -> Seen {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            break data.len();
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "client closed inside the body");
        body.extend_from_slice(&buf[..n]);
    }
    Seen { head, body }
}

/// Serves one connection per handler, in order, reading each request first.
fn server(handlers: Vec<Handler>) -> (String, JoinHandle<Vec<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let mut seen = Vec::new();
        for handler in handlers {
            let (mut stream, _) = listener.accept().unwrap();
            seen.push(read_request(&mut stream));
            handler(&mut stream);
            let _ = stream.flush();
        }
        seen
    });
    (base, handle)
}

fn reply(bytes: &'static [u8]) -> Handler {
    Box::new(move |s: &mut TcpStream| {
        let _ = s.write_all(bytes);
    })
}

fn fast() -> Options {
    Options {
        connect_timeout: Duration::from_secs(2),
        io_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(10),
        retries: 2,
        backoff: Duration::from_millis(20),
        ..Options::default()
    }
}

fn client() -> Client {
    Client::new(fast())
}

#[test]
fn content_length_body_and_request_shape() {
    let (base, h) = server(vec![reply(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: 5\r\n\r\nhello",
    )]);
    let r = client()
        .post(
            &format!("{base}/tsa?x=1"),
            "application/timestamp-query",
            b"\x30\x03abc",
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"hello");
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/timestamp-reply")
    );
    assert_eq!(
        r.media_type().as_deref(),
        Some("application/timestamp-reply")
    );
    assert_eq!(r.header("CONTENT-LENGTH"), Some("5"));
    let seen = h.join().unwrap();
    let head = &seen[0].head;
    assert!(head.starts_with("POST /tsa?x=1 HTTP/1.1\r\n"), "{head}");
    let host = base.trim_start_matches("http://");
    assert!(head.contains(&format!("\r\nHost: {host}\r\n")), "{head}");
    assert!(head.contains("\r\nContent-Type: application/timestamp-query\r\n"));
    assert!(head.contains("\r\nContent-Length: 5\r\n"));
    assert!(head.contains("\r\nConnection: close\r\n"));
    assert_eq!(seen[0].body, b"\x30\x03abc");
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let (base, _h) = server(vec![reply(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n",
    )]);
    let r = client().get(&format!("{base}/ca.crl")).unwrap();
    assert_eq!(r.body, b"hello, world");
}

#[test]
fn close_delimited_body_and_http_1_0() {
    let (base, _h) = server(vec![reply(
        b"HTTP/1.0 200 OK\nContent-Type: x/y\n\nuntil the end",
    )]);
    let r = client().get(&format!("{base}/")).unwrap();
    assert_eq!(r.body, b"until the end");
    assert_eq!(r.content_type.as_deref(), Some("x/y"));
}

#[test]
fn interim_100_continue_is_skipped() {
    let (base, _h) = server(vec![reply(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    )]);
    assert_eq!(client().get(&format!("{base}/")).unwrap().body, b"ok");
}

#[test]
fn empty_204_body() {
    let (base, _h) = server(vec![reply(b"HTTP/1.1 204 No Content\r\n\r\n")]);
    let r = client().get(&format!("{base}/")).unwrap();
    assert_eq!((r.status, r.body.len()), (204, 0));
}

#[test]
fn get_follows_redirects() {
    let (base, h) = server(vec![
        reply(b"HTTP/1.1 302 Found\r\nLocation: /second\r\nContent-Length: 0\r\n\r\n"),
        reply(b"HTTP/1.1 301 Moved\r\nLocation: third.crl\r\nContent-Length: 0\r\n\r\n"),
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend"),
    ]);
    let r = client().get(&format!("{base}/first")).unwrap();
    assert_eq!(r.body, b"end");
    assert_eq!(r.url, format!("{base}/third.crl"));
    let seen = h.join().unwrap();
    assert!(seen[1].head.starts_with("GET /second "));
    assert!(seen[2].head.starts_with("GET /third.crl "));
}

#[test]
fn more_than_three_redirects_fail() {
    let hop = || reply(b"HTTP/1.1 307 Again\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
    let (base, h) = server(vec![hop(), hop(), hop(), hop()]);
    match client().get(&format!("{base}/loop")) {
        Err(e @ Error::TooManyRedirects { max: 3, .. }) => {
            assert!(e.to_string().contains("too many redirects"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.join().unwrap().len(), 4);
}

#[test]
fn post_does_not_follow_redirects() {
    let (base, _h) = server(vec![reply(
        b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
    )]);
    match client().post(&format!("{base}/"), "application/ocsp-request", b"x") {
        Err(Error::Status { status: 302, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn redirect_to_https_is_unsupported() {
    let (base, _h) = server(vec![reply(
        b"HTTP/1.1 302 Found\r\nLocation: https://secure.example/ca.crl\r\nContent-Length: 0\r\n\r\n",
    )]);
    match client().get(&format!("{base}/")) {
        Err(e @ Error::Unsupported { .. }) => {
            assert!(
                e.to_string().contains("https://secure.example/ca.crl"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn server_error_then_success_is_retried() {
    let (base, h) = server(vec![
        reply(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops"),
        reply(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"),
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    ]);
    let r = client()
        .post(&format!("{base}/"), "application/ocsp-request", b"req")
        .unwrap();
    assert_eq!(r.body, b"ok");
    let seen = h.join().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.body == b"req"));
}

#[test]
fn persistent_server_error_is_reported_after_the_retries() {
    let err = || reply(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops");
    let (base, h) = server(vec![err(), err()]);
    let c = Client::new(Options {
        retries: 1,
        ..fast()
    });
    match c.get(&format!("{base}/x")) {
        Err(e @ Error::Status { status: 500, .. }) => {
            let text = e.to_string();
            assert!(text.contains("HTTP 500 Internal Server Error"), "{text}");
            assert!(text.contains(&format!("{base}/x")), "{text}");
            assert_eq!(e.host(), Some(base.trim_start_matches("http://")));
            if let Error::Status { body, .. } = e {
                assert_eq!(body, b"oops");
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.join().unwrap().len(), 2);
}

#[test]
fn client_errors_are_not_retried() {
    let (base, h) = server(vec![reply(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    )]);
    match client().get(&format!("{base}/missing.crl")) {
        Err(Error::Status { status: 404, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(h.join().unwrap().len(), 1);
}

#[test]
fn connection_refused_is_retried_then_reported() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::new(Options {
        retries: 2,
        backoff: Duration::from_millis(50),
        ..fast()
    });
    let t = Instant::now();
    match c.get(&format!("http://127.0.0.1:{port}/")) {
        Err(e @ Error::ConnectionRefused { .. }) => {
            assert_eq!(
                e.to_string(),
                format!("connection to 127.0.0.1:{port} refused")
            );
            assert!(e.is_unreachable());
        }
        other => panic!("{other:?}"),
    }
    // Two pauses: 50 ms and 100 ms.
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn a_silent_server_times_out() {
    let (base, _h) = server(vec![Box::new(|_s: &mut TcpStream| {
        thread::sleep(Duration::from_millis(1500))
    })]);
    let c = Client::new(Options {
        io_timeout: Duration::from_millis(300),
        ..fast()
    });
    let t = Instant::now();
    match c.get(&format!("{base}/slow")) {
        Err(e @ Error::Timeout { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("timed out while waiting for the response (read timeout of 0.300 s)"),
                "{text}"
            );
            assert!(e.is_timeout() && !e.is_unreachable());
        }
        other => panic!("{other:?}"),
    }
    // Not retried.
    assert!(
        t.elapsed() < Duration::from_millis(1200),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn a_trickling_server_hits_the_total_deadline() {
    let (base, _h) = server(vec![Box::new(|s: &mut TcpStream| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        for _ in 0..40 {
            if s.write_all(b"x").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    })]);
    let c = Client::new(Options {
        io_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_millis(400),
        ..fast()
    });
    let t = Instant::now();
    match c.get(&format!("{base}/")) {
        Err(Error::Timeout {
            limit: "total deadline",
            during: "reading the response",
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn body_size_cap() {
    let (base, _h) = server(vec![
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n"),
        reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"),
        reply(b"HTTP/1.1 200 OK\r\n\r\n0123456789abcdef0123"),
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"),
    ]);
    let c = Client::new(Options {
        max_body: 10,
        ..fast()
    });
    for _ in 0..3 {
        match c.get(&format!("{base}/")) {
            Err(e @ Error::BodyTooLarge { limit: 10, .. }) => {
                assert!(e.to_string().contains("larger than 10 bytes"))
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(c.get(&format!("{base}/")).unwrap().body, b"0123456789");
}

fn malformed(response: &'static [u8]) -> Error {
    let (base, _h) = server(vec![reply(response)]);
    let c = Client::new(Options {
        retries: 0,
        ..fast()
    });
    match c.get(&format!("{base}/")) {
        Err(e) => e,
        Ok(r) => panic!(
            "{:?} was accepted: {r:?}",
            String::from_utf8_lossy(response)
        ),
    }
}

#[test]
fn malformed_responses_are_errors() {
    for response in [
        &b"garbage\r\n\r\n"[..],
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 099 OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Len",
    ] {
        match malformed(response) {
            Error::Malformed { detail, host } => {
                assert!(host.starts_with("127.0.0.1:"));
                assert!(!detail.is_empty());
            }
            Error::BodyTooLarge { .. } if response.ends_with(b"ffffffffffffffffff\r\n") => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(response)),
        }
    }
    match malformed(b"") {
        e @ Error::EmptyResponse { .. } => {
            assert!(e.to_string().contains("closed without a response"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn random_responses_never_panic() {
    // A small xorshift generator: reproducible, no dependency.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let prefixes: [&[u8]; 4] = [
        b"",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n",
    ];
    for i in 0..60 {
        let mut response = prefixes[i % prefixes.len()].to_vec();
        let len = (next() % 300) as usize;
        for _ in 0..len {
            let r = next();
            // Bias towards the bytes HTTP framing cares about.
            let b = match r % 8 {
                0 => b'\r',
                1 => b'\n',
                2 => b':',
                3 => b'0' + (r >> 8) as u8 % 10,
                _ => (r >> 16) as u8,
            };
            response.push(b);
        }
        let (base, _h) = server(vec![Box::new(move |s: &mut TcpStream| {
            let _ = s.write_all(&response);
        })]);
        let c = Client::new(Options {
            retries: 0,
            max_body: 64,
            ..fast()
        });
        let _ = c.get(&format!("{base}/"));
    }
}

#[test]
fn https_and_bad_urls_fail_before_connecting() {
    let c = client();
    match c.get("https://tsa.example.org/tsr") {
        Err(e @ Error::Unsupported { .. }) => {
            let text = e.to_string();
            assert!(text.contains("https://tsa.example.org/tsr"), "{text}");
            assert!(text.contains("https is not supported"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.post("ldap://x/", "a/b", b""),
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(c.get("not a url"), Err(Error::InvalidUrl { .. })));
    assert!(matches!(
        c.post("http://127.0.0.1:1/", "a/b\r\nX-Injected: 1", b""),
        Err(Error::InvalidContentType(_))
    ));
}

#[test]
fn host_names_resolve() {
    let (base, h) = server(vec![reply(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nk",
    )]);
    let port = base.rsplit(':').next().unwrap();
    // "localhost" may resolve to ::1 first, where nothing listens: the
    // client tries every address.
    let r = client().get(&format!("http://localhost:{port}/")).unwrap();
    assert_eq!(r.body, b"k");
    assert!(
        h.join().unwrap()[0]
            .head
            .contains(&format!("Host: localhost:{port}"))
    );
    match client().get("http://no-such-host.invalid/") {
        Err(e @ Error::Resolve { .. }) => {
            assert!(e.to_string().contains("no-such-host.invalid:80"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ipv6_loopback() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here; skipping");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let seen = read_request(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")
            .unwrap();
        seen
    });
    let r = client().get(&format!("http://[::1]:{port}/x")).unwrap();
    assert_eq!(r.body, b"v6");
    assert!(
        h.join()
            .unwrap()
            .head
            .contains(&format!("Host: [::1]:{port}"))
    );
}
