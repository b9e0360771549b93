# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: real playbooks, run the way AWX runs them (ansible-runner), against the emulator.

Playbooks live in ``playbooks/``. They get the emulator's connection settings as the extra vars
``ucloud_auth`` and ``tencent_auth``, meant for ``module_defaults`` with the collection's action groups.
"""

import dataclasses
import itertools
import os
import sys
from pathlib import Path

import ansible_runner
import pytest

from tests.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """A collections path holding this checkout as snapshield.cloud."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "snapshield"
    namespace.mkdir(parents=True)
    (namespace / "cloud").symlink_to(REPO)
    return root


@pytest.fixture
def emulator():
    """A fresh emulator with 20 disks of each cloud whose snapshots complete at once."""
    with Emulator(20, snapshot_delay=0) as emu:
        yield emu


def auth_vars(emu):
    creds = emu.credentials
    return dict(
        ucloud_auth=dict(
            public_key=creds["ucloud_public_key"],
            private_key=creds["ucloud_private_key"],
            region="cn-bj2",
            base_url=emu.url,
        ),
        tencent_auth=dict(
            secret_id=creds["tencent_secret_id"],
            secret_key=creds["tencent_secret_key"],
            region="ap-guangzhou",
            endpoint=emu.url,
        ),
    )


@dataclasses.dataclass
class PlaybookRun:
    rc: int
    status: str
    events: list
    stdout: str
    artifacts: Path  # everything ansible-runner wrote for the run (stdout, job events, ...)

    def results(self, task_name):
        """Every host result of the named task (``ok``, ``changed``, ``failed`` or ``skipped``)."""
        return [
            event["event_data"]["res"]
            for event in self.events
            if event.get("event", "").startswith("runner_on_")
            and event.get("event_data", {}).get("task") == task_name
            and "res" in event.get("event_data", {})
        ]

    def failure(self, task_name):
        """The result of the named task, which must have failed (even if a rescue handled it)."""
        found = [
            event["event_data"]["res"]
            for event in self.events
            if event.get("event") == "runner_on_failed" and event["event_data"].get("task") == task_name
        ]
        assert len(found) == 1, "expected %r to fail once, it failed %d times" % (task_name, len(found))
        return found[0]

    def result(self, task_name):
        found = self.results(task_name)
        assert len(found) == 1, "expected one result of %r, got %d" % (task_name, len(found))
        return found[0]


@pytest.fixture
def run_playbook(emulator, collections_path, tmp_path):
    """Run ``playbooks/<name>`` (or a path) with ansible-runner; return a PlaybookRun. ``inventory``: a path or
    inventory text instead of localhost. Runs may go on at once, from threads (as AWX runs job slices)."""
    numbers = itertools.count()

    def run(playbook, check=False, diff=False, extra_vars=None, verbosity=0, envvars=None, inventory=None):
        path = Path(playbook)
        if not path.is_absolute():
            path = PLAYBOOKS / playbook
        cmdline = " ".join(option for option, wanted in (("--check", check), ("--diff", diff)) if wanted)
        env = dict(
            ANSIBLE_COLLECTIONS_PATH=str(collections_path),
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_NOCOLOR="1",
        )
        env.update(envvars or {})
        data_dir = tmp_path / ("runner-%d" % next(numbers))
        data_dir.mkdir()
        runner = ansible_runner.run(
            private_data_dir=str(data_dir),
            playbook=str(path),
            inventory=inventory or "localhost ansible_connection=local",
            extravars=dict(auth_vars(emulator), **(extra_vars or {})),
            envvars=env,
            cmdline=cmdline or None,
            verbosity=verbosity or None,
            quiet=True,
            json_mode=False,
        )
        return PlaybookRun(runner.rc, runner.status, list(runner.events), runner.stdout.read(), data_dir / "artifacts")

    return run


def pytest_configure(config):
    # ansible-runner starts ansible-playbook from PATH: use the one of this virtualenv.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
