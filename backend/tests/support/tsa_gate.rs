//! A time-stamp authority that holds requests: sealing stops, observably, in the middle (a
//! server killed or stopped while a seal waits on it). Shared by `tests/process.rs` and
//! `tests/nodes.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A time-stamp authority in front of the server's own (`<public_url>/pki/tsa`) that lets the
/// first `allowed` requests through and holds the others until allowed: sealing stops,
/// observably, in the middle.
pub struct TsaGate {
    /// Its URL (`tsa_urls`).
    pub url: String,
    state: Arc<(Mutex<GateState>, Condvar)>,
}

#[derive(Default)]
struct GateState {
    allowed: usize,
    target: String,
    arrived: usize,
}

impl TsaGate {
    /// Starts it in front of `target`, letting the first `allowed` requests through.
    pub fn start(target: &str, allowed: usize) -> TsaGate {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/tsa", listener.local_addr().unwrap());
        let state = Arc::new((
            Mutex::new(GateState {
                allowed,
                target: target.to_owned(),
                arrived: 0,
            }),
            Condvar::new(),
        ));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = TsaGate::serve(stream, &shared);
                });
            }
        });
        TsaGate { url, state }
    }

    fn serve(stream: TcpStream, shared: &(Mutex<GateState>, Condvar)) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let (lock, cv) = shared;
        let target = {
            let mut st = lock.lock().unwrap();
            let number = st.arrived;
            st.arrived += 1;
            cv.notify_all();
            while number >= st.allowed {
                st = cv.wait(st).unwrap();
            }
            st.target.clone()
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let mut res = agent
            .post(&target)
            .header("Content-Type", "application/timestamp-query")
            .send(&body[..])
            .map_err(std::io::Error::other)?;
        let status = res.status().as_u16();
        let reply = res
            .body_mut()
            .read_to_vec()
            .map_err(std::io::Error::other)?;
        let mut out = stream;
        write!(
            out,
            "HTTP/1.1 {status} X\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reply.len()
        )?;
        out.write_all(&reply)?;
        out.flush()
    }

    /// Sends what it lets through to `target` from now on.
    pub fn set_target(&self, target: &str) {
        self.state.0.lock().unwrap().target = target.to_owned();
    }

    /// Waits until `n` requests have arrived in total.
    pub fn wait_arrived(&self, n: usize) {
        let (lock, cv) = &*self.state;
        let mut st = lock.lock().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while st.arrived < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no sealing reached the TSA");
            st = cv.wait_timeout(st, left).unwrap().0;
        }
    }

    /// Lets requests through until `n` have arrived in total (`usize::MAX`: all).
    pub fn allow(&self, n: usize) {
        let (lock, cv) = &*self.state;
        lock.lock().unwrap().allowed = n;
        cv.notify_all();
    }

    /// Requests that arrived so far.
    pub fn arrived(&self) -> usize {
        self.state.0.lock().unwrap().arrived
    }
}
