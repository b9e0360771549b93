#!/usr/bin/env bash
# Prints the path of a fresh real copy of the collection, at .../ansible_collections/snapshield/cloud.
# ansible-test needs that layout at a real path (it resolves and rejects symlinks), outside this git
# checkout (inside it, git would report the copy as ignored and ansible-test would find no files).
# SNAPSHIELD_BUILD_DIR chooses another place, for runs side by side.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${SNAPSHIELD_BUILD_DIR:-${TMPDIR:-/tmp}/snapshield-cloud-$(printf '%s' "$root" | cksum | cut -d' ' -f1)}"
dest="$build/ansible_collections/snapshield/cloud"
rm -rf "$dest"
mkdir -p "$dest"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - --ignore-failed-read) \
  | tar -C "$dest" -xf -
echo "$dest"
