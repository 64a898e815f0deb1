#!/usr/bin/env bash
# Installs the peer tools the fleet benchmark compares camaudit with, into bench/peers/ (git-ignored
# except drivers/): a Python venv with WSDiscovery + onvif-zeep-async, and the npm `onvif` package.
set -euo pipefail
cd "$(dirname "$0")/peers"
python3 -m venv venv
venv/bin/pip install --quiet WSDiscovery onvif-zeep-async
mkdir -p node
(cd node && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent onvif)
venv/bin/pip list 2>/dev/null | grep -i -E '^(wsdiscovery|onvif-zeep-async|zeep) '
(cd node && npm ls onvif)
