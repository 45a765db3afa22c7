//! A small XMPP client over plain TCP, just enough to drive Prosody's invite
//! handling the way a real client does: stream set-up, XEP-0401 preauth,
//! XEP-0077 in-band registration, SASL SCRAM-SHA-1 (PLAIN as a fallback),
//! resource binding, roster fetch, XEP-0379 pre-authenticated
//! subscription and XEP-0199 ping.
//!
//! Incoming XML is parsed with quick-xml's namespace-aware reader into small
//! [`Element`] trees; every read has a timeout so a test never hangs.

use std::collections::VecDeque;
use std::fmt;
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use quick_xml::escape::{escape, resolve_predefined_entity, unescape};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use sha1::{Digest, Sha1};

pub const NS_CLIENT: &str = "jabber:client";
pub const NS_STREAM: &str = "http://etherx.jabber.org/streams";
pub const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
pub const NS_BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
pub const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
pub const NS_REGISTER: &str = "jabber:iq:register";
pub const NS_ROSTER: &str = "jabber:iq:roster";
pub const NS_PARS: &str = "urn:xmpp:pars:0";
pub const NS_INVITE_FEATURE: &str = "urn:xmpp:invite";
pub const NS_PING: &str = "urn:xmpp:ping";

/// How long any single wait for the server may take.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// A parsed XML element: local name, resolved namespace, attributes (by
/// qualified name, namespace declarations left out), children and text.
#[derive(Clone, Debug, Default)]
pub struct Element {
    pub name: String,
    pub ns: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name && c.ns == ns)
    }

    pub fn children_named<'a>(
        &'a self,
        name: &'a str,
        ns: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name == name && c.ns == ns)
    }

    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }
}

impl fmt::Display for Element {
    /// Serialises the element back to XML (for failure messages).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} xmlns='{}'", self.name, escape(self.ns.as_str()))?;
        for (k, v) in &self.attrs {
            write!(f, " {}='{}'", k, escape(v.as_str()))?;
        }
        if self.children.is_empty() && self.text.is_empty() {
            return write!(f, "/>");
        }
        write!(f, ">{}", escape(self.text.as_str()))?;
        for c in &self.children {
            write!(f, "{c}")?;
        }
        write!(f, "</{}>", self.name)
    }
}

/// The error condition of a stanza error reply, e.g. `forbidden`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StanzaError {
    pub condition: String,
    pub text: Option<String>,
}

impl fmt::Display for StanzaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(t) => write!(f, "{} ({})", self.condition, t),
            None => write!(f, "{}", self.condition),
        }
    }
}

fn stanza_error(stanza: &Element) -> StanzaError {
    let error = stanza.children.iter().find(|c| c.name == "error");
    let Some(error) = error else {
        return StanzaError {
            condition: "<no error element>".into(),
            text: None,
        };
    };
    let condition = error
        .children
        .iter()
        .find(|c| c.ns == NS_STANZAS && c.name != "text")
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "<no condition>".into());
    let text = error.child("text", NS_STANZAS).map(|t| t.text.clone());
    StanzaError { condition, text }
}

/// One item of a roster, as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterItem {
    pub jid: String,
    pub subscription: String,
    pub ask: Option<String>,
}

impl RosterItem {
    fn from_element(item: &Element) -> RosterItem {
        RosterItem {
            jid: item.attr("jid").unwrap_or_default().to_string(),
            subscription: item.attr("subscription").unwrap_or("none").to_string(),
            ask: item.attr("ask").map(str::to_string),
        }
    }
}

/// A client connection. Stanzas that arrive while the client waits for
/// something else are kept in `pending` and can be waited for later.
pub struct Client {
    pub host: String,
    reader: Option<NsReader<BufReader<TcpStream>>>,
    writer: TcpStream,
    buf: Vec<u8>,
    pending: VecDeque<Element>,
    next_id: u64,
    /// The stream features of the current stream.
    pub features: Element,
    /// Our full JID once bound.
    pub jid: Option<String>,
}

