//! The desk (`lightbox serve`) from outside, over plain HTTP on loopback: its door (token,
//! Host, method, origin, paths outside the outputs) and its work (a run with progress to the end,
//! a cancelled run, decisions saved to the catalog and passed to another tab).
//!
//! In: the binary, the fixture drops copied into a temporary folder. Out: assertions on status
//! codes, headers, the catalog's decisions and the events a second connection receives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lightbox::photo::decisions::Verdict;

/// A desk started for a test; killed when dropped.
struct Desk {
    child: Child,
    port: u16,
    token: String,
    work: PathBuf,
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names lower-case), body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn start(work: &Path, drops: &Path) -> Desk {
    start_in(work, drops, "en")
}

fn start_in(work: &Path, drops: &Path, lang: &str) -> Desk {
    start_with(work, Some(drops), lang)
}

/// A desk on `work`, over `drops` (none: the desk's page sets them).
fn start_with(work: &Path, drops: Option<&Path>, lang: &str) -> Desk {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lightbox"));
    command.args(["--lang", lang, "serve"]).arg(work);
    if let Some(drops) = drops {
        command.arg("--drops").arg(drops);
    }
    let mut child = command
        .args(["--no-browser", "--jobs", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the desk prints its address").unwrap();
        if line.starts_with("http://") {
            break line;
        }
    };
    // http://127.0.0.1:PORT/?token=TOKEN
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .expect("loopback by default");
    let (port, token) = rest.split_once("/?token=").unwrap();
    Desk {
        child,
        port: port.parse().unwrap(),
        token: token.to_string(),
        work: work.canonicalize().unwrap(),
    }
}

impl Desk {
    fn cookie(&self) -> String {
        format!("lightbox_token_{}={}", self.port, self.token)
    }

    /// Sends a raw request (the head's lines, without the final blank line) and reads the reply.
    fn raw(&self, head: &[String], body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut request = head.join("\r\n");
        request.push_str(&format!(
            "\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete reply");
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: bytes[split + 4..].to_vec(),
        }
    }

    /// A request from the desk's own page: the right Host, the cookie, and for a POST the token
    /// header and the desk's origin.
    fn ask(&self, method: &str, path: &str, body: &str) -> Reply {
        let mut head = vec![
            format!("{method} {path} HTTP/1.1"),
            format!("Host: 127.0.0.1:{}", self.port),
            format!("Cookie: {}", self.cookie()),
        ];
        if method == "POST" {
            head.push(format!("X-Lightbox-Token: {}", self.token));
            head.push(format!("Origin: http://127.0.0.1:{}", self.port));
            head.push("Content-Type: application/json".into());
        }
        self.raw(&head, body.as_bytes())
    }

    /// An event stream, read line by line.
    fn events(&self) -> BufReader<TcpStream> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        write!(
            stream,
            "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\n\r\n",
            self.port,
            self.cookie()
        )
        .unwrap();
        BufReader::new(stream)
    }

    fn state(&self) -> serde_json::Value {
        let reply = self.ask("GET", "/api/state", "");
        assert_eq!(reply.status, 200, "{}", reply.text());
        serde_json::from_slice(&reply.body).unwrap()
    }

    /// Waits until the job is not running, and returns its state.
    fn finished(&self) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let job = self.state()["job"].clone();
            if job["running"] == false && job["serial"].as_u64() > Some(0) {
                return job;
            }
            assert!(Instant::now() < deadline, "the job did not end: {job}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The data of the next event named `name` on a stream.
fn next_event(stream: &mut BufReader<TcpStream>, name: &str) -> serde_json::Value {
    next_of(stream, &[name]).1
}

/// The name and data of the next event on a stream named one of `names`.
fn next_of(stream: &mut BufReader<TcpStream>, names: &[&str]) -> (String, serde_json::Value) {
    let mut current = String::new();
    loop {
        let mut line = String::new();
        assert!(stream.read_line(&mut line).unwrap() > 0, "the stream ended");
        let line = line.trim_end();
        if let Some(event) = line.strip_prefix("event: ") {
            current = event.to_string();
        } else if let Some(data) = line.strip_prefix("data: ")
            && names.contains(&current.as_str())
        {
            return (current, serde_json::from_str(data).unwrap());
        }
    }
}

/// The stages of the next job on a stream, in order, and its last state (the job that was
/// running or ended when the stream opened is passed over).
fn next_job(stream: &mut BufReader<TcpStream>) -> (Vec<String>, serde_json::Value) {
    let mut stages: Vec<String> = Vec::new();
    let mut started = false;
    loop {
        let job = next_event(stream, "job");
        if !started {
            started = job["running"] == true && job["stage"] == "";
            if !started {
                continue;
            }
        }
        let stage = job["stage"].as_str().unwrap_or_default().to_string();
        if !stage.is_empty() && stages.last() != Some(&stage) {
            stages.push(stage);
        }
        if job["running"] == false {
            return (stages, job);
        }
    }
}

/// Which news the end of a job sent the open tabs: `finished` (new results: review pages offer
/// to reload) or `state` (only the desk's page changed).
fn job_end(stream: &mut BufReader<TcpStream>) -> String {
    next_of(stream, &["finished", "state"]).0
}

fn drops_copy(dir: &Path) -> PathBuf {
    let drops = dir.join("drops");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/drops");
    for entry in walkdir::WalkDir::new(&source).sort_by_file_name() {
        let entry = entry.unwrap();
        let to = drops.join(entry.path().strip_prefix(&source).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if entry.file_type().is_symlink() {
            // The fixtures hold a dangling link (a photo whose file is gone).
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    drops
}

#[test]
fn the_door_needs_the_token_the_desks_host_and_its_own_origin() {
    let dir = tempfile::tempdir().unwrap();
    let drops = drops_copy(dir.path());
    let desk = start(&dir.path().join("work"), &drops);
    let host = format!("Host: 127.0.0.1:{}", desk.port);

    // No token, a wrong token (in the URL, in the cookie): refused.
    let get = |path: &str, extra: &[String]| {
        let mut head = vec![format!("GET {path} HTTP/1.1"), host.clone()];
        head.extend_from_slice(extra);
        desk.raw(&head, b"")
    };
    assert_eq!(get("/", &[]).status, 403);
    assert_eq!(get("/api/state", &[]).status, 403);
    assert_eq!(get("/?token=0123", &[]).status, 403);
    let wrong = format!("Cookie: lightbox_token_{}={}", desk.port, "f".repeat(64));
    assert_eq!(get("/api/state", &[wrong]).status, 403);
    // Another port's cookie is not this desk's.
    let other = format!("Cookie: lightbox_token_1={}", desk.token);
    assert_eq!(get("/api/state", &[other]).status, 403);

    // The URL's token is traded for a cookie the page's script cannot read, and leaves the URL.
    let first = get(&format!("/?token={}", desk.token), &[]);
    assert_eq!(first.status, 303);
    assert_eq!(first.header("location"), Some("/"));
    let cookie = first.header("set-cookie").unwrap();
    assert!(cookie.starts_with(&desk.cookie()), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let page = desk.ask("GET", "/", "");
    assert_eq!(page.status, 200);
    // Nothing is loaded from elsewhere, nothing frames the desk.
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(!page.text().contains("http://") && !page.text().contains("https://"));

    // A foreign Host (DNS rebinding) is refused even with the token.
    for foreign in ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io"] {
        let head = [
            "GET /api/state HTTP/1.1".to_string(),
            format!("Host: {foreign}:{}", desk.port),
            format!("Cookie: {}", desk.cookie()),
        ];
        assert_eq!(desk.raw(&head, b"").status, 403, "{foreign}");
    }
    let head = [
        "GET /api/state HTTP/1.1".to_string(),
        format!("Host: localhost:{}", desk.port),
        format!("Cookie: {}", desk.cookie()),
    ];
    assert_eq!(desk.raw(&head, b"").status, 200);

    // Paths outside the outputs: 404 whatever the spelling; the catalog is not served either.
    std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
    desk.ask("GET", "/api/state", "");
    for path in [
        "/catalog.sqlite",
        "/../secret.txt",
        "/derived/../../secret.txt",
        "/derived/%2e%2e/%2e%2e/secret.txt",
        "/sheets/..%2f..%2fsecret.txt",
        "//etc/passwd",
        "/derived/..%5c..%5csecret.txt",
        "/desk/settings.json/../../../secret.txt",
    ] {
        let reply = desk.ask("GET", path, "");
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.text().contains("secret"), "{path}");
    }
    let abs = dir.path().join("secret.txt");
    assert_eq!(desk.ask("GET", &abs.display().to_string(), "").status, 404);

    // A change needs POST, the token in its header and the desk's own origin.
    let change = r#"{"client":"t","changes":[{"op":"verdict","content":"aa","path":"u/a.jpg","decision":"reject"}]}"#;
    assert_eq!(desk.ask("GET", "/api/run", "").status, 405);
    assert_eq!(desk.ask("PUT", "/api/decisions", change).status, 403);
    let post = |extra: &[String]| {
        let mut head = vec![
            "POST /api/decisions HTTP/1.1".to_string(),
            host.clone(),
            format!("Cookie: {}", desk.cookie()),
            "Content-Type: application/json".to_string(),
        ];
        head.extend_from_slice(extra);
        desk.raw(&head, change.as_bytes())
    };
    // The cookie alone (what a cross-site form would carry): refused.
    assert_eq!(post(&[]).status, 403);
    let token = format!("X-Lightbox-Token: {}", desk.token);
    // A page on another origin, or a cross-site fetch: refused.
    assert_eq!(
        post(&[token.clone(), "Origin: http://evil.example".into()]).status,
        403
    );
    assert_eq!(
        post(&[token.clone(), "Sec-Fetch-Site: cross-site".into()]).status,
        403
    );
    assert_eq!(
        post(&[
            token.clone(),
            format!("Origin: http://localhost:{}", desk.port + 1)
        ])
        .status,
        403
    );
    let decisions = lightbox::catalog::read_decisions(&desk.work.join("catalog.sqlite")).unwrap();
    assert!(decisions.decisions.is_empty(), "nothing refused was saved");
    // The desk's own page: saved.
    assert_eq!(
        post(&[token, format!("Origin: http://127.0.0.1:{}", desk.port)]).status,
        204
    );
    let decisions = lightbox::catalog::read_decisions(&desk.work.join("catalog.sqlite")).unwrap();
    assert_eq!(decisions.verdict("aa"), Some(Verdict::Reject));
    // Nothing was written into the drop.
    assert_eq!(
        tree(&drops),
        tree(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/drops")
                .as_path()
        )
    );
}

/// Every file of a folder with its bytes.
fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_run_reports_progress_to_its_end_and_decisions_reach_the_catalog_and_other_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let drops = drops_copy(dir.path());
    let desk = start(&dir.path().join("work"), &drops);
    assert!(desk.state()["report"].is_null());

    // A cancelled run: stopped, nothing suspected, no report.
    let mut watch = desk.events();
    assert_eq!(desk.ask("POST", "/api/run", "").status, 202);
    assert_eq!(desk.ask("POST", "/api/cancel", "").status, 202);
    let job = desk.finished();
    assert_eq!(job["ending"], "cancelled", "{job}");
    let slots = std::fs::read_dir(desk.work.join("journal"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("slot-"))
            })
            .count()
        })
        .unwrap_or(0);
    assert_eq!(slots, 0, "a stopped run leaves no suspects");
    assert_eq!(
        job_end(&mut watch),
        "state",
        "a stopped run has no new results"
    );

    // A whole run: every stage's progress arrives, to its end.
    assert_eq!(desk.ask("POST", "/api/run", "").status, 202);
    // One job at a time.
    let second = desk.ask("POST", "/api/run", "");
    let job = desk.finished();
    assert!(
        second.status == 409 || job["serial"] == 3,
        "{}",
        second.status
    );
    assert_eq!(job["ending"], "findings", "{job}");
    let mut stages = Vec::new();
    let (mut inspected, mut to_inspect) = (0, 0);
    loop {
        let job = next_event(&mut watch, "job");
        if job["serial"] == 2 {
            let stage = job["stage"].as_str().unwrap().to_string();
            if stage == "inspect" {
                inspected = inspected.max(job["done"].as_u64().unwrap());
                to_inspect = job["total"].as_u64().unwrap();
            }
            if !stages.contains(&stage) && !stage.is_empty() {
                stages.push(stage);
            }
            if job["running"] == false {
                break;
            }
        }
    }
    assert_eq!(
        stages,
        [
            "scan", "inspect", "dedupe", "validate", "report", "sheets", "review"
        ]
    );
    assert_eq!(
        job_end(&mut watch),
        "finished",
        "a run's end tells of new results"
    );
    let state = desk.state();
    let report = &state["report"];
    // The inspection's progress reached its end: every file but the dangling link was read.
    assert_eq!(inspected, to_inspect);
    assert_eq!(report["summary"]["files"], to_inspect + 1, "{report}");
    let units = report["units"].as_array().unwrap();
    assert_eq!(units.len(), 4);
    let karamay = units
        .iter()
        .find(|u| u["unit"] == "克拉玛依市科协")
        .unwrap();
    let reasons: Vec<&str> = karamay["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["check"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"file_small"), "{reasons:?}");
    assert!(reasons.contains(&"missing_field:caption"), "{reasons:?}");
    assert!(
        !report.to_string().contains("decoder_crashed"),
        "the cancelled run left no file suspected"
    );
    assert!(!state["sheets"].as_array().unwrap().is_empty());

    // The review page is the run's, with the desk's hooks; its thumbnails are served.
    let page = desk.ask("GET", "/review/", "").text();
    assert!(page.contains("\"live\":{\"changes\":\"/api/decisions\""));
    let thumb = page
        .split("\"thumb\":\"../")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    let image = desk.ask("GET", &format!("/{thumb}"), "");
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert_eq!(&image.body[..2], b"\xff\xd8");

    // A decision in one tab: saved to the catalog at once, and the other tab hears of it.
    let mut other = desk.events();
    next_event(&mut other, "job");
    let key = page
        .split("\"content_key\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    let change = format!(
        r#"{{"client":"tab-1","changes":[{{"op":"verdict","content":"{key}","path":"x.jpg","decision":"reject"}}]}}"#
    );
    assert_eq!(desk.ask("POST", "/api/decisions", &change).status, 204);
    let heard = next_event(&mut other, "changes");
    assert_eq!(heard["client"], "tab-1");
    assert_eq!(heard["changes"][0]["content"], key.as_str());
    let catalog = desk.work.join("catalog.sqlite");
    assert_eq!(
        lightbox::catalog::read_decisions(&catalog)
            .unwrap()
            .verdict(&key),
        Some(Verdict::Reject)
    );
    // A reload shows it; undone, it is gone from the catalog too.
    assert!(desk.ask("GET", "/review/", "").text().contains(&format!(
        "{{\"content\":\"{key}\",\"path\":\"x.jpg\",\"decision\":\"reject\"}}"
    )));
    let undo = change.replace("\"reject\"", "null");
    assert_eq!(desk.ask("POST", "/api/decisions", &undo).status, 204);
    assert_eq!(
        lightbox::catalog::read_decisions(&catalog)
            .unwrap()
            .verdict(&key),
        None
    );

    // A decision made while a run holds the catalog waits, and goes in when the run ends.
    assert_eq!(desk.ask("POST", "/api/run", "").status, 202);
    let accept = change.replace("\"reject\"", "\"accept\"");
    assert_eq!(desk.ask("POST", "/api/decisions", &accept).status, 204);
    desk.finished();
    let deadline = Instant::now() + Duration::from_secs(30);
    while lightbox::catalog::read_decisions(&catalog)
        .unwrap()
        .verdict(&key)
        != Some(Verdict::Accept)
    {
        assert!(
            Instant::now() < deadline,
            "the waiting decision never reached the catalog"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!desk.work.join("desk/pending.jsonl").exists());
}

#[test]
fn a_whole_session_in_chromium() {
    if !crate::review::browser_ready("desk") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let drops = drops_copy(dir.path());
    let desk = start_in(&dir.path().join("work"), &drops, "zh");
    // The README's and the guide's screenshots: LIGHTBOX_SHOTS=docs/screenshots keeps them.
    let shots = std::env::var_os("LIGHTBOX_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("shots"));
    let url = format!("http://127.0.0.1:{}/?token={}", desk.port, desk.token);
    let out = Command::new("node")
        .arg(crate::review::browser_dir().join("desk.mjs"))
        .arg(&url)
        .arg(&shots)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "desk.mjs failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    for step in [
        "ok run",
        "ok review",
        "ok reload",
        "ok package",
        "ok verify",
    ] {
        assert!(said.contains(step), "desk.mjs skipped {step}:\n{said}");
    }
    for shot in ["desk.png", "desk-review.png"] {
        let bytes = std::fs::read(shots.join(shot)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{shot}");
    }
    // What the browser decided is in the catalog.
    let report =
        lightbox::report::Report::from_json(&std::fs::read(desk.work.join("report.json")).unwrap())
            .unwrap();
    let rejected = report
        .items
        .iter()
        .find(|i| i.path == "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg")
        .unwrap();
    let key = lightbox::report::content_key(rejected);
    let decisions = lightbox::catalog::read_decisions(&desk.work.join("catalog.sqlite")).unwrap();
    assert_eq!(decisions.verdict(&key), Some(Verdict::Reject));
    assert_eq!(decisions.keepers.len(), 1, "{:?}", decisions.keepers);
    // The package the browser built follows them: the rejected photo stayed out.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(desk.work.join("package/data/manifest.json")).unwrap(),
    )
    .unwrap();
    let rejected_path = "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg";
    let originals: Vec<&str> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["original"].as_str().unwrap())
        .collect();
    assert!(!originals.is_empty(), "the package holds photos");
    assert!(
        !originals.contains(&rejected_path),
        "the photo rejected in the browser was packaged"
    );
    assert!(
        manifest["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["original"] == rejected_path && s["code"] == "curator_rejected"),
        "{manifest}"
    );
    assert!(
        decisions.keepers[0]
            .path
            .ends_with("2018 喀什地区 科普讲座.jpg")
    );
    assert_eq!(
        tree(&drops),
        tree(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/drops")
                .as_path()
        )
    );
}

#[test]
fn a_units_sheet_goes_out_and_comes_back_and_the_package_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let drops = drops_copy(dir.path());
    let desk = start(&dir.path().join("work"), &drops);
    // Before any run there is no unit to send a sheet for.
    assert_eq!(
        desk.ask(
            "GET",
            "/api/template?unit=%E6%96%B0%E7%96%86%E5%A4%A7%E5%AD%A6",
            ""
        )
        .status,
        404
    );
    assert_eq!(desk.ask("POST", "/api/run", "").status, 202);
    assert_eq!(desk.finished()["ending"], "findings");

    // The fill-in sheet of a unit: an xlsx to download; nothing is left in the work folder.
    let unit = "%E6%96%B0%E7%96%86%E5%A4%A7%E5%AD%A6"; // 新疆大学
    let before = tree(&desk.work).len();
    let sheet = desk.ask("GET", &format!("/api/template?unit={unit}"), "");
    assert_eq!(sheet.status, 200, "{}", sheet.text());
    assert_eq!(&sheet.body[..2], b"PK");
    assert!(sheet.header("content-disposition").unwrap().contains(
        "filename*=UTF-8''%E6%96%B0%E7%96%86%E5%A4%A7%E5%AD%A6-%E6%B1%87%E6%80%BB%E8%A1%A8.xlsx"
    ));
    assert_eq!(tree(&desk.work).len(), before, "a GET wrote nothing");

    // Its fix-list: its own rows of findings.csv, nobody else's.
    let fixes = desk.ask("GET", &format!("/api/fixlist?unit={unit}"), "");
    assert_eq!(fixes.status, 200, "{}", fixes.text());
    assert!(
        fixes
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        fixes
            .header("content-disposition")
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let csv_text = fixes.text();
    assert!(csv_text.starts_with('\u{feff}'));
    assert!(csv_text.contains("新疆大学/损坏的照片.jpg"), "{csv_text}");
    assert!(csv_text.contains("truncated"));
    assert!(!csv_text.contains("克拉玛依市科协/"), "{csv_text}");
    assert_eq!(desk.ask("GET", "/api/fixlist?unit=..", "").status, 404);

    // Uploads: only a unit of the run, only a sheet's extension, never the unit's own name for
    // the file.
    let csv = "序号,文件名,年份,地州市,活动名称,图片说明,摄影者\n1,2017+乌鲁木齐市+天文科普.jpg,2017,乌鲁木齐市,天文科普,新疆大学天文台向市民开放观测太阳黑子。,李明\n";
    let upload = |unit: &str, name: &str, body: &str| {
        desk.ask("POST", &format!("/api/sheet?unit={unit}&name={name}"), body)
    };
    assert_eq!(upload("..%2Fx", "a.csv", csv).status, 404);
    assert_eq!(upload("..", "a.csv", csv).status, 404);
    assert_eq!(upload("%2Ftmp", "a.csv", csv).status, 404);
    assert_eq!(upload(unit, "run.sh", csv).status, 400);
    assert_eq!(upload(unit, "a.csv", "").status, 400);
    let kept = upload(unit, "..%2F..%2Fx.csv", csv);
    assert_eq!(kept.status, 201, "{}", kept.text());
    let kept: serde_json::Value = serde_json::from_slice(&kept.body).unwrap();
    let kept = kept["kept"].as_str().unwrap();
    assert!(
        kept.starts_with("returned/新疆大学/") && kept.ends_with("-汇总表.csv"),
        "{kept}"
    );
    assert!(desk.work.join(kept).is_file());
    assert!(!dir.path().join("x.csv").exists() && !desk.work.join("x.csv").exists());
    assert_eq!(
        desk.state()["returned"],
        serde_json::json!([kept]),
        "the desk lists what it kept"
    );

    // The next run reads it as the unit's sheet (the drop is untouched).
    assert_eq!(desk.ask("POST", "/api/run", "").status, 202);
    desk.finished();
    let report = std::fs::read_to_string(desk.work.join("report.json")).unwrap();
    assert!(report.contains("新疆大学天文台向市民开放观测太阳黑子。"));
    assert!(
        report.contains(kept),
        "the caption's source names the returned sheet"
    );
    assert_eq!(
        tree(&drops),
        tree(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/drops")
                .as_path()
        )
    );

    // No package yet: nothing to verify.
    assert_eq!(desk.ask("POST", "/api/verify", "").status, 400);
    // The package, built from the desk into WORK/package, with its progress: no new results
    // for the review.
    let mut watch = desk.events();
    assert_eq!(desk.ask("POST", "/api/package", "").status, 202);
    let (stages, job) = next_job(&mut watch);
    assert_eq!(stages, ["copy", "summary", "catalogue"]);
    assert_eq!(job_end(&mut watch), "state");
    assert_eq!(job["kind"], "package");
    assert!(
        job["ending"] == "clean" || job["ending"] == "findings",
        "{job}"
    );
    let state = desk.state();
    let package: Vec<&str> = state["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(package.contains(&"package/data/汇总表.xlsx"), "{package:?}");
    let book = desk.ask("GET", "/package/data/%E5%9B%BE%E5%BD%95.pdf", "");
    assert_eq!(book.status, 200);
    assert_eq!(&book.body[..4], b"%PDF");
    crate::env::assert_valid_bag(&desk.work.join("package"));

    // Verified from the desk as its receiver will: whole.
    assert_eq!(desk.ask("POST", "/api/verify", "").status, 202);
    let (stages, job) = next_job(&mut watch);
    assert_eq!(stages, ["verify"]);
    assert_eq!(
        (&job["kind"], &job["ending"]),
        (&"verify".into(), &"clean".into()),
        "{job}"
    );
    assert_eq!(job["output"], serde_json::json!([]));
    // A photo changed after packaging: the check names it.
    let photo = walkdir::WalkDir::new(desk.work.join("package/data"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "jpg"))
        .map(|e| e.into_path())
        .unwrap();
    let mut bytes = std::fs::read(&photo).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&photo, bytes).unwrap();
    assert_eq!(desk.ask("POST", "/api/verify", "").status, 202);
    let (_, job) = next_job(&mut watch);
    assert_eq!(job["ending"], "findings", "{job}");
    let name = photo.file_name().unwrap().to_string_lossy().into_owned();
    let output = job["output"].to_string();
    assert!(output.contains(&name) && output.contains("SHA"), "{output}");

    // A part size the desk cannot read is refused; one it can builds zipped parts, each
    // verified whole.
    let bad = desk.ask("POST", "/api/package?split=lots", "");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("lots"), "{}", bad.text());
    assert_eq!(desk.ask("POST", "/api/package?split=700KB", "").status, 202);
    let (stages, _) = next_job(&mut watch);
    assert!(
        stages.starts_with(&[
            "copy".into(),
            "summary".into(),
            "catalogue".into(),
            "zip".into()
        ]),
        "{stages:?}"
    );
    let zips: Vec<String> = desk.state()["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    assert!(
        zips.len() >= 2 && zips.iter().all(|z| z.ends_with(".zip")),
        "{zips:?}"
    );
    assert_eq!(desk.ask("POST", "/api/verify", "").status, 202);
    let (_, job) = next_job(&mut watch);
    assert_eq!(job["ending"], "clean", "{job}");
}

#[test]
fn the_drops_folder_is_set_from_the_desk_and_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let drops = drops_copy(dir.path());
    let desk = start_with(&dir.path().join("work"), None, "en");
    assert_eq!(desk.state()["drops"], serde_json::json!([]));
    // A run with no drops says so.
    assert_eq!(desk.ask("POST", "/api/run", "").status, 400);
    let set = |path: &Path| {
        desk.ask(
            "POST",
            "/api/drops",
            &serde_json::json!({ "drops": [path] }).to_string(),
        )
    };
    assert_eq!(set(&dir.path().join("missing")).status, 400);
    // Not the work folder, nor anything inside it or holding it.
    assert_eq!(set(&desk.work.join("desk")).status, 400);
    assert_eq!(set(dir.path()).status, 400);
    assert_eq!(set(&drops).status, 204);
    assert_eq!(
        desk.state()["drops"],
        serde_json::json!([drops.canonicalize().unwrap()])
    );
    let settings = std::fs::read_to_string(desk.work.join("desk/settings.json")).unwrap();
    assert!(settings.contains(&*drops.canonicalize().unwrap().to_string_lossy()));
    assert_eq!(desk.ask("POST", "/api/run", "").status, 202);
    assert_eq!(desk.finished()["ending"], "findings");
}
