#!/usr/bin/env bash
# ansible-test sanity on a real copy of the collection, with the offline pip bootstrap in place.
# SNAPSHIELD_VENV chooses the virtualenv whose ansible-test (and Python) runs it (default: .venv);
# SNAPSHIELD_BUILD_DIR where the copy goes (scripts/collection_copy.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${SNAPSHIELD_VENV:-$root/.venv}/bin"
[ -x "$bin/ansible-test" ] || { echo "sanity: no ansible-test in $bin" >&2; exit 1; }

# ansible-test bootstraps pip in each sanity virtualenv with a script it downloads from a host this
# network cannot reach; it uses a cached copy when there is one, so cache the offline stand-in.
pip_version=$("$bin/python" - <<'PY'
import inspect, re
from ansible_test._internal import python_requirements
print(re.search(r"pip='([0-9.]+)'", inspect.getsource(python_requirements.get_venv_packages)).group(1))
PY
)
mkdir -p ~/.ansible/test/cache
cp "$root/scripts/get_pip_standin.py" ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"

dest=$("$root/scripts/collection_copy.sh")
cd "$dest"
PATH="$bin:$PATH" "$bin/ansible-test" sanity --python "$("$bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no "$@"
