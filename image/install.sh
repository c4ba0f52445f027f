#!/usr/bin/env bash
# Install Switchboard on Raspberry Pi OS Bookworm (arm64 or armhf), or upgrade it.
#
#   sudo image/install.sh [--wheel FILE]        install or upgrade (default: from this source tree)
#   sudo image/install.sh --uninstall [--purge] remove it (keeps calls and settings unless --purge)
#   image/install.sh --print-config             the settings it would write for the plugged devices
#
# Options: --root DIR   install into DIR instead of / (tests and staging: no apt, no udevadm,
#                       no running systemd; units are enabled offline with systemctl --root)
#          --dry-run    print what would be done, change nothing
#          --no-apt     do not install Debian packages
#          --python P   the Python 3.11+ that makes the venv (default /usr/bin/python3)
#          --refresh-config  rewrite the settings only if they are still exactly as generated
#                            and name no device (the image's first boot, after modems are plugged)
#
# What goes where: the app in /opt/switchboard/venv (with this script beside it, for --uninstall
# later), the `switchboard` command in /usr/local/bin, units/udev/sysusers/tmpfiles under
# /usr/local/lib, settings in /etc/switchboard/switchboard.toml (written once, never overwritten),
# data in /var/lib/switchboard (never touched on upgrade). Running it twice changes nothing.
set -euo pipefail

# baresip-core: the SIP user agent for analog lines through an ATA and SIP desk phones (about
# 10 MB; started by the service only when the settings name such a line or phone).
# libnss-mdns: the box resolves its own and other .local names (Raspberry Pi OS has it; plain
# Debian does not, and scripts/check-system.sh then fails).
readonly DEBIAN_PACKAGES=(python3 python3-venv espeak-ng sox libsox-fmt-mp3 opus-tools alsa-utils
                          avahi-daemon libnss-mdns usb-modeswitch baresip-core)
