#!/usr/bin/env bash
# Check an installed Switchboard on the Pi itself: what CI cannot test without the hardware.
#
#   sudo scripts/check-system.sh          (or: sudo /opt/switchboard/check-system.sh)
#
# Prints one line per check (ok / FAIL / note) and exits 1 if any check failed. It only reads:
# nothing is started, stopped or written.
set -uo pipefail

FAILED=0
ok() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILED=1; }
note() { printf 'note  %s\n' "$*"; }

check() {   # check "description" command...: ok if the command succeeds
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

[ "$(id -u)" = 0 ] || note "not root: some checks may fail for lack of permission (use sudo)"
if [ ! -d /run/systemd/system ]; then
    fail "systemd is not running here: run this on the Pi where Switchboard is installed"
    exit 1
fi

check "switchboard.socket is enabled" systemctl is-enabled -q switchboard.socket
check "switchboard.service is enabled" systemctl is-enabled -q switchboard.service
check "switchboard.socket is listening" systemctl is-active -q switchboard.socket
check "switchboard.service is running" systemctl is-active -q switchboard.service
if systemctl show -p StatusText --value switchboard.service | grep -q .; then
    ok "the app reported its status: $(systemctl show -p StatusText --value switchboard.service)"
else
    fail "the app sent no STATUS= to systemd (sd_notify READY=1 missing?)"
fi
restarts=$(systemctl show -p NRestarts --value switchboard.service)
if [ "${restarts:-0}" = 0 ]; then
    ok "no restarts since boot"
else
    fail "restarted $restarts times (watchdog or crash): journalctl -u switchboard -b"
fi
main_pid=$(systemctl show -p MainPID --value switchboard.service)
if [ "${main_pid:-0}" != 0 ]; then
    check "the main process runs as user switchboard" \
        test "$(ps -o user= -p "$main_pid" | tr -d ' ')" = switchboard
    caps=$(awk '/^CapEff/ {print $2}' "/proc/$main_pid/status")
    if [ "$caps" = 0000000000000000 ]; then ok "no capabilities"; else fail "capabilities $caps"; fi
fi

if command -v curl >/dev/null; then
    check "port 80 answers" curl -fsS -o /dev/null --max-time 5 http://127.0.0.1/
    check "the page answers on $(hostname).local" \
        curl -fsS -o /dev/null --max-time 5 "http://$(hostname).local/"
else
    note "curl is not installed: the page was not fetched (sudo apt-get install -y curl)"
fi
check "avahi-daemon is running" systemctl is-active -q avahi-daemon
if systemctl list-unit-files ModemManager.service >/dev/null 2>&1; then
    check "ModemManager is masked" test "$(systemctl is-enabled ModemManager 2>/dev/null)" = masked
fi

check "user switchboard is in dialout, audio and gpio" \
    bash -c 'id -nG switchboard | tr " " "\n" | grep -cxE "dialout|audio|gpio" | grep -qx 3'
check "/etc/switchboard/switchboard.toml is root:switchboard 0640" \
    test "$(stat -c '%U:%G %a' /etc/switchboard/switchboard.toml 2>/dev/null)" = "root:switchboard 640"
check "/var/lib/switchboard is switchboard's alone (0700)" \
    test "$(stat -c '%U %a' /var/lib/switchboard 2>/dev/null)" = "switchboard 700"

shopt -s nullglob
modems=(/dev/switchboard/*-at)
if [ ${#modems[@]} -eq 0 ]; then
    note "no /dev/switchboard/*-at link: no SIMCom/Quectel/Huawei modem plugged in?"
fi
for link in "${modems[@]}"; do
    check "$link -> $(readlink -f "$link") is dialout 0660" \
        test "$(stat -L -c '%G %a' "$link")" = "dialout 660"
    check "ModemManager ignores $link" \
        bash -c "udevadm info -q property -n '$link' | grep -qx ID_MM_DEVICE_IGNORE=1"
done
for chip in /dev/gpiochip*; do
    check "$chip is group gpio 0660" test "$(stat -c '%G %a' "$chip")" = "gpio 660"
done
if [ -r /proc/asound/cards ]; then
    handsets=$(sed -n 's/^ *[0-9]* \[\(hs[A-Za-z0-9_]*\) *\].*/\1/p' /proc/asound/cards)
    if [ -n "$handsets" ]; then
        ok "handset sound cards named by USB socket: $(echo "$handsets" | tr '\n' ' ')"
    else
        note "no hs* sound card: handset dongles not plugged in (or plugged in before the rules)"
    fi
fi

if command -v systemd-analyze >/dev/null; then
    note "$(systemd-analyze security switchboard.service 2>/dev/null | tail -n 1)"
fi
errors=$(journalctl -u switchboard -b -p err --no-pager -q 2>/dev/null | tail -n 5)
if [ -z "$errors" ]; then ok "no errors in the journal since boot"; else fail "errors in the journal:"; echo "$errors"; fi

exit "$FAILED"
