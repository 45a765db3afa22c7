//! The admin stream's XML, as `util.adminstream` and `mod_admin_shell`
//! speak it: the client's stream header, `<repl-input>` requests, and the
//! `<repl-output>`/`<repl-result>` answers.
//!
//! Answers are read with quick-xml rather than a reader of our own: the
//! server's side is a real XML stream (namespace declarations, predefined
//! and character references, a `<stream:error>` with children on close),
//! and quick-xml reads all of it strictly and is already proven in this
//! crate's interop client. A hand-written reader would need the same
//! breadth and its own tests for it, to parse a few hundred bytes.

use std::io::BufRead;

use quick_xml::escape::{resolve_predefined_entity, unescape};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::error::{AdminShellError, Result};

/// The namespace of the admin stream's elements.
pub const NS_ADMIN: &str = "xmpp:prosody.im/admin";
/// The namespace of the stream element and stream errors.
const NS_STREAM: &str = "http://etherx.jabber.org/streams";

/// The stream header, with the attributes `prosodyctl shell` sends
/// (`util.xmppstream`'s `open_stream` for a client session: no `from`,
/// no version, an empty id).
pub const STREAM_HEADER: &str = "<?xml version='1.0'?><stream:stream \
    xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en' \
    xmlns='xmpp:prosody.im/admin' id=''>";

/// The server closes the stream when one incoming stanza reaches this
/// many bytes (`util.xmppstream`'s default stanza size limit).
pub const SERVER_STANZA_LIMIT: usize = 1024 * 1024;

/// The `<repl-input>` stanza carrying `text`, as it goes on the wire.
/// `repl='0'` marks the input as not typed at a prompt, as `prosodyctl
/// shell COMMAND` does (Prosody 0.12 ignores it).
///
/// # Errors
///
/// [`AdminShellError::Unsendable`] for a character XML 1.0 cannot carry
/// (control characters other than tab, line feed and carriage return).
pub fn repl_input(text: &str) -> Result<String> {
    const OPEN: &str = "<repl-input repl='0'>";
    const CLOSE: &str = "</repl-input>";
    let mut out = String::with_capacity(OPEN.len() + text.len() + CLOSE.len() + 16);
    out.push_str(OPEN);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A parser turns a raw CR (and CR LF) into LF; a reference
            // keeps it.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                return Err(AdminShellError::Unsendable(c));
            }
            c => out.push(c),
        }
    }
    out.push_str(CLOSE);
    Ok(out)
}

/// What the server answered to one `<repl-input>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The text of each `<repl-output>`, in order (what the code printed).
    pub output: Vec<String>,
    /// The text of the `<repl-result>`.
    pub result: String,
    /// Whether the result has `type='error'`.
    pub failed: bool,
}

/// One element read whole.
struct Element {
    name: String,
    ns: String,
    kind: Option<String>,
    text: String,
    children: Vec<String>,
}

/// Reads until the server's stream header.
pub fn read_stream_header<R: BufRead>(reader: &mut NsReader<R>, buf: &mut Vec<u8>) -> Result<()> {
    loop {
        buf.clear();
        let (ns, event) = reader.read_resolved_event_into(buf).map_err(xml_error)?;
        match event {
            Event::Decl(_) => {}
            Event::Text(t) if is_space(&t) => {}
            Event::Start(e) => {
                let (name, ns) = names(&ns, &e);
                return if name == "stream" && ns == NS_STREAM {
                    Ok(())
                } else {
                    Err(protocol(format!(
                        "expected the stream header, got <{name}>"
                    )))
                };
            }
            Event::Eof => return Err(AdminShellError::Closed { reason: None }),
            other => return Err(protocol(format!("before the stream header: {other:?}"))),
        }
    }
}

/// Reads one answer: any `<repl-output>`, then the `<repl-result>`.
/// Whitespace between stanzas (the server's keep-alive) is skipped.
pub fn read_reply<R: BufRead>(reader: &mut NsReader<R>, buf: &mut Vec<u8>) -> Result<Reply> {
    let mut output = Vec::new();
    loop {
        let element = read_element(reader, buf)?;
        if element.ns == NS_STREAM && element.name == "error" {
            let reason = element.children.into_iter().find(|c| c != "text");
            return Err(AdminShellError::Closed { reason });
        }
        if element.ns != NS_ADMIN {
            return Err(protocol(format!("unexpected <{}>", element.name)));
        }
        match element.name.as_str() {
            "repl-output" => output.push(element.text),
            "repl-result" => {
                return Ok(Reply {
                    output,
                    result: element.text,
                    failed: element.kind.as_deref() == Some("error"),
                })
            }
            other => return Err(protocol(format!("unexpected <{other}>"))),
        }
    }
}

