# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documented AWX credential types inject exactly the environment the modules read."""

from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud, ucloud

DOCS = Path(__file__).resolve().parents[3] / "docs" / "awx"

CASES = [
    (
        "ucloud_credential_type.yml",
        ucloud.argument_spec,
        dict(public_key="pub", private_key="priv", region="cn-bj2", project_id="org-1", base_url="https://gw.example"),
    ),
    (
        "tencentcloud_credential_type.yml",
        tencentcloud.argument_spec,
        dict(
            secret_id="sid",
            secret_key="skey",
            security_token="tok",
            region="ap-guangzhou",
            endpoint="cbs.intl.tencentcloudapi.com",
        ),
    ),
]


def injected_env(credential_type, inputs):
    """What AWX puts in the job's environment for these inputs."""
    env = ImmutableSandboxedEnvironment()
    return {
        name: env.from_string(template).render(**inputs)
        for name, template in credential_type["injectors"]["env"].items()
    }


def env_fallbacks(spec):
    return {option: names for option, rule in spec.items() if "fallback" in rule for names in [rule["fallback"][1]]}


@pytest.mark.parametrize("filename, argument_spec, inputs", CASES)
def test_injected_env_reaches_every_auth_option(filename, argument_spec, inputs):
    credential_type = yaml.safe_load((DOCS / filename).read_text())
    assert {field["id"] for field in credential_type["inputs"]["fields"]} == set(env_fallbacks(argument_spec()))
    with mock.patch.dict("os.environ", injected_env(credential_type, inputs), clear=True):
        result = ArgumentSpecValidator(argument_spec()).validate({})
    assert not result.error_messages
    assert {option: result.validated_parameters[option] for option in inputs} == inputs


@pytest.mark.parametrize("filename, argument_spec, inputs", CASES)
def test_secrets_are_secret_inputs(filename, argument_spec, inputs):
    credential_type = yaml.safe_load((DOCS / filename).read_text())
    secret_inputs = {field["id"] for field in credential_type["inputs"]["fields"] if field.get("secret")}
    assert secret_inputs == {option for option, rule in argument_spec().items() if rule.get("no_log")}


def test_empty_optional_inputs_fall_back_to_defaults():
    credential_type = yaml.safe_load((DOCS / "ucloud_credential_type.yml").read_text())
    inputs = dict(public_key="pub", private_key="priv", region="cn-bj2", project_id="", base_url="")
    with mock.patch.dict("os.environ", injected_env(credential_type, inputs), clear=True):
        result = ArgumentSpecValidator(ucloud.argument_spec()).validate({})
    assert result.validated_parameters["base_url"] == "https://api.ucloud.cn"
