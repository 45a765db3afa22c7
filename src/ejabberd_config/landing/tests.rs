//! Rendering as ejabberd 26.07's erlydtl renders, and `auto` as
//! `ejabberd_http:get_auto_url` builds it. The expected values were
//! rendered by the erlydtl 0.15 and mod_invites_http_erlylib that Debian's
//! ejabberd 26.07 runs.

use std::fs;

use super::*;
use crate::invite::{InviteRequest, Target};
use crate::jid::{Host, Username};
use crate::token::Token;

const TOKEN: &str = "ukwQ_kgBSGa5rFmRZCz62XxG";

fn invite(target: Target) -> Invite {
    let host = Host::parse("example.com").unwrap();
    InviteRequest {
        target: Some(target),
        ..InviteRequest::default()
    }
    .build_with_token(&host, 0, Token::parse(TOKEN).unwrap())
    .unwrap()
}

fn account() -> Invite {
    invite(Target::Account(None))
}

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn render(template: &str, invite: &Invite) -> String {
    LandingTemplate::parse(template)
        .unwrap_or_else(|e| panic!("{template}: {e}"))
        .render("example.com", invite)
}

#[test]
fn every_variable_of_every_type() {
    let t = "https://x.test/?h={{ host }}&t={{ invite.token }}&u={{ invite.uri }}&a={{ invite.account_name }}&k={{ invite.type }}&i={{ invite.invitee }}&j={{ invite.inviter|jid }}&n={{ invite.inviter|user }}";
    let q = |rest: &str| format!("https://x.test/?h=example.com&t={TOKEN}&{rest}");
    assert_eq!(
        render(t, &account()),
        q(&format!(
            "u=xmpp:example.com?register;preauth={TOKEN}&a=&k=account_only&i=&j=example.com&n="
        ))
    );
    assert_eq!(
        render(t, &invite(Target::Account(Some(user("bob"))))),
        q(&format!("u=xmpp:bob@example.com?register;preauth={TOKEN}&a=bob&k=account_only&i=&j=example.com&n="))
    );
    assert_eq!(
        render(t, &invite(Target::Reset(user("bob")))),
        q(&format!("u=xmpp:bob@example.com?register;preauth={TOKEN}&a=bob&k=reset_token&i=&j=example.com&n="))
    );
    // ejabberd's URI of an S invite is the register form.
    let contact = |allow_registration| Target::Contact {
        inviter: user("alice"),
        allow_registration,
    };
    assert_eq!(
        render(t, &invite(contact(true))),
        q(&format!("u=xmpp:example.com?register;preauth={TOKEN}&a=&k=account_subscription&i=&j=alice@example.com&n=alice"))
    );
    assert_eq!(
        render(t, &invite(contact(false))),
        q(&format!("u=xmpp:alice@example.com?roster;preauth={TOKEN}&a=&k=roster_only&i=&j=alice@example.com&n=alice"))
    );
}

#[test]
fn the_documented_examples() {
    let roster = invite(Target::Contact {
        inviter: user("alice"),
        allow_registration: false,
    });
    assert_eq!(
        render(
            "http://{{ host }}:8080/easy-xmpp-invites/#{{ invite.uri|strip_protocol }}",
            &roster
        ),
        format!(
            "http://example.com:8080/easy-xmpp-invites/#alice@example.com?roster;preauth={TOKEN}"
        )
    );
    assert_eq!(
        render("https://{{host}}/invites/{{invite.token}}", &account()),
        format!("https://example.com/invites/{TOKEN}")
    );
    assert_eq!(
        render("https://i.test/{{  invite.token | safe  }}/", &account()),
        format!("https://i.test/{TOKEN}/")
    );
}

