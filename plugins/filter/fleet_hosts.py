# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The disks of a play whose hosts are disks, grouped by region or zone (plugin_utils)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_hosts import fleet_hosts


class FilterModule(object):
    def filters(self):
        return dict(fleet_hosts=fleet_hosts)
