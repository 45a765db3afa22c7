//! How long a running XMPP server keeps a client waiting, for
//! `scripts/bench` to measure while invitectl writes through the server.
//!
//! It opens one client stream to the server, starts COMMAND (its output
//! to /dev/null), and sends XEP-0199 pings (`<iq type='get'><ping
//! xmlns='urn:xmpp:ping'/></iq>`), each once the answer to the one before
//! has come and 1 ms has passed, until the command exits. Unauthenticated,
//! the server answers each with an error, but only once its event loop
//! gets to it: the round trip is how long the server was busy elsewhere.
//! Then it prints the command's time, the count, the median, the 99th
//! percentile and the longest round trip, in ms, and exits with the
//! command's status.
//!
//! ```sh
//! cargo run --release --example stall_probe -- PORT HOST COMMAND [ARGS...]
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(host), Some(program)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: stall_probe PORT HOST COMMAND [ARGS...]".into());
    };
    let mut stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>()?))?;
    // Each ping is one small write: without this, Nagle's algorithm and
    // delayed acknowledgements would add some 40 ms to every round trip.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' to='{host}' version='1.0'>"
    )?;
    let mut seen = Vec::new();
    read_until(&mut stream, &mut seen, b"</stream:features>")?;

    let done = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&done);
    let started = Instant::now();
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        stop.store(true, Ordering::SeqCst);
        (status, started.elapsed())
    });

    let mut trips = Vec::new();
    let mut n = 0u64;
    while !done.load(Ordering::SeqCst) {
        n += 1;
        let id = format!("p{n}");
        let started = Instant::now();
        write!(
            stream,
            "<iq type='get' id='{id}'><ping xmlns='urn:xmpp:ping'/></iq>"
        )?;
        // Prosody writes attributes in single quotes.
        read_until(&mut stream, &mut seen, format!("id='{id}'").as_bytes())?;
        trips.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(1));
    }
    let (status, took) = waiter.join().map_err(|_| "the command's waiter panicked")?;
    let status = status?;
    if trips.is_empty() {
        return Err("no ping was answered".into());
    }
    trips.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| trips[((trips.len() - 1) as f64 * q) as usize];
    println!(
        "command {:.1} ms; {} pings, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(took),
        trips.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0))
    );
    std::process::exit(status.code().unwrap_or(1));
}

/// Reads until `needle` has arrived, keeping what came after it.
fn read_until(stream: &mut TcpStream, seen: &mut Vec<u8>, needle: &[u8]) -> std::io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        if let Some(pos) = seen.windows(needle.len()).position(|w| w == needle) {
            seen.drain(..pos + needle.len());
            return Ok(());
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the stream",
            ));
        }
        seen.extend_from_slice(&buf[..n]);
    }
}
