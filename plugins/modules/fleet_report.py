#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The action plugin plugins/action/fleet_report.py does the work; this file only documents it.

DOCUMENTATION = r"""
module: fleet_report
short_description: Write a fleet report as HTML, Markdown and JSON files
version_added: 0.2.0
description:
  - Writes the report data of P(snapshield.cloud.fleet_report#filter) as a self-contained HTML page
    (P(snapshield.cloud.fleet_report_html#filter)), as Markdown (P(snapshield.cloud.fleet_report_markdown#filter))
    and as JSON (P(snapshield.cloud.fleet_report_json#filter)), one file per format, on the controller.
  - The report is a local file, not cloud state. It is written in check mode too, then saying what the run would do
    and cost, and writing it is never reported as a change, since it is dated and rewritten on every run.
  - Each file is replaced at once, so a reader never sees half a report, with mode V(0644).
  - The roles C(snapshield.cloud.usnap_fleet) and C(snapshield.cloud.cbs_fleet) write their reports with it.
  - It also writes restore drill reports, the data of P(snapshield.cloud.drill_report#filter) (its C(kind) is
    V(drill)), in the same three formats; the role C(snapshield.cloud.restore_drill) writes its report with it.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: The report is written in check mode too; it describes what the run would do.
  diff_mode:
    support: none
  platform:
    platforms: all
    details: The files are written on the controller, whichever host the task runs for.
options:
  report:
    description:
      - Report data from P(snapshield.cloud.fleet_report#filter), or from P(snapshield.cloud.drill_report#filter).
    type: dict
    required: true
  path:
    description:
      - Where to write the report. The stem is the path without a trailing V(.html), V(.md) or V(.json); the files
        are C(<stem>.html), C(<stem>.md) and C(<stem>.json).
      - The directory must exist. Use an absolute path.
    type: path
    required: true
seealso:
  - plugin: snapshield.cloud.fleet_report
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Snapshot two disks
  snapshield.cloud.cbs_snapshot:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
    snapshot_name: nightly
  register: nightly

- name: Write /var/tmp/cbs-nightly.html, .md and .json
  snapshield.cloud.fleet_report:
    report: "{{ nightly.results | snapshield.cloud.fleet_report('tencentcloud', check_mode=ansible_check_mode) }}"
    path: /var/tmp/cbs-nightly
"""

RETURN = r"""
files:
  description: The files written, one per format.
  returned: success
  type: list
  elements: str
  sample: [/var/tmp/cbs-nightly.html, /var/tmp/cbs-nightly.md, /var/tmp/cbs-nightly.json]
"""
