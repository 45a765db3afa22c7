//! ejabberd's invites (`mod_invites`, 26.01 and later): where a host's
//! configuration puts them.

mod configured;
