#!/usr/bin/env bash
# Until the first release, the schema is one initial migration: regenerate it from the models.
# (After a release, use `tortoise -c server.services.platform.db.TORTOISE_ORM makemigrations` to add a new one.)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBIN=${PYBIN:-.venv/bin}
rm -f server/migrations/0001_initial.py
DATABASE_URL=sqlite:///tmp/dkt-makemigrations-$$.sqlite3 "$PYBIN/tortoise" -c server.services.platform.db.TORTOISE_ORM makemigrations
rm -f /tmp/dkt-makemigrations-$$.sqlite3*
