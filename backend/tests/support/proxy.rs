//! nginx (Debian's, installed by `scripts/setup test`) as the reverse proxy in front of several
//! `tachiai serve` nodes: unprivileged, on a free port, with a configuration generated into a
//! directory of its own. As in production (`deploy/nginx/tachiai.conf`) it overwrites
//! `X-Forwarded-For` and keeps upstream connections alive; a node that refuses connections
//! (killed, stopping) is skipped for the next one and left out for a few seconds.
//! Shared by `tests/nodes.rs` and `benches/nodes.rs`.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx binary.
const NGINX: &str = "/usr/sbin/nginx";

/// How long nginx leaves out a node that refused a connection (`fail_timeout`, with
/// `max_fails=1`). A node started again within this time is not asked before it has passed:
/// a caller that stops another node meanwhile waits for it first, as an operator doing a
/// rolling restart does.
pub const FAIL_TIMEOUT: Duration = Duration::from_secs(5);

/// nginx as a child process (no daemon, no master: killing it leaves nothing behind); killed on
/// drop.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`: the nodes' `public_url`.
    pub base: String,
    dir: PathBuf,
    child: Child,
}

impl Proxy {
    /// Whether nginx is installed.
    pub fn available() -> bool {
        Path::new(NGINX).exists()
    }

    /// A free port for the proxy, to give the nodes their `public_url` before they start.
    pub fn pick_port() -> u16 {
        crate::support::free_port()
    }

    /// Starts nginx on `port` in front of `nodes` (round robin), with its files in `dir`.
    pub fn start(port: u16, nodes: &[SocketAddr], dir: &Path) -> Proxy {
        let dir = dir.join(format!("nginx-{port}"));
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(port, nodes, &dir)).unwrap();
        let log = std::fs::File::create(dir.join("stderr.log")).unwrap();
        let child = Command::new(NGINX)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start nginx");
        let proxy = Proxy {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            child,
        };
        proxy.wait_ready(port);
        proxy
    }

    fn wait_ready(&self, port: u16) {
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {}",
                self.errors()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What nginx logged (its error log and standard error).
    pub fn errors(&self) -> String {
        ["error.log", "stderr.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration: one worker process without a master (runs as the invoking user, dies
/// with its process), temporary files in `dir`, the upstreams with passive health checks.
fn config(port: u16, nodes: &[SocketAddr], dir: &Path) -> String {
    let servers: String = nodes
        .iter()
        .map(|n| {
            format!(
                "        server {n} max_fails=1 fail_timeout={}s;\n",
                FAIL_TIMEOUT.as_secs()
            )
        })
        .collect();
    let d = dir.display();
    format!(
        "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream tachiai {{
{servers}        keepalive 64;
        # Shorter than the nodes' keep-alive (75 s): nginx closes an idle connection first.
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 60m;
        client_body_timeout 60s;
        proxy_buffering off;
        proxy_request_buffering on;
        proxy_read_timeout 120s;
        proxy_connect_timeout 2s;
        # A node that refuses the connection or drops it before answering: the next one. nginx
        # never sends a POST a second time once a node has received it.
        proxy_next_upstream error timeout http_502 http_503;
        gzip off;
        location / {{
            proxy_pass http://tachiai;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Id $request_id;
        }}
    }}
}}
"
    )
}
