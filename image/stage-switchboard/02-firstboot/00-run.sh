#!/bin/bash -e
# pi-gen, host side: the first-boot step (switchboard-firstboot.service, runs once), and no
# secrets left in the image. pi-gen itself already removes the SSH host keys in stage2 (its
# regenerate_ssh_host_keys.service makes new ones on the box) and empties /etc/machine-id on
# export (systemd makes a new one on the first boot); we make sure of the keys again, and drop
# systemd's random seed so that no two boxes start from the same one.

install -D -m 644 files/switchboard-firstboot.service \
	"${ROOTFS_DIR}/usr/local/lib/systemd/system/switchboard-firstboot.service"
install -D -m 755 files/switchboard-firstboot.sh "${ROOTFS_DIR}/usr/local/sbin/switchboard-firstboot"
install -d "${ROOTFS_DIR}/etc/switchboard"
touch "${ROOTFS_DIR}/etc/switchboard/firstboot-pending"

rm -f "${ROOTFS_DIR}"/etc/ssh/ssh_host_*_key "${ROOTFS_DIR}"/etc/ssh/ssh_host_*_key.pub
rm -f "${ROOTFS_DIR}/var/lib/systemd/random-seed"

on_chroot << EOF
systemctl enable switchboard-firstboot.service avahi-daemon.service
EOF
