//! Loopback services for the revocation and time-stamp tests: a time-stamping
//! authority, an OCSP responder and a static HTTP server for CRLs and CA
//! certificates, on the fixed ports the fixture certificates point at
//! (`kyso_fixtures::urls`, re-exported here).
//!
//! ```ignore
//! mod common;
//! use common::services;
//!
//! #[test]
//! fn revoked_signer_fails() {
//!     let _services = services::start(); // default state while held
//!     // ... kyso verify with revocation checking; ca.crl revokes `revoked`,
//!     // the OCSP responder says `revoked` is revoked (2026-06-01, keyCompromise)
//! }
//!
//! #[test]
//! fn revoked_after_signing() {
//!     let services = services::start_exclusive(); // may change what is served
//!     let crl = kyso_fixtures::pki::crl("ca", &[...], this_update, next_update).unwrap();
//!     services.set_crl("ca", &crl);
//!     services.set_ocsp_revocations("ca", &[...]);
//!     // ... defaults come back when `services` is dropped
//! }
//! ```
//!
//! The services run in one `python3 tests/peers/kyso_services.py` process,
//! started on the first call in a test process and shared by every test of
//! that process. [`start`] takes a shared lock and [`start_exclusive`] an
//! exclusive one, so a test that changes the served CRLs or OCSP index never
//! runs beside a test that expects the defaults. (Do not call
//! `start_exclusive` while holding a [`Services`] in the same thread: that
//! deadlocks.)
//!
//! The Python process exits, removing its temporary directory, when the test
//! process ends: its standard input is a pipe from this process, and it also
//! watches its parent pid. Failure paths for timeout and error tests:
//! `/slow/SECONDS/`, `/fail/`, `/status/CODE/`, `/garbage/` on every
//! service, `/trylater/`, `/unauthorized/`, `/malformed/` on the OCSP
//! responder, and `/untrusted` on the TSA (signed by `outsider-tsa`, outside
//! the fixture PKI). See the script's docstring.

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use kyso_fixtures::pki::{self, Revocation};
pub use kyso_fixtures::urls::*;

/// Policy OID of the test TSA's time-stamp tokens (under 2.999, the arc for examples).
pub const TSA_POLICY: &str = "2.999.3161.1";

/// The running services process.
struct Running {
    workdir: PathBuf,
    /// Kept so the process is not reaped early; it exits with this process.
    _child: Mutex<Child>,
    /// The write end of the child's stdin: closed by the kernel when this
    /// process exits, which tells the child to exit.
    _stdin: Mutex<ChildStdin>,
}

static RUNNING: OnceLock<Result<Running, String>> = OnceLock::new();
static STATE: RwLock<()> = RwLock::new(());

fn running() -> &'static Running {
    match RUNNING.get_or_init(launch) {
        Ok(r) => r,
        Err(msg) => panic!("{msg}"),
    }
}

/// Starts the services (once per test process) and returns a guard under
/// which they serve the defaults: the checked-in `ca.crl` (revoking
/// `revoked` at 2026-06-01, keyCompromise) and `root.crl` (empty), `ca.der`,
/// `root.der`, and an OCSP index with the same revocation.
pub fn start() -> Services {
    let running = running();
    Services {
        _lock: STATE.read().unwrap_or_else(|e| e.into_inner()),
        running,
    }
}

/// Starts the services (once per test process) and returns a guard that may
/// change what they serve; the defaults come back when it is dropped.
pub fn start_exclusive() -> Exclusive {
    let running = running();
    Exclusive {
        _lock: STATE.write().unwrap_or_else(|e| e.into_inner()),
        running,
    }
}

/// Shared access to the services in their default state.
pub struct Services {
    _lock: RwLockReadGuard<'static, ()>,
    running: &'static Running,
}

impl Services {
    /// The services' temporary directory (`www/`, `ocsp/`, `tsa/`,
    /// `services.log`).
    pub fn workdir(&self) -> &Path {
        &self.running.workdir
    }

