# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials from environment variables, as AWX injects them: a variable that is set but blank counts as unset.

AWX sets every variable of a credential type's injector, an empty input as "" (``inject_credential``). A blank
variable must neither stand for a value nor hide the next variable an option reads.
"""

from unittest import mock

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud, ucloud
from ansible_collections.snapshield.cloud.plugins.modules import cbs_disk_info, ucloud_disk_info

SPECS = {"ucloud": ucloud.argument_spec, "tencentcloud": tencentcloud.argument_spec}
ENV_OPTIONS = [
    (cloud, option, names)
    for cloud, spec in sorted(SPECS.items())
    for option, rule in sorted(spec().items())
    if "fallback" in rule
    for names in [rule["fallback"][1]]
]


def validated(cloud, environ, params=None):
    with mock.patch.dict("os.environ", environ, clear=True):
        result = ArgumentSpecValidator(SPECS[cloud]()).validate(dict(params or {}))
    assert not result.error_messages
    return result.validated_parameters


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
@pytest.mark.parametrize("cloud, option, names", ENV_OPTIONS)
def test_a_blank_variable_is_unset(cloud, option, names, blank):
    unset = validated(cloud, {})[option]
    assert validated(cloud, dict.fromkeys(names, blank))[option] == unset
    assert unset in (None, ucloud.DEFAULT_BASE_URL)


@pytest.mark.parametrize("cloud, option, names", ENV_OPTIONS)
def test_a_blank_variable_does_not_hide_the_next_one(cloud, option, names):
    for position, name in enumerate(names):
        environ = dict.fromkeys(names[:position], "")
        environ[name] = "value-of-" + name
        assert validated(cloud, environ)[option] == "value-of-" + name


def test_a_blank_security_token_falls_through_to_the_session_token():
    environ = dict(TENCENTCLOUD_SECURITY_TOKEN="", TENCENTCLOUD_SESSION_TOKEN="sts-token", TENCENTCLOUD_TOKEN="old")
    assert validated("tencentcloud", environ)["security_token"] == "sts-token"


@pytest.mark.parametrize("cloud, option, names", ENV_OPTIONS)
def test_the_option_wins_over_the_variable(cloud, option, names):
    assert validated(cloud, dict.fromkeys(names, "from-env"), {option: "from-task"})[option] == "from-task"


def test_temporary_credentials_reach_the_api_behind_a_blank_security_token(emu, injected_env, run_main):
    """The emulator refuses the temporary key pair without its token: the call succeeds only if it was sent."""
    emu.reset()
    creds = emu.credentials
    environ = injected_env(
        TENCENTCLOUD_SECRET_ID=creds["tencent_temp_id"],
        TENCENTCLOUD_SECRET_KEY=creds["tencent_temp_key"],
        TENCENTCLOUD_SESSION_TOKEN=creds["tencent_token"],
    )
    with mock.patch.dict("os.environ", environ, clear=True):
        code, out = run_main(cbs_disk_info, {})
    assert code == 0, out
    assert sorted(disk["disk_id"] for disk in out["disks"]) == sorted(
        disk["id"] for disk in emu.dump_state()["disks"] if disk["cloud"] == "tencent"
    )


@pytest.mark.parametrize(
    "module, variable, message",
    [
        (
            cbs_disk_info,
            "TENCENTCLOUD_REGION",
            "missing required arguments: region (or TENCENTCLOUD_REGION, which is set but blank)",
        ),
        (
            ucloud_disk_info,
            "UCLOUD_REGION",
            "missing required arguments: region (or UCLOUD_REGION, which is set but blank)",
        ),
    ],
    ids=["cbs_disk_info", "ucloud_disk_info"],
)
def test_a_blank_region_fails_naming_the_variable_before_any_call(
    emu, injected_env, run_main, module, variable, message
):
    emu.reset()
    with mock.patch.dict("os.environ", injected_env(**{variable: ""}), clear=True):
        code, out = run_main(module, {})
    assert code == 1 and out["msg"] == message
    assert emu.calls()["log"] == []
