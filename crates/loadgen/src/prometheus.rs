//! Reading the broker's resident memory from its Prometheus `/metrics` endpoint.
//!
//! Only what the load generator needs: a plain HTTP/1.0 GET (the monitoring endpoint is local
//! and unauthenticated, and HTTP/1.0 makes the server close the connection after the body, so no
//! connection management is needed) and a reader for samples of one metric in the Prometheus
//! text exposition format.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Metric names holding the broker's resident set size, in order of preference: Hornet's own
/// (registered with the `hornet` prefix), then the conventional process collector name.
pub const RESIDENT_MEMORY_METRICS: [&str; 2] = [
    "hornet_process_resident_memory_bytes",
    "process_resident_memory_bytes",
];

/// Largest metrics page read; more than any broker serves, small enough to bound memory.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// One sample of a metric: its label set (as written, without braces) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: String,
    pub value: f64,
}

/// All samples of the metric `name` in a text-format page. Comment lines, other metrics and
/// metrics whose name merely starts with `name` are skipped; an optional timestamp after the
/// value is ignored.
pub fn samples(page: &str, name: &str) -> Vec<Sample> {
    page.lines()
        .filter_map(|line| parse_sample(line.trim_start(), name))
        .collect()
}

fn parse_sample(line: &str, name: &str) -> Option<Sample> {
    if line.starts_with('#') {
        return None;
    }
    let rest = line.strip_prefix(name)?;
    let (labels, rest) = if let Some(after_brace) = rest.strip_prefix('{') {
        // Label values may contain '}' only inside quotes; find the closing brace outside them.
        let end = closing_brace(after_brace)?;
        (&after_brace[..end], &after_brace[end + 1..])
    } else if rest.starts_with([' ', '\t']) {
        ("", rest)
    } else {
        return None;
    };
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some(Sample {
        labels: labels.to_owned(),
        value,
    })
}

fn closing_brace(text: &str) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '}' if !in_quotes => return Some(index),
            _ => {}
        }
    }
    None
}

/// The broker's resident memory in bytes according to `page`, and the metric it came from; the
/// largest sample if a metric has several (e.g. one per node behind one endpoint).
pub fn resident_memory(page: &str) -> Option<(u64, &'static str)> {
    RESIDENT_MEMORY_METRICS.iter().find_map(|name| {
        samples(page, name)
            .into_iter()
            .map(|sample| sample.value)
            .filter(|value| value.is_finite() && *value >= 0.0)
            .reduce(f64::max)
            .map(|bytes| (bytes as u64, *name))
    })
}

/// Why a metrics page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error("cannot reach {address}: {source}")]
    Connect {
        address: String,
        source: std::io::Error,
    },
    #[error("no answer from {address} within {timeout:?}")]
    Timeout { address: String, timeout: Duration },
    #[error("malformed HTTP response from {address}: {reason}")]
    Malformed { address: String, reason: String },
    #[error("{address} answered /metrics with HTTP status {status}")]
    Status { address: String, status: u16 },
}

/// Fetches `http://<address>/metrics`; `address` is `host:port`, optionally with an `http://`
/// prefix.
pub async fn fetch_metrics(address: &str, timeout: Duration) -> Result<String, ScrapeError> {
    let host_port = address
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let exchange = async {
        let mut stream = TcpStream::connect(host_port).await?;
        let request = format!(
            "GET /metrics HTTP/1.0\r\nHost: {host_port}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        (&mut stream)
            .take(MAX_RESPONSE_BYTES as u64)
            .read_to_end(&mut response)
            .await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| ScrapeError::Timeout {
            address: host_port.to_owned(),
            timeout,
        })?
        .map_err(|source| ScrapeError::Connect {
            address: host_port.to_owned(),
            source,
        })?;
    parse_http_response(&response).map_err(|error| match error {
        HttpError::Status(status) => ScrapeError::Status {
            address: host_port.to_owned(),
            status,
        },
        HttpError::Malformed(reason) => ScrapeError::Malformed {
            address: host_port.to_owned(),
            reason,
        },
    })
}

#[derive(Debug, PartialEq)]
enum HttpError {
    Status(u16),
    Malformed(String),
}

/// The body of a complete HTTP/1.x response, if its status is 200.
fn parse_http_response(response: &[u8]) -> Result<String, HttpError> {
    let malformed = |reason: &str| HttpError::Malformed(reason.to_owned());
    let header_end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| malformed("no end of headers"))?;
    let head = std::str::from_utf8(&response[..header_end])
        .map_err(|_| malformed("headers are not UTF-8"))?;
    let body = &response[header_end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    match parts.next() {
        Some(version) if version.starts_with("HTTP/1.") => {}
        _ => return Err(malformed(&format!("bad status line {status_line:?}"))),
    }
    let status: u16 = parts
        .next()
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| malformed(&format!("bad status line {status_line:?}")))?;
    if status != 200 {
        return Err(HttpError::Status(status));
    }
    let chunked = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
        })
    });
    let body = if chunked {
        decode_chunked(body).ok_or_else(|| malformed("bad chunked encoding"))?
    } else {
        body.to_vec()
    };
    String::from_utf8(body).map_err(|_| malformed("body is not UTF-8"))
}

