#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing Aktenwerk needs.
# Run as root (or through sudo). Safe to run again: apt skips what is already there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Build tools and the libraries the server links against; clang with its libFuzzer runtime
# builds the fuzz targets (tests/fuzz).
build_pkgs=(
    build-essential cmake pkg-config ninja-build
    libboost1.74-dev libleveldb-dev libsnappy-dev libssl-dev libmagic-dev
    nlohmann-json3-dev libpoco-dev libxml2-dev liblucene++-dev
    libpoppler-cpp-dev libtesseract-dev tesseract-ocr-deu libzip-dev
    libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
    clang libclang-rt-14-dev
)

# Tools and real input the tests use: HTTP clients, German documents and converters, the
# browser the web UI's tests drive (tests/web; Node.js and npm are on the machine),
# systemd-analyze and logrotate to check deploy/, the Prometheus client's parser for /metrics.
test_pkgs=(
    curl openssl libxml2-utils poppler-utils pandoc
    texlive-lang-german libreoffice-help-de wngerman
    zip unzip
    chromium fonts-dejavu-core
    systemd logrotate python3-prometheus-client
)

all_pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}")
# Skip apt entirely when everything is there already (repeated runs, no sudo prompt).
if dpkg-query -W -f='${Status}\n' "${all_pkgs[@]}" 2>/dev/null | grep -qv "install ok installed" ||
    [ "$(dpkg-query -W -f='${Status}\n' "${all_pkgs[@]}" 2>/dev/null | wc -l)" -ne "${#all_pkgs[@]}" ]; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${all_pkgs[@]}"
fi
