//! `kyso serve` in tests: the real binary started on a loopback port, and a small std-only
//! HTTP/1.1 client to speak to it.

use super::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The largest body the test server takes.
pub const LIMIT: usize = 200_000;

/// A running `kyso serve`; killed when dropped, whatever the test did.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// The lines the server printed on stderr after the address.
    pub log: mpsc::Receiver<String>,
    /// Whether it announced `https://` (TLS) rather than `http://`.
    pub https: bool,
}

/// `kyso --config CONFIG serve --listen 127.0.0.1:0` with `env` set, stdin and stdout closed,
/// stderr piped.
pub fn serve_command(config: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = kyso();
    cmd.envs(env.iter().copied())
        .arg("--config")
        .arg(config)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` (a [`serve_command`]) expecting kyso serve to refuse to start: its exit code and
/// stderr. Panics if it is still running 60 s later.
pub fn refused_start(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd.spawn().expect("start kyso serve");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut err).expect("read stderr");
            }
            return (status.code(), err);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("kyso serve still running 60 s after start; it should have refused");
}

impl Server {
    pub fn start(config: &Path) -> Server {
        Server::start_with(config, &[])
    }

    /// Starts with these environment variables set.
    pub fn start_with(config: &Path, env: &[(&str, &str)]) -> Server {
        Server::start_in(config, env, None)
    }

    /// Starts with these environment variables set, in the folder `cwd` if given.
    pub fn start_in(config: &Path, env: &[(&str, &str)], cwd: Option<&Path>) -> Server {
        let mut cmd = serve_command(config, env);
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().expect("start kyso serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: rx,
            https: false,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            match server.log.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    if let Some(a) = line.strip_prefix("kyso serve: listening on http://") {
                        server.addr = a.trim().parse().expect("an address");
                        return server;
                    }
                    if let Some(a) = line.strip_prefix("kyso serve: listening on https://") {
                        server.addr = a.trim().parse().expect("an address");
                        server.https = true;
                        return server;
                    }
                    seen.push(line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = server.child.try_wait() {
                        panic!("kyso serve exited ({status}): {}", seen.join("\n"));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("kyso serve closed stderr: {}", seen.join("\n"))
                }
            }
        }
        panic!("kyso serve printed no address in 60 s: {}", seen.join("\n"));
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        s.set_write_timeout(Some(Duration::from_secs(60))).ok();
        s
    }

    /// One request on a new connection (`Connection: close`).
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut s = self.connect();
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("send the head");
        s.write_all(body).expect("send the body");
        read_answer(&mut s)
    }

    pub fn post(&self, target: &str, body: &[u8]) -> Answer {
        self.request("POST", target, &[], body)
    }

    /// SIGTERM, then the exit status (within 30 s).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        self.wait(Duration::from_secs(30))
            .expect("kyso serve still running 30 s after SIGTERM")
    }

    pub fn wait(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// A problem details answer with this status.
    pub fn assert_problem(&self, status: u16) -> serde_json::Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        for field in ["type", "title", "detail"] {
            assert!(
                p[field].as_str().is_some_and(|v| !v.is_empty()),
                "{field}: {p}"
            );
        }
        p
    }
}

/// Reads a whole HTTP/1.1 answer (the server closes the connection after it).
pub fn read_answer(s: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the answer");
    parse_answer(&raw)
}

/// Parses a whole HTTP/1.1 answer (head and body, chunked or not).
pub fn parse_answer(raw: &[u8]) -> Answer {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Answer {
        status,
        headers,
        body,
    }
}

pub fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("a chunk size");
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
    panic!("too many chunks");
}

/// A configuration trusting the fixture root, with a small body limit.
pub fn config(dir: &Path) -> PathBuf {
    config_with(dir, 8)
}

pub fn config_with(dir: &Path, concurrency: u32) -> PathBuf {
    let path = dir.join("kyso.toml");
    let text = format!(
        "[trust]\nanchors = [\"{}\"]\n\n[server]\nbody_limit = {LIMIT}\nconcurrency = {concurrency}\n",
        pki("root.pem").display()
    );
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// `kyso --config CONFIG verify FILES... --json EXTRA...` run in `dir`: its stdout.
pub fn cli_json(config: &Path, dir: &Path, files: &[&str], extra: &[&str]) -> Vec<u8> {
    let o = run(kyso()
        .current_dir(dir)
        .arg("--config")
        .arg(config)
        .arg("verify")
        .args(files)
        .arg("--json")
        .args(extra));
    assert!(
        !o.stdout.is_empty(),
        "kyso verify printed nothing: {}",
        stderr(&o)
    );
    o.stdout
}

pub struct Documents {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub pdf: Vec<u8>,
    pub xml: Vec<u8>,
}

/// A signed letter, a signed XML report, and a configuration, in a temporary folder; the
/// letter is also saved as `-` (the name the server gives a raw body).
pub fn documents() -> Documents {
    let dir = tempdir();
    let config = config(dir.path());
    let pdf_path = dir.path().join("letter.pdf");
    sign(&pdf("letter-classic.pdf"), &pdf_path, "agency.p12", &[]);
    let xml_path = dir.path().join("report.xml");
    sign(&xml("report.xml"), &xml_path, "personal.p12", &[]);
    let pdf = std::fs::read(&pdf_path).expect("read");
    assert!(pdf.len() < LIMIT, "the letter fits the limit");
    let xml = std::fs::read(&xml_path).expect("read");
    std::fs::write(dir.path().join("-"), &pdf).expect("write");
    std::fs::write(dir.path().join("junk.bin"), b"neither PDF nor XML\n").expect("write");
    Documents {
        dir,
        config,
        pdf,
        xml,
    }
}

pub fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "kyso-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, data) in parts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The SHA-256 of `data`, in hex (how `[[server.tokens]]` names a token).
pub fn sha256_of(data: &[u8]) -> String {
    kyso_pki::DigestAlgorithm::Sha256
        .digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A configuration with the fixture key `agency` (password from the environment variable
/// `KYSO_TEST_KEY_PASSWORD`, see [`Server::start_with`]), an audit log `audit.jsonl` in `dir`,
/// the static `tokens` (name, token, scopes), `server` appended to `[server]` and `tables`
/// (more tables, e.g. `[server.jwt]`) at the end.
pub fn service_config(
    dir: &Path,
    server: &str,
    tokens: &[(&str, &str, &[&str])],
    tables: &str,
) -> PathBuf {
    let path = dir.join("kyso.toml");
    let mut text = format!(
        "[trust]\nanchors = [\"{root}\"]\n\n[server]\nbody_limit = {LIMIT}\naudit_log = \"{audit}\"\n{server}\n\n",
        root = pki("root.pem").display(),
        audit = dir.join("audit.jsonl").display(),
    );
    for (name, token, scopes) in tokens {
        let scopes: Vec<String> = scopes.iter().map(|s| format!("\"{s}\"")).collect();
        text.push_str(&format!(
            "[[server.tokens]]\nname = \"{name}\"\nsha256 = \"{}\"\nscopes = [{}]\n\n",
            sha256_of(token.as_bytes()),
            scopes.join(", ")
        ));
    }
    text.push_str(&format!(
        "[[keys]]\nid = \"agency\"\np12 = \"{}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n\n{tables}\n",
        pki("agency.p12").display()
    ));
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// The schemathesis command line: `$KYSO_SCHEMATHESIS` (scripts/test.sh exports it), else the
/// project's `.venv`, else `schemathesis` on the PATH.
pub fn schemathesis() -> PathBuf {
    if let Some(p) = std::env::var_os("KYSO_SCHEMATHESIS") {
        return PathBuf::from(p);
    }
    let venv = root().join(".venv/bin/schemathesis");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("schemathesis")
    }
}
