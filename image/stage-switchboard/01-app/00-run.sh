#!/bin/bash -e
# pi-gen, host side: install Switchboard into the image the same way as on an existing Raspberry
# Pi OS, by running image/install.sh in the image's chroot. image/build.sh fills files/ with the
# app's wheel and, under files/src/, the repository's image/install.sh, image/avahi/ and systemd/.
#
# The staging directory is under /root, not /tmp: pi-gen's on_chroot mounts a tmpfs on the
# image's /tmp, which would hide files copied there from the host.

STAGING=/root/switchboard-install

WHEEL=$(find files -maxdepth 1 -name 'switchboard-*.whl' | sort | tail -n 1)
if [ -z "${WHEEL}" ] || [ ! -x files/src/image/install.sh ]; then
	echo "01-app: no wheel or installer in $(pwd)/files: build the image with image/build.sh" >&2
	exit 1
fi

rm -rf "${ROOTFS_DIR:?}${STAGING}"
install -d "${ROOTFS_DIR}${STAGING}"
cp -r files/src/. "${ROOTFS_DIR}${STAGING}/"
install -m 644 "${WHEEL}" "${ROOTFS_DIR}${STAGING}/"

# In the chroot no systemd is running: install.sh enables the units offline and leaves udev
# alone. PIP_NO_CACHE_DIR keeps pip's download cache out of the image.
on_chroot << EOF
PIP_NO_CACHE_DIR=1 ${STAGING}/image/install.sh --wheel ${STAGING}/$(basename "${WHEEL}")
EOF

rm -rf "${ROOTFS_DIR:?}${STAGING}"

# The image must ship no data and no secret of Switchboard's own: the app creates its session
# secret on its first start on the box, and the owner chooses the page's password on the first
# visit.
if [ -n "$(ls -A "${ROOTFS_DIR}/var/lib/switchboard" 2>/dev/null)" ]; then
	echo "01-app: ${ROOTFS_DIR}/var/lib/switchboard is not empty; it must be made on the box" >&2
	exit 1
fi
