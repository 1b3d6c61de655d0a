//! `retail serve` as a user meets it: the binary on the embedded samples, plain HTTP requests,
//! and headless Chromium filling in the filter bar (driven through the DevTools protocol).
//!
//! The slice's expected values are the DuckDB reference's (crates/retail-metrics/tests/
//! reference/kpis_reference.json, `by_country` of `online_retail_sample`: duckdb 2.0.1,
//! `python3 compute_kpis.py`): France, completed revenue 25,339.21, 51 orders.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::chromium;

/// A running `retail serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `retail serve` on the embedded samples at a free loopback port.
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_retail"))
            .args(["serve", "--addr", "127.0.0.1:0", "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start retail serve");
        let mut url = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut url)
            .expect("read the URL");
        let url = url.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
        Server { child, url }
    }

    fn host(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }

    /// One plain HTTP/1.1 request: (status, body).
    fn request(&self, method: &str, target: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.host()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.host()
        )
        .unwrap();
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .expect("read the response");
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {text:?}"));
        let body = text
            .split_once("\r\n\r\n")
            .map_or(String::new(), |(_, b)| b.to_string());
        (status, body)
    }
}

#[test]
fn bad_requests_get_a_status_and_a_message_not_a_page() {
    let server = Server::start();
    let (status, body) = server.request("GET", "/?country=France&colour=red");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown filter"), "{body}");
    assert!(body.contains("colour"), "{body}");
    let (status, body) = server.request("GET", "/?from=2011-02-30");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not a calendar day"), "{body}");
    let (status, body) = server.request("GET", "/?from=2011-06-01&to=2011-01-01");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("before from"), "{body}");
    let (status, body) = server.request("GET", "/?merchandise-only=maybe");
    assert_eq!(status, 400, "{body}");
    // A form's empty fields: a redirect to the short address of the same slice.
    let (status, _) = server.request("GET", "/?from=&country=France&segment=");
    assert_eq!(status, 303);
    // No URL reads a file.
    let (status, body) = server.request("GET", "/../../etc/passwd");
    assert!(status == 404 || status == 400, "{status}: {body}");
    assert!(!body.contains("root:"), "{body}");
    let (status, _) = server.request("GET", "/data/online_retail.csv");
    assert_eq!(status, 404);
    let (status, _) = server.request("POST", "/");
    assert_eq!(status, 405);
    let long = format!("/?country={}", "x".repeat(5000));
    let (status, _) = server.request("GET", &long);
    assert!(status == 414 || status == 400 || status == 431, "{status}");
    // A value that is no SQL: it is a literal, and matches no line.
    let (status, body) = server.request("GET", "/?country=France%27+OR+%271%27%3D%271");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("no line in this slice"), "{body}");
    // The server still answers.
    let (status, _) = server.request("GET", "/?country=EIRE");
    assert_eq!(status, 200);
}

#[test]
fn a_slice_is_a_link_and_its_pages_carry_it() {
    let server = Server::start();
    let (status, body) = server.request("GET", "/?country=France");
    assert_eq!(status, 200);
    // The DuckDB reference: France's completed revenue 25,339.21 (a tile rounds from 10,000).
    assert!(body.contains("£25,339"), "no France revenue tile");
    assert!(body.contains("Superstore (embedded): no line in this slice."));
    // The tabs keep the slice.
    assert!(body.contains("href=\"/forecasts?country=France\""));
    assert!(body.contains("href=\"/bundles?country=France\""));
    // Drill-down links keep the other filters and set one more.
    let (_, furniture) = server.request("GET", "/?segment=Consumer");
    assert!(
        furniture.contains("href=\"/?category=Furniture&amp;segment=Consumer\""),
        "no drill-down link to Furniture within Consumer"
    );
    let (status, forecasts) = server.request("GET", "/forecasts?country=France");
    assert_eq!(status, 200);
    assert!(
        forecasts.contains("id=\"ds1-forecast\""),
        "no forecast section"
    );
    // Cached per slice: the same page again.
    let (_, again) = server.request("GET", "/forecasts?country=France");
    assert_eq!(forecasts, again);
}

// ---------------------------------------------------------------------------------------------
// Headless Chromium, driven through the DevTools protocol over a WebSocket.

