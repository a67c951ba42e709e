#!/usr/bin/env bash
# Installs the Debian packages natsim needs, when any is missing.
# Idempotent: with everything installed it only checks, in well under a second.
# usage: setup.sh [--test]   (--test: also what the test suite needs)
set -euo pipefail

packages=(
  cmake g++ gcc make pkg-config clang libclang-rt-14-dev
  libns3-dev
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
  liblua5.4-dev libcmocka-dev
)
# The test suite renders the HTML report in headless Chromium, talks to
# coturn, builds network namespaces with nftables NAT, and reads captures
# with tshark; bench/targets.sh measures peak RSS with /usr/bin/time.
[ "${1:-}" = "--test" ] && packages+=(chromium coturn nftables iproute2 tshark time)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark: no capture rights for non-root users (natsim reads files only).
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
