//! Debian's shipped configuration (Prosody 0.12.3, bookworm), with its
//! `conf.d` holding the shipped `localhost` and `example.com` examples.

use super::fixture;
use crate::config::{Config, SectionKind};

fn debian() -> Config {
    Config::load(fixture("debian/prosody.cfg.lua")).expect("loads")
}

#[test]
fn reads_the_main_file_and_the_conf_d_glob() {
    let config = debian();
    let names: Vec<_> = config
        .files()
        .iter()
        .filter_map(|f| f.file_name()?.to_str())
        .collect();
    assert_eq!(
        names,
        [
            "prosody.cfg.lua",
            "example.com.cfg.lua",
            "localhost.cfg.lua"
        ]
    );
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    assert!(config.unresolved_hosts().is_empty());
    assert_eq!(config.host_names(), ["example.com", "localhost"]);
}

#[test]
fn hosts_and_components() {
    let config = debian();
    let localhost = config.host("localhost").expect("localhost");
    assert_eq!(localhost.origin().line, 233);
    assert!(localhost.enabled().expect("reads"));
    assert!(config.host("LocalHost").is_some(), "names are nameprepped");
    let example = config.host("example.com").expect("example.com");
    assert!(!example.enabled().expect("reads"), "enabled = false");
    assert!(
        config.host("conference.example.com").is_none(),
        "a component is no host"
    );
    assert_eq!(
        config.section_kind("conference.example.com"),
        Some(&SectionKind::Component {
            module: Some("muc".into())
        })
    );
    assert!(config.host("example.org").is_none());
}

#[test]
fn settings_that_invitectl_needs() {
    let config = debian();
    let host = config.host("localhost").expect("localhost");
    assert_eq!(host.storage_driver("invite_token").expect("reads"), None);
    assert_eq!(host.sql().expect("reads"), None);
    assert_eq!(host.invite_expiry().expect("reads"), None);
    assert_eq!(host.invites_page().expect("reads"), None);
    assert_eq!(host.allow_registration().expect("reads"), None);
    assert!(host.is_module_enabled("invites").expect("reads"));
    assert!(host.is_module_enabled("invites_register").expect("reads"));
    assert!(
        host.is_module_enabled("c2s").expect("reads"),
        "loaded automatically"
    );
    assert!(!host.is_module_enabled("invites_page").expect("reads"));
    let modules = host.modules_enabled().expect("reads").expect("set");
    assert_eq!(modules.value.len(), 26);
    assert_eq!(modules.origin.line, 35);
    assert_eq!(config.data_path().expect("reads"), None);
    let pidfile = config.pidfile().expect("reads").expect("set");
    assert_eq!(pidfile.value.to_str(), Some("/run/prosody/prosody.pid"));
    assert_eq!(pidfile.origin.line, 104);
    assert!(pidfile.origin.file.ends_with("debian/prosody.cfg.lua"));
    let plugins = config.plugin_paths().expect("reads").expect("set");
    assert_eq!(
        plugins.value,
        [std::path::PathBuf::from("/usr/local/lib/prosody/modules")]
    );
}

#[test]
fn host_settings_override_global_ones() {
    let config = debian();
    let example = config.host("example.com").expect("example.com");
    let ssl = example.raw("ssl").expect("reads").expect("set");
    assert!(ssl.origin.file.ends_with("conf.d/example.com.cfg.lua"));
    let global = config.host("localhost").expect("localhost");
    assert_eq!(global.raw("ssl").expect("reads"), None);
    let auth = global.raw("authentication").expect("reads").expect("set");
    assert_eq!(auth.value.as_str(), Some("internal_hashed"));
}
