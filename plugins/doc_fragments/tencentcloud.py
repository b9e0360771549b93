# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  secret_id:
    description:
      - Tencent Cloud API SecretId.
      - If not set, the value of the E(TENCENTCLOUD_SECRET_ID) environment variable is used.
      - Required, from the option or the environment.
    type: str
  secret_key:
    description:
      - Tencent Cloud API SecretKey, used to sign every request (TC3-HMAC-SHA256). It is never sent and never logged.
      - If not set, the value of the E(TENCENTCLOUD_SECRET_KEY) environment variable is used.
      - Required, from the option or the environment.
    type: str
  security_token:
    description:
      - Session token of temporary credentials (STS), sent as the C(X-TC-Token) header.
      - If not set, the value of the E(TENCENTCLOUD_SECURITY_TOKEN) environment variable is used,
        then E(TENCENTCLOUD_SESSION_TOKEN), then E(TENCENTCLOUD_TOKEN).
    type: str
  region:
    description:
      - Tencent Cloud region, for example V(ap-guangzhou).
      - If not set, the value of the E(TENCENTCLOUD_REGION) environment variable is used.
      - Required, from the option or the environment.
    type: str
  endpoint:
    description:
      - The CBS API host, or a full URL.
      - Use V(cbs.intl.tencentcloudapi.com) for the international site.
      - When not set, financial regions (names ending in V(-fsi)) use their regional host
        C(cbs.<region>.tencentcloudapi.com) and every other region uses V(cbs.tencentcloudapi.com).
      - If not set, the value of the E(TENCENTCLOUD_ENDPOINT) environment variable is used.
    type: str
notes:
  - The Tencent Cloud options can be set once for a play with
    C(module_defaults) and the action group C(group/snapshield.cloud.tencentcloud).
  - An environment variable that is set but empty (or only blanks) counts as unset, so the next variable or the
    default applies. AWX sets every variable of a credential type, an empty input as an empty string.
requirements:
  - requests
"""
