#!/usr/bin/env bash
# Installs a built Aktenwerk as a systemd service: the binary, the service user, the
# configuration and the unit. Run as root from the source tree after building:
#   cmake --build build && sudo deploy/install.sh [--log-file] [build/interfaces/aktenwerk]
# --log-file sends the log to /var/log/aktenwerk/aktenwerk.log (rotated by logrotate) instead
# of the journal. Safe to run again: it keeps an existing configuration and data, and
# replaces the binary and the unit (an upgrade: the server upgrades its data directory on
# start).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
log_file=no
if [ "${1:-}" = "--log-file" ]; then
    log_file=yes
    shift
fi
binary="${1:-$here/../build/interfaces/aktenwerk}"
prefix="${PREFIX:-/usr/local}"

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root" >&2
    exit 1
fi
if [ ! -x "$binary" ]; then
    echo "install.sh: no aktenwerk binary at $binary (build first, or pass its path)" >&2
    exit 1
fi

# The service user: a system account without a login shell or home of its own.
if ! getent passwd aktenwerk >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/aktenwerk --no-create-home \
        --shell /usr/sbin/nologin aktenwerk
fi

install -D -m 0755 "$binary" "$prefix/bin/aktenwerk"
install -d -m 0750 -o root -g aktenwerk /etc/aktenwerk
if [ ! -e /etc/aktenwerk/aktenwerk.conf ]; then
    install -m 0640 -o root -g aktenwerk "$here/aktenwerk.conf" /etc/aktenwerk/aktenwerk.conf
else
    echo "install.sh: keeping /etc/aktenwerk/aktenwerk.conf (the new sample is $here/aktenwerk.conf)"
fi
install -d -m 0750 -o aktenwerk -g aktenwerk /var/lib/aktenwerk

unit=/etc/systemd/system/aktenwerk.service
sed "s|/usr/local/bin/aktenwerk|$prefix/bin/aktenwerk|" "$here/aktenwerk.service" >"$unit"
chmod 0644 "$unit"
install -D -m 0644 "$here/aktenwerk.logrotate" /etc/logrotate.d/aktenwerk
if [ "$log_file" = yes ]; then
    install -d -m 0750 -o root -g adm /var/log/aktenwerk
    install -D -m 0644 "$here/aktenwerk-logfile.conf" /etc/systemd/system/aktenwerk.service.d/log-file.conf
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "install.sh: installed. Set AKTENWERK_ADMIN_PASSWORD=... in /etc/aktenwerk/aktenwerk.env"
    echo "  (mode 0600) before the first start, then: systemctl enable --now aktenwerk"
else
    echo "install.sh: installed; systemd is not running here, start the unit on the target host"
fi
