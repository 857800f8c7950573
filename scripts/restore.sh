#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty storage directory:
#   DATABASE_URL=postgres://.../dkt_new STORAGE_DIR=/srv/dkt/files scripts/restore.sh backups/dkt-<time>
#
# Checks SHA256SUMS, refuses a database that already has tables in its public schema and a
# STORAGE_DIR that holds files, then pg_restore (no owner, no privileges, stop at the first error;
# RESTORE_JOBS=N for parallel jobs) and unpacks the files. Create the database first
# (createdb -O <owner> dkt_new); start the server on it afterwards (its migrations are already applied).
# pg_restore must be of the dump's pg_dump version or newer (PG_BIN=/usr/lib/postgresql/NN/bin picks one).
set -euo pipefail
SRC=${1:?usage: restore.sh BACKUP_DIR}
DB_URL=${DATABASE_URL:-}
STORAGE=${STORAGE_DIR:-data/files}
if [ -n "${PG_BIN:-}" ]; then PATH="$PG_BIN:$PATH"; fi

case "$DB_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "restore.sh: DATABASE_URL must be a PostgreSQL URL (postgres://...)" >&2; exit 2 ;;
esac
for tool in pg_restore psql; do
  command -v "$tool" >/dev/null || { echo "restore.sh: $tool not on PATH (set PG_BIN)" >&2; exit 2; }
done
PG_URL=${DB_URL%%\?*}
[ -f "$SRC/db.dump" ] && [ -f "$SRC/files.tar.gz" ] || { echo "restore.sh: $SRC is not a backup" >&2; exit 2; }
(cd "$SRC" && sha256sum --quiet -c SHA256SUMS) || { echo "restore.sh: checksum mismatch in $SRC" >&2; exit 3; }

tables=$(psql -X -qtA -d "$PG_URL" -c "select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore.sh: the target database is not empty ($tables tables): restore into a new database" >&2
  exit 4
fi
if [ -d "$STORAGE" ] && [ -n "$(find "$STORAGE" -type f -print -quit)" ]; then
  echo "restore.sh: STORAGE_DIR $STORAGE already holds files: restore into an empty directory" >&2
  exit 4
fi

pg_restore --no-owner --no-privileges --exit-on-error --jobs="${RESTORE_JOBS:-1}" -d "$PG_URL" "$SRC/db.dump"
mkdir -p "$STORAGE"
tar -C "$STORAGE" -xzf "$SRC/files.tar.gz"
echo "restored $SRC into the database and $STORAGE"