#[test]
fn filters_and_escaping_as_erlydtl() {
    assert_eq!(
        render("https://i.test/?u={{ invite.uri|urlencode }}", &account()),
        format!("https://i.test/?u=xmpp%3Aexample.com%3Fregister%3Bpreauth%3D{TOKEN}")
    );
    assert_eq!(
        render(
            "https://i.test/#{{ invite.uri|strip_protocol|urlencode }}",
            &account()
        ),
        format!("https://i.test/#example.com%3Fregister%3Bpreauth%3D{TOKEN}")
    );
    // Values erlydtl saw in ejabberd 26.07 (an HTML-unsafe value, and the
    // bytes urlencode keeps), rendered by the same code.
    let hostile = "aZ09-_.~/ !\"#$%&'()*+,:;<=>?@[]^`{|}ë";
    let values = |text| Values {
        host: text,
        token: text,
        uri: text,
        account_name: text,
        kind: text,
        invitee: text,
        inviter: text,
    };
    let page = |t: &str| LandingTemplate::parse(t).unwrap();
    assert_eq!(
        page("https://i.test/{{ invite.token }}").render_values(&values(hostile)),
        "https://i.test/aZ09-_.~/ !&quot;#$%&amp;&#039;()*+,:;&lt;=&gt;?@[]^`{|}ë"
    );
    assert_eq!(
        page("https://i.test/{{ invite.uri|urlencode }}").render_values(&values(hostile)),
        "https://i.test/aZ09-_.~/%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%3A%3B%3C%3D%3E%3F%40%5B%5D%5E%60%7B%7C%7D%C3%AB"
    );
    assert_eq!(
        page("https://i.test/{{ invite.token|safe }}").render_values(&values(hostile)),
        format!("https://i.test/{hostile}")
    );
    assert_eq!(
        page("https://i.test/{{ invite.uri|strip_protocol }}")
            .render_values(&values("a&xmpp:b xmpp:c")),
        "https://i.test/a&amp;b xmpp:c"
    );
    // Braces that open nothing are text, as in erlydtl.
    assert_eq!(
        render("https://i.test/{x}/{{ invite.token }}}", &account()),
        format!("https://i.test/{{x}}/{TOKEN}}}")
    );
}

#[test]
fn what_invitectl_cannot_render_is_refused() {
    for bad in [
        "https://i.test/{{ invite.tokne }}",
        "https://i.test/{{ Host }}/{{ invite.token }}",
        "https://i.test/{{ invite.token|upper }}",
        "https://i.test/{{ invite.token|default:\"x\" }}",
        "https://i.test/{{ invite.inviter }}/{{ invite.token }}",
        "https://i.test/{{ invite.inviter|safe }}/{{ invite.token }}",
        "https://i.test/{{ invite.created_at }}/{{ invite.token }}",
        "https://i.test/{{ invite|token_uri }}",
        "https://i.test/{% if host %}{{ invite.token }}{% endif %}",
        "https://i.test/{# note #}{{ invite.token }}",
        "https://i.test/{{ invite.token",
        "https://i.test/{{}}",
        "https://i.test/{{ host }}",
        "https://i.test/{invite.token}",
        "ftp://i.test/{{ invite.token }}",
        "{{ invite.token }}",
        "",
        "https://i.test/a b/{{ invite.token }}",
        "https://i.test/\u{1b}[2J{{ invite.token }}",
        "https://i.test/\u{202e}{{ invite.token }}",
        "https://i.test/{{ invite.token }}\n",
    ] {
        assert!(LandingTemplate::parse(bad).is_err(), "{bad:?} was accepted");
    }
}

fn config(listen: &str) -> (tempfile::TempDir, EjabberdConfig) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ejabberd.yml");
    fs::write(
        &path,
        format!("hosts:\n  - example.com\n  - other.test\n{listen}\nmodules:\n  mod_invites:\n    landing_page: auto\n"),
    )
    .unwrap();
    let config = EjabberdConfig::load(&path).unwrap();
    (dir, config)
}

