//! The table `list` prints on a terminal: one line per invite, fitted
//! to the terminal's width.

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Row, Table};
use invitectl::output::escape_for_terminal;
use invitectl::{Entry, Invite};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{relative, whom, SOON};

/// Table settings decided by the caller, which knows the terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Whether to colour expired and soon-expiring invites.
    pub color: bool,
    /// The terminal's width in columns; `None` when unknown, and then
    /// nothing is cut.
    pub width: Option<u16>,
}

/// Only a line under the header: no borders, columns two spaces apart.
const PRESET: &str = "     ─             ";

const HEADER: [&str; COLUMNS] = ["token", "kind", "for", "expires", "uses", "note"];
const COLUMNS: usize = 6;
/// Blank columns around every cell (one on each side).
const PADDING: usize = 2;
/// The columns cut to fit the width, first the note, then whom it is for.
const NOTE: usize = 5;
const FOR: usize = 2;
/// How narrow the cut columns may become before the table overflows.
const NOTE_MIN: usize = 4;
const FOR_MIN: usize = 3;

/// One row's text and colour, before it is fitted.
struct Line {
    cells: [String; COLUMNS],
    colors: [Option<Color>; COLUMNS],
}

/// Builds a table of entries: token, kind, for whom, when it expires (in
/// words: `in 6 days`, `expired 2 hours ago`), single or reusable, note.
/// Each row is one line: when the table is wider than `style.width`, the
/// notes are cut first, then whom an invite is for; tokens never are.
pub fn render<'a>(entries: impl IntoIterator<Item = &'a Entry>, now: i64, style: Style) -> Table {
    let lines: Vec<Line> = entries.into_iter().map(|e| line(e, now)).collect();
    let widths = fit(&lines, style.width);
    let mut table = Table::new();
    table
        .load_preset(PRESET)
        .set_content_arrangement(ContentArrangement::Disabled);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    let header = HEADER.iter().zip(widths).map(|(title, width)| {
        let cell = Cell::new(truncate(title, width));
        if style.color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    });
    table.set_header(Row::from(header.collect::<Vec<_>>()));
    for line in lines {
        let cells = line
            .cells
            .iter()
            .zip(line.colors)
            .zip(widths)
            .map(|((text, color), width)| {
                let cell = Cell::new(truncate(text, width));
                match color {
                    Some(color) if style.color => cell.fg(color),
                    _ => cell,
                }
            });
        table.add_row(Row::from(cells.collect::<Vec<_>>()));
    }
    table
}

fn line(entry: &Entry, now: i64) -> Line {
    let text = |t: &str| escape_for_terminal(t).into_owned();
    match entry {
        Entry::Invite(invite) => {
            let color = if invite.is_expired(now) {
                Some(Color::Red)
            } else if invite.expires - now < SOON {
                Some(Color::Yellow)
            } else {
                None
            };
            Line {
                cells: [
                    text(invite.token.as_str()),
                    invite.kind().as_str().to_owned(),
                    text(&whom(invite)),
                    expiry(invite, now),
                    if invite.reusable {
                        "reusable"
                    } else {
                        "single"
                    }
                    .to_owned(),
                    text(invite.note.as_deref().unwrap_or("")),
                ],
                colors: [None, None, None, color, None, None],
            }
        }
        Entry::Damaged(damaged) => Line {
            cells: [
                text(damaged.token.as_str()),
                "damaged".to_owned(),
                text(damaged.user.as_deref().unwrap_or("")),
                String::new(),
                String::new(),
                text(&damaged.reason),
            ],
            colors: [None, Some(Color::Magenta), None, None, None, None],
        },
    }
}

/// When an invite expires, in words.
fn expiry(invite: &Invite, now: i64) -> String {
    let when = relative(invite.expires, now);
    if invite.is_expired(now) {
        format!("expired {when}")
    } else {
        when
    }
}

/// Column widths: each column's widest text, with the note and then the
/// "for" column narrowed until the table fits `width`.
fn fit(lines: &[Line], width: Option<u16>) -> [usize; COLUMNS] {
    let mut widths = HEADER.map(UnicodeWidthStr::width);
    for line in lines {
        for (w, cell) in widths.iter_mut().zip(&line.cells) {
            *w = (*w).max(cell.width());
        }
    }
    let Some(total) = width else {
        return widths;
    };
    let fixed: usize = widths
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != NOTE && *i != FOR)
        .map(|(_, w)| w + PADDING)
        .sum::<usize>()
        + 2 * PADDING;
    let room = usize::from(total).saturating_sub(fixed);
    let note_min = widths[NOTE].min(NOTE_MIN);
    widths[FOR] = widths[FOR]
        .min(room.saturating_sub(note_min))
        .max(widths[FOR].min(FOR_MIN));
    widths[NOTE] = widths[NOTE]
        .min(room.saturating_sub(widths[FOR]))
        .max(note_min);
    widths
}

