# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documented AWX credential types inject exactly the environment the modules read, and AWX accepts them.

AWX's rules are copied from its source (github.com/ansible/awx at e21dd0a0933fd544d1fe2513c54fe41203775eb5):
the JSON schemas and ``validate`` of ``CredentialTypeInputField`` and ``CredentialTypeInjectorField``
(``awx/main/fields.py``), ``ENV_BLOCKLIST`` (``awx/main/constants.py``) and ``CredentialTypeSerializer.validate``
(``awx/api/serializers.py``: kind, ``ask_at_runtime``).
"""

import copy
from pathlib import Path
from unittest import mock

import jsonschema
import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError
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


# AWX's rules ----------------------------------------------------------------------------------------------------

AWX_NAME = "^[a-zA-Z_]+[a-zA-Z0-9_]*$"
AWX_INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"enum": ["string", "boolean"]},
                    "format": {"enum": ["ssh_private_key", "url"]},
                    "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
                    "id": {"type": "string", "pattern": AWX_NAME},
                    "label": {"type": "string"},
                    "help_text": {"type": "string"},
                    "multiline": {"type": "boolean"},
                    "secret": {"type": "boolean"},
                    "ask_at_runtime": {"type": "boolean"},
                    "default": {},
                },
                "additionalProperties": False,
                "required": ["id", "label"],
            },
        },
    },
}
AWX_INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "object",
            "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}},
            "additionalProperties": False,
        },
        "env": {
            "type": "object",
            "patternProperties": {AWX_NAME: {"type": "string", "pattern": "^[\x00-\x7f]*$"}},
            "additionalProperties": False,
        },
        "extra_vars": {"type": "object"},
    },
}
AWX_ENV_BLOCKLIST = frozenset(
    [
        "VIRTUAL_ENV",
        "PATH",
        "PYTHONPATH",
        "JOB_ID",
        "INVENTORY_ID",
        "INVENTORY_SOURCE_ID",
        "INVENTORY_UPDATE_ID",
        "AD_HOC_COMMAND_ID",
        "REST_API_URL",
        "REST_API_TOKEN",
        "MAX_EVENT_RES",
        "CALLBACK_QUEUE",
        "CALLBACK_CONNECTION",
        "CACHE",
        "JOB_CALLBACK_DEBUG",
        "INVENTORY_HOSTVARS",
        "AWX_HOST",
        "PROJECT_REVISION",
        "SUPERVISOR_CONFIG_PATH",
    ]
)
API_FIELDS = {"name", "description", "kind", "inputs", "injectors"}  # the body of POST /api/v2/credential_types/


def awx_errors(credential_type):
    """What AWX would refuse in this credential type (an empty list: AWX creates it)."""
    errors = ["not a field of the API: %s" % key for key in sorted(set(credential_type) - API_FIELDS)]
    if credential_type.get("kind") not in ("cloud", "net"):
        errors.append("kind must be cloud or net")
    inputs, injectors = credential_type.get("inputs", {}), credential_type.get("injectors", {})
    for instance, schema in ((inputs, AWX_INPUTS_SCHEMA), (injectors, AWX_INJECTORS_SCHEMA)):
        errors += [error.message for error in jsonschema.Draft4Validator(schema).iter_errors(instance)]
    fields = [field for field in inputs.get("fields", []) if isinstance(field, dict)]
    ids = [field.get("id") for field in fields]
    errors += ["field id %s twice" % id_ for id_ in sorted({i for i in ids if ids.count(i) > 1})]
    errors += ["tower is reserved" for id_ in ids if id_ == "tower"]
    errors += ["ask_at_runtime is not for custom types: %s" % f["id"] for f in fields if f.get("ask_at_runtime")]
    for field in fields:
        kind = field.get("type", "string")
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}.get(kind, ())):
            errors.append("default of %s is not a %s" % (field.get("id"), kind))
        errors += [
            "%s not allowed for %s" % (key, kind)
            for key in ("choices", "multiline", "format", "secret")
            if key in field and kind != "string"
        ]
    errors += ["required %s is not a field" % name for name in inputs.get("required", []) if name not in ids]
    for name in injectors.get("env", {}):
        if name.startswith("ANSIBLE_") or name in AWX_ENV_BLOCKLIST:
            errors.append("AWX ignores environment variable %s" % name)
    errors += template_errors(injectors, ids)
    return errors


def template_errors(injectors, ids):
    """Injector templates render with every field defined (AWX renders them with StrictUndefined to check)."""
    namespace = dict.fromkeys(ids, "EXAMPLE")
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    errors = []
    for name, template in injectors.get("env", {}).items():
        try:
            sandbox.from_string(template).render(namespace)
        except TemplateError as error:
            errors.append("%s uses an undefined field or is invalid (%s)" % (name, error))
    return errors


@pytest.mark.parametrize("filename", [case[0] for case in CASES])
def test_awx_accepts_the_credential_type(filename):
    assert awx_errors(yaml.safe_load((DOCS / filename).read_text())) == []


def broken(change):
    credential_type = copy.deepcopy(yaml.safe_load((DOCS / "tencentcloud_credential_type.yml").read_text()))
    change(credential_type)
    return credential_type


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t["inputs"]["fields"][0].update(type="integer"),
        lambda t: t["inputs"]["fields"][0].update(id="1secret"),
        lambda t: t["inputs"]["fields"][0].update(id="secret-id"),
        lambda t: t["inputs"]["fields"][0].update(placeholder="x"),
        lambda t: t["inputs"]["fields"][1].update(id="secret_id"),
        lambda t: t["inputs"]["fields"][1].update(type="boolean"),
        lambda t: t["inputs"]["fields"][0].update(default=1),
        lambda t: t["inputs"]["fields"][0].update(ask_at_runtime=True),
        lambda t: t["inputs"]["required"].append("password"),
        lambda t: t["injectors"]["env"].update(ANSIBLE_TENCENT="{{ secret_id }}"),
        lambda t: t["injectors"]["env"].update(PATH="{{ secret_id }}"),
        lambda t: t["injectors"]["env"].update(TENCENTCLOUD_X="{{ password }}"),
        lambda t: t["injectors"]["env"].update(TENCENTCLOUD_X="{{ secret_id"),
        lambda t: t["injectors"]["env"].update({"TENCENTCLOUD-X": "{{ secret_id }}"}),
        lambda t: t["injectors"].update(files={}),
        lambda t: t.update(kind="ssh"),
        lambda t: t.update(namespace="tencent"),
    ],
)
def test_the_rules_refuse_what_awx_refuses(change):
    assert awx_errors(broken(change))


KEY_PAIRS = {
    "ucloud_credential_type.yml": {"public_key", "private_key"},
    "tencentcloud_credential_type.yml": {"secret_id", "secret_key"},
}


@pytest.mark.parametrize("filename", sorted(KEY_PAIRS))
def test_every_input_is_injected_and_only_the_key_pair_is_required(filename):
    credential_type = yaml.safe_load((DOCS / filename).read_text())
    injected = " ".join(credential_type["injectors"]["env"].values())
    assert all("{{ %s " % field["id"] in injected for field in credential_type["inputs"]["fields"])
    assert set(credential_type["inputs"]["required"]) == KEY_PAIRS[filename]


@pytest.mark.parametrize("filename, argument_spec, inputs", CASES)
def test_a_credential_with_every_optional_input_empty_leaves_those_options_unset(filename, argument_spec, inputs):
    """AWX injects an empty input as "": the options it feeds are unset (the region then comes from the task)."""
    credential_type = yaml.safe_load((DOCS / filename).read_text())
    required = set(credential_type["inputs"]["required"])
    blank = {name: (value if name in required else "") for name, value in inputs.items()}
    with mock.patch.dict("os.environ", injected_env(credential_type, blank), clear=True):
        params = ArgumentSpecValidator(argument_spec()).validate({}).validated_parameters
    defaults = ArgumentSpecValidator(argument_spec()).validate({}).validated_parameters
    assert {name: params[name] for name in inputs if name not in required} == {
        name: defaults[name] for name in inputs if name not in required
    }
    assert {name: params[name] for name in required} == {name: inputs[name] for name in required}
