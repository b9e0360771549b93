# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  public_key:
    description:
      - UCloud API public key.
      - If not set, the value of the E(UCLOUD_PUBLIC_KEY) environment variable is used.
      - Required, from the option or the environment.
    type: str
  private_key:
    description:
      - UCloud API private key, used to sign every request. It is never sent and never logged.
      - If not set, the value of the E(UCLOUD_PRIVATE_KEY) environment variable is used.
      - Required, from the option or the environment.
    type: str
  region:
    description:
      - UCloud region, for example V(cn-bj2).
      - If not set, the value of the E(UCLOUD_REGION) environment variable is used.
      - Required, from the option or the environment.
    type: str
  project_id:
    description:
      - UCloud project ID. The account's default project is used when not set; sub-accounts must set it.
      - If not set, the value of the E(UCLOUD_PROJECT_ID) environment variable is used.
    type: str
  base_url:
    description:
      - Base URL of the UCloud API gateway. Set it for white-label and international gateways.
      - If not set, the value of the E(UCLOUD_BASE_URL) environment variable is used, then the default.
    type: str
    default: https://api.ucloud.cn
notes:
  - The UCloud options can be set once for a play with
    C(module_defaults) and the action group C(group/snapshield.cloud.ucloud).
  - An environment variable that is set but empty (or only blanks) counts as unset, so the next variable or the
    default applies. AWX sets every variable of a credential type, an empty input as an empty string.
requirements:
  - requests
"""