    /// The services' log so far (requests and errors), for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.running.workdir.join("services.log")).unwrap_or_default()
    }
}

/// Exclusive access: change the served CRLs, files and OCSP answers.
pub struct Exclusive {
    _lock: RwLockWriteGuard<'static, ()>,
    running: &'static Running,
}

impl Exclusive {
    /// The services' temporary directory.
    pub fn workdir(&self) -> &Path {
        &self.running.workdir
    }

    /// The services' log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.running.workdir.join("services.log")).unwrap_or_default()
    }

    /// Serves `der` as `ISSUER.crl` (`"ca"` or `"root"`), e.g. a CRL made
    /// with `kyso_fixtures::pki::crl`.
    pub fn set_crl(&self, issuer: &str, der: &[u8]) {
        assert!(
            matches!(issuer, "ca" | "root"),
            "CRL issuer must be ca or root"
        );
        self.put_file(&format!("{issuer}.crl"), der);
    }

    /// Serves `bytes` as `http://127.0.0.1:8320/NAME` (replacing any file of
    /// that name). `NAME` is a plain file name.
    pub fn put_file(&self, name: &str, bytes: &[u8]) {
        assert!(
            !name.is_empty() && !name.contains('/') && !name.starts_with('.'),
            "plain file names only: {name:?}"
        );
        write_atomically(&self.running.workdir.join("www").join(name), bytes);
    }

    /// Stops serving `NAME` (it answers 404).
    pub fn remove_file(&self, name: &str) {
        let _ = fs::remove_file(self.running.workdir.join("www").join(name));
    }

    /// Makes the OCSP responder answer for certificates of `issuer` (`"ca"`
    /// or `"root"`) from these revocations: listed serials are revoked,
    /// other fixture identities of that issuer are good, unknown serials are
    /// `unknown`. Takes effect with the next request. Times in the answers
    /// (thisUpdate, producedAt) are the current time, nextUpdate 60 minutes
    /// later: `openssl ocsp` cannot be told otherwise.
    pub fn set_ocsp_revocations(&self, issuer: &str, revoked: &[Revocation]) {
        let index = pki::ocsp_index(issuer, revoked)
            .unwrap_or_else(|e| panic!("OCSP index for {issuer}: {e}"));
        write_atomically(
            &self
                .running
                .workdir
                .join("ocsp")
                .join(format!("index-{issuer}.txt")),
            index.as_bytes(),
        );
    }

    /// Puts every default back (also done on drop).
    pub fn reset(&self) {
        write_defaults(&self.running.workdir).unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        if let Err(e) = write_defaults(&self.running.workdir) {
            eprintln!("services: cannot restore the defaults: {e}");
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".tmp-{}-{n}", std::process::id()));
    fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
    fs::rename(&tmp, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The default files: www/ with the checked-in CRLs and CA certificates
/// (and nothing else), and the default OCSP indexes.
fn write_defaults(workdir: &Path) -> Result<(), String> {
    let www = workdir.join("www");
    let ocsp = workdir.join("ocsp");
    for dir in [&www, &ocsp, &workdir.join("tsa")] {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let defaults = ["root.crl", "ca.crl", "root.der", "ca.der"];
    if let Ok(entries) = fs::read_dir(&www) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !defaults.iter().any(|d| name.to_str() == Some(d)) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    for name in defaults {
        let bytes = fs::read(super::pki(name)).map_err(|e| format!("fixtures/pki/{name}: {e}"))?;
        write_atomically(&www.join(name), &bytes);
    }
    for (issuer, revoked) in [("ca", pki::default_revocations()), ("root", Vec::new())] {
        let index = pki::ocsp_index(issuer, &revoked).map_err(|e| e.to_string())?;
        write_atomically(&ocsp.join(format!("index-{issuer}.txt")), index.as_bytes());
    }
    Ok(())
}

const PORTS: [(u16, &str); 3] = [
    (TSA_PORT, "time-stamping authority"),
    (OCSP_PORT, "OCSP responder"),
    (HTTP_PORT, "CRL server"),
];

fn listening(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

fn require_tool(program: &str, arg: &str) -> Result<(), String> {
    match Command::new(program).arg(arg).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "`{program} {arg}` failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!(
            "the test services need `{program}`, which cannot be run ({e}); \
             `bash scripts/test.sh` installs it (apt: openssl, python3)"
        )),
    }
}

