//! Prosody's file storage (`storage = "internal"`, the default): invites
//! in Lua data files under the server's `data_path`.
//!
//! - `<data_path>/<enc(host)>/invite_token.dat`: the host-level records,
//!   one table keyed by token;
//! - `<data_path>/<enc(host)>/invite_token/<enc(user)>.dat`: a user's
//!   per-user records, one table keyed by token whose values are the
//!   expiry times (Prosody's map store on top of its key-value files).
//!
//! Only those files are ever read or written; an entry of another invite
//! is written back as the same value (see [`crate::lua`]), though not
//! always at the same place in the file: Prosody itself writes entries in
//! whatever order Lua's `pairs` yields.
//!
//! # Writers among themselves
//!
//! Every operation that writes holds invitectl's own lock on the data
//! folder (an advisory `flock` on the folder, see `lock`) while it reads
//! and rewrites the files, so invitectl processes (and [`crate::Store`]s
//! in one process) take turns: none loses another's change, and two
//! redeeming one single-use token cannot both succeed. A writer waits up
//! to 10 s for another, then fails in one line. Readers take no lock: a
//! file is only ever replaced whole.
//!
//! # What remains of the race with the server
//!
//! Prosody takes no lock on its files (and ignores invitectl's): it reads
//! a file, changes its table and writes `<file>~` and renames it over the
//! file. invitectl does the same, with the window kept small and a scratch
//! file of its own: it reads the file, changes only its own keys, writes
//! and syncs `<file>.invitectl~`, and just before the rename looks at the
//! file again; when the server replaced it
//! meanwhile (another inode, size or time), the new version is read and
//! the change made on it anew. What remains:
//! - a server write between that last look and the rename (microseconds)
//!   is lost: for instance a token just consumed comes back, or a new
//!   invite made by the server disappears;
//! - when both rename at about the same moment, the version renamed last
//!   wins; as each writes its own scratch file, it is a whole version,
//!   never a mix of the two;
//! - a token redeemed through [`crate::Store::redeem`] while the server
//!   consumes it too may be used twice;
//! - Prosody keeps no cache of this store, so nothing else goes stale.
//!
//! A command that writes several files (a contact invite has a record in
//! two) writes the per-user files first and the host-level file last; it
//! is not atomic across files: killed between two renames, it leaves the
//! per-user files changed and the host-level file as it was, never the
//! other way round. Each file on its own is always whole. A file that
//! cannot be read stops the command before anything is written.

pub(in crate::store::prosody) mod convert;
mod datafile;
pub mod enc;
mod lock;

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::INVITE_STORE as STORE;
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::lua::{Key, Value};
use crate::record::Entry;
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::token::Token;
use datafile::{Owner, Snapshot};

/// What a user who may not write a store on the file system needs.
pub const WRITE_NEEDS: &str =
    "the store is not writable by this user: run as the server's user (e.g. runuser -u prosody --)";

/// Prosody's data folder, opened as a store.
pub struct FileStore {
    data: PathBuf,
    /// Only its name: the data folder must exist, and its files keep no
    /// mark of the server's generation.
    opened: Opened,
    owner: Owner,
}

/// The invite files of one host, as read.
struct HostFiles {
    host: Snapshot,
    /// Per-user files, by username, in username order.
    users: BTreeMap<String, Snapshot>,
}

