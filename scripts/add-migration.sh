#!/usr/bin/env bash
# Adds a migration named NAME for each database provider (SQLite, PostgreSQL, SQL Server), each in its own
# folder api/Data/Migrations/<Provider>/. Run from anywhere in the repo:  scripts/add-migration.sh AddInstrumentColour
# No database is needed: the design-time factories (api/Data/DesignTimeFactories.cs) never open a connection.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || [[ ! "$1" =~ ^[A-Z][A-Za-z0-9]*$ ]]; then
  echo "usage: $0 NAME   (PascalCase, e.g. AddInstrumentColour)" >&2
  exit 2
fi
name=$1

dotnet tool restore >/dev/null
dotnet build api -c Debug -nologo -v quiet

for provider in Sqlite PostgreSql SqlServer; do
  namespace="DxyqOpenData.Api.Data.Migrations.$provider"
  folder="api/Data/Migrations/$provider"
  echo "== $provider"
  dotnet ef migrations add "$name" --no-build --project api --configuration Debug \
    --context "${provider}CatalogDbContext" --output-dir "Data/Migrations/$provider" --namespace "$namespace"

  # EF 10 may write the model snapshot under a folder derived from the namespace
  # (api/DxyqOpenData/Api/Data/Migrations/<Provider>/): put it back beside its migrations.
  stray="api/${namespace//.//}"
  if [ -d "$stray" ]; then
    for file in "$stray"/*.cs; do
      [ -e "$file" ] && mv -f "$file" "$folder/"
    done
    # Remove the stray folders, deepest first, as long as they are empty.
    dir=$stray
    while [ "$dir" != api ] && rmdir "$dir" 2>/dev/null; do dir=$(dirname "$dir"); done
  fi
  ls "$folder"/*"_$name.cs" >/dev/null || { echo "no migration $name in $folder" >&2; exit 1; }
done

echo
echo "Added $name for the three providers. Review the generated files, then run ./test.sh --filter Migrations."