/// The next top-level element, whole.
fn read_element<R: BufRead>(reader: &mut NsReader<R>, buf: &mut Vec<u8>) -> Result<Element> {
    let mut top: Option<Element> = None;
    let mut depth = 0usize;
    loop {
        buf.clear();
        let (ns, event) = reader.read_resolved_event_into(buf).map_err(xml_error)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) if top.is_none() => {
                let empty = matches!(event, Event::Empty(_));
                let (name, ns) = names(&ns, e);
                let element = Element {
                    name,
                    ns,
                    kind: attribute(e, b"type")?,
                    text: String::new(),
                    children: Vec::new(),
                };
                if empty {
                    return Ok(element);
                }
                top = Some(element);
                depth = 1;
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                if let Some(element) = top.as_mut().filter(|_| depth == 1) {
                    element.children.push(names(&ns, e).0);
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => match top {
                None => return Err(AdminShellError::Closed { reason: None }),
                Some(_) if depth > 1 => depth -= 1,
                Some(element) => return Ok(element),
            },
            Event::Text(t) => match top.as_mut() {
                Some(element) if depth == 1 => element
                    .text
                    .push_str(&t.decode().map_err(|e| protocol(e.to_string()))?),
                Some(_) => {}
                None if is_space(&t) => {}
                None => return Err(protocol("text between stanzas".into())),
            },
            Event::CData(t) => {
                if let Some(element) = top.as_mut().filter(|_| depth == 1) {
                    element
                        .text
                        .push_str(&t.decode().map_err(|e| protocol(e.to_string()))?);
                }
            }
            Event::GeneralRef(r) => {
                let Some(element) = top.as_mut().filter(|_| depth == 1) else {
                    continue;
                };
                if let Some(c) = r.resolve_char_ref().map_err(|e| protocol(e.to_string()))? {
                    element.text.push(c);
                } else {
                    let name = r.decode().map_err(|e| protocol(e.to_string()))?;
                    let value = resolve_predefined_entity(&name)
                        .ok_or_else(|| protocol(format!("unknown entity &{name};")))?;
                    element.text.push_str(value);
                }
            }
            Event::Eof => return Err(AdminShellError::Closed { reason: None }),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Decl(_) | Event::DocType(_) => {
                return Err(protocol("a declaration inside the stream".into()))
            }
        }
    }
}

fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>> {
    let found = e
        .try_get_attribute(name)
        .map_err(|err| protocol(err.to_string()))?;
    found
        .map(|a| {
            let raw = std::str::from_utf8(&a.value).map_err(|err| protocol(err.to_string()))?;
            unescape(raw)
                .map(|v| v.into_owned())
                .map_err(|err| protocol(err.to_string()))
        })
        .transpose()
}

fn names(ns: &ResolveResult<'_>, e: &BytesStart<'_>) -> (String, String) {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let ns = match ns {
        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
        _ => String::new(),
    };
    (name, ns)
}

fn is_space(t: &[u8]) -> bool {
    t.iter().all(u8::is_ascii_whitespace)
}

fn protocol(message: String) -> AdminShellError {
    AdminShellError::Protocol(message)
}

/// A reader error; I/O errors are told apart by the connection, which
/// knows whether a deadline or the answer's size limit caused them.
fn xml_error(e: quick_xml::Error) -> AdminShellError {
    match e {
        quick_xml::Error::Io(io) => {
            AdminShellError::Io(std::io::Error::new(io.kind(), io.to_string()))
        }
        other => protocol(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(xml: &str) -> NsReader<&[u8]> {
        NsReader::from_reader(xml.as_bytes())
    }

    #[test]
    fn requests_are_escaped_text() {
        assert_eq!(
            repl_input(">x = \"a<b>&c\"\r\n\t").unwrap(),
            "<repl-input repl='0'>&gt;x = \"a&lt;b&gt;&amp;c\"&#13;\n\t</repl-input>"
        );
        assert!(matches!(
            repl_input("a\0b"),
            Err(AdminShellError::Unsendable('\0'))
        ));
    }

    #[test]
    fn reads_output_then_result_and_skips_keep_alives() {
        let xml = format!(
            "<?xml version='1.0'?><stream:stream xmlns:stream='{NS_STREAM}' id='' \
             xml:lang='en' xmlns='{NS_ADMIN}'> <repl-output>a &lt;b&gt; &amp; &apos;c&apos;</repl-output> \
             <repl-output/><repl-result type='error'>Error: x</repl-result><repl-result>Result: 2</repl-result>"
        );
        let mut r = reader(&xml);
        let mut buf = Vec::new();
        read_stream_header(&mut r, &mut buf).unwrap();
        let reply = read_reply(&mut r, &mut buf).unwrap();
        assert_eq!(reply.output, vec!["a <b> & 'c'".to_string(), String::new()]);
        assert_eq!((reply.result.as_str(), reply.failed), ("Error: x", true));
        let reply = read_reply(&mut r, &mut buf).unwrap();
        assert_eq!((reply.result.as_str(), reply.failed), ("Result: 2", false));
        assert!(matches!(
            read_reply(&mut r, &mut buf),
            Err(AdminShellError::Closed { reason: None })
        ));
    }

    #[test]
    fn a_stream_error_is_the_end() {
        let xml = format!(
            "<stream:stream xmlns:stream='{NS_STREAM}' xmlns='{NS_ADMIN}'><stream:error>\
             <not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"
        );
        let mut r = reader(&xml);
        let mut buf = Vec::new();
        read_stream_header(&mut r, &mut buf).unwrap();
        match read_reply(&mut r, &mut buf) {
            Err(AdminShellError::Closed { reason }) => {
                assert_eq!(reason.as_deref(), Some("not-well-formed"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn foreign_elements_and_text_are_refused() {
        for body in ["<x/>", "junk", "<repl-result xmlns='other'>r</repl-result>"] {
            let xml =
                format!("<stream:stream xmlns:stream='{NS_STREAM}' xmlns='{NS_ADMIN}'>{body}");
            let mut r = reader(&xml);
            let mut buf = Vec::new();
            read_stream_header(&mut r, &mut buf).unwrap();
            assert!(
                matches!(
                    read_reply(&mut r, &mut buf),
                    Err(AdminShellError::Protocol(_))
                ),
                "{body}"
            );
        }
        let mut r = reader("<other/>");
        assert!(read_stream_header(&mut r, &mut Vec::new()).is_err());
    }
}
