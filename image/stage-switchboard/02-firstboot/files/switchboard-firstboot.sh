#!/bin/bash
# First boot of a Switchboard SD card (switchboard-firstboot.service). Runs once, as root.
#  1. Host name "switchboard", so the page is at http://switchboard.local/ (unless the owner
#     chose another name when writing the card with Raspberry Pi Imager).
#  2. What must be unique per box: the machine id (systemd makes it from the empty file pi-gen
#     ships) and the SSH host keys (made here if nothing made them yet). The app makes its own
#     session secret on its first start and the owner chooses the page's password on the first
#     visit: nothing secret comes from the image.
#  3. Avahi announces <name>.local and the page (_http._tcp, /etc/avahi/services/switchboard.service).
#  4. The box's settings from the modems and sound cards plugged in now, if nobody edited them.
set -uo pipefail

PENDING=/etc/switchboard/firstboot-pending
log() { echo "switchboard-firstboot: $*"; }

name=$(cat /etc/hostname 2>/dev/null || true)
case "$name" in
    ""|raspberrypi|localhost)
        name=switchboard
        echo "$name" > /etc/hostname
        hostname "$name"
        log "host name set to $name" ;;
esac
if grep -q '^127\.0\.1\.1' /etc/hosts; then
    sed -i "s/^127\.0\.1\.1.*/127.0.1.1\t$name/" /etc/hosts
else
    printf '127.0.1.1\t%s\n' "$name" >> /etc/hosts
fi

if [ ! -s /etc/machine-id ]; then
    systemd-machine-id-setup
fi
if command -v ssh-keygen >/dev/null && ! compgen -G '/etc/ssh/ssh_host_*_key' >/dev/null; then
    ssh-keygen -A
    log "made this box's SSH host keys"
fi

systemctl enable avahi-daemon.service 2>/dev/null || log "avahi-daemon is missing: no $name.local"

# Modems need a few seconds after power-on to appear on USB.
udevadm settle --timeout=20 || true
/opt/switchboard/install.sh --refresh-config || log "could not write the settings; see above"

rm -f "$PENDING"
log "done: open http://$name.local/"
