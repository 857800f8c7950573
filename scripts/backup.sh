#!/usr/bin/env bash
# Back up the database (pg_dump custom format) and the local file storage (a tar) into one
# directory:  scripts/backup.sh [OUT_DIR]           (default OUT_DIR: backups/)
#
# Reads the server's own settings from the environment: DATABASE_URL (PostgreSQL only) and
# STORAGE_DIR (default data/files). Writes OUT_DIR/dkt-<UTC time>/ holding
#   db.dump        pg_dump -Fc (no owner, no privileges: restores into any empty database)
#   files.tar.gz   every file under STORAGE_DIR (paths relative to it)
#   SHA256SUMS     checked by scripts/restore.sh before it restores
# and prints that directory. The database is dumped first, then the files are archived: every
# file a dumped row refers to was written before its row, so it is in the archive.
# pg_dump must be of the server's major version or newer (PG_BIN=/usr/lib/postgresql/NN/bin picks one).
# With an object store instead of local files, the bucket is backed up by the store itself
# (versioning + replication to a second region/bucket); see README "Backups".
set -euo pipefail
OUT=${1:-backups}
DB_URL=${DATABASE_URL:-}
STORAGE=${STORAGE_DIR:-data/files}
if [ -n "${PG_BIN:-}" ]; then PATH="$PG_BIN:$PATH"; fi

case "$DB_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL must be a PostgreSQL URL (postgres://...)" >&2; exit 2 ;;
esac
command -v pg_dump >/dev/null || { echo "backup.sh: pg_dump not on PATH (set PG_BIN)" >&2; exit 2; }
[ -d "$STORAGE" ] || { echo "backup.sh: STORAGE_DIR $STORAGE is not a directory" >&2; exit 2; }
# libpq takes postgres:// and postgresql://, not Tortoise's pool options (?minsize=...)
PG_URL=${DB_URL%%\?*}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
DEST="$OUT/dkt-$STAMP"
WORK="$DEST.partial"
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$WORK/db.dump" "$PG_URL"
# files written meanwhile are atomic (temp + rename): skip the temps; one deleted meanwhile
# (retention) is not an error (tar's status 1)
status=0
tar -C "$STORAGE" --exclude='*.part' --warning=no-file-changed --warning=no-file-removed \
  -czf "$WORK/files.tar.gz" . || status=$?
[ "$status" -le 1 ] || exit "$status"
(cd "$WORK" && sha256sum db.dump files.tar.gz > SHA256SUMS)
mv "$WORK" "$DEST"
trap - EXIT
echo "$DEST"
