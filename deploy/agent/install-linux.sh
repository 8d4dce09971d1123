#!/bin/sh
# Meterbridge agent for Linux (systemd): install, upgrade or remove. Run as root, e.g.
#   curl -fsSL @DOWNLOAD_URL@/downloads/install-linux.sh | sudo sh -s -- --key KEY --name "Reception PC"
# It makes the system user meterbridge-agent (no login shell), puts the agent in /opt/meterbridge-agent (owned by
# that user, so the agent can update itself), its config (token, 0600) and outbox in /var/lib/meterbridge-agent
# (0700), installs meterbridge-agent.service, enrols as that user and starts the service. Running it again upgrades
# the agent and keeps the enrolment, unless --key (or --dealer) is given again. `sh install-linux.sh --help`.
#
# Test seams (environment; the defaults are for a real machine):
#   MB_INSTALL_ROOT   prefix of every path this script writes or hands to the agent (default: empty, i.e. /)
#   MB_SERVICE_USER   the account the agent runs as (default: meterbridge-agent)
#   PYTHON            the interpreter (default: the first of python3 python3.13 python3.12 python3.11 that is 3.11+)
#   SYSTEMCTL         default: systemctl      USERADD   default: useradd
set -eu

PORTAL_URL='@PORTAL_URL@'      # filled in by the portal that serves this script (where the agent enrols)
DOWNLOAD_URL='@DOWNLOAD_URL@'  # the dealer's host, where meterbridge-agent.pyz and its .sha256 are

ROOT=${MB_INSTALL_ROOT:-}
SERVICE_USER=${MB_SERVICE_USER:-meterbridge-agent}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
USERADD=${USERADD:-useradd}
SERVICE=meterbridge-agent
APP_DIR=/opt/meterbridge-agent
STATE_DIR=/var/lib/meterbridge-agent
CACHE_DIR=/var/cache/meterbridge-agent
UNIT_FILE=/etc/systemd/system/meterbridge-agent.service
WRAPPER=/usr/local/bin/meterbridge-agent
PYZ_NAME=meterbridge-agent.pyz
# What the agent itself is handed (the same as above on a real machine).
PYZ=$ROOT$APP_DIR/$PYZ_NAME
CONFIG=$ROOT$STATE_DIR/agent.toml

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<'EOF'
Install the Meterbridge agent as a systemd service (run as root).

  install-linux.sh --key KEY [--name NAME]                  enrol with the licence key from the site page
  install-linux.sh --dealer ID --customer NAME [--site NAME] [--report-email E]... [--enrollment-password P]
                                                            register a new site with the dealer's enrolment
                                                            password (asked for when not given)
  install-linux.sh                                          upgrade; keeps the existing enrolment
  install-linux.sh --uninstall                              stop and remove the agent and its config

  --name NAME         what to call this agent in the portal (default: "<hostname> @ <site>")
  --portal URL        where the agent enrols and reports (default: the portal this script came from)
  --download URL      where meterbridge-agent.pyz and its .sha256 are (default: the dealer's host)
  --ca-bundle FILE    PEM file of CAs to trust for the portal (a private CA)
  --proxy URL         http://user:pass@proxy:3128, for the downloads and the agent
EOF
}

# --- options -------------------------------------------------------------------------------------------------
key='' dealer='' password='' customer='' site='' emails='' name='' ca_bundle='' proxy='' uninstall=''
portal=$PORTAL_URL download=$DOWNLOAD_URL

need_value() { [ "$#" -ge 2 ] || die "$1 needs a value (see --help)"; }

while [ "$#" -gt 0 ]; do
    case $1 in
        --*=*) opt=${1%%=*} value=${1#*=}; shift; set -- "$opt" "$value" "$@"; continue ;;
        --key) need_value "$@"; key=$2 ;;
        --dealer) need_value "$@"; dealer=$2 ;;
        --enrollment-password) need_value "$@"; password=$2 ;;
        --customer) need_value "$@"; customer=$2 ;;
        --site) need_value "$@"; site=$2 ;;
        --report-email) need_value "$@"; emails="$emails $2" ;;
        --name) need_value "$@"; name=$2 ;;
        --portal) need_value "$@"; portal=$2 ;;
        --download) need_value "$@"; download=$2 ;;
        --ca-bundle) need_value "$@"; ca_bundle=$2 ;;
        --proxy) need_value "$@"; proxy=$2 ;;
        --uninstall) uninstall=1; shift; continue ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift 2