impl FileStore {
    /// Opens Prosody's data folder `data`, which must exist.
    pub fn open(data: &Path) -> Result<FileStore> {
        let meta = std::fs::metadata(data).map_err(|source| Error::Io {
            path: data.to_owned(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(Error::Io {
                path: data.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotADirectory,
                    "not a folder (file storage needs Prosody's data_path)",
                ),
            });
        }
        Ok(FileStore {
            data: data.to_owned(),
            opened: Opened {
                name: data.display().to_string(),
                ..Opened::default()
            },
            owner: Owner {
                uid: meta.uid(),
                gid: meta.gid(),
                root: crate::store::owner::effective_uid() == 0,
            },
        })
    }

    /// Waits for any other invitectl writing to this data folder, and
    /// keeps others waiting until the lock is dropped.
    fn lock(&self) -> Result<lock::WriteLock> {
        lock::lock(&self.data, lock::WAIT)
    }

    fn host_folder(&self, host: &Host) -> PathBuf {
        self.data.join(enc::encode(host.as_str()))
    }

    fn host_file(&self, host: &Host) -> PathBuf {
        self.host_folder(host).join(format!("{STORE}.dat"))
    }

    fn user_folder(&self, host: &Host) -> PathBuf {
        self.host_folder(host).join(STORE)
    }

    fn user_file(&self, host: &Host, user: &str) -> PathBuf {
        self.user_folder(host)
            .join(format!("{}.dat", enc::encode(user)))
    }

    /// The users that have a per-user file, in username order. Files
    /// whose names Prosody would not make (scratch files among them) are
    /// no one's.
    fn users(&self, host: &Host) -> Result<Vec<String>> {
        let folder = self.user_folder(host);
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(Error::Io {
                    path: folder,
                    source,
                })
            }
        };
        let mut users = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: folder.clone(),
                source,
            })?;
            let name = entry.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".dat")) else {
                continue;
            };
            if let Some(user) = enc::decode(stem).filter(|u| enc::encode(u) == stem) {
                users.push(user);
            }
        }
        users.sort();
        Ok(users)
    }

    fn load(&self, host: &Host) -> Result<HostFiles> {
        let mut users = BTreeMap::new();
        for user in self.users(host)? {
            let file = datafile::read(&self.user_file(host, &user))?;
            users.insert(user, file);
        }
        Ok(HostFiles {
            host: datafile::read(&self.host_file(host))?,
            users,
        })
    }

    fn make_folders(&self, host: &Host, per_user: bool) -> Result<()> {
        datafile::make_folder(&self.host_folder(host), self.owner)?;
        if per_user {
            datafile::make_folder(&self.user_folder(host), self.owner)?;
        }
        Ok(())
    }

    /// Sets `entries` in the file at `path`, starting from `read` when
    /// the file was read before.
    fn set(&self, path: &Path, read: Option<Snapshot>, entries: &[(Key, Value)]) -> Result<()> {
        datafile::update(path, self.owner, read, |table| {
            for (key, value) in entries {
                table.insert(key.clone(), value.clone());
            }
            !entries.is_empty()
        })
    }

    /// Removes the entries of `keys` from the file at `path` for which
    /// `doomed` holds, and returns the keys removed.
    fn remove(
        &self,
        path: &Path,
        read: Option<Snapshot>,
        keys: &HashSet<Key>,
        doomed: impl Fn(&Key, &Value) -> bool,
    ) -> Result<Vec<Key>> {
        let mut removed = Vec::new();
        datafile::update(path, self.owner, read, |table| {
            removed = table
                .iter()
                .filter(|(k, v)| keys.contains(*k) && doomed(k, v))
                .map(|(k, _)| k.clone())
                .collect();
            if removed.is_empty() {
                return false;
            }
            // One pass over the table: removing entries one by one keeps
            // the order by shifting every later entry, which took minutes
            // for an `expire` of 10,000 invites.
            let gone: HashSet<&Key> = removed.iter().collect();
            *table = std::mem::take(table)
                .into_iter()
                .filter(|(k, _)| !gone.contains(k))
                .collect();
            true
        })?;
        Ok(removed)
    }

    /// Every invite of the host, newest first.
    fn list_all(&self, host: &Host) -> Result<Vec<Entry>> {
        let files = self.load(host)?;
        // Newest first; among invites of one second the one written last
        // (entries are appended) first; contact-only invites last.
        let mut entries: Vec<(Option<i64>, usize, Entry)> = Vec::new();
        for (key, value) in files.host.table.iter() {
            let entry = convert::decode_host(key, value);
            let created = match &entry {
                Entry::Invite(invite) => invite.created_at,
                Entry::Damaged(_) => None,
            };
            entries.push((created, entries.len(), entry));
        }
        for (user, file) in &files.users {
            for (key, value) in file.table.iter() {
                if !files.host.table.contains_key(key.clone()) {
                    let entry = convert::decode_user(host.as_str(), user, key, value);
                    entries.push((None, entries.len(), entry));
                }
            }
        }
        entries.sort_by(|a, b| {
            (
                a.0.is_none(),
                std::cmp::Reverse(a.0),
                std::cmp::Reverse(a.1),
            )
                .cmp(&(
                    b.0.is_none(),
                    std::cmp::Reverse(b.0),
                    std::cmp::Reverse(b.1),
                ))
        });
        Ok(entries.into_iter().map(|(_, _, e)| e).collect())
    }
}

