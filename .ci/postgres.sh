#!/usr/bin/env bash
# Installs the PostgreSQL server binaries if they are missing; nothing else. The store
# tests (tests/store) start and stop their own throwaway cluster from these binaries
# (as the `nobody` user when run as root, on a unix socket in a temporary folder), unless
# VIGIL_TEST_POSTGRES_URL points them at a server.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# Only the binaries are wanted: no default cluster created and started on port 5432.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/vigil-ci.conf > /dev/null

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql > /dev/null

compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || {
    echo "postgres.sh: PostgreSQL installed but no initdb under /usr/lib/postgresql/*/bin" >&2
    exit 1
}