done

[ "$(id -u)" -eq 0 ] || [ -n "$ROOT" ] || die "run this as root: ... | sudo sh -s -- --key KEY"

check_options() {
    # A copy of this file taken from the repository, not from a portal, has its placeholders still in.
    case $portal in @*@|'') die "no portal address: add --portal https://portal.example.com" ;; esac
    case $download in @*@|'') download=$portal ;; esac
    [ -z "$key" ] || [ -z "$dealer" ] || die "give --key or --dealer, not both"
    [ -z "$dealer" ] || [ -n "$customer" ] || die "--dealer needs --customer NAME (and usually --site NAME)"
    [ -z "$ca_bundle" ] || [ -r "$ca_bundle" ] || die "cannot read the CA bundle $ca_bundle"
}

# --- steps ---------------------------------------------------------------------------------------------------
has_terminal() { (: </dev/tty) 2>/dev/null; }

find_python() {
    for candidate in ${PYTHON:-python3 python3.13 python3.12 python3.11}; do
        path=$(command -v "$candidate" 2>/dev/null) || continue
        if "$path" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$path"
            return 0
        fi
    done
    return 1
}

check_python() {
    say "Checking for Python 3.11 or newer"
    PY=$(find_python) || die "Python 3.11 or newer is needed and was not found$(python3 -V 2>/dev/null | sed 's/^/ (python3 here is /;s/$/)/'). Debian 12, Ubuntu 24.04: apt install python3. RHEL/Rocky/Alma 8-9: dnf install python3.11. Others: https://www.python.org/downloads/ . Then run this again."
    note "using $PY ($("$PY" -V 2>&1))"
}

check_systemd() {
    command -v "${SYSTEMCTL%% *}" >/dev/null 2>&1 || die "systemd (systemctl) was not found: this installer sets the agent up as a systemd service"
}

fetch() {  # URL FILE
    url=$1
    if command -v curl >/dev/null 2>&1; then
        set -- curl -fsSL --retry 2 -o "$2" "$1"
        [ -z "$proxy" ] || set -- "$@" --proxy "$proxy"
        [ -z "$ca_bundle" ] || set -- "$@" --cacert "$ca_bundle"
    elif command -v wget >/dev/null 2>&1; then
        set -- wget -q -O "$2" "$1"
        [ -z "$ca_bundle" ] || set -- "$@" --ca-certificate="$ca_bundle"
        [ -z "$proxy" ] || export https_proxy="$proxy" http_proxy="$proxy"
    else
        die "neither curl nor wget is installed: apt install curl (or dnf install curl), then run this again"
    fi
    "$@" || die "could not download $url (check the address and this machine's internet access or proxy)"
}

download_agent() {  # into $WORK, checked: nothing is installed before this passes
    say "Downloading the agent from $download"
    fetch "$download/downloads/$PYZ_NAME" "$WORK/$PYZ_NAME"
    fetch "$download/downloads/$PYZ_NAME.sha256" "$WORK/$PYZ_NAME.sha256"
    say "Checking its SHA-256 checksum"
    (cd "$WORK" && sha256sum -c --status --strict "$PYZ_NAME.sha256" 2>/dev/null) \
        || die "the downloaded agent does not match its checksum (a broken download or proxy). Nothing was installed; run this again, and if it happens again, tell your dealer."
    note "checksum OK ($(cut -c1-16 "$WORK/$PYZ_NAME.sha256")...)"
}

nologin_shell() {
    for shell in /usr/sbin/nologin /sbin/nologin; do
        [ -x "$shell" ] && { echo "$shell"; return; }
    done
    echo /bin/false
}

ensure_user() {
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
        say "Using the system user $SERVICE_USER (already there)"
        return
    fi
    say "Creating the system user $SERVICE_USER (no login shell)"
    # shellcheck disable=SC2086 # USERADD may be a command with options (test seam)
    $USERADD --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell "$(nologin_shell)" \
        "$SERVICE_USER" || die "could not create the user $SERVICE_USER"
}

make_dirs() {
    say "Preparing $APP_DIR (the agent) and $STATE_DIR (its config and outbox, private)"
    group=$(id -gn "$SERVICE_USER")
    mkdir -p "$ROOT/etc/systemd/system" "$ROOT/usr/local/bin"  # existing system folders keep their modes
    install -d -o "$SERVICE_USER" -g "$group" -m 0755 "$ROOT$APP_DIR"
    install -d -o "$SERVICE_USER" -g "$group" -m 0700 "$ROOT$STATE_DIR" "$ROOT$CACHE_DIR"
}