/// Invites made, then told, at a time by `create`.
const CHUNK: usize = 1_024;

impl Backend for FileStore {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    fn write_needs(&self) -> &'static str {
        WRITE_NEEDS
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        // Every file is read before anything is written, so that one that
        // cannot be read stops the command with nothing changed; what was
        // read is where the rewrite starts (checked again before the rename).
        let HostFiles {
            host: host_file,
            mut users,
        } = self.load(host)?;
        let mut host_records = Vec::new();
        let mut user_records: BTreeMap<String, Vec<(Key, Value)>> = BTreeMap::new();
        let mut chunk = Vec::new();
        loop {
            invites.next_chunk(&mut chunk, CHUNK)?;
            if chunk.is_empty() {
                break;
            }
            for invite in &chunk {
                let key = Key::from(invite.token.as_str());
                if invite.allow_registration {
                    host_records.push((key.clone(), convert::encode_host(invite)));
                }
                if let Some(inviter) = invite.inviter() {
                    user_records
                        .entry(inviter.to_owned())
                        .or_default()
                        .push((key, convert::encode_user(invite)));
                }
            }
            invites.written(&chunk)?;
        }
        if host_records.is_empty() && user_records.is_empty() {
            return Ok(());
        }
        // Not held while invites are made and printed: each file is read
        // again under it.
        let _lock = self.lock()?;
        self.make_folders(host, !user_records.is_empty())?;
        for (user, records) in &user_records {
            self.set(&self.user_file(host, user), users.remove(user), records)?;
        }
        self.set(&self.host_file(host), Some(host_file), &host_records)
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        let key = Key::from(token.as_str());
        let files = self.load(host)?;
        if let Some(value) = files.host.table.get_key(&key) {
            return Ok(Some(convert::decode_host(&key, value)));
        }
        Ok(files.users.iter().find_map(|(user, file)| {
            file.table
                .get_key(&key)
                .map(|value| convert::decode_user(host.as_str(), user, &key, value))
        }))
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let _lock = self.lock()?;
        let files = self.load(host)?;
        let keys: HashSet<Key> = tokens.iter().map(|t| Key::from(t.as_str())).collect();
        let mut removed = HashSet::new();
        for (user, file) in files.users {
            if file.table.keys().any(|k| keys.contains(k)) {
                let path = self.user_file(host, &user);
                removed.extend(self.remove(&path, Some(file), &keys, |_, _| true)?);
            }
        }
        if files.host.table.keys().any(|k| keys.contains(k)) {
            let path = self.host_file(host);
            removed.extend(self.remove(&path, Some(files.host), &keys, |_, _| true)?);
        }
        Ok(removed
            .into_iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect())
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        let _lock = self.lock()?;
        let invite = crate::redeem::check(self.get(host, token)?, token, now)?;
        if !invite.reusable {
            let keys = HashSet::from([Key::from(token.as_str())]);
            if let Some(inviter) = invite.inviter() {
                self.remove(&self.user_file(host, inviter), None, &keys, |_, _| true)?;
            }
            self.remove(&self.host_file(host), None, &keys, |_, _| true)?;
        }
        Ok(invite)
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        let entries = match selection {
            Selection::All => self.list_all(host)?,
            Selection::ExpiredAt(now) => Expired::find(host, &self.load(host)?, now).listed,
        };
        Ok(Box::new(Listing(entries)))
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        let _lock = self.lock()?;
        let mut files = self.load(host)?;
        let total = files.host.table.len() as u64;
        progress(0, total);
        let expired = Expired::find(host, &files, now);
        let hostname = host.as_str();
        for (user, keys) in &expired.user_keys {
            let read = files.users.remove(user);
            self.remove(&self.user_file(host, user), read, keys, |k, v| {
                convert::decode_user(hostname, user, k, v).is_expired_invite(now)
            })?;
        }
        if !expired.host_keys.is_empty() {
            let read = Some(files.host);
            self.remove(&self.host_file(host), read, &expired.host_keys, |k, v| {
                convert::decode_host(k, v).is_expired_invite(now)
            })?;
        }
        progress(total, total);
        Ok(expired.listed.len() as u64)
    }
}

/// A listing of file storage, read whole: Prosody keeps each file as one
/// table, which has to be read whole anyway.
struct Listing(Vec<Entry>);

