//! The library's store API on ejabberd's `invite_token` table, made with
//! ejabberd 26.07's own schema SQL in both schemas, on real SQLite files
//! and on PostgreSQL and MariaDB databases, with an injected clock.

// Public: the binaries' shared interface (see tests/support/mod.rs).
pub mod support;

mod ejabberd {
    //! The databases the cases run on.
    pub mod db;
}

use std::time::Duration;

use invitectl::invite::Target;
use invitectl::{Entry, Error, ErrorKind, Host, InviteRequest, Store, Username};

use ejabberd::db::{engines, Db, Engine};
use support::backends::on_each;

/// 2027-01-15 08:00:00 UTC.
const NOW: i64 = 1_800_000_000;
const NOW_TEXT: &str = "2027-01-15 08:00:00";
/// NOW plus invitectl's default week.
const WEEK_TEXT: &str = "2027-01-22 08:00:00";

fn host() -> Host {
    Host::parse("example.com").unwrap()
}

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn request(target: Target) -> InviteRequest {
    InviteRequest {
        target: Some(target),
        ..InviteRequest::default()
    }
}

fn create(store: &mut Store, request: &InviteRequest) -> invitectl::Invite {
    let mut made = None;
    store
        .create(
            &host(),
            1,
            || request.build(&host(), NOW),
            |i| {
                made = Some(i.clone());
                Ok(())
            },
        )
        .unwrap();
    made.unwrap()
}

fn invite(entry: Option<Entry>) -> invitectl::Invite {
    match entry {
        Some(Entry::Invite(invite)) => invite,
        other => panic!("not an invite: {other:?}"),
    }
}

fn list(store: &mut Store) -> Vec<String> {
    let mut listing = store.list(&host()).unwrap();
    let tokens = listing
        .iter()
        .unwrap()
        .map(|e| e.unwrap().token().as_str().to_owned())
        .collect();
    tokens
}

#[test]
fn each_kind_is_written_as_ejabberd_writes_it() {
    on_each(engines(), |engine| {
        for multihost in [true, false] {
            let db = Db::new(engine, multihost);
            let mut store = db.store();
            let h = if multihost { "|example.com" } else { "" };
            let cases = [
                (
                    request(Target::Account(None)),
                    format!("{h}||{NOW_TEXT}|{WEEK_TEXT}|A|"),
                    "xmpp:example.com?register;preauth=",
                ),
                (
                    request(Target::Account(Some(user("romeo")))),
                    format!("{h}||{NOW_TEXT}|{WEEK_TEXT}|A|romeo"),
                    "xmpp:romeo@example.com?register;preauth=",
                ),
                (
                    InviteRequest {
                        ttl: Some(Duration::from_secs(86_400)),
                        ..request(Target::Reset(user("alice")))
                    },
                    format!("{h}||{NOW_TEXT}|2027-01-16 08:00:00|T|alice"),
                    "xmpp:alice@example.com?register;preauth=",
                ),
                (
                    request(Target::Contact {
                        inviter: user("alice"),
                        allow_registration: true,
                    }),
                    format!("alice{h}||{NOW_TEXT}|{WEEK_TEXT}|S|"),
                    "xmpp:example.com?register;preauth=",
                ),
                (
                    request(Target::Contact {
                        inviter: user("alice"),
                        allow_registration: false,
                    }),
                    format!("alice{h}||{NOW_TEXT}|{WEEK_TEXT}|R|"),
                    "xmpp:alice@example.com?roster;preauth=",
                ),
            ];
            for (request, row, uri) in cases {
                let made = create(&mut store, &request);
                let token = made.token.as_str().to_owned();
                assert_eq!(
                    db.row(&token),
                    format!("{token}|{row}"),
                    "multihost {multihost}"
                );
                assert_eq!(made.uri, format!("{uri}{token}"));
                let read = invite(store.get(&host(), &made.token).unwrap());
                assert_eq!(read, made, "read back as made");
                assert_eq!(read.used_by, None);
                assert_eq!(read.created_at, Some(NOW));
            }
            assert_eq!(db.users(), "aliceexample.comsecret");
        }
    });
}

