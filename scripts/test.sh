#!/usr/bin/env bash
# The README's test command: installs the system packages the tests use when they are missing
# (mosquitto for the MQTT tests, iproute2 for the network-namespace tests; needs root or sudo),
# then runs the whole test suite. As a normal user the namespace tests print that they skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_sub >/dev/null || need+=(mosquitto-clients)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
exec cargo test --workspace "$@"