impl Entries for Listing {
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        Ok(Box::new(self.0.drain(..).map(Ok)))
    }
}

/// What `prune` removes, as the SQL backend decides it: host-level
/// records that read as expired invites, and per-user records that read
/// as expired and have no host-level record once those are gone. Only
/// the host-level ones and the per-user ones that had none to begin with
/// (contact-only invites) count, and are listed.
struct Expired {
    listed: Vec<Entry>,
    host_keys: HashSet<Key>,
    user_keys: BTreeMap<String, HashSet<Key>>,
}

impl Expired {
    fn find(host: &Host, files: &HostFiles, now: i64) -> Expired {
        let mut listed = Vec::new();
        let mut host_keys = HashSet::new();
        for (key, value) in files.host.table.iter() {
            let entry = convert::decode_host(key, value);
            if entry.is_expired_invite(now) {
                host_keys.insert(key.clone());
                listed.push(entry);
            }
        }
        let mut user_keys: BTreeMap<String, HashSet<Key>> = BTreeMap::new();
        for (user, file) in &files.users {
            for (key, value) in file.table.iter() {
                let had_host_record = files.host.table.contains_key(key.clone());
                if had_host_record && !host_keys.contains(key) {
                    continue;
                }
                let entry = convert::decode_user(host.as_str(), user, key, value);
                if entry.is_expired_invite(now) {
                    user_keys
                        .entry(user.clone())
                        .or_default()
                        .insert(key.clone());
                    if !had_host_record {
                        listed.push(entry);
                    }
                }
            }
        }
        Expired {
            listed,
            host_keys,
            user_keys,
        }
    }
}

/// What the store holds, for a backend that removes records through the
/// server: each record with its key and value as read, for a removal
/// only if unchanged.
pub(in crate::store::prosody) struct Doomed {
    /// Each record: its user (`None` at host level), key and value.
    pub records: Vec<(Option<String>, Key, Value)>,
    /// How many of them are invites of their own (host-level records, and
    /// per-user ones that had none): what a prune counts.
    pub counted: Vec<bool>,
    /// How many host-level records the host has.
    pub host_records: u64,
}

impl FileStore {
    /// Every record of each token.
    pub(in crate::store::prosody) fn records_of(
        &self,
        host: &Host,
        tokens: &[Token],
    ) -> Result<Doomed> {
        let files = self.load(host)?;
        let keys: HashSet<Key> = tokens.iter().map(|t| Key::from(t.as_str())).collect();
        let mut doomed = Doomed {
            records: Vec::new(),
            counted: Vec::new(),
            host_records: files.host.table.len() as u64,
        };
        for (key, value) in files.host.table.iter().filter(|(k, _)| keys.contains(*k)) {
            doomed.records.push((None, key.clone(), value.clone()));
            doomed.counted.push(true);
        }
        for (user, file) in &files.users {
            for (key, value) in file.table.iter().filter(|(k, _)| keys.contains(*k)) {
                doomed
                    .records
                    .push((Some(user.clone()), key.clone(), value.clone()));
                doomed.counted.push(false);
            }
        }
        Ok(doomed)
    }

    /// The records a prune at `now` removes, as [`Backend::prune`] decides.
    pub(in crate::store::prosody) fn expired_records(
        &self,
        host: &Host,
        now: i64,
    ) -> Result<Doomed> {
        let files = self.load(host)?;
        let expired = Expired::find(host, &files, now);
        let mut doomed = Doomed {
            records: Vec::new(),
            counted: Vec::new(),
            host_records: files.host.table.len() as u64,
        };
        for (key, value) in files
            .host
            .table
            .iter()
            .filter(|(k, _)| expired.host_keys.contains(*k))
        {
            doomed.records.push((None, key.clone(), value.clone()));
            doomed.counted.push(true);
        }
        for (user, keys) in &expired.user_keys {
            let Some(file) = files.users.get(user) else {
                continue;
            };
            for (key, value) in file.table.iter().filter(|(k, _)| keys.contains(*k)) {
                let had_host_record = files.host.table.contains_key(key.clone());
                doomed
                    .records
                    .push((Some(user.clone()), key.clone(), value.clone()));
                doomed.counted.push(!had_host_record);
            }
        }
        Ok(doomed)
    }
}
