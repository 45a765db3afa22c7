
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'invitectl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'invitectl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'invitectl' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Create invites and print their links')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List pending invites, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show everything about one invite')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Remove invites by token')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Remove every expired invite of the host')
            [CompletionResult]::new('check-config', 'check-config', [CompletionResultType]::ParameterValue, 'Check that the server as configured honours invites (exit 1 on any error line)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invitectl;generate' {
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Name the account to create: the link carries NAME@HOST and clients offer that name (Prosody does not enforce it)')
            [CompletionResult]::new('--reset', '--reset', [CompletionResultType]::ParameterName, 'A password reset for this existing account (default lifetime 1 day)')
            [CompletionResult]::new('--contact', '--contact', [CompletionResultType]::ParameterName, 'A contact invite from this local user; the invitee may also register')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Add the new account to this group (repeatable)')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Grant this role to the new account (repeatable; the first is primary)')
            [CompletionResult]::new('--roles-format', '--roles-format', [CompletionResultType]::ParameterName, 'How roles are stored: list for Prosody 13, map for 0.12; auto follows the server (a SQL store''s schema, else the installed /usr/lib/prosody/prosody.version; list when unknown or without a configuration)')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Lifetime, e.g. 90s, 30m, 12h, 7d, 2w, 1d12h [default: invite_expiry, else 7d; resets 1d]')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A note for admins, stored with the invite')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many invites to create, in one transaction: all or none')
            [CompletionResult]::new('--landing-page', '--landing-page', [CompletionResultType]::ParameterName, 'Landing-page template, e.g. https://{host}/invite/{invite.token}/; on an ejabberd host written as mod_invites'' landing_page: none, auto or e.g. https://{{ host }}/i/{{ invite.token }}. Empty for none [default: invites_page, or landing_page]')
            [CompletionResult]::new('--qr-file', '--qr-file', [CompletionResultType]::ParameterName, 'Write each link as a QR image, PNG or SVG by the name''s extension. With --count, a folder (one TOKEN.png per invite; made if missing, written as qr/) or a pattern with {n} or {token}, e.g. invite-{n}.svg')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('--no-register', '--no-register', [CompletionResultType]::ParameterName, 'With --contact: for existing accounts only, no registration')
            [CompletionResult]::new('--reusable', '--reusable', [CompletionResultType]::ParameterName, 'Let many people register with the invite until it expires')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Grant prosody:admin (same as --role prosody:admin)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per invite instead of its link')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also draw each link as a QR code on the terminal (on stderr when stdout is not a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;list' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Show only invites of this kind')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include expired invites')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Show only expired invites')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;show' {
            [CompletionResult]::new('--qr-file', '--qr-file', [CompletionResultType]::ParameterName, 'Write the link as a QR image, PNG or SVG by the name''s extension (a folder gets TOKEN.png)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also draw the link as a QR code on the terminal (on stderr when stdout is not a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;revoke' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per token: {"token", "revoked"}')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;expire' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be removed, and remove nothing')
            [CompletionResult]::new('--used', '--used', [CompletionResultType]::ParameterName, 'Also remove used invites, whatever their expiry (ejabberd keeps them, and counts them against its own cap of 1000; Prosody keeps none)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on success (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on success (for cron)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: {"removed": N}, or with --dry-run one object per invite')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;check-config' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;man' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The invite store: Prosody''s SQLite database (e.g. /var/lib/prosody/prosody.sqlite), its data folder (file storage, e.g. /var/lib/prosody), a PostgreSQL URL (postgres://prosody@db.example/prosody; the password from PGPASSWORD or ~/.pgpass) or a MySQL URL (mysql://prosody@db.example/prosody; the password from MYSQL_PWD). Default: the configuration''s, else $XDG_DATA_HOME/invitectl/invites.sqlite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server''s configuration file (Prosody''s, or ejabberd''s .yml), read for the host''s store and invite defaults. Default: $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else /etc/ejabberd/ejabberd.yml, when it exists')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the store beside a running Prosody: auto writes through the server''s admin socket while it runs (SQLite and file storage) and directly when it does not; server only through it; store always directly (racing a running server)')
            [CompletionResult]::new('--admin-socket', '--admin-socket', [CompletionResultType]::ParameterName, 'Prosody''s admin socket. Default: the configuration''s admin_socket, else prosody.sock in its data_path; without a configuration, prosody.sock beside the store')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which way the store is reached')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'invitectl;help' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Create invites and print their links')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List pending invites, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show everything about one invite')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Remove invites by token')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Remove every expired invite of the host')
            [CompletionResult]::new('check-config', 'check-config', [CompletionResultType]::ParameterValue, 'Check that the server as configured honours invites (exit 1 on any error line)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invitectl;help;generate' {
            break
        }
        'invitectl;help;list' {
            break
        }
        'invitectl;help;show' {
            break
        }
        'invitectl;help;revoke' {
            break
        }
        'invitectl;help;expire' {
            break
        }
        'invitectl;help;check-config' {
            break
        }
        'invitectl;help;completions' {
            break
        }
        'invitectl;help;man' {
            break
        }
        'invitectl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