fn auto(listen: &str) -> std::result::Result<String, EjabberdConfigError> {
    let (_dir, config) = config(listen);
    let page = config.host("other.test").unwrap().landing_page()?;
    Ok(page
        .expect("auto gives a page")
        .render("other.test", &account()))
}

#[test]
fn auto_without_tls() {
    assert_eq!(
        auto("listen:\n  -\n    port: 5222\n    module: ejabberd_c2s\n  -\n    port: 5280\n    ip: \"::1\"\n    module: ejabberd_http\n    request_handlers:\n      /api: mod_http_api\n      /invites: mod_invites\n").unwrap(),
        format!("http://other.test:5280/invites/{TOKEN}")
    );
}

#[test]
fn auto_with_tls_and_paths() {
    let https = |path: &str| {
        auto(&format!(
            "listen:\n  -\n    port: 443\n    module: ejabberd_http\n    tls: true\n    request_handlers:\n      \"{path}\": mod_invites\n"
        ))
        .unwrap()
    };
    assert_eq!(
        https("/invites"),
        format!("https://other.test:443/invites/{TOKEN}")
    );
    assert_eq!(
        https("//join//here/"),
        format!("https://other.test:443/join/here/{TOKEN}")
    );
    // The root path leaves an empty segment: ejabberd's own quirk.
    assert_eq!(https("/"), format!("https://other.test:443//{TOKEN}"));
}

#[test]
fn auto_skips_what_ejabberd_skips() {
    // Another module's listener, a Unix socket, a handler of another path.
    let listen = "listen:\n  -\n    port: 5443\n    module: ejabberd_c2s\n  -\n    port: \"unix:/run/x.sock\"\n    module: ejabberd_http\n    request_handlers:\n      /invites: mod_invites\n  -\n    port: 5281\n    module: ejabberd_http\n    request_handlers:\n      /api: mod_http_api\n  -\n    port: 5282\n    module: ejabberd_http\n    request_handlers:\n      /i: mod_invites\n";
    assert_eq!(
        auto(listen).unwrap(),
        format!("http://other.test:5282/i/{TOKEN}")
    );
}

#[test]
fn auto_that_cannot_be_resolved_says_why() {
    let none = auto("listen:\n  -\n    port: 5280\n    module: ejabberd_http\n    request_handlers:\n      /api: mod_http_api\n");
    assert!(
        matches!(none, Err(EjabberdConfigError::NoInvitesListener { .. })),
        "{none:?}"
    );
    let no_listen = auto("");
    assert!(matches!(
        no_listen,
        Err(EjabberdConfigError::NoInvitesListener { .. })
    ));
    let two = auto("listen:\n  -\n    port: 5280\n    module: ejabberd_http\n    request_handlers:\n      /invites: mod_invites\n  -\n    port: 5443\n    module: ejabberd_http\n    tls: true\n    request_handlers:\n      /invites: mod_invites\n");
    let Err(EjabberdConfigError::AmbiguousInvitesListener { urls, .. }) = &two else {
        panic!("{two:?}");
    };
    assert_eq!(
        urls,
        "http://@HOST@:5280/invites/, https://@HOST@:5443/invites/"
    );
    // The same URL twice (two addresses of one port) is no ambiguity.
    let same = auto("listen:\n  -\n    port: 5280\n    ip: 127.0.0.1\n    module: ejabberd_http\n    request_handlers:\n      /invites: mod_invites\n  -\n    port: 5280\n    ip: \"::1\"\n    module: ejabberd_http\n    request_handlers:\n      /invites/: mod_invites\n");
    assert_eq!(
        same.unwrap(),
        format!("http://other.test:5280/invites/{TOKEN}")
    );
}

