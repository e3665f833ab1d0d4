//! A minimal HTTP/1.1 server on a loopback port, for what a real registry does not do on
//! demand: answer 500, cut a connection mid-blob, or run a bearer-token flow (Debian's
//! docker-registry only offers htpasswd without a separate token server).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as the handler sees it.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: String,
    /// Path and query (`/v2/x/manifests/1`).
    pub target: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
}

impl FakeRequest {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }

    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What the server does with one request.
pub enum Reply {
    /// Status, headers and body.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Sends the headers and the first `cut` bytes of the body, then closes the connection.
    Truncated(u16, Vec<(String, String)>, Vec<u8>, usize),
}

/// The running server; it lives until the test process ends (its thread blocks in accept).
pub struct FakeRegistry {
    pub addr: String,
    log: Arc<Mutex<Vec<FakeRequest>>>,
}

type Handler = dyn Fn(&FakeRequest) -> Reply + Send + Sync;

impl FakeRegistry {
    /// Serves every connection on its own thread with `handler`.
    pub fn start(handler: impl Fn(&FakeRequest) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (handler, log) = (handler.clone(), log2.clone());
                std::thread::spawn(move || serve(conn, &*handler, &log));
            }
        });
        FakeRegistry { addr, log }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<FakeRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn serve(mut conn: std::net::TcpStream, handler: &Handler, log: &Mutex<Vec<FakeRequest>>) {
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = FakeRequest {
            method,
            target,
            headers,
        };
        if let Ok(mut l) = log.lock() {
            l.push(req.clone());
        }
        let (status, headers, body, cut) = match handler(&req) {
            Reply::Full(s, h, b) => {
                let n = b.len();
                (s, h, b, n)
            }
            Reply::Truncated(s, h, b, cut) => (s, h, b, cut),
        };
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if conn.write_all(head.as_bytes()).is_err() || conn.write_all(&body[..cut]).is_err() {
            return;
        }
        if cut < body.len() {
            return; // drop the connection mid-body
        }
    }
}

/// A `Content-Type` header list.
pub fn content_type(t: &str) -> Vec<(String, String)> {
    vec![("Content-Type".to_string(), t.to_string())]
}
