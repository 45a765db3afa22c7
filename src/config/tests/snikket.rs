//! A configuration shaped like Snikket's: names from the environment,
//! code run at load time, expressions everywhere, a glob Include.

use super::fixture;
use crate::config::{Config, ConfigError, Period, Unreadable};

fn snikket() -> Config {
    Config::load(fixture("snikket/prosody.cfg.lua")).expect("loads")
}

#[test]
fn loads_despite_the_code_in_it() {
    let config = snikket();
    let names: Vec<_> = config
        .files()
        .iter()
        .filter_map(|f| f.file_name()?.to_str())
        .collect();
    assert_eq!(names, ["prosody.cfg.lua", "retention.cfg.lua"]);
    assert!(config.host_names().is_empty());
    let unresolved: Vec<usize> = config.unresolved_hosts().iter().map(|o| o.line).collect();
    assert_eq!(unresolved, [83], "VirtualHost (DOMAIN)");
}

#[test]
fn the_host_is_found_only_through_its_unresolved_section() {
    let config = snikket();
    assert!(config.host("chat.example.com").is_none());
    let host = config
        .host_in_unresolved_section("chat.example.com")
        .expect("a VirtualHost with a computed name exists");
    assert_eq!(host.name(), "chat.example.com");
    assert_eq!(host.origin().line, 83);
}

#[test]
fn literal_settings_are_read() {
    let config = snikket();
    let host = config
        .host_in_unresolved_section("chat.example.com")
        .expect("host");
    let storage = host
        .storage_driver("invite_token")
        .expect("reads")
        .expect("set");
    assert_eq!(
        (storage.value.as_str(), storage.origin.line),
        ("internal", 67)
    );
    let data = config.data_path().expect("reads").expect("set");
    assert_eq!(data.value.to_str(), Some("/snikket/prosody"));
    assert_eq!(
        host.allow_registration().expect("reads").map(|b| b.value),
        Some(true)
    );
    assert_eq!(
        host.registration_invite_only()
            .expect("reads")
            .map(|b| b.value),
        Some(true)
    );
    assert!(host.is_module_enabled("invites_register").expect("reads"));
    assert!(
        !host.is_module_enabled("invites_tracking").expect("reads"),
        "commented out"
    );
    let expiry = host.invite_expiry().expect("reads").expect("set");
    assert_eq!(expiry.value, Period::Seconds(14 * 86_400));
    assert!(expiry.origin.file.ends_with("snikket.d/retention.cfg.lua"));
    assert_eq!(expiry.origin.line, 2);
}

#[test]
fn expressions_are_reported_not_guessed() {
    let config = snikket();
    let host = config
        .host_in_unresolved_section("chat.example.com")
        .expect("host");
    match host.invites_page() {
        Err(ConfigError::Unreadable {
            key,
            origin,
            reason,
        }) => {
            assert_eq!(key, "invites_page");
            assert_eq!(origin.line, 52);
            assert_eq!(reason, Unreadable::Expression);
        }
        other => panic!("{other:?}"),
    }
    for key in [
        "http_max_content_size",
        "log",
        "http_ports",
        "use_ipv6",
        "turncredentials_secret",
    ] {
        assert!(
            matches!(
                host.raw(key),
                Err(ConfigError::Unreadable {
                    reason: Unreadable::Expression,
                    ..
                })
            ),
            "{key}"
        );
    }
    assert!(matches!(
        host.raw("update_check_interval"),
        Err(ConfigError::Unreadable {
            reason: Unreadable::Conditional,
            ..
        })
    ));
}

#[test]
fn section_settings_do_not_leak_into_global() {
    let config = snikket();
    let host = config
        .host_in_unresolved_section("chat.example.com")
        .expect("host");
    for key in [
        "http_files_dir",
        "restrict_room_creation",
        "http_upload_expire_after",
        "DOMAIN",
    ] {
        assert_eq!(host.raw(key).expect("reads"), None, "{key}");
    }
    let auth = host.raw("authentication").expect("reads").expect("global");
    assert_eq!(auth.origin.line, 65);
}