/// A headless Chromium with its DevTools endpoint, killed when dropped.
struct Browser {
    child: Child,
    socket: WebSocket,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn launch(chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes its port and the browser's WebSocket path once it listens.
        let active = profile.path().join("DevToolsActivePort");
        let start = Instant::now();
        let text = loop {
            if let Ok(text) = std::fs::read_to_string(&active)
                && text.lines().count() >= 2
            {
                break text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "chromium did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut lines = text.lines();
        let port = lines.next().unwrap().trim().to_string();
        let path = lines.next().unwrap().trim().to_string();
        let socket = WebSocket::connect(&format!("127.0.0.1:{port}"), &path);
        Browser {
            child,
            socket,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends one command (to the page `session`, or to the browser) and returns its result.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: serde_json::Value,
    ) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = serde_json::json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = session.into();
        }
        self.socket.send(&message.to_string());
        loop {
            let reply: serde_json::Value =
                serde_json::from_str(&self.socket.receive()).expect("DevTools JSON");
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// A new tab of `width` CSS pixels (a phone below 600), attached: its session id.
    fn tab(&mut self, width: u32) -> String {
        let target = self.call(
            None,
            "Target.createTarget",
            serde_json::json!({"url": "about:blank"}),
        );
        let attached = self.call(
            None,
            "Target.attachToTarget",
            serde_json::json!({"targetId": target["targetId"], "flatten": true}),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        self.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({"width": width, "height": 900, "deviceScaleFactor": 1,
                               "mobile": width < 600}),
        );
        session
    }

    /// Evaluates a JavaScript expression in the tab: its JSON value.
    fn eval(&mut self, session: &str, expression: &str) -> serde_json::Value {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            serde_json::json!({"expression": expression, "returnByValue": true}),
        );
        result["result"]["value"].clone()
    }

    /// Waits until the tab has loaded a page whose address contains `url_part`.
    fn wait_for(&mut self, session: &str, url_part: &str) {
        let start = Instant::now();
        loop {
            let state = self.eval(session, "[document.readyState, location.href]");
            if state[0] == "complete" && state[1].as_str().is_some_and(|u| u.contains(url_part)) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(180),
                "the page did not load: {state}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Just enough of RFC 6455 for DevTools: text frames, masked from the client.
struct WebSocket {
    stream: TcpStream,
}

impl WebSocket {
    fn connect(host: &str, path: &str) -> WebSocket {
        let mut stream = TcpStream::connect(host).expect("connect to DevTools");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("handshake");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        WebSocket { stream }
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65_536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).expect("send");
    }

    /// The next text message (fragments joined; other frames skipped).
    fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).expect("receive");
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut ext = [0u8; 2];
                self.stream.read_exact(&mut ext).unwrap();
                len = u64::from(u16::from_be_bytes(ext));
            } else if len == 127 {
                let mut ext = [0u8; 8];
                self.stream.read_exact(&mut ext).unwrap();
                len = u64::from_be_bytes(ext);
            }
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload).unwrap();
            if matches!(opcode, 0 | 1) {
                message.extend_from_slice(&payload);
                if fin {
                    return String::from_utf8(message).expect("UTF-8 text frame");
                }
            }
        }
    }
}

#[test]
fn chromium_applies_a_filter_through_the_form_and_nothing_overflows() {
    let Some(chromium) = chromium() else {
        return;
    };
    let server = Server::start();
    let mut browser = Browser::launch(&chromium);
    for width in [1400u32, 390] {
        let tab = browser.tab(width);
        browser.call(
            Some(&tab),
            "Page.navigate",
            serde_json::json!({"url": server.url}),
        );
        browser.wait_for(&tab, &server.url);
        // The filter bar, as a person uses it: choose France, apply.
        browser.eval(
            &tab,
            "document.querySelector('select[name=country]').value = 'France'; \
             document.querySelector('form.filters').submit(); true",
        );
        browser.wait_for(&tab, "country=France");
        let page = browser.eval(
            &tab,
            "(() => { \
               const tile = label => [...document.querySelectorAll('.tile')] \
                 .find(t => t.querySelector('.label').textContent.trim().toLowerCase() === label); \
               return { \
                 search: location.search, \
                 revenue: tile('completed revenue').querySelector('.value').textContent, \
                 orders: tile('orders').querySelector('.value').textContent, \
                 scrollWidth: document.documentElement.scrollWidth, \
                 innerWidth: window.innerWidth, \
                 wide: [...document.querySelectorAll('main *, header *')] \
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 \
                             && !e.closest('.scroll')) \
                   .slice(0, 5).map(e => e.tagName + '.' + e.className.baseVal + e.className) \
               }; })()",
        );
        assert_eq!(page["search"], "?country=France", "{width}: {page}");
        assert_eq!(page["revenue"], "£25,339", "{width}: {page}");
        assert_eq!(page["orders"], "51", "{width}: {page}");
        assert!(
            page["scrollWidth"].as_u64() <= page["innerWidth"].as_u64(),
            "{width} px: the page scrolls sideways: {page}"
        );
        assert_eq!(
            page["wide"].as_array().map(Vec::len),
            Some(0),
            "{width} px: elements past the right edge: {page}"
        );
        // A screenshot of the whole sliced page, for people (target/serve-WIDTH.png).
        let shot = browser.call(
            Some(&tab),
            "Page.captureScreenshot",
            serde_json::json!({"format": "png", "captureBeyondViewport": true}),
        );
        let data = shot["data"].as_str().unwrap_or_default();
        assert!(data.starts_with("iVBORw0KGgo"), "not a PNG");
        // The slow views of both data sets fit as well (their tables scroll inside the page).
        for view in ["forecasts", "bundles"] {
            let url = format!("{}{view}", server.url);
            browser.call(Some(&tab), "Page.navigate", serde_json::json!({"url": url}));
            browser.wait_for(&tab, view);
            let fit = browser.eval(
                &tab,
                "({ scrollWidth: document.documentElement.scrollWidth, \
                    innerWidth: window.innerWidth, \
                    sections: document.querySelectorAll('section.dataset').length })",
            );
            assert_eq!(fit["sections"], 2, "{width} px, {view}: {fit}");
            assert!(
                fit["scrollWidth"].as_u64() <= fit["innerWidth"].as_u64(),
                "{width} px, {view}: the page scrolls sideways: {fit}"
            );
        }
    }
}
