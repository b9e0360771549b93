# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``patch_module_args(args)``: run a module's main() in-process with these arguments, on every tested ansible-core.

ansible-core 2.19 brought ``ansible.module_utils.testing.patch_module_args``. Before it, a module read its
arguments from ``ansible.module_utils.basic._ANSIBLE_ARGS`` (JSON bytes) once that was set, which is what the
stand-in patches.
"""

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19

    @contextlib.contextmanager
    def patch_module_args(args=None):
        encoded = json.dumps(dict(ANSIBLE_MODULE_ARGS=args or {})).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", encoded):
            yield


__all__ = ["patch_module_args"]
