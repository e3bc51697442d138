//! The site to crawl: generated pages, served on loopback by hyper. Most pages answer after
//! 10 ms, some after 150 ms, some hang for 5 s, some answer 500 the first time they are asked,
//! and some link to pages that do not exist (404).

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

/// How long page i takes to answer.
pub fn delay(i: u32) -> Duration {
    match i {
        _ if i % 50 == 7 => Duration::from_secs(5), // hangs: past any sensible timeout
        _ if i.is_multiple_of(17) => Duration::from_millis(150),
        _ => Duration::from_millis(10),
    }
}

/// Page i: slow, hanging, or flaky depending on its number; links to three others and, now and
/// then, to a page that does not exist.
fn page(i: u32, pages: u32) -> (Duration, String) {
    let delay = delay(i);
    let mut links: Vec<u32> = vec![(i + 1) % pages, (i * 7 + 3) % pages, (i * 13 + 5) % pages];
    if i.is_multiple_of(9) {
        links.push(pages + i); // missing: 404
    }
    let body: String = links
        .iter()
        .map(|l| format!("<a href=\"/page/{l}\">page {l}</a>\n"))
        .collect();
    let html = format!("<html><body><h1>page {i}</h1>\n{body}</body></html>\n");
    (delay, html)
}

async fn serve(
    req: Request<Incoming>,
    pages: u32,
    asked: Arc<Mutex<HashSet<u32>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let number = req
        .uri()
        .path()
        .strip_prefix("/page/")
        .and_then(|n| n.parse::<u32>().ok());
    let (status, body) = match number {
        Some(i) if i < pages => {
            let first_time = asked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(i);
            let (delay, html) = page(i, pages);
            tokio::time::sleep(delay).await;
            if i % 11 == 4 && first_time {
                (StatusCode::INTERNAL_SERVER_ERROR, "try again\n".to_string()) // flaky: first time only
            } else {
                (StatusCode::OK, html)
            }
        }
        _ => (StatusCode::NOT_FOUND, "no such page\n".to_string()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    Ok(response)
}

/// Starts the site on a free loopback port; returns its base URL. Each call is a fresh site
/// (the flaky pages fail again), so each crawl meets the same conditions.
pub async fn start(pages: u32) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let asked = Arc::new(Mutex::new(HashSet::new()));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let asked = Arc::clone(&asked);
            let service =
                hyper::service::service_fn(move |req| serve(req, pages, Arc::clone(&asked)));
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    Ok(base)
}
