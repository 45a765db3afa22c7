//! A connection to the server's admin socket (`mod_admin_socket`): how
//! connecting fails, the stream set-up, and one request at a time with a
//! deadline.

use std::io::{self, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use quick_xml::reader::NsReader;

use super::error::{AdminShellError, Result};
use super::framing::{self, Reply};

/// How long one request may take by default, from sending to the end of
/// the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest `<repl-input>` stanza sent, in bytes on the wire: one
/// under the size at which the server closes the stream.
pub const MAX_REQUEST: usize = framing::SERVER_STANZA_LIMIT - 1;

/// The most bytes read for one answer.
pub const MAX_REPLY: usize = 64 * 1024 * 1024;

/// An open admin stream. Requests are answered in order, one at a time.
///
/// Any failure while a request is under way (a timeout, a broken or
/// closed stream, an answer that is too large) leaves the connection
/// [`AdminShellError::Broken`] for every later request: what the server
/// sends afterwards could not be matched to a request.
pub struct Connection {
    path: PathBuf,
    writer: UnixStream,
    reader: NsReader<BufReader<Timed>>,
    buf: Vec<u8>,
    timeout: Duration,
    broken: bool,
    /// How long the last answer took after its request was sent whole.
    answered_after: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("path", &self.path)
            .field("timeout", &self.timeout)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects to the socket at `path` and opens the admin stream, with
    /// [`DEFAULT_TIMEOUT`] for the set-up and every request.
    ///
    /// # Errors
    ///
    /// [`AdminShellError::NoSocket`], [`AdminShellError::NotRunning`] and
    /// [`AdminShellError::PermissionDenied`] as the system tells them;
    /// [`AdminShellError::Timeout`] when the server's backlog stays full or
    /// its stream header does not come in time (its event loop is busy);
    /// the stream errors of [`Connection::request`].
    pub fn open(path: &Path) -> Result<Connection> {
        Connection::open_with_timeout(path, DEFAULT_TIMEOUT)
    }

    /// [`Connection::open`] with another per-request timeout.
    ///
    /// # Errors
    ///
    /// As [`Connection::open`].
    pub fn open_with_timeout(path: &Path, timeout: Duration) -> Result<Connection> {
        let stream = connect_within(path, timeout).map_err(|e| match e.kind() {
            ErrorKind::WouldBlock => AdminShellError::Timeout(timeout),
            _ => connect_error(path, e),
        })?;
        let reading = stream.try_clone().map_err(AdminShellError::Io)?;
        let mut connection = Connection {
            path: path.to_path_buf(),
            writer: stream,
            reader: NsReader::from_reader(BufReader::new(Timed::new(reading))),
            buf: Vec::new(),
            timeout,
            broken: false,
            answered_after: Duration::ZERO,
        };
        connection.exchange(framing::STREAM_HEADER, framing::read_stream_header)?;
        Ok(connection)
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long the server took to answer the last request once it was
    /// sent whole: what it spent on it (reading the rest, parsing,
    /// compiling, running, answering), the longest a client of the
    /// server's one event loop may have waited meanwhile.
    pub fn answered_after(&self) -> Duration {
        self.answered_after
    }

    /// Changes the per-request timeout.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends `text` as one `<repl-input>` and reads the answer. A text
    /// starting with `>` runs as Lua with the server's globals; see
    /// [`super::Program`] for the only way invitectl builds such text.
    ///
    /// # Errors
    ///
    /// [`AdminShellError::RequestTooLarge`] or
    /// [`AdminShellError::Unsendable`] before anything is sent;
    /// [`AdminShellError::Timeout`], [`AdminShellError::Io`],
    /// [`AdminShellError::Closed`], [`AdminShellError::Protocol`] or
    /// [`AdminShellError::ReplyTooLarge`] when no answer could be read
    /// (the connection is then broken); [`AdminShellError::Broken`] after
    /// any of those. A `<repl-result type='error'>` is an answer, not an
    /// error here: see [`Reply::failed`].
    pub fn request(&mut self, text: &str) -> Result<Reply> {
        if self.broken {
            return Err(AdminShellError::Broken);
        }
        let stanza = framing::repl_input(text)?;
        if stanza.len() > MAX_REQUEST {
            return Err(AdminShellError::RequestTooLarge {
                size: stanza.len(),
                limit: MAX_REQUEST,
            });
        }
        self.exchange(&stanza, framing::read_reply)
    }

    /// Writes `data`, then reads with `read` before the deadline; any
    /// failure breaks the connection.
    fn exchange<T>(
        &mut self,
        data: &str,
        read: impl FnOnce(&mut NsReader<BufReader<Timed>>, &mut Vec<u8>) -> Result<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + self.timeout;
        self.reader.get_mut().get_mut().start(deadline);
        let outcome = self.write(data, deadline).and_then(|()| {
            let sent = Instant::now();
            let got = read(&mut self.reader, &mut self.buf);
            self.answered_after = sent.elapsed();
            let timed = self.reader.get_mut().get_mut();
            match got {
                Err(_) if timed.timed_out => Err(AdminShellError::Timeout(self.timeout)),
                Err(_) if timed.over_limit => {
                    Err(AdminShellError::ReplyTooLarge { limit: MAX_REPLY })
                }
                other => other,
            }
        });
        if outcome.is_err() {
            self.broken = true;
            let _ = self.writer.shutdown(std::net::Shutdown::Both);
        }
        outcome
    }

    fn write(&mut self, data: &str, deadline: Instant) -> Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.writer
            .set_write_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(AdminShellError::Io)?;
        match self.writer.write_all(data.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) if is_timeout(&e) => Err(AdminShellError::Timeout(self.timeout)),
            Err(e) => Err(AdminShellError::Io(e)),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.broken {
            // A clean close, so the server logs no error; best effort.
            let _ = self
                .writer
                .set_write_timeout(Some(Duration::from_millis(100)));
            let _ = self.writer.write_all(b"</stream:stream>");
        }
    }
}

/// The reading half: every read waits at most until the request's
/// deadline, and one answer may not grow beyond [`MAX_REPLY`] bytes.
struct Timed {
    stream: UnixStream,
    deadline: Instant,
    read: usize,
    timed_out: bool,
    over_limit: bool,
}

impl Timed {
    fn new(stream: UnixStream) -> Timed {
        Timed {
            stream,
            deadline: Instant::now(),
            read: 0,
            timed_out: false,
            over_limit: false,
        }
    }

    fn start(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.read = 0;
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            self.timed_out = true;
            return Err(ErrorKind::TimedOut.into());
        }
        if self.read >= MAX_REPLY {
            self.over_limit = true;
            return Err(io::Error::other("answer too large"));
        }
        self.stream.set_read_timeout(Some(left))?;
        let room = buf.len().min(MAX_REPLY - self.read);
        match self.stream.read(&mut buf[..room]) {
            Ok(n) => {
                self.read += n;
                Ok(n)
            }
            Err(e) if is_timeout(&e) => {
                self.timed_out = true;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}

/// `connect(2)` to the socket at `path`, waiting at most `timeout` for
/// room in the server's backlog, which fills while its event loop is busy
/// (std's `UnixStream::connect` would wait for ever). Linux bounds the
/// wait of an AF_UNIX connect by the socket's send timeout, and then
/// fails with EAGAIN.
fn connect_within(path: &Path, timeout: Duration) -> io::Result<UnixStream> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;

    let bytes = path.as_os_str().as_bytes();
    // SAFETY: all zeroes is a valid sockaddr_un (an empty path).
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    if bytes.len() >= addr.sun_path.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            "the socket path is too long or holds a NUL byte",
        ));
    }
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (to, from) in addr.sun_path.iter_mut().zip(bytes) {
        *to = *from as libc::c_char;
    }
    // SAFETY: plain socket(2); the descriptor is owned by `stream` at once.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a new socket nothing else owns.
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    stream.set_write_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    // SAFETY: `addr` is a valid sockaddr_un of at least `len` bytes.
    let rc = unsafe {
        libc::connect(
            fd,
            (&raw const addr).cast::<libc::sockaddr>(),
            len as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(stream)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// What a failed `connect` means for the caller.
fn connect_error(path: &Path, e: io::Error) -> AdminShellError {
    let path = path.to_path_buf();
    match e.raw_os_error() {
        Some(libc::ENOENT | libc::ENOTDIR) => AdminShellError::NoSocket { path },
        Some(libc::ECONNREFUSED) => AdminShellError::NotRunning { path },
        Some(libc::EACCES | libc::EPERM) => AdminShellError::PermissionDenied { path },
        _ => AdminShellError::Connect { path, source: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;
    use std::sync::mpsc::RecvTimeoutError;

    #[test]
    fn connect_failures_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("prosody.sock");
        assert!(matches!(
            Connection::open(&missing),
            Err(AdminShellError::NoSocket { .. })
        ));
        // A socket file nobody listens on: what a killed server leaves.
        drop(UnixListener::bind(&missing).unwrap());
        let err = Connection::open(&missing).unwrap_err();
        assert!(matches!(err, AdminShellError::NotRunning { .. }), "{err:?}");
        assert!(err.server_not_running());
    }

    #[test]
    fn a_full_backlog_bounds_the_connect() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busy.sock");
        let listener = UnixListener::bind(&path).unwrap();
        // A backlog of one, never accepted: a server whose loop is stuck.
        // SAFETY: listen(2) again on our own listening socket.
        assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 1) }, 0);
        let timeout = Duration::from_millis(100);
        let mut held = Vec::new();
        for _ in 0..16 {
            let started = Instant::now();
            match connect_within(&path, timeout) {
                Ok(stream) => held.push(stream),
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::WouldBlock, "{e}");
                    let took = started.elapsed();
                    assert!(
                        took >= timeout / 2 && took < Duration::from_secs(2),
                        "{took:?}"
                    );
                    return;
                }
            }
        }
        panic!("16 connections fit in a backlog of one");
    }

    #[test]
    fn a_silent_server_times_out_and_breaks_the_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().unwrap();
            peer.write_all(
                b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' \
                  xmlns='xmpp:prosody.im/admin'> ",
            )
            .unwrap();
            // Keep-alives only, never an answer, until the client is done.
            while let Err(RecvTimeoutError::Timeout) =
                finished.recv_timeout(Duration::from_millis(30))
            {
                if peer.write_all(b" ").is_err() {
                    break;
                }
            }
        });
        let mut c = Connection::open_with_timeout(&path, Duration::from_millis(150)).unwrap();
        let started = Instant::now();
        let outcome = c.request("1");
        let took = started.elapsed();
        done.send(()).unwrap();
        assert!(
            matches!(outcome, Err(AdminShellError::Timeout(_))),
            "{outcome:?}"
        );
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert!(matches!(c.request("1"), Err(AdminShellError::Broken)));
        server.join().unwrap();
    }

    #[test]
    fn oversized_requests_are_refused_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let server = std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().unwrap();
            peer.write_all(
                b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' \
                  xmlns='xmpp:prosody.im/admin'>",
            )
            .unwrap();
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got
        });
        let mut c = Connection::open(&path).unwrap();
        let text = "x".repeat(MAX_REQUEST);
        match c.request(&text) {
            Err(AdminShellError::RequestTooLarge { size, limit }) => {
                assert_eq!(limit, MAX_REQUEST);
                assert!(size > limit);
            }
            other => panic!("{other:?}"),
        }
        // Escaping counts: 300k `<` are 1.2 MB on the wire.
        assert!(matches!(
            c.request(&"<".repeat(300_000)),
            Err(AdminShellError::RequestTooLarge { .. })
        ));
        drop(c);
        let got = server.join().unwrap();
        let expected = format!("{}</stream:stream>", framing::STREAM_HEADER);
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }
}