#[test]
fn what_ejabberd_cannot_hold_is_refused() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        let mut store = db.store();
        let account = request(Target::Account(None));
        let refusals = [
            (
                InviteRequest {
                    reusable: true,
                    ..account.clone()
                },
                "reusable invites",
            ),
            (
                InviteRequest {
                    groups: vec!["g".into()],
                    ..account.clone()
                },
                "groups",
            ),
            (
                InviteRequest {
                    roles: vec!["prosody:registered".into()],
                    ..account.clone()
                },
                "roles",
            ),
            (
                InviteRequest {
                    note: Some("hi".into()),
                    ..account.clone()
                },
                "notes",
            ),
        ];
        for (request, what) in refusals {
            // The refused invite is the second: nothing of the batch is kept.
            let mut n = 0;
            let err = store
                .create(
                    &host(),
                    2,
                    || {
                        n += 1;
                        if n == 1 {
                            account.build(&host(), NOW)
                        } else {
                            request.build(&host(), NOW)
                        }
                    },
                    |_| Ok(()),
                )
                .unwrap_err();
            assert!(
                matches!(&err, Error::NotStorable { what: w, .. } if *w == what),
                "{err}"
            );
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(
                err.to_string()
                    .contains(&format!("ejabberd cannot store {what}")),
                "{err}"
            );
            assert!(db.rows().is_empty());
        }
    });
}

#[test]
fn list_is_newest_first_and_only_the_hosts() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        db.put([
            "old-token-1",
            "",
            "example.com",
            "",
            "2027-01-01 00:00:00",
            "2027-02-01 00:00:00",
            "A",
            "",
        ]);
        db.put([
            "new-token-1",
            "alice",
            "example.com",
            "",
            "2027-01-10 00:00:00",
            "2027-02-01 00:00:00",
            "R",
            "",
        ]);
        db.put([
            "mid-token-1",
            "",
            "example.com",
            "bob@example.com",
            "2027-01-05 00:00:00",
            "2027-02-01 00:00:00",
            "A",
            "bob",
        ]);
        db.put([
            "other-host-1",
            "",
            "other.org",
            "",
            "2027-01-12 00:00:00",
            "2027-02-01 00:00:00",
            "A",
            "",
        ]);
        let mut store = db.store();
        assert_eq!(
            list(&mut store),
            ["new-token-1", "mid-token-1", "old-token-1"]
        );
        let used = invite(
            store
                .get(&host(), &invitectl::Token::parse("mid-token-1").unwrap())
                .unwrap(),
        );
        assert_eq!(used.used_by.as_deref(), Some("bob@example.com"));
        let json = invitectl::output::json::invite(&used, NOW);
        assert!(
            json.ends_with(",\"source\":null,\"used_by\":\"bob@example.com\"}"),
            "{json}"
        );
        let unused = invite(
            store
                .get(&host(), &invitectl::Token::parse("old-token-1").unwrap())
                .unwrap(),
        );
        assert!(!invitectl::output::json::invite(&unused, NOW).contains("used_by"));
        let other = invitectl::Token::parse("other-host-1").unwrap();
        assert_eq!(store.get(&host(), &other).unwrap(), None);
        assert_eq!(
            store.revoke(&host(), std::slice::from_ref(&other)).unwrap(),
            [other]
        );
        assert_eq!(db.rows().len(), 4);
    });
}

#[test]
fn damaged_rows_are_shown_never_pruned() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, false);
        // Times in another form: only SQLite's text columns can hold them.
        if engine == Engine::Sqlite {
            db.put([
                "iso-time-1",
                "",
                "",
                "",
                "2020-01-01T00:00:00Z",
                "2020-01-02T00:00:00Z",
                "A",
                "",
            ]);
        }
        db.put([
            "bad-type-1",
            "",
            "",
            "",
            "2020-01-01 00:00:00",
            "2020-01-02 00:00:00",
            "X",
            "",
        ]);
        db.put([
            "no-inviter-1",
            "",
            "",
            "",
            "2020-01-01 00:00:00",
            "2020-01-02 00:00:00",
            "R",
            "",
        ]);
        let before = db.rows();
        let mut store = db.store();
        let mut listing = store.list(&host()).unwrap();
        let entries: Vec<Entry> = listing.iter().unwrap().map(Result::unwrap).collect();
        drop(listing);
        assert_eq!(entries.len(), before.len());
        assert!(
            entries.iter().all(|e| matches!(e, Entry::Damaged(_))),
            "{entries:?}"
        );
        assert_eq!(store.prune(&host(), NOW).unwrap(), 0);
        assert_eq!(store.prune_including_used(&host(), NOW).unwrap(), 0);
        assert_eq!(db.rows(), before);
    });
}

