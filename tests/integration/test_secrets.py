# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret reaches anything a run writes: results, failures, warnings, -vvvv output, job events.

Every module runs at -vvvv, passing and failing, with credentials given as options and as environment
variables. The scan looks for the secrets themselves and for anything shaped like a request signature.
"""

import re

import pytest

WRONG_PRIVATE_KEY = "wrong-ucloud-private-key-5ec2e7"
WRONG_SECRET_KEY = "wrong-tencent-secret-key-5ec2e7"
SIGNATURE_SHAPES = re.compile(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b|Signature=|TC3-HMAC-SHA256 Credential")


def written_text(run):
    """Everything the run wrote, except ansible-runner's record of the inputs it was given."""
    parts = [run.stdout]
    for path in sorted(run.artifacts.rglob("*")):
        if path.is_file() and path.name != "command":
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


def secrets(emulator):
    creds = emulator.credentials
    return [
        creds["ucloud_private_key"],
        creds["tencent_secret_key"],
        creds["tencent_temp_key"],
        creds["tencent_token"],
        WRONG_PRIVATE_KEY,
        WRONG_SECRET_KEY,
    ]


def assert_nothing_secret(text, emulator):
    for secret in secrets(emulator):
        assert secret not in text, "a secret reached the output"
    found = SIGNATURE_SHAPES.findall(text)
    assert not found, "signature-shaped text in the output: %s" % found[:3]


@pytest.mark.parametrize("auth_source", ["options", "env"])
def test_modules_never_write_a_secret(emulator, run_playbook, auth_source):
    creds = emulator.credentials
    envvars = {}
    if auth_source == "env":
        envvars = dict(
            UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
            UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
            UCLOUD_REGION="cn-bj2",
            UCLOUD_BASE_URL=emulator.url,
            TENCENTCLOUD_SECRET_ID=creds["tencent_secret_id"],
            TENCENTCLOUD_SECRET_KEY=creds["tencent_secret_key"],
            TENCENTCLOUD_REGION="ap-guangzhou",
            TENCENTCLOUD_ENDPOINT=emulator.url,
        )
    run = run_playbook(
        "secrets_modules.yml",
        verbosity=4,
        envvars=envvars,
        extra_vars=dict(
            auth_source=auth_source,
            wrong_private_key=WRONG_PRIVATE_KEY,
            wrong_secret_key=WRONG_SECRET_KEY,
            temp_secret_id=creds["tencent_temp_id"],
            temp_secret_key=creds["tencent_temp_key"],
            temp_token=creds["tencent_token"],
        ),
    )
    assert run.rc == 0, run.stdout[-3000:]
    # The failing tasks really failed, with the API's answer, and the run really was verbose.
    assert "17041" in run.failure("An API error")["msg"]
    assert "InvalidDiskId.NotFound" in run.failure("A CBS API error")["msg"]
    assert "171" in run.failure("A signature the API rejects")["msg"]
    assert "AuthFailure" in run.failure("A TC3 signature the API rejects")["msg"]
    assert "<localhost> EXEC" in run.stdout or "ESTABLISH LOCAL CONNECTION" in run.stdout
    assert_nothing_secret(written_text(run), emulator)


def test_the_scan_finds_a_leak(emulator):
    """The scan itself must be able to fail."""
    with pytest.raises(AssertionError):
        assert_nothing_secret("result: %s" % emulator.credentials["tencent_token"], emulator)
    with pytest.raises(AssertionError):
        assert_nothing_secret("sig 0123456789abcdef0123456789abcdef01234567 end", emulator)
