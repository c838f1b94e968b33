//! One HTTP/1.1 exchange on a fresh connection: connect, send, read the
//! status line, headers and body.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::url::Url;
use crate::{Error, Options, Response, Result};

/// Longest status line plus headers accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 8 * 1024;
/// Interim (1xx) responses skipped before giving up.
const MAX_INTERIM: usize = 8;

const CONNECTING: &str = "connecting";
const SENDING: &str = "sending the request";
const WAITING: &str = "waiting for the response";
const READING: &str = "reading the response";

/// Sends one request and reads the answer, whatever its status.
pub(crate) fn exchange(
    options: &Options,
    post: bool,
    url: &Url,
    body: Option<(&str, &[u8])>,
    deadline: Instant,
) -> Result<Response> {
    let host = url.authority();
    let mut stream = connect(options, url, &host, deadline)?;
    let _ = stream.set_nodelay(true);

    let mut request = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n",
        if post { "POST" } else { "GET" },
        url.target,
        url.host_header(),
        sanitize(&options.user_agent),
    )
    .into_bytes();
    if let Some((content_type, bytes)) = body {
        request.extend_from_slice(
            format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                bytes.len()
            )
            .as_bytes(),
        );
    }
    request.extend_from_slice(b"\r\n");
    if let Some((_, bytes)) = body {
        request.extend_from_slice(bytes);
    }
    send(&mut stream, &request, options, &host, deadline)?;

    let mut reader = Reader {
        stream,
        buf: Vec::new(),
        pos: 0,
        host: &host,
        io_timeout: options.io_timeout,
        deadline,
        total: options.total_timeout,
    };
    read_response(&mut reader, options, url)
}

/// Header values must stay on one line.
fn sanitize(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && c.is_ascii())
        .collect()
}

/// The time left before `deadline`, or a timeout error naming the deadline.
fn time_left(
    deadline: Instant,
    total: Duration,
    host: &str,
    during: &'static str,
) -> Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::Timeout {
            host: host.to_owned(),
            during,
            limit: "total deadline",
            after: total,
        });
    }
    Ok(left)
}

/// The shorter of an operation's own timeout and the time left, and the name
/// of whichever limit that is.
fn limit(own: Duration, own_name: &'static str, left: Duration) -> (Duration, &'static str) {
    if own.is_zero() || left < own {
        (left, "total deadline")
    } else {
        (own, own_name)
    }
}

fn connect(options: &Options, url: &Url, host: &str, deadline: Instant) -> Result<TcpStream> {
    let addrs: Vec<SocketAddr> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|source| Error::Resolve {
            host: host.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::Resolve {
            host: host.to_owned(),
            source: std::io::Error::new(ErrorKind::NotFound, "no addresses"),
        });
    }
    let mut last = None;
    for addr in addrs {
        let left = time_left(deadline, options.total_timeout, host, CONNECTING)?;
        let (timeout, name) = limit(options.connect_timeout, "connect timeout", left);
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => {
                last = Some(match e.kind() {
                    ErrorKind::ConnectionRefused => Error::ConnectionRefused {
                        host: host.to_owned(),
                    },
                    ErrorKind::TimedOut | ErrorKind::WouldBlock => Error::Timeout {
                        host: host.to_owned(),
                        during: CONNECTING,
                        limit: name,
                        after: timeout,
                    },
                    _ => Error::Connect {
                        host: host.to_owned(),
                        source: e,
                    },
                });
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::ConnectionRefused {
        host: host.to_owned(),
    }))
}

fn send(
    stream: &mut TcpStream,
    mut data: &[u8],
    options: &Options,
    host: &str,
    deadline: Instant,
) -> Result<()> {
    while !data.is_empty() {
        let left = time_left(deadline, options.total_timeout, host, SENDING)?;
        let (timeout, name) = limit(options.io_timeout, "write timeout", left);
        let _ = stream.set_write_timeout(Some(timeout));
        match stream.write(data) {
            Ok(0) => {
                return Err(Error::Io {
                    host: host.to_owned(),
                    during: SENDING,
                    source: std::io::Error::new(ErrorKind::WriteZero, "connection closed"),
                });
            }
            Ok(n) => data = data.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                return Err(Error::Timeout {
                    host: host.to_owned(),
                    during: SENDING,
                    limit: name,
                    after: timeout,
                });
            }
            Err(source) => {
                return Err(Error::Io {
                    host: host.to_owned(),
                    during: SENDING,
                    source,
                });
            }
        }
    }
    let _ = stream.flush();
    Ok(())
}

