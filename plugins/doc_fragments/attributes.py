# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Every module: it talks to a cloud API, so it runs wherever Python and requests do.
    DOCUMENTATION = r"""
attributes:
  platform:
    platforms: all
"""

    # Modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details: The module changes nothing and runs the same in check mode.
  diff_mode:
    support: N/A
"""
