# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet_report action: one file per format, written in check mode too, never a change."""

import json
import os
import stat
from datetime import datetime, timezone
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.snapshield.cloud.plugins.action.fleet_report import ActionModule
from ansible_collections.snapshield.cloud.plugins.plugin_utils.drill_report import (
    drill_report,
    drill_report_html,
    drill_report_markdown,
)
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import (
    FORMATS,
    fleet_report,
    fleet_report_html,
    fleet_report_json,
    fleet_report_markdown,
    report_files,
)

REPORT = fleet_report(
    [dict(disk_id="disk-1", zone="z3", snapshot_name="daily", state="NORMAL", changed=True)],
    "tencentcloud",
    now=datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc),
)


def action(check_mode=False, **args):
    task = MagicMock(args=args, async_val=0, check_mode=check_mode)
    plugin = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    plugin._load_name = "snapshield.cloud.fleet_report"  # set by the plugin loader; ansible-core < 2.19 reads it
    return plugin


@pytest.mark.parametrize("given", ["fleet", "fleet.html", "fleet.md", "fleet.json"])
def test_one_file_per_format_beside_the_stem(given, tmp_path):
    files = report_files(REPORT, str(tmp_path / given))
    assert list(files) == [str(tmp_path / ("fleet." + suffix)) for suffix in FORMATS]
    assert list(files.values()) == [fleet_report_html(REPORT), fleet_report_markdown(REPORT), fleet_report_json(REPORT)]


@pytest.mark.parametrize("check_mode", [False, True])
def test_writes_every_format_and_reports_no_change(check_mode, tmp_path):
    (tmp_path / "fleet.md").write_text("yesterday's report")
    result = action(check_mode, report=REPORT, path=str(tmp_path / "fleet.html")).run(task_vars={})
    assert result["changed"] is False and "diff" not in result
    assert result["files"] == [str(tmp_path / name) for name in ("fleet.html", "fleet.md", "fleet.json")]
    assert (tmp_path / "fleet.md").read_text() == fleet_report_markdown(REPORT)
    assert (tmp_path / "fleet.html").read_text() == fleet_report_html(REPORT)
    assert stat.S_IMODE(os.stat(tmp_path / "fleet.html").st_mode) == 0o644
    assert json.loads((tmp_path / "fleet.json").read_text()) == json.loads(json.dumps(REPORT))
    assert sorted(os.listdir(tmp_path)) == ["fleet.html", "fleet.json", "fleet.md"]  # no temporary file left


def test_a_missing_directory_fails_naming_the_file(tmp_path):
    with pytest.raises(AnsibleActionFail, match="cannot write the report .*/gone/fleet.html: No such file"):
        action(report=REPORT, path=str(tmp_path / "gone" / "fleet")).run(task_vars={})


@pytest.mark.parametrize(
    "args, words",
    [
        (dict(report=dict(rows=[]), path="/tmp/fleet"), "fleet_report filter; it lacks title, generated"),
        (dict(path="/tmp/fleet"), "missing required arguments: report"),
        (dict(report=REPORT, path="/tmp/fleet", format="pdf"), "Unsupported parameters"),
        (dict(report=dict(kind="drill", rows=[]), path="/tmp/d"), "restore_drill_report filter; it lacks title"),
        (dict(report=dict(REPORT, kind="audit"), path="/tmp/d"), "report has kind 'audit'; this action writes fleet"),
    ],
)
def test_bad_arguments_fail(args, words):
    with pytest.raises(AnsibleActionFail, match=words):
        action(**args).run(task_vars={})


def test_writes_a_drill_report_in_every_format(tmp_path):
    drill = drill_report(
        [dict(disk_id="disk-1", recovery_point_age=60, restore_seconds=12.0, available_at="x", changed=True)],
        "tencentcloud",
        now=datetime(2026, 12, 3, 14, 0, tzinfo=timezone.utc),
    )
    result = action(True, report=drill, path=str(tmp_path / "drill.md")).run(task_vars={})
    assert result["changed"] is False
    assert (tmp_path / "drill.html").read_text() == drill_report_html(drill)
    assert (tmp_path / "drill.md").read_text() == drill_report_markdown(drill)
    assert json.loads((tmp_path / "drill.json").read_text()) == json.loads(json.dumps(drill))