impl Client {
    /// Connects to 127.0.0.1:`port` and opens a stream to `host`.
    pub fn connect(port: u16, host: &str) -> Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .with_context(|| format!("connecting to 127.0.0.1:{port}"))?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let writer = stream.try_clone()?;
        let mut client = Client {
            host: host.to_string(),
            reader: Some(NsReader::from_reader(BufReader::new(stream))),
            writer,
            buf: Vec::new(),
            pending: VecDeque::new(),
            next_id: 0,
            features: Element::default(),
            jid: None,
        };
        client.open_stream()?;
        Ok(client)
    }

    fn send_raw(&mut self, xml: &str) -> Result<()> {
        self.writer
            .write_all(xml.as_bytes())
            .context("writing to the server")?;
        self.writer.flush()?;
        Ok(())
    }

    /// Sends the stream header (again, after SASL) and reads the features.
    fn open_stream(&mut self) -> Result<()> {
        // A stream restart needs a fresh parser; keep the buffered socket.
        let inner = self.reader.take().expect("reader present").into_inner();
        self.reader = Some(NsReader::from_reader(inner));
        self.send_raw(&format!(
            "<?xml version='1.0'?><stream:stream to='{}' xmlns='{NS_CLIENT}' \
             xmlns:stream='{NS_STREAM}' version='1.0'>",
            escape(self.host.as_str())
        ))?;
        // Read until the server's stream header.
        loop {
            let reader = self.reader.as_mut().expect("reader present");
            self.buf.clear();
            let (ns, event) = reader
                .read_resolved_event_into(&mut self.buf)
                .context("reading the stream header")?;
            match event {
                Event::Start(e) => {
                    let (name, ns) = names(&ns, &e);
                    if name != "stream" || ns != NS_STREAM {
                        bail!("expected a stream header, got <{name} xmlns='{ns}'>");
                    }
                    break;
                }
                Event::Decl(_) | Event::Text(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => bail!("the server closed the connection before its stream header"),
                other => bail!("unexpected event before the stream header: {other:?}"),
            }
        }
        let features = self.next_element(READ_TIMEOUT)?;
        if !features.is("features", NS_STREAM) {
            bail!("expected stream features, got {features}");
        }
        self.features = features;
        Ok(())
    }

    /// Reads the next top-level element from the socket (not from `pending`).
    fn read_element(&mut self) -> Result<Element> {
        let reader = self.reader.as_mut().expect("reader present");
        let mut stack: Vec<Element> = Vec::new();
        loop {
            self.buf.clear();
            let (ns, event) = match reader.read_resolved_event_into(&mut self.buf) {
                Ok(v) => v,
                Err(e) => return Err(anyhow!("reading from the server: {e}")),
            };
            match event {
                Event::Start(e) => {
                    let el = element_from_start(&ns, &e)?;
                    stack.push(el);
                }
                Event::Empty(e) => {
                    let el = element_from_start(&ns, &e)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                }
                Event::End(_) => match stack.pop() {
                    Some(el) => match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    },
                    None => bail!("the server closed the stream"),
                },
                Event::Text(t) => {
                    if let Some(cur) = stack.last_mut() {
                        cur.text.push_str(&t.decode()?);
                    }
                }
                Event::CData(t) => {
                    if let Some(cur) = stack.last_mut() {
                        cur.text.push_str(&t.decode()?);
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(cur) = stack.last_mut() {
                        if let Some(c) = r.resolve_char_ref()? {
                            cur.text.push(c);
                        } else {
                            let name = r.decode()?;
                            let value = resolve_predefined_entity(&name)
                                .ok_or_else(|| anyhow!("unknown entity &{name};"))?;
                            cur.text.push_str(value);
                        }
                    }
                }
                Event::Eof => bail!("the server closed the connection"),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    /// The next stanza or nonza, from `pending` first.
    fn next_element(&mut self, timeout: Duration) -> Result<Element> {
        if let Some(el) = self.pending.pop_front() {
            return Ok(el);
        }
        self.set_timeout(timeout)?;
        self.read_element()
    }

    fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
        let timeout = timeout.max(Duration::from_millis(1));
        self.writer.set_read_timeout(Some(timeout))?;
        Ok(())
    }

    /// Waits for the first element matching `pred`, keeping the others in
    /// `pending` in order. Fails after `timeout`.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&Element) -> bool,
    ) -> Result<Element> {
        if let Some(pos) = self.pending.iter().position(&mut pred) {
            return Ok(self.pending.remove(pos).expect("position is valid"));
        }
        let deadline = Instant::now() + timeout;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.pending.extend(skipped);
                bail!("timed out after {timeout:?} waiting for {what}");
            }
            self.set_timeout(left)?;
            let el = match self.read_element() {
                Ok(el) => el,
                Err(e) => {
                    let got: Vec<String> = skipped.iter().map(|e| e.to_string()).collect();
                    return Err(
                        e.context(format!("waiting for {what} (received meanwhile: {got:?})"))
                    );
                }
            };
            if pred(&el) {
                self.pending.extend(skipped);
                return Ok(el);
            }
            skipped.push(el);
        }
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("t{}", self.next_id)
    }

    /// Sends an IQ with the given type and payload and waits for its reply.
    /// Ok(result stanza) or Err(stanza error); transport problems are the
    /// outer error.
    pub fn iq(
        &mut self,
        kind: &str,
        to: Option<&str>,
        payload: &str,
    ) -> Result<std::result::Result<Element, StanzaError>> {
        let id = self.new_id();
        let to = to
            .map(|t| format!(" to='{}'", escape(t)))
            .unwrap_or_default();
        self.send_raw(&format!("<iq type='{kind}' id='{id}'{to}>{payload}</iq>"))?;
        let reply = self.wait_for(&format!("the reply to IQ {id}"), READ_TIMEOUT, |el| {
            el.is("iq", NS_CLIENT)
                && el.attr("id") == Some(id.as_str())
                && matches!(el.attr("type"), Some("result") | Some("error"))
        })?;
        if reply.attr("type") == Some("result") {
            Ok(Ok(reply))
        } else {
            Ok(Err(stanza_error(&reply)))
        }
    }

    /// Whether the stream features advertise invite-based registration.
    pub fn advertises_invites(&self) -> bool {
        self.features.child("register", NS_INVITE_FEATURE).is_some()
    }

    /// XEP-0401: present an invite token before registering.
    pub fn preauth(&mut self, token: &str) -> Result<std::result::Result<(), StanzaError>> {
        let payload = format!("<preauth xmlns='{NS_PARS}' token='{}'/>", escape(token));
        Ok(self.iq("set", None, &payload)?.map(|_| ()))
    }

    /// XEP-0077: register (or, with a reset invite, re-register) an account.
    pub fn register(
        &mut self,
        username: &str,
        password: &str,
    ) -> Result<std::result::Result<(), StanzaError>> {
        let payload = format!(
            "<query xmlns='{NS_REGISTER}'><username>{}</username><password>{}</password></query>",
            escape(username),
            escape(password)
        );
        Ok(self.iq("set", None, &payload)?.map(|_| ()))
    }

    /// A harmless round trip on an unauthenticated stream: once its answer is
    /// in, the server has finished everything it did for earlier stanzas of
    /// this stream (Prosody handles a session's stanzas one after another).
    pub fn sync_unauthed(&mut self) -> Result<()> {
        let payload = format!("<query xmlns='{NS_REGISTER}'/>");
        self.iq("get", None, &payload)?
            .map_err(|e| anyhow!("registration form request failed: {e}"))?;
        Ok(())
    }

    /// SASL authentication (SCRAM-SHA-1 if offered, PLAIN otherwise), then
    /// stream restart and resource binding. Ok(Err(condition)) when the
    /// server refuses the credentials.
    pub fn login(
        &mut self,
        username: &str,
        password: &str,
    ) -> Result<std::result::Result<(), String>> {
        let mechanisms: Vec<String> = self
            .features
            .child("mechanisms", NS_SASL)
            .map(|m| {
                m.children_named("mechanism", NS_SASL)
                    .map(|x| x.text.trim().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let outcome = if mechanisms.iter().any(|m| m == "SCRAM-SHA-1") {
            self.auth_scram_sha1(username, password)?
        } else if mechanisms.iter().any(|m| m == "PLAIN") {
            self.auth_plain(username, password)?
        } else {
            bail!("the server offers no usable SASL mechanism: {mechanisms:?}");
        };
        if let Err(condition) = outcome {
            return Ok(Err(condition));
        }
        self.open_stream()?;
        let bind = format!("<bind xmlns='{NS_BIND}'><resource>interop</resource></bind>");
        let reply = self
            .iq("set", None, &bind)?
            .map_err(|e| anyhow!("resource binding failed: {e}"))?;
        let jid = reply
            .child("bind", NS_BIND)
            .and_then(|b| b.child("jid", NS_BIND))
            .map(|j| j.text.clone())
            .ok_or_else(|| anyhow!("no JID in the bind result: {reply}"))?;
        self.jid = Some(jid);
        Ok(Ok(()))
    }

    fn sasl_reply(&mut self) -> Result<Element> {
        self.wait_for("a SASL reply", READ_TIMEOUT, |el| el.ns == NS_SASL)
    }

    fn auth_plain(
        &mut self,
        username: &str,
        password: &str,
    ) -> Result<std::result::Result<(), String>> {
        let msg = B64.encode(format!("\0{username}\0{password}"));
        self.send_raw(&format!(
            "<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{msg}</auth>"
        ))?;
        let reply = self.sasl_reply()?;
        Ok(sasl_outcome(&reply))
    }

    fn auth_scram_sha1(
        &mut self,
        username: &str,
        password: &str,
    ) -> Result<std::result::Result<(), String>> {
        let cnonce: String = {
            let bytes: [u8; 18] = rand::random();
            B64.encode(bytes)
        };
        let user = username.replace('=', "=3D").replace(',', "=2C");
        let client_first_bare = format!("n={user},r={cnonce}");
        let client_first = format!("n,,{client_first_bare}");
        self.send_raw(&format!(
            "<auth xmlns='{NS_SASL}' mechanism='SCRAM-SHA-1'>{}</auth>",
            B64.encode(&client_first)
        ))?;
        let reply = self.sasl_reply()?;
        if reply.name != "challenge" {
            return Ok(sasl_outcome(&reply));
        }
        let server_first = String::from_utf8(B64.decode(reply.text.trim())?)?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for part in server_first.split(',') {
            if let Some(v) = part.strip_prefix("r=") {
                nonce = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("s=") {
                salt = Some(B64.decode(v)?);
            } else if let Some(v) = part.strip_prefix("i=") {
                iterations = Some(v.parse::<u32>()?);
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            bail!("malformed SCRAM server-first message: {server_first}");
        };
        if !nonce.starts_with(&cnonce) {
            bail!("the SCRAM server nonce does not extend ours: {server_first}");
        }
        let mut salted = [0u8; 20];
        pbkdf2::pbkdf2_hmac::<Sha1>(password.as_bytes(), &salt, iterations, &mut salted);
        let client_key = hmac_sha1(&salted, b"Client Key");
        let stored_key = Sha1::digest(client_key);
        let client_final_bare = format!("c=biws,r={nonce}");
        let auth_message = format!("{client_first_bare},{server_first},{client_final_bare}");
        let client_sig = hmac_sha1(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(client_sig.iter())
            .map(|(a, b)| a ^ b)
            .collect();
        let client_final = format!("{client_final_bare},p={}", B64.encode(proof));
        self.send_raw(&format!(
            "<response xmlns='{NS_SASL}'>{}</response>",
            B64.encode(&client_final)
        ))?;
        let reply = self.sasl_reply()?;
        if reply.name == "success" {
            // Check the server's signature: it proves the server knew the
            // password too.
            let server_final = String::from_utf8(B64.decode(reply.text.trim())?)?;
            let server_key = hmac_sha1(&salted, b"Server Key");
            let expected = B64.encode(hmac_sha1(&server_key, auth_message.as_bytes()));
            if server_final.strip_prefix("v=") != Some(expected.as_str()) {
                bail!("bad SCRAM server signature: {server_final}");
            }
        }
        Ok(sasl_outcome(&reply))
    }

    /// XEP-0199: pings the server (the stream's host) and waits for the
    /// answer. Ok(Err) when the server answers with an error.
    pub fn ping(&mut self) -> Result<std::result::Result<(), StanzaError>> {
        let to = self.host.clone();
        let payload = format!("<ping xmlns='{NS_PING}'/>");
        Ok(self.iq("get", Some(&to), &payload)?.map(|_| ()))
    }

    /// Fetches the roster (which also makes this resource receive pushes).
    pub fn roster(&mut self) -> Result<Vec<RosterItem>> {
        let reply = self
            .iq("get", None, &format!("<query xmlns='{NS_ROSTER}'/>"))?
            .map_err(|e| anyhow!("roster request failed: {e}"))?;
        let query = reply
            .child("query", NS_ROSTER)
            .ok_or_else(|| anyhow!("no roster query in {reply}"))?;
        Ok(query
            .children_named("item", NS_ROSTER)
            .map(RosterItem::from_element)
            .collect())
    }

    /// A round trip on a logged-in stream (a roster request): once it is
    /// answered, the server has finished handling earlier stanzas.
    pub fn sync_roster(&mut self) {
        self.roster().expect("roster round trip");
    }

    /// Sends a presence stanza.
    pub fn send_presence(
        &mut self,
        kind: Option<&str>,
        to: Option<&str>,
        payload: &str,
    ) -> Result<()> {
        let kind = kind
            .map(|k| format!(" type='{}'", escape(k)))
            .unwrap_or_default();
        let to = to
            .map(|t| format!(" to='{}'", escape(t)))
            .unwrap_or_default();
        self.send_raw(&format!("<presence{kind}{to}>{payload}</presence>"))
    }

    /// XEP-0379: ask `contact` for a subscription, presenting the invite token.
    pub fn subscribe_with_preauth(&mut self, contact: &str, token: &str) -> Result<()> {
        let payload = format!("<preauth xmlns='{NS_PARS}' token='{}'/>", escape(token));
        self.send_presence(Some("subscribe"), Some(contact), &payload)
    }

    /// Waits for a roster push that mentions `jid` and returns the item.
    pub fn wait_roster_push(
        &mut self,
        jid: &str,
        timeout: Duration,
        mut pred: impl FnMut(&RosterItem) -> bool,
    ) -> Result<RosterItem> {
        let el = self.wait_for(&format!("a roster push for {jid}"), timeout, |el| {
            el.is("iq", NS_CLIENT)
                && el.attr("type") == Some("set")
                && el
                    .child("query", NS_ROSTER)
                    .and_then(|q| q.child("item", NS_ROSTER))
                    .map(|i| i.attr("jid") == Some(jid) && pred(&RosterItem::from_element(i)))
                    .unwrap_or(false)
        })?;
        // Acknowledge the push as a well-behaved client does.
        if let Some(id) = el.attr("id") {
            let id = escape(id).into_owned();
            self.send_raw(&format!("<iq type='result' id='{id}'/>"))?;
        }
        let item = el
            .child("query", NS_ROSTER)
            .and_then(|q| q.child("item", NS_ROSTER))
            .expect("checked above");
        Ok(RosterItem::from_element(item))
    }

    /// Closes the stream politely.
    pub fn close(mut self) {
        let _ = self.send_raw("</stream:stream>");
    }
}

fn sasl_outcome(reply: &Element) -> std::result::Result<(), String> {
    match reply.name.as_str() {
        "success" => Ok(()),
        "failure" => Err(reply
            .children
            .iter()
            .find(|c| c.name != "text")
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "failure".into())),
        other => Err(format!("unexpected SASL reply <{other}>")),
    }
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes any key size");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn names(ns: &ResolveResult<'_>, e: &BytesStart<'_>) -> (String, String) {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let ns = match ns {
        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
        _ => String::new(),
    };
    (name, ns)
}

fn element_from_start(ns: &ResolveResult<'_>, e: &BytesStart<'_>) -> Result<Element> {
    let (name, ns) = names(ns, e);
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let raw = std::str::from_utf8(&attr.value)?;
        attrs.push((key, unescape(raw)?.into_owned()));
    }
    Ok(Element {
        name,
        ns,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}
