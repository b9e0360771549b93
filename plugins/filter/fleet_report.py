# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fleet reports: coverage, each disk's plan and state, and cost, from the modules' own results (plugin_utils)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import (
    fleet_report,
    fleet_report_html,
    fleet_report_json,
    fleet_report_markdown,
    fleet_report_summary,
)


class FilterModule(object):
    def filters(self):
        return dict(
            fleet_report=fleet_report,
            fleet_report_summary=fleet_report_summary,
            fleet_report_markdown=fleet_report_markdown,
            fleet_report_html=fleet_report_html,
            fleet_report_json=fleet_report_json,
        )
