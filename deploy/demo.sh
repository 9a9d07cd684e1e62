#!/usr/bin/env bash
# Builds Aktenwerk and starts it with the demo Aktenplan on http://127.0.0.1:8080.
# Installs the Debian packages it needs first (through sudo when not root).
#   AKTENWERK_ADMIN_PASSWORD  admin password on first start (default: aktenwerk)
#   AKTENWERK_DATA            data directory (default: ./data)
#   AKTENWERK_LISTEN          listen address (default: 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAKTENWERK_BUILD_TESTS=OFF
cmake --build build --target aktenwerk

export AKTENWERK_ADMIN_PASSWORD="${AKTENWERK_ADMIN_PASSWORD:-aktenwerk}"
exec ./build/interfaces/aktenwerk serve \
    --data "${AKTENWERK_DATA:-./data}" \
    --listen "${AKTENWERK_LISTEN:-127.0.0.1:8080}" \
    --demo
