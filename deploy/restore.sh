#!/bin/sh
# Restore a backup made by deploy/backup.sh, with the replicas and the Chroma server stopped.
#   DATABASE_URL  libpq URL of the (existing, empty or old) database
#   CHROMA_DIR    the Chroma server's --path (its contents are replaced)
#   BACKUP        the folder backup.sh printed
set -eu
: "${DATABASE_URL:?set DATABASE_URL}" "${CHROMA_DIR:?set CHROMA_DIR}" "${BACKUP:?set BACKUP}"
pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" "$BACKUP/gnist.dump"
find "$CHROMA_DIR" -mindepth 1 -delete
tar -C "$CHROMA_DIR" -xzf "$BACKUP/chroma.tar.gz"
