
use builtin;
use str;

set edit:completion:arg-completer[invitectl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'invitectl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'invitectl'= {
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand generate 'Create invites and print their links'
            cand list 'List pending invites, newest first'
            cand show 'Show everything about one invite'
            cand revoke 'Remove invites by token'
            cand expire 'Remove every expired invite of the host'
            cand check-config 'Check that the server as configured honours invites (exit 1 on any error line)'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invitectl;generate'= {
            cand --username 'Name the account to create: the link carries NAME@HOST and clients offer that name (Prosody does not enforce it)'
            cand --reset 'A password reset for this existing account (default lifetime 1 day)'
            cand --contact 'A contact invite from this local user; the invitee may also register'
            cand --group 'Add the new account to this group (repeatable)'
            cand --role 'Grant this role to the new account (repeatable; the first is primary)'
            cand --roles-format 'How roles are stored: list for Prosody 13, map for 0.12; auto follows the server (a SQL store''s schema, else the installed /usr/lib/prosody/prosody.version; list when unknown or without a configuration)'
            cand --ttl 'Lifetime, e.g. 90s, 30m, 12h, 7d, 2w, 1d12h [default: invite_expiry, else 7d; resets 1d]'
            cand --note 'A note for admins, stored with the invite'
            cand --count 'How many invites to create, in one transaction: all or none'
            cand --landing-page 'Landing-page template, e.g. https://{host}/invite/{invite.token}/; on an ejabberd host written as mod_invites'' landing_page: none, auto or e.g. https://{{ host }}/i/{{ invite.token }}. Empty for none [default: invites_page, or landing_page]'
            cand --qr-file 'Write each link as a QR image, PNG or SVG by the name''s extension. With --count, a folder (one TOKEN.png per invite; made if missing, written as qr/) or a pattern with {n} or {token}, e.g. invite-{n}.svg'
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand --no-register 'With --contact: for existing accounts only, no registration'
            cand --reusable 'Let many people register with the invite until it expires'
            cand --admin 'Grant prosody:admin (same as --role prosody:admin)'
            cand --json 'Print one JSON object per invite instead of its link'
            cand --qr 'Also draw each link as a QR code on the terminal (on stderr when stdout is not a terminal)'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;list'= {
            cand --kind 'Show only invites of this kind'
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand --all 'Include expired invites'
            cand --expired 'Show only expired invites'
            cand --json 'Print one JSON object per line'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;show'= {
            cand --qr-file 'Write the link as a QR image, PNG or SVG by the name''s extension (a folder gets TOKEN.png)'
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand --json 'Print one JSON object'
            cand --qr 'Also draw the link as a QR code on the terminal (on stderr when stdout is not a terminal)'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;revoke'= {
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand --json 'Print one JSON object per token: {"token", "revoked"}'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;expire'= {
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand --dry-run 'List what would be removed, and remove nothing'
            cand --used 'Also remove used invites, whatever their expiry (ejabberd keeps them, and counts them against its own cap of 1000; Prosody keeps none)'
            cand -q 'Print nothing on success (for cron)'
            cand --quiet 'Print nothing on success (for cron)'
            cand --json 'Print JSON: {"removed": N}, or with --dry-run one object per invite'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;check-config'= {
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;completions'= {
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;man'= {
            cand --store 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite'
            cand --config 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --via 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)'
            cand --admin-socket 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store'
            cand -v 'Tell on stderr which way the store is reached'
            cand --verbose 'Tell on stderr which way the store is reached'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'invitectl;help'= {
            cand generate 'Create invites and print their links'
            cand list 'List pending invites, newest first'
            cand show 'Show everything about one invite'
            cand revoke 'Remove invites by token'
            cand expire 'Remove every expired invite of the host'
            cand check-config 'Check that the server as configured honours invites (exit 1 on any error line)'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invitectl;help;generate'= {
        }
        &'invitectl;help;list'= {
        }
        &'invitectl;help;show'= {
        }
        &'invitectl;help;revoke'= {
        }
        &'invitectl;help;expire'= {
        }
        &'invitectl;help;check-config'= {
        }
        &'invitectl;help;completions'= {
        }
        &'invitectl;help;man'= {
        }
        &'invitectl;help;help'= {
        }
    ]
    $completions[$command]
}
