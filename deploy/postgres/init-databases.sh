#!/bin/sh
# Runs once, when the PostgreSQL volume is new: one database per service, owned by the app role.
set -eu
for db in budget pilots participants reports; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\""
done