#[test]
fn a_configured_template_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ejabberd.yml");
    let write = |page: &str| {
        fs::write(
            &path,
            format!(
                "hosts:\n  - example.com\nmodules:\n  mod_invites:\n    landing_page: \"{page}\"\n"
            ),
        )
        .unwrap();
        EjabberdConfig::load(&path).unwrap()
    };
    let config = write("https://@HOST@/i/{{ invite.token }}");
    let page = config
        .host("example.com")
        .unwrap()
        .landing_page()
        .unwrap()
        .unwrap();
    assert_eq!(
        page.render("example.com", &account()),
        format!("https://example.com/i/{TOKEN}")
    );
    let config = write("https://@HOST@/i/{{ invite.secret }}");
    let refused = config.host("example.com").unwrap().landing_page();
    assert!(
        matches!(refused, Err(EjabberdConfigError::InvalidLandingPage { .. })),
        "{refused:?}"
    );
    let config = write("none");
    assert_eq!(
        config.host("example.com").unwrap().landing_page().unwrap(),
        None
    );
}

#[test]
fn what_ejabberd_itself_cannot_render_is_refused_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ejabberd.yml");
    let page_of = |page: &str| {
        fs::write(
            &path,
            format!(
                "hosts:\n  - example.com\nmodules:\n  mod_invites:\n    landing_page: \"{page}\"\n"
            ),
        )
        .unwrap();
        EjabberdConfig::load(&path)
            .unwrap()
            .host("example.com")
            .unwrap()
            .landing_page()
    };
    let at_most = |chars: usize| {
        let start = "https://example.com/i/{{ invite.token }}#";
        format!("{start}{}", "x".repeat(chars - start.len()))
    };
    assert!(page_of(&at_most(MAX_LOADABLE_CHARS)).unwrap().is_some());
    assert_eq!(MAX_LOADABLE_CHARS, 233);
    for bad in [
        at_most(MAX_LOADABLE_CHARS + 1),
        "https://example.com/i/{{ invite.uri|urlencode }}".into(),
        "https://example.com/i/{{ invite.token|urlencode }}".into(),
    ] {
        let refused = page_of(&bad);
        assert!(
            matches!(refused, Err(EjabberdConfigError::InvalidLandingPage { .. })),
            "{bad}: {refused:?}"
        );
    }
    // Handed to invitectl directly, ejabberd never renders it.
    assert!(LandingTemplate::parse(&at_most(300)).is_ok());
    assert!(LandingTemplate::parse("https://example.com/i/{{ invite.uri|urlencode }}").is_ok());
    // auto is held to the same length.
    let long_path = "p".repeat(200);
    let (_dir, config) = config(&format!(
        "listen:\n  -\n    port: 5280\n    module: ejabberd_http\n    request_handlers:\n      /{long_path}: mod_invites\n"
    ));
    let refused = config.host("example.com").unwrap().landing_page();
    assert!(
        matches!(refused, Err(EjabberdConfigError::InvalidLandingPage { .. })),
        "{refused:?}"
    );
}

#[test]
fn templates_that_break_ejabberds_own_pages_are_told() {
    let breaks = |t: &str| LandingTemplate::parse(t).unwrap().breaks_ejabberds_pages();
    for fine in [
        "https://i.test/invites/{{ invite.token }}",
        "https://{{ host }}/i/{{ invite.token }}?h={{ host }}",
        // An unset value at the end renders as nothing there.
        "https://i.test/{{ invite.token }}/{{ invite.uri }}",
        "https://i.test/{{ invite.token }}/{{ invite.uri }}{{ invite.type }}",
    ] {
        assert!(!breaks(fine), "{fine}");
    }
    for broken in [
        // Seen on ejabberd 26.07: an unset value before more text, and a
        // filter of an unset value.
        "https://i.test/{{ invite.token }}?u={{ invite.uri }}&h={{ host }}",
        "https://i.test/{{ invite.token }}#{{ invite.uri|strip_protocol }}",
        "https://i.test/{{ invite.token }}/{{ invite.inviter|jid }}",
        "https://i.test/{{ invite.token }}/{{ invite.type }}/",
    ] {
        assert!(breaks(broken), "{broken}");
    }
}
