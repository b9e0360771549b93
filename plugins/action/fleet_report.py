# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write a fleet or restore drill report on the controller, one file per format (documented in
plugins/modules/fleet_report.py).

A report is a local file, not cloud state: it is written in check mode too (then saying what the run would do),
and never reported as a change, since it is dated and rewritten on every run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

from ansible_collections.snapshield.cloud.plugins.plugin_utils import drill_report, fleet_report

ARGUMENT_SPEC = dict(report=dict(type="dict", required=True), path=dict(type="path", required=True))
# The kinds of report, by the data's ``kind`` (a fleet report has none).
WRITERS = {None: fleet_report.report_files, drill_report.KIND: drill_report.report_files}


def _write(path, text):
    """Replace ``path`` with ``text`` at once (a reader never sees half a report), mode 0644."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(to_bytes(text))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True  # writes in check mode too: see the module docstring

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        kind = args["report"].get("kind")
        if kind not in WRITERS:
            raise AnsibleActionFail(
                "report has kind %r; this action writes fleet reports (no kind) and %r reports"
                % (kind, drill_report.KIND)
            )
        try:
            files = WRITERS[kind](args["report"], args["path"])
        except ValueError as error:
            raise AnsibleActionFail(to_native(error))
        for path, text in files.items():
            try:
                _write(path, text)
            except OSError as error:
                raise AnsibleActionFail("cannot write the report %s: %s" % (path, error.strerror or error))
        result.update(changed=False, files=list(files))
        return result