# Only for building pyalsaaudio (Debian's python3-alsaaudio is too old): about 200 MB, installed
# when the venv has no alsaaudio yet and removed again after the build, unless they were there.
readonly BUILD_PACKAGES=(python3-dev gcc libasound2-dev)
readonly APP_DIR=/opt/switchboard
readonly VENV=$APP_DIR/venv
readonly UNIT_DIR=/usr/local/lib/systemd/system
readonly UDEV_DIR=/usr/local/lib/udev/rules.d
readonly SYSUSERS_DIR=/usr/local/lib/sysusers.d
readonly TMPFILES_DIR=/usr/local/lib/tmpfiles.d
readonly BIN_LINK=/usr/local/bin/switchboard
readonly AVAHI_SERVICE=/etc/avahi/services/switchboard.service
readonly CONFIG_DIR=/etc/switchboard
readonly CONFIG=$CONFIG_DIR/switchboard.toml
readonly CONFIG_STAMP=$CONFIG_DIR/.generated.sha256
readonly DATA_DIR=/var/lib/switchboard
readonly UNITS=(switchboard.socket switchboard.service)
readonly WHEEL_STAMP=.switchboard-wheel.sha256     # inside the venv: what was installed
# Suggested BCM pins per handset (docs/hardware.md): hook (SHK), ring_mode (RM), F/R.
readonly HANDSET_PINS=("27 17 4" "23 22 5" "25 24 6" "26 16 12")

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE=$(dirname "$HERE")
ROOT=""
DRY_RUN=0
APT=1
PYTHON=/usr/bin/python3
WHEEL=""
ACTION=install
PURGE=0
CHANGED=0          # did this run change anything the running service uses?
ADDED_FOR_BUILD=() # build packages this run installed, to remove after the build
SOCKET_CHANGED=0   # the socket unit itself (restarting it means stopping the service first)
RULES_CHANGED=0    # the udev rules (then they are applied to what is plugged in)

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --wheel) [ $# -ge 2 ] || die "--wheel needs a file"; WHEEL=$2; shift ;;
            --source) [ $# -ge 2 ] || die "--source needs a directory"; SOURCE=$2; shift ;;
            --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=${2%/}; shift ;;
            --python) [ $# -ge 2 ] || die "--python needs a path"; PYTHON=$2; shift ;;
            --dry-run) DRY_RUN=1 ;;
            --no-apt) APT=0 ;;
            --uninstall) ACTION=uninstall ;;
            --purge) PURGE=1 ;;
            --print-config) ACTION=print-config ;;
            --refresh-config) ACTION=refresh-config ;;
            -h|--help) usage 0 ;;
            *) warn "unknown option: $1"; usage 2 ;;
        esac
        shift
    done
    if [ -n "$ROOT" ]; then
        case "$ROOT" in /*) ;; *) die "--root needs an absolute path (got $ROOT)" ;; esac
        [ -d "$ROOT" ] || die "--root $ROOT is not a directory"
        APT=0
    fi
    if [ -n "$WHEEL" ]; then
        [ -f "$WHEEL" ] || die "no such wheel: $WHEEL"
        WHEEL=$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")
    fi
    if [ "$PURGE" = 1 ] && [ "$ACTION" != uninstall ]; then
        die "--purge goes with --uninstall"
    fi
    if [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ] && [ "$ACTION" != print-config ] \
            && [ "$(id -u)" != 0 ]; then
        die "run it as root (sudo $0 ...), or use --dry-run"
    fi
}

# --- Doing things, or saying what would be done -------------------------------------------

run() {
    if [ "$DRY_RUN" = 1 ]; then
        say "would run: $*"
    else
        "$@"
    fi
}

# In a chroot (pi-gen builds the image in one) nothing may touch the host's systemd or udev.
in_chroot() { command -v systemd-detect-virt >/dev/null && systemd-detect-virt -q --chroot; }

# systemd is PID 1 here (not a chroot, a container or a CI machine), so units can be started.
systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ] && ! in_chroot; }

# put_file SRC DEST MODE: install a file unless an identical one is already there.
put_file() {
    local src=$1 dest=$ROOT$2 mode=$3
    if [ -f "$dest" ] && cmp -s "$src" "$dest" \
            && [ "$(stat -c %a "$dest")" = "${mode#0}" ]; then
        return 0
    fi
    CHANGED=1
    case "$(basename "$dest")" in
        switchboard.socket) SOCKET_CHANGED=1 ;;
        *.rules) RULES_CHANGED=1 ;;
    esac
    if [ "$DRY_RUN" = 1 ]; then
        say "would install $2 (mode $mode)"
        return 0
    fi
    install -D -m "$mode" "$src" "$dest"
    say "installed $2"
}

remove_path() {
    local path=$ROOT$1
    [ -e "$path" ] || [ -L "$path" ] || return 0
    if [ "$DRY_RUN" = 1 ]; then
        say "would remove $1"
    else
        rm -rf "$path"
        say "removed $1"
    fi
}

systemctl_root() {
    if [ -n "$ROOT" ]; then
        run systemctl --root="$ROOT" "$@"
    else
        run systemctl "$@"
    fi
}

have_unit() {
    local dir
    for dir in /etc/systemd/system /usr/local/lib/systemd/system /lib/systemd/system \
               /usr/lib/systemd/system; do
        [ -e "$ROOT$dir/$1" ] && return 0
    done
    return 1
}

# --- Installing -----------------------------------------------------------------------------

needs_build() {
    # pyalsaaudio is compiled once; later upgrades keep it unless its version changes.
    ! [ -x "$ROOT$VENV/bin/python" ] || ! "$ROOT$VENV/bin/python" -c 'import alsaaudio' 2>/dev/null
}

install_packages() {
    [ "$APT" = 1 ] || return 0
    command -v dpkg-query >/dev/null || { warn "not Debian: install ${DEBIAN_PACKAGES[*]} ${BUILD_PACKAGES[*]} yourself"; return 0; }
    local wanted=("${DEBIAN_PACKAGES[@]}") missing=() pkg
    if needs_build; then
        wanted+=("${BUILD_PACKAGES[@]}")
    fi
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    for pkg in "${missing[@]}"; do
        case " ${BUILD_PACKAGES[*]} " in *" $pkg "*) ADDED_FOR_BUILD+=("$pkg") ;; esac
    done
    say "Installing Debian packages: ${missing[*]}"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
    # The downloaded .deb files are of no more use once installed: not on an SD card.
    run apt-get clean
}

remove_build_packages() {
    # What only the build needed leaves again: the box keeps about 75 MB instead of 300.
    [ ${#ADDED_FOR_BUILD[@]} -gt 0 ] || return 0
    say "Removing what only the build needed: ${ADDED_FOR_BUILD[*]}"
    run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq --auto-remove \
        "${ADDED_FOR_BUILD[@]}"
}

install_system_files() {
    local src=$SOURCE/systemd
    [ -f "$src/switchboard.service" ] || die "no systemd/ files in $SOURCE (use --source DIR)"
    put_file "$src/sysusers.d/switchboard.conf" "$SYSUSERS_DIR/switchboard.conf" 0644
    put_file "$src/tmpfiles.d/switchboard.conf" "$TMPFILES_DIR/switchboard.conf" 0644
    put_file "$src/udev/70-switchboard.rules" "$UDEV_DIR/70-switchboard.rules" 0644
    local unit
    for unit in "${UNITS[@]}"; do
        put_file "$src/$unit" "$UNIT_DIR/$unit" 0644
    done
    put_file "$SOURCE/image/avahi/switchboard-http.xml" "$AVAHI_SERVICE" 0644
    put_file "${BASH_SOURCE[0]}" "$APP_DIR/install.sh" 0755
    if [ -f "$SOURCE/scripts/check-system.sh" ]; then
        put_file "$SOURCE/scripts/check-system.sh" "$APP_DIR/check-system.sh" 0755
    fi
}

create_user() {
    # The switchboard user and its groups (dialout, audio, gpio). Does nothing if they exist.
    if [ -n "$ROOT" ]; then
        run mkdir -p "$ROOT/etc"
        run systemd-sysusers --root="$ROOT" "$ROOT$SYSUSERS_DIR/switchboard.conf"
    else
        run systemd-sysusers "$SYSUSERS_DIR/switchboard.conf"
    fi
}

wheel_stamp() {
    # The wheel's RECORD lists every file with its hash: the same app gives the same stamp,
    # even when the wheel itself was rebuilt (zip timestamps differ).
    "$VENV_PYTHON" - "$1" <<'PY'
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    record = [n for n in wheel.namelist() if n.endswith(".dist-info/RECORD")]
    print(hashlib.sha256(wheel.read(record[0])).hexdigest())
PY
}

install_app() {
    local venv=$ROOT$VENV
    VENV_PYTHON=$venv/bin/python
    if [ ! -x "$VENV_PYTHON" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
            || die "$PYTHON is not Python 3.11 or newer (Raspberry Pi OS Bookworm has 3.11)"
        say "Creating $VENV"
        run "$PYTHON" -m venv "$venv"
        CHANGED=1
        if [ "$DRY_RUN" = 1 ]; then
            say "would install the app ${WHEEL:-built from $SOURCE} and its dependencies into $VENV"
            return 0
        fi
    fi
    local wheel=$WHEEL tmp=""
    if [ -z "$wheel" ]; then
        [ -f "$SOURCE/pyproject.toml" ] || die "no --wheel given and no pyproject.toml in $SOURCE"
        if [ "$DRY_RUN" = 1 ]; then
            say "would build the app's wheel from $SOURCE and install it into $VENV"
            return 0
        fi
        tmp=$(mktemp -d)
        say "Building the app from $SOURCE"
        "$VENV_PYTHON" -m pip wheel -q --no-deps -w "$tmp" "$SOURCE"
        wheel=$(find "$tmp" -name 'switchboard-*.whl' | head -n 1)
        [ -n "$wheel" ] || die "building the wheel from $SOURCE made no switchboard-*.whl"
    fi
    local stamp
    stamp=$(wheel_stamp "$wheel")
    if [ -f "$venv/$WHEEL_STAMP" ] && [ "$(cat "$venv/$WHEEL_STAMP")" = "$stamp" ]; then
        say "The app in $VENV is up to date ($(basename "$wheel"))"
    elif [ "$DRY_RUN" = 1 ]; then
        say "would install $(basename "$wheel") and its dependencies into $VENV"
    else
        say "Installing $(basename "$wheel") into $VENV"
        # The app itself even when its version did not change, then what it depends on
        # (the pi extra adds lgpio on arm; pip keeps what is already satisfied).
        "$VENV_PYTHON" -m pip install -q --disable-pip-version-check --no-deps \
            --force-reinstall "$wheel"
        "$VENV_PYTHON" -m pip install -q --disable-pip-version-check "${wheel}[pi]"
        printf '%s\n' "$stamp" > "$venv/$WHEEL_STAMP"
        CHANGED=1
    fi
    [ -z "$tmp" ] || rm -rf "$tmp"
    local target=$VENV/bin/switchboard
    if [ "$(readlink "$ROOT$BIN_LINK" 2>/dev/null)" != "$target" ]; then
        run mkdir -p "$(dirname "$ROOT$BIN_LINK")"
        run ln -sfn "$target" "$ROOT$BIN_LINK"
    fi
}

apply_tmpfiles() {
    [ -f "$ROOT$TMPFILES_DIR/switchboard.conf" ] || [ "$DRY_RUN" = 1 ] || return 0
    if [ -n "$ROOT" ]; then
        run systemd-tmpfiles --root="$ROOT" --create "$ROOT$TMPFILES_DIR/switchboard.conf"
    else
        run systemd-tmpfiles --create "$TMPFILES_DIR/switchboard.conf"
    fi
}

udev_running() {
    [ -z "$ROOT" ] && [ -d /run/udev ] && command -v udevadm >/dev/null && ! in_chroot
}

reload_udev() {
    udev_running || return 0
    [ "$RULES_CHANGED" = 1 ] || return 0
    run udevadm control --reload
    # Apply the new rules to what is already plugged in: modem links, sound card ids (before the
    # settings are written with them), gpiochip group. Only when the rules changed: renaming a
    # card to the id it already has fails (harmlessly, but with a line in the journal).
    run udevadm trigger --action=add --subsystem-match=tty --subsystem-match=sound \
        --subsystem-match=gpio
    run udevadm settle --timeout=10 || true
}

mask_modem_manager() {
    have_unit ModemManager.service || return 0
    if [ "$(readlink "$ROOT/etc/systemd/system/ModemManager.service" 2>/dev/null)" = /dev/null ]; then
        return 0
    fi
    say "Masking ModemManager: it opens every modem's AT port and sends its own commands, which"
    say "garbles Switchboard's replies (calls are missed). Undo: systemctl unmask ModemManager"
    if systemd_running; then
        run systemctl disable --now ModemManager.service || true
    fi
    systemctl_root mask ModemManager.service
}

# --- The box's settings ------------------------------------------------------------------------

# Modems: AT ports are USB interface 2 for SIMCom, Quectel and Huawei (docs/hardware.md).
detect_modems() {
    local link
    for link in "$ROOT"/dev/serial/by-id/*-if02-port0 "$ROOT"/dev/serial/by-id/*-if02; do
        [ -e "$link" ] || [ -L "$link" ] || continue
        printf '%s\n' "${link#"$ROOT"}"
    done | sort -u
}

# The modem's PCM audio serial port, if it has one: SIMCom if04, Huawei if01.
audio_port_of() {
    local at=$1 other=""
    case "$at" in
        *SimTech*|*SIMCOM*|*Simcom*) other=${at/-if02/-if04} ;;
        *HUAWEI*|*Huawei*) other=${at/-if02/-if01} ;;
    esac
    if [ -n "$other" ] && { [ -e "$ROOT$other" ] || [ -L "$ROOT$other" ]; }; then
        printf '%s\n' "$other"
    fi
}

# Handsets' sound cards: USB audio cards that are not a modem's (70-switchboard.rules names them
# hs<bus>_<ports> by USB socket; others keep the kernel's id until they are plugged in again).
detect_handset_cards() {
    local cards=$ROOT/proc/asound/cards
    [ -r "$cards" ] || return 0
    sed -n 's/^ *[0-9]\{1,\} \[\([A-Za-z0-9_-]\{1,\}\) *\]: USB-Audio - .*/\1/p' "$cards" \
        | grep -v '^gsm' || true
}

