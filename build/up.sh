#!/usr/bin/env bash
# Fresh Debian machine (root): install host packages, dependencies, build, build the guest OS,
# then install and start Dlite headless and print the Docker endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(grep -hv '^#' build/host-packages.txt build/os/host-packages.txt 2>/dev/null | sort -u) >/dev/null
npm ci --no-audit --no-fund
npm run build
npm run build:os
node dist/cli/dlite.js install --os-image build/os/out/amd64
node dist/cli/dlite.js start
node dist/cli/dlite.js env
