//! Just enough HTTP/1.1 for ejabberd's `mod_http_api` on loopback: a
//! JSON `POST` per command on one kept-alive connection (plain, or TLS
//! with the server's own certificates, see `tls`), answers with a
//! `Content-Length`. A crate would bring a pool, redirects and TLS
//! settings that one loopback listener needs none of.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long connecting may take: the listener is on this machine.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one answer may take (a listing of many invites included).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest answer read: well above a listing of ejabberd's 1000
/// server-made invites and every user's.
const MAX_BODY: usize = 256 << 20;

/// A connection, plain or encrypted.
enum Conn {
    Plain(TcpStream),
    #[cfg(feature = "https")]
    Tls(Box<super::tls::TlsStream>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            #[cfg(feature = "https")]
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            #[cfg(feature = "https")]
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            #[cfg(feature = "https")]
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// TLS to the listener: the client setup and the name to ask for.
#[cfg(feature = "https")]
pub struct Tls {
    pub config: std::sync::Arc<rustls::ClientConfig>,
    pub server_name: String,
}

/// An answer: the status code and the body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A connection to one HTTP listener, opened on first use and again
/// after the server closes it.
pub struct Http {
    address: SocketAddr,
    /// The `Host` header: ejabberd_http refuses a request without one.
    authority: String,
    stream: Option<BufReader<Conn>>,
    #[cfg(feature = "https")]
    tls: Option<Tls>,
}

impl Http {
    pub fn new(address: SocketAddr) -> Http {
        Http {
            authority: address.to_string(),
            address,
            stream: None,
            #[cfg(feature = "https")]
            tls: None,
        }
    }

    /// The same, over TLS.
    #[cfg(feature = "https")]
    pub fn with_tls(address: SocketAddr, tls: Tls) -> Http {
        Http {
            tls: Some(tls),
            ..Http::new(address)
        }
    }

    /// `POST path` with a JSON body. An `idempotent` request on a
    /// kept-alive connection that the server had closed is sent once more
    /// on a new one; any other is not (the command may have run).
    pub fn post(&mut self, path: &str, json: &str, idempotent: bool) -> std::io::Result<Answer> {
        let reused = self.stream.is_some();
        match self.exchange(path, json) {
            Err(e) if idempotent && reused && is_closed(&e) => {
                self.stream = None;
                self.exchange(path, json)
            }
            outcome => outcome,
        }
    }

    fn exchange(&mut self, path: &str, json: &str) -> std::io::Result<Answer> {
        if self.stream.is_none() {
            let stream = TcpStream::connect_timeout(&self.address, CONNECT_TIMEOUT)?;
            stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
            stream.set_write_timeout(Some(ANSWER_TIMEOUT))?;
            stream.set_nodelay(true)?;
            self.stream = Some(BufReader::new(self.wrap(stream)?));
        }
        let outcome = self.round_trip(path, json);
        if !matches!(&outcome, Ok((_, true))) {
            self.stream = None;
        }
        outcome.map(|(answer, _)| answer)
    }

    /// The connection as this listener speaks: over TLS, or plain.
    fn wrap(&self, stream: TcpStream) -> std::io::Result<Conn> {
        #[cfg(feature = "https")]
        if let Some(tls) = &self.tls {
            let tls = super::tls::connect(&tls.config, &tls.server_name, stream)?;
            return Ok(Conn::Tls(Box::new(tls)));
        }
        Ok(Conn::Plain(stream))
    }

    /// The answer, and whether the connection may be used again.
    fn round_trip(&mut self, path: &str, json: &str) -> std::io::Result<(Answer, bool)> {
        let reader = self.stream.as_mut().expect("connected");
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            self.authority,
            json.len()
        );
        let stream = reader.get_mut();
        stream.write_all(request.as_bytes())?;
        stream.write_all(json.as_bytes())?;
        stream.flush()?;

        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::ConnectionAborted.into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .filter(|_| line.starts_with("HTTP/1."))
            .ok_or_else(|| invalid(format!("not an HTTP answer: {:?}", line.trim_end())))?;
        let (mut length, mut keep_alive) = (None, line.starts_with("HTTP/1.1"));
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err(invalid("the answer ended in its headers".into()));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                return Err(invalid(format!("a malformed header: {header:?}")));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| invalid(format!("Content-Length {value:?}")))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(invalid(format!("Transfer-Encoding {value} is not read")));
            } else if name.eq_ignore_ascii_case("connection") {
                keep_alive = !value.eq_ignore_ascii_case("close");
            }
        }
        let body = match length {
            Some(n) if n > MAX_BODY => return Err(invalid(format!("an answer of {n} bytes"))),
            Some(n) => {
                let mut body = vec![0; n];
                reader.read_exact(&mut body)?;
                body
            }
            None => {
                keep_alive = false;
                let mut body = Vec::new();
                reader.take(MAX_BODY as u64 + 1).read_to_end(&mut body)?;
                if body.len() > MAX_BODY {
                    return Err(invalid("an answer too large to read".into()));
                }
                body
            }
        };
        Ok((Answer { status, body }, keep_alive))
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// The server closed a kept-alive connection before answering.
fn is_closed(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | BrokenPipe | UnexpectedEof
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-connection server that answers each request with the next
    /// of `answers`, then closes.
    fn serve(answers: Vec<&'static str>) -> (SocketAddr, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut requests = Vec::new();
            for answer in answers {
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                requests.push(head + &String::from_utf8(body).unwrap());
                reader.get_mut().write_all(answer.as_bytes()).unwrap();
            }
            requests
        });
        (address, handle)
    }

    #[test]
    fn requests_share_one_connection_and_bodies_are_read_by_length() {
        let (address, server) = serve(vec![
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n[]",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 11\r\n\r\n\"not_found\"",
        ]);
        let mut http = Http::new(address);
        let first = http
            .post("/api/list_invites", r#"{"host":"a"}"#, true)
            .unwrap();
        assert_eq!((first.status, first.body.as_slice()), (200, &b"[]"[..]));
        let second = http
            .post("/api/delete_invite_by_token", "{}", false)
            .unwrap();
        assert_eq!(second.status, 404);
        assert_eq!(second.body, b"\"not_found\"");
        let requests = server.join().unwrap();
        assert!(requests[0].starts_with("POST /api/list_invites HTTP/1.1\r\n"));
        assert!(requests[0].contains(&format!("\r\nHost: {address}\r\n")));
        assert!(requests[0].ends_with("\r\n\r\n{\"host\":\"a\"}"));
    }

    #[test]
    fn what_is_not_http_is_an_error() {
        let (address, _server) = serve(vec!["SSH-2.0-OpenSSH\r\n\r\n"]);
        let err = Http::new(address).post("/api/x", "{}", true).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("not an HTTP answer"), "{err}");
    }
}
