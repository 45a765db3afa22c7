//! A stall meter: how long the server keeps a client waiting. A logged-in
//! client sends XEP-0199 pings to the server one after another from its own
//! thread and times each round trip. Prosody answers a ping on its one
//! event loop without touching storage, so a slow answer means the loop
//! was busy with something else (Lua run through the admin socket, say).
//!
//! A short pause after each answer keeps the meter from taking the
//! machine: strictly back to back, client and server each keep a core
//! busy, and on two cores the command being measured slowed from seconds
//! to minutes. A stall still meets a ping within a pause of its start, so
//! the longest round trip is short of the longest stall by a pause at most.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};

use super::xmpp::Client;

/// Round trips a [`StallMeter`] measured.
#[derive(Clone, Debug)]
pub struct RoundTrips {
    /// Every round trip, shortest first.
    sorted: Vec<Duration>,
}

impl RoundTrips {
    fn new(mut all: Vec<Duration>) -> RoundTrips {
        all.sort_unstable();
        RoundTrips { sorted: all }
    }

    pub fn count(&self) -> usize {
        self.sorted.len()
    }

    /// The round trip at quantile `q` (0..=1), nearest rank; zero when
    /// nothing was measured.
    fn quantile(&self, q: f64) -> Duration {
        let n = self.sorted.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        self.sorted[rank - 1]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    pub fn max(&self) -> Duration {
        self.sorted.last().copied().unwrap_or(Duration::ZERO)
    }
}

impl fmt::Display for RoundTrips {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} pings, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.count(),
            ms(self.median()),
            ms(self.p99()),
            ms(self.max())
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Pings from a thread until [`StallMeter::stop`] or its time limit.
pub struct StallMeter {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<Vec<Duration>>>,
}

impl StallMeter {
    /// Starts measuring on `client`, which must be logged in, pausing
    /// `pause` after each answer. One ping is answered before this returns
    /// (and not counted), so the meter runs once it is started. Pinging
    /// ends at `limit` at the latest.
    pub fn start(mut client: Client, pause: Duration, limit: Duration) -> Result<StallMeter> {
        client
            .ping()
            .context("the first ping")?
            .map_err(|e| anyhow!("the server refused the first ping: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut trips = Vec::new();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < limit {
                    let t0 = Instant::now();
                    let answer = client.ping().with_context(|| {
                        format!("ping #{} after {:?}", trips.len() + 1, t0.elapsed())
                    })?;
                    answer.map_err(|e| anyhow!("ping #{} refused: {e}", trips.len() + 1))?;
                    trips.push(t0.elapsed());
                    std::thread::sleep(pause);
                }
                client.close();
                Ok(trips)
            })
        };
        Ok(StallMeter { stop, thread })
    }

    /// Stops pinging and returns the round trips; Err if a ping failed or
    /// went unanswered (the client's read timeout).
    pub fn stop(self) -> Result<RoundTrips> {
        self.stop.store(true, Ordering::SeqCst);
        let trips = self
            .thread
            .join()
            .map_err(|_| anyhow!("the ping thread panicked"))??;
        Ok(RoundTrips::new(trips))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_nearest_rank() {
        let trips = RoundTrips::new((1..=200).rev().map(Duration::from_millis).collect());
        assert_eq!(trips.count(), 200);
        assert_eq!(trips.median(), Duration::from_millis(100));
        assert_eq!(trips.p99(), Duration::from_millis(198));
        assert_eq!(trips.max(), Duration::from_millis(200));
        let none = RoundTrips::new(Vec::new());
        assert_eq!(
            (none.count(), none.max(), none.p99()),
            (0, Duration::ZERO, Duration::ZERO)
        );
    }
}
