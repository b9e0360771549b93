# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES, run as written against the emulator.

Each module's EXAMPLES become the tasks of one inventory host named after the module, with its own
emulator (seeded with the disk and snapshot ids the examples name) and ``module_defaults`` for both
action groups pointing at it, the way a reader sets credentials once per play. One ansible-playbook
run works all the modules at once (strategy ``free``): hosts keep the modules' registered variables
apart, and a failing example fails only its own module's test. Every example task must run and succeed.
"""

import ast
import collections
import contextlib
import sys

import ansible_runner
import pytest
import yaml

from tests.emulator import Emulator
from tests.integration.conftest import REPO, auth_vars

ExamplesRun = collections.namedtuple("ExamplesRun", "rc status events stdout")
MODULES = sorted((REPO / "plugins" / "modules").glob("*.py"))
NAMES = [path.stem for path in MODULES]

# The ids the EXAMPLES use, seeded next to the emulator's fleet of 20 disks per cloud.
SEEDS = [
    dict(cloud="ucloud", id="bsm-abcd1234", zone="cn-bj2-02", name="db-data-01", size=100, tag="db"),
    dict(
        cloud="ucloud",
        id="bsm-efgh5678",
        zone="cn-bj2-02",
        name="db-data-02",
        size=200,
        tag="db",
        service=dict(mode="Base", age=2 * 86400),  # two days of recovery points (usnap_restore)
    ),
    dict(
        cloud="tencent",
        id="disk-lzrg2pwi",
        zone="ap-guangzhou-3",
        name="db-data-01",
        size=100,
        usage="DATA_DISK",
        encrypted=False,
        snapshot_ability=True,
        tags={"env": "prod", "team": "alpha"},
        snapshots=[dict(id="snap-gybrif0z", name="before-migration", age=86400)],
    ),
    dict(
        cloud="tencent",
        id="disk-7ke2a9x1",
        zone="ap-guangzhou-3",
        name="db-data-02",
        size=200,
        usage="DATA_DISK",
        encrypted=False,
        snapshot_ability=True,
        tags={"env": "prod", "team": "beta"},
    ),
]


def module_examples(path):
    """The EXAMPLES string of a module file, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("%s has no EXAMPLES" % path.name)


def example_tasks(path):
    tasks = yaml.safe_load(module_examples(path))
    assert isinstance(tasks, list) and tasks, "%s: EXAMPLES must be a list of tasks" % path.name
    return tasks


def test_every_module_has_named_examples_of_itself():
    assert len(MODULES) >= 7
    for path in MODULES:
        tasks = example_tasks(path)
        own = "snapshield.cloud.%s" % path.stem
        assert any(own in task for task in tasks), "%s: no example uses %s" % (path.name, own)
        for task in tasks:
            assert task.get("name"), "%s: every example task needs a name: %r" % (path.name, task)


@pytest.fixture(scope="module")
def examples_run(collections_path, tmp_path_factory):
    """One ansible-playbook run of every module's EXAMPLES, each module on its own host and emulator."""
    tmp = tmp_path_factory.mktemp("examples")
    inventory = {}
    for path in MODULES:
        (tmp / ("%s.yml" % path.stem)).write_text(
            yaml.safe_dump(example_tasks(path), sort_keys=False), encoding="utf-8"
        )
    playbook = tmp / "examples.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                dict(
                    name="Every module's EXAMPLES",
                    hosts="all",
                    gather_facts=False,
                    strategy="free",
                    module_defaults={
                        "group/snapshield.cloud.ucloud": "{{ ucloud_auth }}",
                        "group/snapshield.cloud.tencentcloud": "{{ tencent_auth }}",
                    },
                    tasks=[dict(name="EXAMPLES", **{"ansible.builtin.include_tasks": "{{ inventory_hostname }}.yml"})],
                )
            ],
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    (tmp / "runner").mkdir()
    with contextlib.ExitStack() as stack:
        for name in NAMES:
            emulator = stack.enter_context(Emulator(20, snapshot_delay=0))
            for seed in SEEDS:
                emulator.seed(**seed)
            inventory[name] = dict(auth_vars(emulator), ansible_connection="local")
        runner = ansible_runner.run(
            private_data_dir=str(tmp / "runner"),
            playbook=str(playbook),
            inventory={"all": {"hosts": inventory}},
            forks=len(NAMES),
            quiet=True,
            json_mode=False,
            envvars=dict(
                ANSIBLE_COLLECTIONS_PATH=str(collections_path),
                ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                ANSIBLE_NOCOLOR="1",
            ),
        )
        yield ExamplesRun(runner.rc, runner.status, list(runner.events), runner.stdout.read())


def host_results(run, host):
    """{task name: [(event name, result)]} of one host."""
    outcomes = {}
    for event in run.events:
        data = event.get("event_data", {})
        if (
            event.get("event", "").startswith("runner_on_")
            and event["event"] != "runner_on_start"
            and data.get("host") == host
            and "task" in data
        ):
            outcomes.setdefault(data["task"], []).append((event["event"], data.get("res", {})))
    return outcomes


@pytest.mark.parametrize("name", NAMES)
def test_examples_run_against_the_emulator(name, examples_run):
    outcomes = host_results(examples_run, name)
    for task in example_tasks(REPO / "plugins" / "modules" / ("%s.py" % name)):
        results = outcomes.get(task["name"])
        assert results, "example %r of %s did not run:\n%s" % (task["name"], name, examples_run.stdout)
        for event, result in results:
            assert event == "runner_on_ok", "example %r of %s: %s %s" % (
                task["name"],
                name,
                event,
                result.get("msg", result),
            )


def test_the_examples_run_succeeded(examples_run):
    assert examples_run.rc == 0 and examples_run.status == "successful", examples_run.stdout
