//! Ports for the servers the tests start on 127.0.0.1.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Mutex;

/// Ports handed out in this process, so that parallel tests never share one.
static PORTS: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port free on 127.0.0.1 now, never handed out before in this process.
/// Another process may still take it before the server binds it.
pub fn free_port() -> u16 {
    let mut guard = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let used = guard.get_or_insert_with(HashSet::new);
    loop {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("binding a free port");
        let port = listener.local_addr().expect("local address").port();
        if used.insert(port) {
            return port;
        }
    }
}