/// How long [`launch`] waits for another process's services to free the
/// ports (another test binary shutting down, or a concurrent test run).
const PORT_WAIT: Duration = Duration::from_secs(90);

fn launch() -> Result<Running, String> {
    require_tool("openssl", "version")?;
    require_tool("python3", "--version")?;
    let deadline = Instant::now() + PORT_WAIT;
    loop {
        // A previous test binary's services may still be shutting down, or
        // another test run may hold the ports for a while.
        for (port, what) in PORTS {
            while listening(port) {
                if Instant::now() > deadline {
                    return Err(format!(
                        "port 127.0.0.1:{port} (the test {what}) has been in use by another \
                         process for {} s; is another test run going on? (`ss -ltnp | grep {port}`)",
                        PORT_WAIT.as_secs()
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        match spawn() {
            Ok(running) => return Ok(running),
            // Someone took a port between the check and the bind: wait again.
            Err(Failure::PortTaken(_)) if Instant::now() < deadline => {}
            Err(Failure::PortTaken(msg) | Failure::Other(msg)) => return Err(msg),
        }
    }
}

enum Failure {
    PortTaken(String),
    Other(String),
}

fn spawn() -> Result<Running, Failure> {
    let other = Failure::Other;
    let workdir = tempfile::Builder::new()
        .prefix("kyso-services-")
        .tempdir()
        .map_err(|e| other(format!("cannot create a temporary directory: {e}")))?
        .keep();
    write_defaults(&workdir).map_err(other)?;
    let log_path = workdir.join("services.log");
    let log =
        fs::File::create(&log_path).map_err(|e| other(format!("{}: {e}", log_path.display())))?;
    let log2 = log
        .try_clone()
        .map_err(|e| other(format!("{}: {e}", log_path.display())))?;
    let script = super::root().join("tests/peers/kyso_services.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg("--workdir")
        .arg(&workdir)
        .arg("--pki")
        .arg(super::fixture("pki"))
        .args(["--tsa-port", &TSA_PORT.to_string()])
        .args(["--ocsp-port", &OCSP_PORT.to_string()])
        .args(["--http-port", &HTTP_PORT.to_string()])
        .stdin(Stdio::piped())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| other(format!("cannot start {}: {e}", script.display())))?;
    let Some(stdin) = child.stdin.take() else {
        return Err(other("no stdin pipe to the services".into()));
    };

    let fail = |child: &mut Child, why: String| {
        let _ = child.kill();
        let _ = child.wait();
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        let _ = fs::remove_dir_all(&workdir);
        let msg = format!("the test services did not start: {why}\n--- services log ---\n{log}");
        if log.contains("cannot listen on") {
            Failure::PortTaken(msg)
        } else {
            Failure::Other(msg)
        }
    };
    let ready_by = Instant::now() + Duration::from_secs(20);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Err(fail(&mut child, format!("exited with {status}"))),
            Ok(None) => {}
            Err(e) => return Err(fail(&mut child, e.to_string())),
        }
        // Ready once the process says so (its log) and every port answers.
        let said_ready = fs::read_to_string(&log_path)
            .map(|l| l.contains("services: listening on"))
            .unwrap_or(false);
        let waiting: Vec<String> = PORTS
            .iter()
            .filter(|(port, _)| !listening(*port))
            .map(|(port, what)| format!("{what} on {port}"))
            .collect();
        if said_ready && waiting.is_empty() {
            break;
        }
        if Instant::now() > ready_by {
            let why = format!("not ready after 20 s (waiting for {})", waiting.join(", "));
            return Err(fail(&mut child, why));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Running {
        workdir,
        _child: Mutex::new(child),
        _stdin: Mutex::new(stdin),
    })
}
