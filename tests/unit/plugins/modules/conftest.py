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
def run_main(capsys):
    """``run_main(module, args)``: ``(exit code, JSON answer)`` of the module's main() run in-process."""

    def run(module, args):
        with patch_module_args(args):
            with pytest.raises(SystemExit) as ended:
                module.main()
        return ended.value.code, json.loads(capsys.readouterr().out)

    return run