/// Buffered reading with per-read timeouts cut to the deadline.
struct Reader<'a> {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    pos: usize,
    host: &'a str,
    io_timeout: Duration,
    deadline: Instant,
    total: Duration,
}

impl Reader<'_> {
    fn malformed(&self, detail: impl Into<String>) -> Error {
        Error::Malformed {
            host: self.host.to_owned(),
            detail: detail.into(),
        }
    }

    fn unread(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    fn fill(&mut self, during: &'static str) -> Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let left = time_left(self.deadline, self.total, self.host, during)?;
            let (timeout, name) = limit(self.io_timeout, "read timeout", left);
            let _ = self.stream.set_read_timeout(Some(timeout));
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    return Err(Error::Timeout {
                        host: self.host.to_owned(),
                        during,
                        limit: name,
                        after: timeout,
                    });
                }
                Err(source) => {
                    return Err(Error::Io {
                        host: self.host.to_owned(),
                        during,
                        source,
                    });
                }
            }
        }
    }

    /// The status line and headers (up to and including the empty line),
    /// or `None` when the connection closed before the first byte.
    fn head(&mut self) -> Result<Option<Vec<u8>>> {
        let mut searched = 0;
        loop {
            let unread = self.unread();
            if let Some(end) = head_end(unread, searched) {
                let head = unread.get(..end).unwrap_or_default().to_vec();
                self.consume(end);
                return Ok(Some(head));
            }
            if unread.len() > MAX_HEAD {
                return Err(self.malformed(format!(
                    "status line and headers longer than {MAX_HEAD} bytes"
                )));
            }
            searched = unread.len().saturating_sub(3);
            let empty = unread.is_empty();
            let during = if empty { WAITING } else { READING };
            if self.fill(during)? == 0 {
                return if empty {
                    Ok(None)
                } else {
                    Err(self.malformed("connection closed inside the headers"))
                };
            }
        }
    }

    /// One line without its line ending (CRLF or LF).
    fn line(&mut self, what: &str) -> Result<Vec<u8>> {
        loop {
            let unread = self.unread();
            if let Some(nl) = unread.iter().position(|b| *b == b'\n') {
                let mut line = unread.get(..nl).unwrap_or_default().to_vec();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.consume(nl + 1);
                return Ok(line);
            }
            if unread.len() > MAX_LINE {
                return Err(self.malformed(format!("{what} longer than {MAX_LINE} bytes")));
            }
            if self.fill(READING)? == 0 {
                return Err(self.malformed(format!("connection closed inside a {what}")));
            }
        }
    }

    /// Exactly `n` bytes appended to `out`.
    fn exact(&mut self, n: usize, out: &mut Vec<u8>, what: &str) -> Result<()> {
        let mut missing = n;
        while missing > 0 {
            if self.unread().is_empty() && self.fill(READING)? == 0 {
                return Err(self.malformed(format!(
                    "{what} truncated: connection closed {missing} bytes short of {n}"
                )));
            }
            let unread = self.unread();
            let take = unread.len().min(missing);
            out.extend_from_slice(unread.get(..take).unwrap_or_default());
            self.consume(take);
            missing -= take;
        }
        Ok(())
    }
}