install_agent() {
    if [ -f "$PYZ" ]; then say "Upgrading the agent in $APP_DIR"; else say "Installing the agent in $APP_DIR"; fi
    # Written beside the target and renamed over it: a running agent never sees half a file.
    install -o "$SERVICE_USER" -g "$group" -m 0755 "$WORK/$PYZ_NAME" "$ROOT$APP_DIR/.$PYZ_NAME.new"
    mv -f "$ROOT$APP_DIR/.$PYZ_NAME.new" "$PYZ"
    if [ -n "$ca_bundle" ]; then
        install -o "$SERVICE_USER" -g "$group" -m 0644 "$ca_bundle" "$ROOT$STATE_DIR/ca.pem"
    fi
}

as_service_user() {  # COMMAND...: as the service user, with the agent's cache, from a directory it can read
    export XDG_CACHE_HOME="$ROOT/var/cache"
    cd /
    if [ "$(id -u)" -eq "$(id -u "$SERVICE_USER")" ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$SERVICE_USER" -- "$@"
    else
        setpriv --reuid="$(id -u "$SERVICE_USER")" --regid="$(id -g "$SERVICE_USER")" --init-groups -- "$@"
    fi
}

ask_secret() {  # PROMPT: read from the terminal without echo
    printf '%s' "$1" >/dev/tty
    stty -echo </dev/tty
    IFS= read -r answer </dev/tty || answer=''
    stty echo </dev/tty
    printf '\n' >/dev/tty
    printf '%s' "$answer"
}

enrol() {
    set -- "$PY" "$PYZ" --config "$CONFIG" enroll --portal "$portal"
    [ -z "$name" ] || set -- "$@" --name "$name"
    [ -z "$ca_bundle" ] || set -- "$@" --ca-bundle "$ROOT$STATE_DIR/ca.pem"
    [ -z "$proxy" ] || set -- "$@" --proxy "$proxy"
    if [ -n "$dealer" ]; then
        set -- "$@" --dealer "$dealer" --customer "$customer"
        [ -z "$site" ] || set -- "$@" --site "$site"
        for email in $emails; do set -- "$@" --report-email "$email"; done
        say "Registering site ${site:-?} for customer $customer with dealer $dealer, and enrolling"
    else
        say "Enrolling with $portal"
    fi
    # The key and the enrolment password go by the environment, not the command line other users can read in ps.
    (MB_LICENSE_KEY=$key MB_ENROLLMENT_PASSWORD=$password; export MB_LICENSE_KEY MB_ENROLLMENT_PASSWORD
     as_service_user "$@" </dev/null) \
        || die "enrolment failed (the reason is above). The agent is installed; run this again with the right key or password."
}

ask_for_secrets() {  # first, so a missing key stops the run before anything is downloaded or written
    if [ -n "$dealer" ] && [ -z "$password" ]; then
        has_terminal || die "--enrollment-password is needed (there is no terminal to ask for it on)"
        password=$(ask_secret "Enrolment password for dealer $dealer: ")
        [ -n "$password" ] || die "no enrolment password given"
    fi
    if [ -z "$key" ] && [ -z "$dealer" ] && [ ! -s "$CONFIG" ]; then
        has_terminal || die "this machine is not enrolled yet: add --key KEY (the licence key on the site page in the portal), or --dealer ID --customer NAME --site NAME"
        key=$(ask_secret "Licence key (from the site page in the portal): ")
        [ -n "$key" ] || die "no licence key given"
    fi
}

ensure_enrolment() {
    if [ -z "$key" ] && [ -z "$dealer" ]; then
        say "Keeping the existing enrolment ($STATE_DIR/agent.toml)"
    else
        enrol
    fi
}

install_unit() {
    say "Installing the systemd service $SERVICE"
    # The unit below is deploy/agent/meterbridge-agent.service, with this machine's Python in ExecStart.
    unit_text | sed "s|^ExecStart=/usr/bin/env python3 |ExecStart=$PY |" >"$ROOT$UNIT_FILE.new"
    chmod 0644 "$ROOT$UNIT_FILE.new"
    mv -f "$ROOT$UNIT_FILE.new" "$ROOT$UNIT_FILE"
}

install_wrapper() {
    cat >"$ROOT$WRAPPER.new" <<EOF
#!/bin/sh
# meterbridge-agent: the installed agent, run as its service user with its config (made by install-linux.sh).
#   sudo meterbridge-agent status | doctor | scan 192.168.1.0/24 | outbox set-aside
set -eu
export XDG_CACHE_HOME='$ROOT/var/cache'
cd /
if [ "\$(id -u)" -eq "\$(id -u '$SERVICE_USER')" ]; then
    exec '$PY' '$PYZ' --config '$CONFIG' "\$@"
fi
[ "\$(id -u)" -eq 0 ] || { echo "meterbridge-agent: run it with sudo" >&2; exit 1; }
exec runuser -u '$SERVICE_USER' -- '$PY' '$PYZ' --config '$CONFIG' "\$@"
EOF
    chmod 0755 "$ROOT$WRAPPER.new"
    mv -f "$ROOT$WRAPPER.new" "$ROOT$WRAPPER"
}

start_service() {
    say "Starting the service"
    $SYSTEMCTL daemon-reload
    $SYSTEMCTL enable --now "$SERVICE"
    # An upgrade or a new enrolment: the running agent must pick up the new file and config.
    [ -z "$was_active" ] || $SYSTEMCTL restart "$SERVICE"
}

uninstall() {
    say "Stopping and removing the Meterbridge agent"
    $SYSTEMCTL disable --now "$SERVICE" >/dev/null 2>&1 || true
    rm -f "$ROOT$UNIT_FILE" "$ROOT$WRAPPER"
    rm -rf "$ROOT$APP_DIR" "$ROOT$CACHE_DIR" "$ROOT$STATE_DIR"
    $SYSTEMCTL daemon-reload >/dev/null 2>&1 || true
    say "Removed (program, service, config and outbox). The user $SERVICE_USER is kept: userdel $SERVICE_USER removes it."
    note "The agent stays listed in the portal: switch it off there."
}

done_message() {
    say "Done: the Meterbridge agent runs as the service $SERVICE."
    note "systemctl status $SERVICE      is it running"
    note "journalctl -u $SERVICE -f      its log"
    note "sudo meterbridge-agent status            portal, last contact, outbox"
    note "sudo meterbridge-agent doctor            checks the way to the portal, proxy, CA, clock"
}

unit_text() {
    cat <<'EOF'
[Unit]
Description=Meterbridge printer agent (SNMP discovery and meter reads for the dealer portal)
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
User=meterbridge-agent
Group=meterbridge-agent
# The config (token, 0600) and the SQLite outbox live in the state directory.
StateDirectory=meterbridge-agent
StateDirectoryMode=0700
CacheDirectory=meterbridge-agent
Environment=XDG_CACHE_HOME=/var/cache
# A proxy can also come from the environment: Environment=HTTPS_PROXY=http://user:pass@proxy:3128
ExecStart=/usr/bin/env python3 /opt/meterbridge-agent/meterbridge-agent.pyz --config /var/lib/meterbridge-agent/agent.toml run
# On SIGTERM the agent stops between steps, keeps unsent results in the outbox and exits 0.
KillSignal=SIGTERM
TimeoutStopSec=45
Restart=on-failure
RestartSec=30
# Self-update swaps the file in /opt/meterbridge-agent and exits 75 when it cannot re-exec: 75 always restarts.
RestartForceExitStatus=75

# Hardening: the agent needs outbound UDP (SNMP) and HTTPS, nothing else.
NoNewPrivileges=yes
ProtectSystem=strict
# The agent's own folder stays writable for self-update (the file is swapped by a rename in it).
ReadWritePaths=/opt/meterbridge-agent
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
MemoryMax=128M

[Install]
WantedBy=multi-user.target
EOF
}

# --- main ----------------------------------------------------------------------------------------------------
# One function called on the last line: under `curl ... | sh` the shell has read the whole script before any step
# runs, so nothing a step starts can swallow the rest of it from stdin.
main() {
    check_systemd
    if [ -n "$uninstall" ]; then
        uninstall
        exit 0
    fi
    check_options
    ask_for_secrets
    check_python
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
    download_agent
    was_active=''
    if $SYSTEMCTL is-active --quiet "$SERVICE" 2>/dev/null; then was_active=1; fi
    ensure_user
    make_dirs
    install_agent
    install_unit
    install_wrapper
    ensure_enrolment
    start_service
    done_message
}

main