fn decode_chunked(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        // Chunk extensions follow a ';' and are ignored.
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "\
# HELP hornet_commands_processed Commands processed by the partition
# TYPE hornet_commands_processed counter
hornet_commands_processed_total{partition=\"1\"} 1234
hornet_commands_processed_total{partition=\"2\"} 5678
# HELP hornet_process_resident_memory_bytes Resident memory of the broker process
# TYPE hornet_process_resident_memory_bytes gauge
hornet_process_resident_memory_bytes 23592960
hornet_process_resident_memory_bytes_extra 1
# EOF
";

    #[test]
    fn reads_an_unlabelled_gauge() {
        assert_eq!(
            samples(PAGE, "hornet_process_resident_memory_bytes"),
            [Sample {
                labels: String::new(),
                value: 23592960.0
            }]
        );
        assert_eq!(
            resident_memory(PAGE),
            Some((23592960, "hornet_process_resident_memory_bytes"))
        );
    }

    #[test]
    fn reads_labelled_samples_and_skips_prefix_matches() {
        let found = samples(PAGE, "hornet_commands_processed_total");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].labels, "partition=\"1\"");
        assert_eq!(found[1].value, 5678.0);
        assert!(samples(PAGE, "hornet_commands_processed").is_empty());
    }

    #[test]
    fn falls_back_to_the_conventional_name_and_takes_the_largest_sample() {
        let page = "process_resident_memory_bytes{node=\"a\"} 1.5e7 1700000000000\n\
                    process_resident_memory_bytes{node=\"b}\"} 2e7\n";
        assert_eq!(
            resident_memory(page),
            Some((20_000_000, "process_resident_memory_bytes"))
        );
    }

    #[test]
    fn absent_or_garbled_metric_is_unknown() {
        assert_eq!(resident_memory("# nothing here\nup 1\n"), None);
        assert_eq!(
            resident_memory("process_resident_memory_bytes not-a-number\n"),
            None
        );
        assert_eq!(
            resident_memory("process_resident_memory_bytes{x=\"1\" 5\n"),
            None
        );
    }

    #[test]
    fn plain_and_chunked_http_bodies() {
        let plain = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n";
        assert_eq!(parse_http_response(plain).unwrap(), "up 1\n");
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nup \r\n2;x=y\r\n1\n\r\n0\r\n\r\n";
        assert_eq!(parse_http_response(chunked).unwrap(), "up 1\n");
    }

    #[test]
    fn http_errors_are_reported() {
        assert_eq!(
            parse_http_response(b"HTTP/1.1 404 Not Found\r\n\r\n"),
            Err(HttpError::Status(404))
        );
        assert!(matches!(
            parse_http_response(b"garbage"),
            Err(HttpError::Malformed(_))
        ));
        assert!(matches!(
            parse_http_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(HttpError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn fetches_from_a_local_http_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0; 1024];
            let n = socket.read(&mut request).await.unwrap();
            let request = String::from_utf8_lossy(&request[..n]).to_string();
            socket
                .write_all(b"HTTP/1.0 200 OK\r\n\r\nprocess_resident_memory_bytes 4096\n")
                .await
                .unwrap();
            request
        });
        let page = fetch_metrics(&address, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            resident_memory(&page),
            Some((4096, "process_resident_memory_bytes"))
        );
        assert!(server
            .await
            .unwrap()
            .starts_with("GET /metrics HTTP/1.0\r\n"));
    }

    #[tokio::test]
    async fn closed_port_is_a_connect_error() {
        let address = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().to_string()
        };
        let error = fetch_metrics(&address, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(error, ScrapeError::Connect { .. }), "{error}");
    }
}
