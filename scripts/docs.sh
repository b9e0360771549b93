#!/usr/bin/env bash
# The module reference, generated from the plugins' own documentation with antsibull-docs.
#   scripts/docs.sh lint    antsibull-docs lint-collection-docs --plugin-docs (schema, markup, references, RST)
#   scripts/docs.sh build   the reference as RST into $SNAPSHIELD_DOCS_DIR (default: build/docs, not committed)
# Both fail on any documentation error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
export PATH="$bin:$PATH"

case "${1:-}" in
  lint)
    "$bin/antsibull-docs" lint-collection-docs --plugin-docs --validate-collection-refs dependent \
      --disallow-unknown-collection-refs "$root"
    ;;
  build)
    dest="${SNAPSHIELD_DOCS_DIR:-$root/build/docs}"
    # antsibull-docs documents installed collections: point a collections path at this checkout.
    collections=$(mktemp -d)
    trap 'rm -rf "$collections"' EXIT
    mkdir -p "$collections/ansible_collections/snapshield"
    ln -s "$root" "$collections/ansible_collections/snapshield/cloud"
    rm -rf "$dest"
    mkdir -p "$dest"
    chmod 700 "$dest"  # antsibull-docs writes only into a directory that only its owner can write to
    ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
      "$bin/antsibull-docs" collection --use-current --fail-on-error --no-add-antsibull-docs-version \
      --dest-dir "$dest" snapshield.cloud
    echo "Module reference (RST) in $dest/collections/snapshield/cloud/"
    ;;
  *)
    echo "usage: $0 lint|build" >&2
    exit 2
    ;;
esac
