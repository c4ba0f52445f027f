#!/usr/bin/env bash
# Build the Switchboard SD-card image with pi-gen (see image/README.md).
#
#   image/build.sh [--arch arm64|armhf] [--docker] [--work DIR] [--wheel FILE]
#   image/build.sh --prepare-only --pi-gen DIR     stage everything into an existing pi-gen
#                                                  checkout, do not build (used by the tests)
#
# It checks out pi-gen at a pinned tag (the arm64 branch's tag for 64-bit), builds the app's
# wheel, copies stage-switchboard/ and config into the checkout with the files the stage needs,
# and runs pi-gen's build.sh (as root) or build-docker.sh. Needs a Debian 12 (or Ubuntu) x86-64
# or arm64 host with root, qemu-user-static and binfmt-support, or Docker; and the Raspberry Pi
# archive (archive.raspberrypi.com) reachable.
set -euo pipefail

readonly PI_GEN_REPO=https://github.com/RPi-Distro/pi-gen.git
# Pinned pi-gen releases (Raspberry Pi OS Bookworm of 2024-11-19): the master branch builds
# 32-bit (armhf), the arm64 branch 64-bit. Change both together, to tags that exist:
#   git ls-remote --tags https://github.com/RPi-Distro/pi-gen.git | grep bookworm
readonly PI_GEN_TAG_ARM64=2024-11-19-raspios-bookworm-arm64
readonly PI_GEN_TAG_ARMHF=2024-11-19-raspios-bookworm-armhf

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
ARCH=arm64
DOCKER=0
PREPARE_ONLY=0
WORK=$HERE/build
PI_GEN=""
WHEEL=""

die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --arch) [ $# -ge 2 ] || die "--arch needs arm64 or armhf"; ARCH=$2; shift ;;
        --docker) DOCKER=1 ;;
        --work) [ $# -ge 2 ] || die "--work needs a directory"; WORK=$2; shift ;;
        --pi-gen) [ $# -ge 2 ] || die "--pi-gen needs a directory"; PI_GEN=$2; shift ;;
        --wheel) [ $# -ge 2 ] || die "--wheel needs a file"; WHEEL=$2; shift ;;
        --prepare-only) PREPARE_ONLY=1 ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
    shift
done

case "$ARCH" in
    arm64) TAG=$PI_GEN_TAG_ARM64 ;;
    armhf) TAG=$PI_GEN_TAG_ARMHF ;;
    *) die "--arch must be arm64 or armhf" ;;
esac

if [ -z "$PI_GEN" ]; then
    PI_GEN=$WORK/pi-gen-$TAG
    if [ ! -d "$PI_GEN/.git" ]; then
        mkdir -p "$WORK"
        git clone --depth 1 --branch "$TAG" "$PI_GEN_REPO" "$PI_GEN"
    fi
fi
[ -f "$PI_GEN/build.sh" ] || die "$PI_GEN is not a pi-gen checkout (no build.sh)"

# Our stage, with what its 01-app step installs in the chroot.
STAGE=$PI_GEN/stage-switchboard
rm -rf "$STAGE"
cp -r "$HERE/stage-switchboard" "$STAGE"
FILES=$STAGE/01-app/files
mkdir -p "$FILES/src/image"
cp -r "$REPO/systemd" "$FILES/src/"
cp "$HERE/install.sh" "$FILES/src/image/"
mkdir -p "$FILES/src/scripts"
cp "$REPO/scripts/check-system.sh" "$FILES/src/scripts/"
cp -r "$HERE/avahi" "$FILES/src/image/"
if [ -n "$WHEEL" ]; then
    cp "$WHEEL" "$FILES/"
else
    python3 -m pip wheel -q --no-deps -w "$FILES" "$REPO"
fi
cp "$HERE/config" "$PI_GEN/config"
# Only our image: not the Lite image of stage2 as well.
touch "$PI_GEN/stage2/SKIP_IMAGES"

if [ "$PREPARE_ONLY" = 1 ]; then
    echo "Prepared $STAGE and $PI_GEN/config; build with: cd $PI_GEN && sudo ./build.sh"
    exit 0
fi

cd "$PI_GEN"
if [ "$DOCKER" = 1 ]; then
    ./build-docker.sh
else
    [ "$(id -u)" = 0 ] || die "pi-gen's build.sh needs root: run image/build.sh with sudo, or use --docker"
    ./build.sh
fi
ls -l "$PI_GEN/deploy/"
