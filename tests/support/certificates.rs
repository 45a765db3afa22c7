//! A test authority and a server certificate for 127.0.0.1, for the test
//! database servers' TLS.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Makes a test authority and a certificate for 127.0.0.1 signed by it, in
/// `dir`, readable by the server's user; None (TLS tests skip) when
/// `openssl` is missing or fails.
pub fn make(dir: &Path, run_as: Option<(u32, u32)>) -> Option<PathBuf> {
    let script = r#"
set -e
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=invitectl-test-ca -keyout ca.key -out ca.crt \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=127.0.0.1 -keyout server.key -out server.csr
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt
chmod 600 server.key
"#;
    let made = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        return None;
    }
    if let Some((uid, gid)) = run_as {
        for file in ["server.crt", "server.key"] {
            std::os::unix::fs::chown(dir.join(file), Some(uid), Some(gid)).ok()?;
        }
    }
    Some(dir.join("ca.crt"))
}
