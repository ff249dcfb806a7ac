#!/bin/sh
# Back up Gnist-assistenten's user data: the PostgreSQL database, then the Chroma server's folder.
#   DATABASE_URL  libpq URL of the database, e.g. postgresql://gnist@db:5432/gnist (password in ~/.pgpass)
#   CHROMA_DIR    the Chroma server's --path, stopped or a snapshot of its volume (see docs/deploy.md §8)
#   BACKUP_DIR    where the backup goes (one folder per run)
set -eu
: "${DATABASE_URL:?set DATABASE_URL}" "${CHROMA_DIR:?set CHROMA_DIR}" "${BACKUP_DIR:?set BACKUP_DIR}"
target="$BACKUP_DIR/gnist-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target"
# 1. The database first: pg_dump reads one consistent snapshot while the replicas keep running.
pg_dump --format=custom --file="$target/gnist.dump" "$DATABASE_URL"
# 2. Then the vectors (users' documents): what was uploaded after the dump is kept, what was deleted
#    after it is gone from both, so no restored conversation points at a document it never had.
tar -C "$CHROMA_DIR" -czf "$target/chroma.tar.gz" .
# An empty dump or archive is a failed backup, not a quiet success.
test -s "$target/gnist.dump" && test -s "$target/chroma.tar.gz"
echo "$target"
