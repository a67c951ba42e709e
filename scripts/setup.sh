#!/usr/bin/env bash
# Installs the Debian packages natsim needs, when any is missing.
# Idempotent: with everything installed it only checks, in well under a second.
# usage: setup.sh [--test]   (--test: also what the test suite needs)
set -euo pipefail

packages=(
  cmake g++ gcc make pkg-config clang libclang-rt-14-dev
  libns3-dev
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
  liblua5.4-dev libcmocka-dev libtcmalloc-minimal4
)
# The test suite renders the HTML report in headless Chromium, talks to
# coturn, builds network namespaces with nftables NAT, reads captures
# with tshark, and runs the many-machine recipes on a Slurm of its own
# (slurm-wlm, munge) and with GNU parallel (over ssh to an sshd of its own:
# openssh-server, rsync). Shell tests check JSON with python3 and SVG
# with xmllint (libxml2-utils); bench/targets.sh measures peak RSS with
# /usr/bin/time.
[ "${1:-}" = "--test" ] && packages+=(chromium coturn nftables iproute2 tshark slurm-wlm munge parallel
  openssh-server rsync python3 libxml2-utils time)

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
# Packages with daemons (munge, slurmctld, slurmd, sshd) must not start
# them: the tests start their own on loopback and stop them. A policy-rc.d
# that answers 101 (action forbidden) holds every service start during the
# install, unless the machine already has a policy of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  trap '$sudo rm -f "$policy"' EXIT
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