#[test]
fn revoke_removes_the_rows() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        let mut store = db.store();
        let a = create(&mut store, &request(Target::Account(None)));
        let b = create(&mut store, &request(Target::Account(None)));
        let missing = invitectl::Token::parse("no-such-token").unwrap();
        let left = store
            .revoke(&host(), &[a.token.clone(), missing.clone()])
            .unwrap();
        assert_eq!(left, [missing]);
        assert_eq!(db.rows().len(), 1);
        assert!(db.row(b.token.as_str()).starts_with(b.token.as_str()));
        assert_eq!(db.users(), "aliceexample.comsecret");
    });
}

#[test]
fn prune_leaves_valid_and_used_rows_unless_asked() {
    on_each(engines(), |engine| {
        for multihost in [true, false] {
            let db = Db::new(engine, multihost);
            db.put([
                "expired-unused",
                "",
                "example.com",
                "",
                "2027-01-01 00:00:00",
                "2027-01-15 07:59:59",
                "A",
                "",
            ]);
            db.put([
                "expires-now-1",
                "",
                "example.com",
                "",
                "2027-01-01 00:00:00",
                NOW_TEXT,
                "A",
                "",
            ]);
            db.put([
                "valid-unused-1",
                "",
                "example.com",
                "",
                "2027-01-01 00:00:00",
                "2027-02-01 00:00:00",
                "A",
                "",
            ]);
            db.put([
                "expired-used-1",
                "",
                "example.com",
                "romeo@example.com",
                "2027-01-01 00:00:00",
                "2027-01-02 00:00:00",
                "A",
                "romeo",
            ]);
            db.put([
                "valid-used-111",
                "alice",
                "example.com",
                "juliet@example.com",
                "2027-01-01 00:00:00",
                "2027-02-01 00:00:00",
                "S",
                "",
            ]);
            if multihost {
                db.put([
                    "other-expired",
                    "",
                    "other.org",
                    "",
                    "2027-01-01 00:00:00",
                    "2027-01-02 00:00:00",
                    "A",
                    "",
                ]);
            }
            let mut store = db.store();
            let mut expired = store.list_expired(&host(), NOW).unwrap();
            let shown: Vec<String> = expired
                .iter()
                .unwrap()
                .map(|e| e.unwrap().token().as_str().to_owned())
                .collect();
            drop(expired);
            assert_eq!(shown, ["expired-unused"]);
            assert_eq!(store.prune(&host(), NOW).unwrap(), 1);
            let mut tokens: Vec<String> = db
                .rows()
                .iter()
                .map(|r| r.split('|').next().unwrap().to_owned())
                .collect();
            tokens.sort();
            let mut expected = vec![
                "expired-used-1",
                "expires-now-1",
                "valid-unused-1",
                "valid-used-111",
            ];
            if multihost {
                expected.push("other-expired");
                expected.sort();
            }
            assert_eq!(tokens, expected);
            assert_eq!(store.prune_including_used(&host(), NOW).unwrap(), 2);
            let mut tokens: Vec<String> = db
                .rows()
                .iter()
                .map(|r| r.split('|').next().unwrap().to_owned())
                .collect();
            tokens.sort();
            expected.retain(|t| !["expired-used-1", "valid-used-111"].contains(t));
            assert_eq!(tokens, expected);
            assert_eq!(db.users(), "aliceexample.comsecret");
        }
    });
}

