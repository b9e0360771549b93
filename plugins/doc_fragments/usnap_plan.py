# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The USnap protection plan, shared by usnap_service and usnap_price (usnap.plan_argument_spec).
    DOCUMENTATION = r"""
options:
  backup_mode:
    description:
      - The USnap backup chain.
      - V(Base) is the basic edition and V(Ultimate) the flagship edition; their chains are set by UCloud.
      - V(Custom) sets the chain with O(journal), O(hour) and O(day), which are then all required.
    type: str
    choices: [Base, Ultimate, Custom]
    default: Base
  journal:
    description:
      - Hours of continuous journal to keep, a positive multiple of 12 (12, 24, 36...).
      - Only with O(backup_mode=Custom), where it is required.
    type: int
  hour:
    description:
      - Hours of hourly restore points to keep, a positive multiple of 24 (24, 48, 72...).
      - Only with O(backup_mode=Custom), where it is required.
    type: int
  day:
    description:
      - Days of daily restore points to keep, a positive multiple of 5 (5, 10, 15...).
      - Only with O(backup_mode=Custom), where it is required.
    type: int
  charge_type:
    description:
      - How the service is billed. V(Yearly) and V(Monthly) are accepted as spellings of V(Year) and V(Month).
      - V(Month) when not set.
    type: str
    choices: [Year, Month, Dynamic, Monthly, Yearly]
  quantity:
    description:
      - How many periods of O(charge_type) to buy, 1 or more.
    type: int
    default: 1
"""
