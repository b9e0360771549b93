#!/usr/bin/env bash
# The tested ansible-core range: sanity, the unit tests and the integration smoke on other ansible-cores than
# the one of .venv, each in its own virtualenv under .venv-matrix/.
#
#   scripts/matrix.sh venv <core>-py<python>         create .venv-matrix/<core>-py<python> (the Makefile's stamp)
#   scripts/matrix.sh test <core>-py<python> ...     run the checks in each (the virtualenvs must exist)
#
# <core> is an ansible-core release (2.16.19) and <python> the X.Y of a Python it supports as a controller
# (3.12). That Python comes from PATH (pythonX.Y) or else from pyenv; when neither has it, this fails and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
matrix="$root/.venv-matrix"

# The integration smoke: the harness itself, one USnap and one CBS module lifecycle, one fleet role run.
SMOKE=(
  tests/integration/test_smoke.py
  tests/integration/test_usnap_service.py::test_lifecycle_create_idempotent_change_absent
  tests/integration/test_cbs_snapshot.py::test_create_wait_idempotent_min_age_deadline_tags_diff
  tests/integration/test_cbs_fleet.py::test_first_run_then_converged_rerun
)

fail() {
  echo "matrix: $*" >&2
  exit 1
}

# split <core>-py<python> into the globals core and python
parse() {
  [[ "$1" =~ ^([0-9]+\.[0-9]+\.[0-9]+)-py([0-9]+\.[0-9]+)$ ]] || fail "'$1' is not <ansible-core>-py<X.Y>, e.g. 2.16.19-py3.12"
  core=${BASH_REMATCH[1]}
  python=${BASH_REMATCH[2]}
}

# the path of a working pythonX.Y: from PATH, else the newest pyenv install of X.Y
find_python() {
  local version=$1 found prefix
  if found=$(command -v "python$version") && "$found" -c 'import venv' >/dev/null 2>&1; then
    echo "$found"
    return
  fi
  # pyenv's shim is on PATH but answers only for the active versions: ask pyenv for the install itself.
  if command -v pyenv >/dev/null 2>&1 && found=$(pyenv latest "$version" 2>/dev/null) &&
    prefix=$(pyenv prefix "$found" 2>/dev/null) && [ -x "$prefix/bin/python$version" ]; then
    echo "$prefix/bin/python$version"
    return
  fi
  fail "ansible-core $core is tested on Python $version, which this machine lacks (neither python$version on PATH" \
    "nor a pyenv install of $version): install it (pyenv install $version) or change MATRIX in the Makefile"
}

make_venv() {
  parse "$1"
  local venv="$matrix/$1" interpreter
  interpreter=$(find_python "$python")
  echo "matrix: ansible-core $core on $("$interpreter" --version) ($interpreter) in ${venv#"$root"/}"
  rm -rf "$venv"
  "$interpreter" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "ansible-core==$core" -r "$root/tests/requirements.txt"
  # pip settles the other requirements around the core asked for; refuse a virtualenv that ended with another.
  "$venv/bin/python" -c 'import sys, ansible.release as r; sys.exit(r.__version__ != sys.argv[1])' "$core" ||
    fail "$venv has another ansible-core than $core"
  touch "$venv/.ready"
}

# sanity, units and the integration smoke on one ansible-core; prints one summary line per check to $summary
test_one() {
  parse "$1"
  local venv="$matrix/$1" check start status
  [ -f "$venv/.ready" ] || fail "$venv is not ready: run make matrix"
  for check in sanity units smoke; do
    echo "=== ansible-core $core on Python $python: $check"
    start=$SECONDS
    status=passed
    case $check in
      sanity) SNAPSHIELD_VENV="$venv" SNAPSHIELD_BUILD_DIR="$build/$1" "$root/scripts/sanity.sh" || status=FAILED ;;
      units) "$venv/bin/python" -m pytest -p no:cacheprovider -q -n 2 tests/unit || status=FAILED ;;
      smoke) "$venv/bin/python" -m pytest -p no:cacheprovider -q -n 2 "${SMOKE[@]}" || status=FAILED ;;
    esac
    printf '%-16s %-8s %-7s %4ss\n' "$core/py$python" "$check" "$status" $((SECONDS - start)) >>"$summary"
  done
}

case "${1:-}" in
  venv)
    [ $# -eq 2 ] || fail "usage: $0 venv <core>-py<python>"
    make_venv "$2"
    ;;
  test)
    shift
    [ $# -ge 1 ] || fail "usage: $0 test <core>-py<python> ..."
    cd "$root"
    build="${SNAPSHIELD_BUILD_DIR:-${TMPDIR:-/tmp}/snapshield-cloud-$(printf '%s' "$root" | cksum | cut -d' ' -f1)}-matrix"
    summary=$(mktemp)
    trap 'rm -f "$summary"' EXIT
    for entry in "$@"; do
      test_one "$entry"
    done
    echo "=== ansible-core matrix"
    cat "$summary"
    ! grep -q FAILED "$summary"
    ;;
  *)
    fail "usage: $0 venv|test <core>-py<python> ..."
    ;;
esac