/// Cuts `text` to `width` columns, marking the cut with `…`.
fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use invitectl::{Host, InviteRequest, Token};

    use super::*;

    const NOW: i64 = 1_795_271_948;

    fn entry(token: &str, ttl: i64, note: &str) -> Entry {
        let host = Host::parse("example.com").unwrap();
        let mut invite = InviteRequest {
            note: Some(note.into()),
            ..Default::default()
        }
        .build_with_token(&host, NOW, Token::parse(token).unwrap())
        .unwrap();
        invite.expires = NOW + ttl;
        Entry::Invite(invite)
    }

    fn entries() -> Vec<Entry> {
        vec![
            entry(
                "AAAAAAAAAAAAAAAAAAAAAAAA",
                6 * 86_400 + 60,
                &"a long note ".repeat(10),
            ),
            entry("BBBBBBBBBBBBBBBBBBBBBBBB", 3_600, "soon"),
            entry("CCCCCCCCCCCCCCCCCCCCCCCC", -2 * 3_600, "gone"),
        ]
    }

    fn lines(style: Style) -> Vec<String> {
        render(&entries(), NOW, style)
            .trim_fmt()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn relative_times() {
        let text = lines(Style::default()).join("\n");
        assert!(text.contains("in 6 days"), "{text}");
        assert!(text.contains("in 1 hour"), "{text}");
        assert!(text.contains("expired 2 hours ago"), "{text}");
    }

    #[test]
    fn fits_the_width_by_cutting_notes() {
        for width in [80u16, 100] {
            let lines = lines(Style {
                color: false,
                width: Some(width),
            });
            // A header, its line and one line per invite: nothing wraps.
            assert_eq!(lines.len(), 5);
            for line in &lines {
                assert!(line.width() <= usize::from(width), "{width}: {line:?}");
            }
            assert!(lines[2].contains("AAAAAAAAAAAAAAAAAAAAAAAA"));
            assert!(lines[2].contains("in 6 days"));
            assert!(lines[2].ends_with('…'), "{width}: {:?}", lines[2]);
        }
        // Too narrow for even the least of the note: the table overflows
        // rather than cut a token.
        let narrow = lines(Style {
            color: false,
            width: Some(40),
        });
        assert!(narrow[2].contains("AAAAAAAAAAAAAAAAAAAAAAAA"));
        assert_eq!(narrow.len(), 5);
        // Room enough: the whole note.
        let wide = lines(Style {
            color: false,
            width: Some(250),
        });
        assert!(wide[2].ends_with("a long note"));
        // Unknown width: nothing is cut.
        assert!(lines(Style::default())[2].ends_with("a long note"));
    }

    #[test]
    fn colour_marks_expired_and_expiring_invites() {
        let plain = lines(Style {
            color: false,
            width: None,
        });
        assert!(plain.iter().all(|l| !l.contains('\x1b')));
        let colored = lines(Style {
            color: true,
            width: None,
        });
        let row = |token: char| {
            colored
                .iter()
                .find(|l| l.contains(&token.to_string().repeat(24)))
                .unwrap()
                .clone()
        };
        // Bright red and yellow, as crossterm writes them.
        assert!(row('C').contains("\x1b[38;5;9m"), "{:?}", row('C'));
        assert!(row('B').contains("\x1b[38;5;11m"), "{:?}", row('B'));
        assert!(!row('A').contains("\x1b[38;5;"), "{:?}", row('A'));
    }

    #[test]
    fn a_narrow_table_cuts_the_note_never_the_token() {
        let host = Host::parse("example.com").unwrap();
        let invite = InviteRequest {
            note: Some("a note far longer than any terminal could ever hope to show ".repeat(4)),
            ..Default::default()
        }
        .build(&host, 0)
        .unwrap();
        let entries = [Entry::Invite(invite.clone())];
        let style = Style {
            color: false,
            width: Some(100),
        };
        let text = render(&entries, 0, style).trim_fmt();
        assert!(text.contains(invite.token.as_str()), "{text}");
        assert!(text.contains("in 7 days"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert_eq!(text.lines().count(), 3, "a row wrapped: {text}");
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("日本語です", 5), "日本…");
        assert_eq!(truncate("abc", 0), "");
    }
}