/// End of the header block (index after the blank line), searching from
/// `from`. Accepts CRLF CRLF and bare LF LF.
fn head_end(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = data.get(i) {
        if b == b'\n' {
            if data.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if data.get(i + 1) == Some(&b'\r') && data.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

struct Head {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
}

fn parse_head(reader: &Reader<'_>, head: &[u8]) -> Result<Head> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let shown = || status_line.chars().take(80).collect::<String>();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    let reason = parts.next().unwrap_or_default().trim().to_owned();
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return Err(reader.malformed(format!("not an HTTP/1.x status line: {:?}", shown())));
    }
    let status = match code.parse::<u16>() {
        Ok(s) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && s >= 100 => s,
        _ => return Err(reader.malformed(format!("bad status code in {:?}", shown()))),
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(reader.malformed("folded header line"));
        }
        let Some((name, value)) = line.split_once(':') else {
            let shown: String = line.chars().take(80).collect();
            return Err(reader.malformed(format!("header line without a colon: {shown:?}")));
        };
        if name.is_empty() || name.bytes().any(|b| b <= b' ' || b == 0x7f) {
            let shown: String = name.chars().take(80).collect();
            return Err(reader.malformed(format!("bad header name {shown:?}")));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(Head {
        status,
        reason,
        headers,
    })
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> impl Iterator<Item = &'h str> {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn read_response(reader: &mut Reader<'_>, options: &Options, url: &Url) -> Result<Response> {
    let mut interim = 0;
    let head = loop {
        let Some(bytes) = reader.head()? else {
            return Err(Error::EmptyResponse {
                host: reader.host.to_owned(),
            });
        };
        let head = parse_head(reader, &bytes)?;
        match head.status {
            101 => return Err(reader.malformed("unexpected 101 Switching Protocols")),
            100..=199 => {
                interim += 1;
                if interim > MAX_INTERIM {
                    return Err(reader.malformed("too many interim (1xx) responses"));
                }
            }
            _ => break head,
        }
    };

    let body = if matches!(head.status, 204 | 304) {
        Vec::new()
    } else {
        read_body(reader, options, &head.headers)?
    };
    let content_type = header(&head.headers, "content-type")
        .next()
        .map(str::to_owned);
    Ok(Response {
        status: head.status,
        reason: head.reason,
        content_type,
        headers: head.headers,
        body,
        url: url.to_url_string(),
    })
}

fn too_large(reader: &Reader<'_>, limit: usize) -> Error {
    Error::BodyTooLarge {
        host: reader.host.to_owned(),
        limit,
    }
}

fn read_body(
    reader: &mut Reader<'_>,
    options: &Options,
    headers: &[(String, String)],
) -> Result<Vec<u8>> {
    let max = options.max_body;
    let codings: Vec<String> = header(headers, "transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if !codings.is_empty() {
        if codings != ["chunked"] {
            return Err(reader.malformed(format!(
                "unsupported transfer coding {:?}",
                codings.join(", ")
            )));
        }
        return read_chunked(reader, max);
    }

    let lengths: Vec<&str> = header(headers, "content-length")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    if let Some(first) = lengths.first() {
        if lengths.iter().any(|l| l != first) {
            return Err(reader.malformed(format!("conflicting Content-Length values {lengths:?}")));
        }
        let n = match first.parse::<u64>() {
            Ok(n) if first.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                let shown: String = first.chars().take(40).collect();
                return Err(reader.malformed(format!("bad Content-Length {shown:?}")));
            }
        };
        let n = match usize::try_from(n) {
            Ok(n) if n <= max => n,
            _ => return Err(too_large(reader, max)),
        };
        let mut body = Vec::with_capacity(n.min(1 << 20));
        reader.exact(n, &mut body, "body")?;
        return Ok(body);
    }

    // Close-delimited.
    let mut body = Vec::new();
    loop {
        let unread = reader.unread();
        if body.len().saturating_add(unread.len()) > max {
            return Err(too_large(reader, max));
        }
        body.extend_from_slice(unread);
        let n = unread.len();
        reader.consume(n);
        if reader.fill(READING)? == 0 {
            return Ok(body);
        }
    }
}

fn read_chunked(reader: &mut Reader<'_>, max: usize) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = reader.line("chunk-size line")?;
        let text = String::from_utf8_lossy(&line);
        let size_text = text.split(';').next().unwrap_or_default().trim();
        let size = match u64::from_str_radix(size_text, 16) {
            Ok(n) if !size_text.is_empty() && size_text.bytes().all(|b| b.is_ascii_hexdigit()) => n,
            _ => {
                let shown: String = text.chars().take(40).collect();
                return Err(reader.malformed(format!("bad chunk size {shown:?}")));
            }
        };
        if size == 0 {
            // Trailer fields, then the empty line.
            let mut trailers = 0usize;
            loop {
                let line = reader.line("trailer line")?;
                if line.is_empty() {
                    return Ok(body);
                }
                trailers += line.len();
                if trailers > MAX_HEAD {
                    return Err(reader.malformed("trailer section too long"));
                }
            }
        }
        let size = match usize::try_from(size) {
            Ok(n) if body.len().saturating_add(n) <= max => n,
            _ => return Err(too_large(reader, max)),
        };
        reader.exact(size, &mut body, "chunk")?;
        let end = reader.line("chunk ending")?;
        if !end.is_empty() {
            return Err(reader.malformed("chunk data longer than its size"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r\nbody", 0), Some(19));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\n\nbody", 0), Some(17));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n", 0), None);
        assert_eq!(head_end(b"", 0), None);
        assert_eq!(head_end(b"\n", 5), None);
    }

    #[test]
    fn limits_pick_the_shorter() {
        let s = Duration::from_secs;
        assert_eq!(limit(s(5), "read timeout", s(10)), (s(5), "read timeout"));
        assert_eq!(limit(s(5), "read timeout", s(2)), (s(2), "total deadline"));
        assert_eq!(limit(s(0), "read timeout", s(2)), (s(2), "total deadline"));
    }
}
