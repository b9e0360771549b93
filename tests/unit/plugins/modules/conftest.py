# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the in-process tests of the Tencent modules share: one emulator per test file, its credentials, and a way
to run a module's main() and read its JSON answer."""

import json
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tests.emulator import Emulator  # noqa: E402
from tests.unit.module_args import patch_module_args  # noqa: E402


@pytest.fixture(scope="module")
def emu():
    with Emulator(12, snapshot_delay=0, rate_limit=0) as emulator:
        yield emulator


@pytest.fixture
def auth(emu):
    """Tencent credentials of a freshly reset emulator."""
    emu.reset()
    creds = emu.credentials
    return dict(
        secret_id=creds["tencent_secret_id"],
        secret_key=creds["tencent_secret_key"],
        region="ap-guangzhou",
        endpoint=emu.url,
    )


@pytest.fixture
def injected_env(emu):
    """``injected_env(**changes)``: the environment AWX's credential types inject for the emulator's accounts, an
    empty input as "" (project, security token), with ``changes`` on top."""

    def environ(**changes):
        creds = emu.credentials
        injected = dict(
            UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
            UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
            UCLOUD_REGION="cn-bj2",
            UCLOUD_PROJECT_ID="",
            UCLOUD_BASE_URL=emu.url,
            TENCENTCLOUD_SECRET_ID=creds["tencent_secret_id"],
            TENCENTCLOUD_SECRET_KEY=creds["tencent_secret_key"],
            TENCENTCLOUD_SECURITY_TOKEN="",
            TENCENTCLOUD_REGION="ap-guangzhou",
            TENCENTCLOUD_ENDPOINT=emu.url,
        )
        injected.update(changes)
        return injected

    return environ


@pytest.fixture
def run_main(capsys):
    """``run_main(module, args)``: ``(exit code, JSON answer)`` of the module's main() run in-process."""

    def run(module, args):
        with patch_module_args(args):
            with pytest.raises(SystemExit) as ended:
                module.main()
        return ended.value.code, json.loads(capsys.readouterr().out)

    return run