generate_config() {
    local modems=() cards=() line n pins audio
    mapfile -t modems < <(detect_modems)
    mapfile -t cards < <(detect_handset_cards)
    cat <<EOF
# What is wired to this box, read by \`switchboard run\` (switchboard.service) when it starts:
# after a change, \`sudo systemctl restart switchboard\`. Teams, hours, menus and who answers
# where are set on the web page, not here. Each [[lines]] id and each [[handsets]] or [[phones]]
# station is the id of a line or a handset on the page: the page's setup guide creates them
# with these ids, and the live page warns about an id here that the page does not have.
# Written once by install.sh from the devices plugged in at the time; it is never overwritten.
# \`sudo $APP_DIR/install.sh --print-config\` shows what it would write now.

data_dir = "$DATA_DIR"

[web]
# The page is on port 80: systemd listens there (switchboard.socket) and hands the socket over.
# host and port are used only without it (run by hand, or if port 80 was taken).
host = "0.0.0.0"
port = 8080

[audio]
rate = 8000

EOF
    if [ ${#modems[@]} -eq 0 ]; then
        cat <<EOF
# No modem was plugged in when this file was written. Add one [[lines]] per modem, its AT port:
# [[lines]]
# id = "line-1"
# device = "/dev/serial/by-id/usb-SimTech_..._-if02-port0"
# dialect = "auto"
# pin = "1234"        # only if the SIM asks for one

EOF
    fi
    n=0
    for line in "${modems[@]}"; do
        n=$((n + 1))
        audio=$(audio_port_of "$line")
        printf '[[lines]]\nid = "line-%d"\ndevice = "%s"\ndialect = "auto"\n' "$n" "$line"
        printf '# pin = "1234"        # only if the SIM asks for one\n'
        [ -z "$audio" ] || printf 'audio_serial = "%s"\n' "$audio"
        printf '\n'
    done
    if [ ${#cards[@]} -eq 0 ]; then
        cat <<EOF
# No USB sound card for a handset was found. One [[handsets]] per desk: the BCM GPIO pins of its
# SLIC (hook = SHK, ring_mode = RM, forward_reverse = F/R) and its sound card:
# [[handsets]]
# station = "desk-1"
# hook = 27
# ring_mode = 17
# forward_reverse = 4
# audio_playback = "plughw:CARD=hs1_1_3,DEV=0"
# audio_capture = "plughw:CARD=hs1_1_3,DEV=0"
EOF
        return 0
    fi
    printf '# One [[handsets]] per USB sound card found, with the suggested pins of\n'
    printf '# docs/hardware.md: change them if the SLICs are wired differently.\n'
    n=0
    for line in "${cards[@]}"; do
        if [ "$n" -ge ${#HANDSET_PINS[@]} ]; then
            printf '# (more sound cards than suggested pin sets: add the rest by hand)\n'
            break
        fi
        read -r -a pins <<<"${HANDSET_PINS[$n]}"
        n=$((n + 1))
        printf '[[handsets]]\nstation = "desk-%d"\nhook = %s\nring_mode = %s\nforward_reverse = %s\n' \
            "$n" "${pins[0]}" "${pins[1]}" "${pins[2]}"
        printf 'audio_playback = "plughw:CARD=%s,DEV=0"\naudio_capture = "plughw:CARD=%s,DEV=0"\n\n' \
            "$line" "$line"
    done
}

write_config() {
    # $1: "always" (a new file) or "refresh" (only replace a generated file naming no device).
    local text sum
    text=$(generate_config)
    sum=$(printf '%s\n' "$text" | sha256sum | cut -d' ' -f1)
    if [ "$DRY_RUN" = 1 ]; then
        say "would write $CONFIG (mode 0640, group switchboard):"
        printf '%s\n' "$text" | sed 's/^/    /'
        return 0
    fi
    mkdir -p "$ROOT$CONFIG_DIR"
    local tmp
    tmp=$(mktemp "$ROOT$CONFIG_DIR/.switchboard.toml.XXXXXX")
    printf '%s\n' "$text" > "$tmp"
    chmod 0640 "$tmp"
    mv -f "$tmp" "$ROOT$CONFIG"
    printf '%s\n' "$sum" > "$ROOT$CONFIG_STAMP"
    chmod 0600 "$ROOT$CONFIG_STAMP"
    say "wrote $CONFIG ($1)"
    CHANGED=1
}

ensure_config() {
    if [ -e "$ROOT$CONFIG" ]; then
        say "Keeping the settings in $CONFIG"
        return 0
    fi
    write_config "new"
}

refresh_config() {
    # First boot of an image: the settings were written in the image build, with no modem.
    # Rewrite them if the owner has not changed them, so the modems plugged in now are used.
    local current
    if ! [ -f "$ROOT$CONFIG" ] || ! [ -f "$ROOT$CONFIG_STAMP" ]; then
        ensure_config
        return 0
    fi
    current=$(sha256sum < "$ROOT$CONFIG" | cut -d' ' -f1)
    if [ "$current" != "$(cat "$ROOT$CONFIG_STAMP")" ]; then
        say "Keeping $CONFIG: it was changed by hand"
        return 0
    fi
    if grep -q '^\[\[lines\]\]' "$ROOT$CONFIG"; then
        say "Keeping $CONFIG: it already names the modems"
        return 0
    fi
    if [ "$(generate_config | sha256sum | cut -d' ' -f1)" = "$current" ]; then
        return 0
    fi
    write_config "refresh"
    apply_tmpfiles
}

# --- Starting -------------------------------------------------------------------------------

enable_units() {
    local unit state todo=()
    for unit in "${UNITS[@]}"; do
        if [ -n "$ROOT" ]; then
            state=$(systemctl --root="$ROOT" is-enabled "$unit" 2>/dev/null || true)
        else
            state=$(systemctl is-enabled "$unit" 2>/dev/null || true)
        fi
        [ "$state" = enabled ] || todo+=("$unit")
    done
    [ ${#todo[@]} -eq 0 ] || systemctl_root enable "${todo[@]}"
}

enable_and_start() {
    if ! systemd_running; then
        enable_units
        [ -n "$ROOT" ] || say "systemd is not running here (chroot or container): Switchboard starts at the next boot."
        return 0
    fi
    run systemctl daemon-reload
    enable_units
    if [ "$CHANGED" = 1 ] && systemctl -q is-active switchboard.service; then
        say "Restarting Switchboard with the new version"
        if [ "$SOCKET_CHANGED" = 1 ]; then
            # The running service still holds port 80: stop it before the socket is remade.
            run systemctl stop switchboard.service
            run systemctl restart switchboard.socket
        fi
        run systemctl restart switchboard.service
    else
        if ! run systemctl start switchboard.socket; then
            warn "port 80 is taken by another program (sudo ss -ltnp 'sport = :80'):"
            warn "Switchboard still answers calls, and its page falls back to port 8080."
        fi
        run systemctl start switchboard.service \
            || die "Switchboard did not start; see why with: journalctl -u switchboard -b"
    fi
}

print_address() {
    local name addresses=""
    if [ -n "$ROOT" ]; then
        name=$(cat "$ROOT/etc/hostname" 2>/dev/null || echo switchboard)
    else
        name=$(hostname)
        addresses=$(hostname -I 2>/dev/null || true)
    fi
    say ""
    if [ "$DRY_RUN" = 1 ]; then
        say "(dry run) Switchboard would then be at:"
    else
        say "Switchboard is installed. Open its page from a computer on the same network:"
    fi
    say "    http://$name.local/"
    local address
    for address in $addresses; do
        case "$address" in
            *:*) say "    http://[$address]/" ;;
            *) say "    http://$address/" ;;
        esac
    done
    say "The first visit asks you to choose the owner's password."
    say "Settings: $CONFIG   Logs: journalctl -u switchboard   Checks: sudo switchboard doctor"
}

do_install() {
    say "Installing Switchboard${ROOT:+ into $ROOT}"
    [ "$DRY_RUN" = 0 ] || say "(dry run: nothing is changed)"
    install_packages
    install_system_files
    create_user
    install_app
    remove_build_packages
    reload_udev
    mask_modem_manager
    ensure_config
    apply_tmpfiles          # /var/lib/switchboard, and the settings file root:switchboard 0640
    enable_and_start
    print_address
}

# --- Uninstalling ---------------------------------------------------------------------------

# Directories install.sh may have created, removed only when nothing else is left in them.
remove_empty_dirs() {
    [ "$DRY_RUN" = 0 ] || return 0
    local dir
    for dir in "$UNIT_DIR" "$(dirname "$UNIT_DIR")" "$UDEV_DIR" "$(dirname "$UDEV_DIR")" \
               "$SYSUSERS_DIR" "$TMPFILES_DIR"; do
        [ -d "$ROOT$dir" ] && rmdir --ignore-fail-on-non-empty "$ROOT$dir"
    done
    return 0
}

do_uninstall() {
    say "Removing Switchboard${ROOT:+ from $ROOT}"
    if systemd_running; then
        run systemctl disable --now "${UNITS[@]}" || true
    elif [ -e "$ROOT$UNIT_DIR/switchboard.service" ]; then
        systemctl_root disable "${UNITS[@]}" || true
    fi
    local unit
    for unit in "${UNITS[@]}"; do
        remove_path "$UNIT_DIR/$unit"
    done
    remove_path "$UDEV_DIR/70-switchboard.rules"
    remove_path "$SYSUSERS_DIR/switchboard.conf"
    remove_path "$TMPFILES_DIR/switchboard.conf"
    remove_path "$AVAHI_SERVICE"
    remove_path "$BIN_LINK"
    remove_path "$APP_DIR"
    remove_empty_dirs
    if systemd_running; then
        run systemctl daemon-reload
    fi
    if udev_running; then
        run udevadm control --reload
    fi
    if [ "$PURGE" = 1 ]; then
        remove_path "$DATA_DIR"
        remove_path "$CONFIG_DIR"
    else
        say "Kept the calls, voicemail and settings: $DATA_DIR and $CONFIG_DIR (--purge removes them)."
    fi
    say "Kept the switchboard user and the gpio group (files may still belong to them)."
    if [ "$(readlink "$ROOT/etc/systemd/system/ModemManager.service" 2>/dev/null)" = /dev/null ]; then
        say "ModemManager stays masked; to use it again: sudo systemctl unmask ModemManager"
    fi
}

main() {
    parse_args "$@"
    case "$ACTION" in
        install) do_install ;;
        uninstall) do_uninstall ;;
        print-config) generate_config ;;
        refresh-config) refresh_config ;;
    esac
}

main "$@"