#[test]
fn redeem_marks_the_invitee_and_a_used_token_is_refused() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        let mut store = db.store();
        let named = create(&mut store, &request(Target::Account(Some(user("romeo")))));
        let open = create(&mut store, &request(Target::Account(None)));
        let before = db.row(open.token.as_str());

        let used = store.redeem(&host(), &named.token, NOW).unwrap();
        assert_eq!(used.used_by.as_deref(), Some("romeo@example.com"));
        let t = named.token.as_str();
        assert_eq!(
            db.row(t),
            format!("{t}||example.com|romeo@example.com|{NOW_TEXT}|{WEEK_TEXT}|A|romeo")
        );
        for err in [
            store.check(&host(), &named.token, NOW).unwrap_err(),
            store.redeem(&host(), &named.token, NOW).unwrap_err(),
        ] {
            assert!(
                matches!(&err, Error::Used { by, .. } if by == "romeo@example.com"),
                "{err}"
            );
            assert_eq!(
                err.to_string(),
                format!("the invite {t} was already used by romeo@example.com")
            );
            assert_eq!(err.kind(), ErrorKind::Unusable);
        }

        // An open invite names no account: the caller says who used it.
        let err = store.redeem(&host(), &open.token, NOW).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(db.row(open.token.as_str()), before);
        store
            .redeem_by(&host(), &open.token, NOW, "juliet@example.com")
            .unwrap();
        assert!(db.row(open.token.as_str()).contains("|juliet@example.com|"));
        assert_eq!(db.users(), "aliceexample.comsecret");
    });
}

#[test]
fn ejabberd_refuses_at_the_expiry_second() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        db.put([
            "expires-now-1",
            "",
            "example.com",
            "",
            "2027-01-01 00:00:00",
            NOW_TEXT,
            "A",
            "romeo",
        ]);
        db.put([
            "expires-later",
            "",
            "example.com",
            "",
            "2027-01-01 00:00:00",
            "2027-01-15 08:00:01",
            "A",
            "romeo",
        ]);
        let mut store = db.store();
        let now_token = invitectl::Token::parse("expires-now-1").unwrap();
        assert!(matches!(
            store.check(&host(), &now_token, NOW),
            Err(Error::Expired(_))
        ));
        assert!(matches!(
            store.redeem(&host(), &now_token, NOW),
            Err(Error::Expired(_))
        ));
        let later = invitectl::Token::parse("expires-later").unwrap();
        assert!(store.check(&host(), &later, NOW).is_ok());
        let unknown = invitectl::Token::parse("unknown-token").unwrap();
        assert!(matches!(
            store.check(&host(), &unknown, NOW),
            Err(Error::NotFound(_))
        ));
    });
}

#[test]
fn a_database_with_prosodys_table_stays_prosodys() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        db.execute(match engine {
            Engine::Mariadb => "CREATE TABLE prosody (host TEXT, user TEXT, store TEXT, `key` TEXT, type TEXT, value TEXT)",
            _ => r#"CREATE TABLE prosody (host TEXT, "user" TEXT, store TEXT, key TEXT, type TEXT, value TEXT)"#,
        });
        let mut store = db.store();
        create(&mut store, &request(Target::Account(None)));
        assert!(db.rows().is_empty(), "written to Prosody's table");
        assert_eq!(db.query("SELECT host FROM prosody"), [["example.com"]]);
    });
}

/// MySQL's `TIMESTAMP` ends in 2038: a later expiry is refused, with
/// nothing written; elsewhere it is stored.
#[test]
fn an_expiry_the_column_cannot_hold_is_refused() {
    on_each(engines(), |engine| {
        let db = Db::new(engine, true);
        let mut store = db.store();
        let far = InviteRequest {
            ttl: Some(Duration::from_secs(20 * 365 * 86_400)),
            ..request(Target::Account(None))
        };
        let mut made = 0;
        let outcome = store.create(
            &host(),
            2,
            || far.build(&host(), NOW),
            |_| {
                made += 1;
                Ok(())
            },
        );
        if engine == Engine::Mariadb {
            let err = outcome.unwrap_err();
            assert!(
                err.to_string()
                    .ends_with("ejabberd cannot store a time after 2038-01-19 03:14:07 UTC (MySQL's TIMESTAMP)"),
                "{err}"
            );
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(made, 0);
            assert!(db.rows().is_empty());
        } else {
            outcome.unwrap();
            assert_eq!(made, 2);
            assert_eq!(db.rows().len(), 2);
            assert!(
                db.rows()[0].contains("|2047-01-10 08:00:00|A|"),
                "{:?}",
                db.rows()
            );
        }
    });
}
