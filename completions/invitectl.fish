# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_invitectl_global_optspecs
    string join \n store= config= color= via= admin-socket= v/verbose h/help V/version
end

function __fish_invitectl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_invitectl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_invitectl_using_subcommand
    set -l cmd (__fish_invitectl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c invitectl -n "__fish_invitectl_needs_command" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_needs_command" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_needs_command" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_needs_command" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_needs_command" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_needs_command" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_needs_command" -s V -l version -d 'Print version'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "generate" -d 'Create invites and print their links'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "list" -d 'List pending invites, newest first'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "show" -d 'Show everything about one invite'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "revoke" -d 'Remove invites by token'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "expire" -d 'Remove every expired invite of the host'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "check-config" -d 'Check that the server as configured honours invites (exit 1 on any error line)'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "completions" -d 'Print a shell completion script'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "man" -d 'Print the man page (roff)'
complete -c invitectl -n "__fish_invitectl_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l username -d 'Name the account to create: the link carries NAME@HOST and clients offer that name (Prosody does not enforce it)' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l reset -d 'A password reset for this existing account (default lifetime 1 day)' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l contact -d 'A contact invite from this local user; the invitee may also register' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l group -d 'Add the new account to this group (repeatable)' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l role -d 'Grant this role to the new account (repeatable; the first is primary)' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l roles-format -d 'How roles are stored: list for Prosody 13, map for 0.12; auto follows the server (a SQL store\'s schema, else the installed /usr/lib/prosody/prosody.version; list when unknown or without a configuration)' -r -f -a "auto\t'Follow the server\'s generation'
list\t'An ordered list (Prosody 13)'
map\t'A map of role to true (Prosody 0.12)'"
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l ttl -d 'Lifetime, e.g. 90s, 30m, 12h, 7d, 2w, 1d12h [default: invite_expiry, else 7d; resets 1d]' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l note -d 'A note for admins, stored with the invite' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l count -d 'How many invites to create, in one transaction: all or none' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l landing-page -d 'Landing-page template, e.g. https://{host}/invite/{invite.token}/; on an ejabberd host written as mod_invites\' landing_page: none, auto or e.g. https://{{ host }}/i/{{ invite.token }}. Empty for none [default: invites_page, or landing_page]' -r
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l qr-file -d 'Write each link as a QR image, PNG or SVG by the name\'s extension. With --count, a folder (one TOKEN.png per invite; made if missing, written as qr/) or a pattern with {n} or {token}, e.g. invite-{n}.svg' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l no-register -d 'With --contact: for existing accounts only, no registration'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l reusable -d 'Let many people register with the invite until it expires'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l admin -d 'Grant prosody:admin (same as --role prosody:admin)'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l json -d 'Print one JSON object per invite instead of its link'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -l qr -d 'Also draw each link as a QR code on the terminal (on stderr when stdout is not a terminal)'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l kind -d 'Show only invites of this kind' -r -f -a "account\t'Account invites'
reset\t'Password resets'
contact\t'Contact invites'
group\t'Reusable (group) invites'"
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l all -d 'Include expired invites'
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l expired -d 'Show only expired invites'
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -l json -d 'Print one JSON object per line'
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l qr-file -d 'Write the link as a QR image, PNG or SVG by the name\'s extension (a folder gets TOKEN.png)' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l json -d 'Print one JSON object'
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -l qr -d 'Also draw the link as a QR code on the terminal (on stderr when stdout is not a terminal)'
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -l json -d 'Print one JSON object per token: {"token", "revoked"}'
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l dry-run -d 'List what would be removed, and remove nothing'
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l used -d 'Also remove used invites, whatever their expiry (ejabberd keeps them, and counts them against its own cap of 1000; Prosody keeps none)'
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -s q -l quiet -d 'Print nothing on success (for cron)'
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -l json -d 'Print JSON: {"removed": N}, or with --dry-run one object per invite'
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand expire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand check-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -l store -d 'The invite store: Prosody\'s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration\'s, else $XDG_DATA_HOME/invitectl/invites.sqlite' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -l config -d 'The server\'s configuration file (Prosody\'s, or ejabberd\'s .yml), read for the host\'s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -l via -d 'How to reach the store beside a running Prosody: auto writes through the server\'s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)' -r -f -a "auto\t'Through the server while it runs, else directly'
server\t'Only through the running server'
store\t'Always directly'"
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -l admin-socket -d 'Prosody\'s admin socket. Default: the configuration\'s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store' -r -F
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -s v -l verbose -d 'Tell on stderr which way the store is reached'
complete -c invitectl -n "__fish_invitectl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "generate" -d 'Create invites and print their links'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "list" -d 'List pending invites, newest first'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "show" -d 'Show everything about one invite'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "revoke" -d 'Remove invites by token'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "expire" -d 'Remove every expired invite of the host'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "check-config" -d 'Check that the server as configured honours invites (exit 1 on any error line)'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c invitectl -n "__fish_invitectl_using_subcommand help; and not __fish_seen_subcommand_from generate list show revoke expire check-config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
