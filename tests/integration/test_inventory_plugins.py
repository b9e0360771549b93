# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The disk inventory plugins as a user runs them: ansible-inventory --graph and --list on a config file, the cache
across runs and --flush-cache, a bad config, and an ad hoc command on the disk hosts, against the emulator."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.emulator.state import AutoSnapshotPolicy

BIN = Path(sys.executable).parent
POLICY_SCHEDULE = [dict(Hour=[1], DayOfWeek=[0])]
BOUND = ["disk-emu00001", "disk-emu00002"]


def plain(value):
    """``ansible-inventory --list`` as a playbook sees it: ansible-core 2.19 prints every string an inventory plugin
    got from elsewhere as ``{"__ansible_unsafe": text}`` (never templated), which is read back as the text."""
    if isinstance(value, dict):
        return (
            value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else {k: plain(v) for k, v in value.items()}
        )
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def listed(run):
    assert run.returncode == 0, run.stderr
    return plain(json.loads(run.stdout))


def write_config(tmp_path, plugin, config):
    path = tmp_path / ("fleet.%s.yml" % plugin)
    path.write_text(yaml.safe_dump(dict(config, plugin="snapshield.cloud.%s" % plugin), sort_keys=False))
    return path


@pytest.fixture
def ansible(collections_path, tmp_path):
    """``ansible(command, *args)``: run an ansible CLI of this virtualenv with the collection; its CompletedProcess."""

    def run(command, *args, env=None):
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "TENCENTCLOUD_", "UCLOUD_"))}
        environ.update(
            ANSIBLE_COLLECTIONS_PATH=str(collections_path),
            ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
            ANSIBLE_HOME=str(tmp_path / "home"),
        )
        environ.update(env or {})
        return subprocess.run(
            [str(BIN / command)] + [str(arg) for arg in args],
            check=False,
            capture_output=True,
            text=True,
            env=environ,
            cwd=str(tmp_path),
            timeout=120,
        )

    return run


@pytest.fixture
def cbs_config(emulator, tmp_path):
    """Two regions, one disk of the second detached, two disks of the first bound to a policy; the config file."""
    creds = emulator.credentials
    emulator.seed(cloud="tencent", zone="ap-shanghai-2", count=2)
    emulator.seed(cloud="tencent", zone="ap-shanghai-2", state="UNATTACHED")
    policy = AutoSnapshotPolicy(
        id="asp-daily001", region="ap-guangzhou", name="daily", schedule=POLICY_SCHEDULE, disk_ids=BOUND
    )
    with emulator.state.lock:
        emulator.state.policies[policy.id] = policy
    config = dict(
        secret_id=creds["tencent_secret_id"],
        secret_key=creds["tencent_secret_key"],
        endpoint=emulator.url,
        regions=["ap-guangzhou", "ap-shanghai"],
        filters={"disk-usage": "DATA_DISK", "tag:team": "alpha"},
        keyed_groups=[
            dict(key="region", prefix="region"),
            dict(key="zone", prefix="zone"),
            dict(key="auto_snapshot_policy_ids", prefix="policy"),
        ],
        groups=dict(unprotected="auto_snapshot_policy_ids | length == 0", detached="not attached"),
    )
    return write_config(tmp_path, "cbs_disks", config), policy.id


@pytest.fixture
def ucloud_config(emulator, tmp_path):
    """Two zones of cn-bj2 and one of cn-sh2, a disk with a USnap service and one with the data ark; the file."""
    creds = emulator.credentials
    emulator.seed(cloud="ucloud", zone="cn-sh2-02", count=2)
    emulator.seed(cloud="ucloud", zone="cn-bj2-02", tag="db", service={"mode": "Ultimate"})
    emulator.seed(cloud="ucloud", zone="cn-bj2-03", tag="db", backup_mode="UDataArk")
    config = dict(
        public_key=creds["ucloud_public_key"],
        private_key=creds["ucloud_private_key"],
        base_url=emulator.url,
        zones=["cn-bj2-02", "cn-bj2-03", "cn-sh2-02"],
        business_group="db",
        keyed_groups=[
            dict(key="region", prefix="region"),
            dict(key="zone", prefix="zone"),
            dict(key="backup_mode | default('none', true)", prefix="backup"),
        ],
    )
    return write_config(tmp_path, "ucloud_disks", config)


def test_cbs_disks_graph_and_list(ansible, cbs_config):
    path, policy_id = cbs_config
    graph = ansible("ansible-inventory", "-i", path, "--graph")
    assert graph.returncode == 0, graph.stderr
    print(graph.stdout)
    policy_group = "@policy_%s:" % policy_id.replace("-", "_")
    for group in ("@region_ap_guangzhou:", "@region_ap_shanghai:", "@zone_ap_shanghai_2:", policy_group, "@detached:"):
        assert group in graph.stdout
    inventory = listed(ansible("ansible-inventory", "-i", path, "--list"))
    hostvars = inventory["_meta"]["hostvars"]
    # Tag team=alpha is every odd disk; DATA_DISK leaves out every fifth; 21 and 23 are in ap-shanghai.
    alpha_data = ["disk-emu%05d" % n for n in (1, 3, 7, 9, 11, 13, 17, 19, 21, 23)]
    assert sorted(hostvars) == alpha_data
    assert inventory[policy_group[1:-1]]["hosts"] == ["disk-emu00001"]
    assert sorted(inventory["unprotected"]["hosts"]) == alpha_data[1:]
    assert inventory["detached"]["hosts"] == ["disk-emu00023"]
    assert hostvars["disk-emu00021"]["region"] == "ap-shanghai" and hostvars["disk-emu00023"]["instance_id"] == ""
    assert hostvars["disk-emu00001"]["auto_snapshot_policy_ids"] == [policy_id]


def test_ucloud_disks_graph_and_list(ansible, ucloud_config):
    graph = ansible("ansible-inventory", "-i", ucloud_config, "--graph")
    assert graph.returncode == 0, graph.stderr
    print(graph.stdout)
    for group in ("@region_cn_bj2:", "@region_cn_sh2:", "@zone_cn_sh2_02:", "@backup_SnapshotService:"):
        assert group in graph.stdout
    inventory = listed(ansible("ansible-inventory", "-i", ucloud_config, "--list"))
    hostvars = inventory["_meta"]["hostvars"]
    # Business group db is every third disk: 3, 6 ... 18 (cn-bj2), 21 (cn-sh2); 23 (USnap) and 24 (UDataArk) seeded so.
    assert sorted(hostvars) == ["bsm-emu%05d" % n for n in (3, 6, 9, 12, 15, 18, 21, 23, 24)]
    assert inventory["backup_SnapshotService"]["hosts"] == ["bsm-emu00023"]
    assert inventory["backup_UDataArk"]["hosts"] == ["bsm-emu00024"]
    assert inventory["backup_none"]["hosts"] == ["bsm-emu%05d" % n for n in (3, 6, 9, 12, 15, 18, 21)]
    assert sorted(inventory["region_cn_sh2"]["hosts"]) == ["bsm-emu00021"]
    assert hostvars["bsm-emu00021"]["zone"] == "cn-sh2-02" and hostvars["bsm-emu00003"]["attached"] is True


def test_cache_across_runs_and_flush_cache(ansible, emulator, ucloud_config, tmp_path):
    config = yaml.safe_load(ucloud_config.read_text())
    config.update(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"))
    ucloud_config.write_text(yaml.safe_dump(config))
    emulator.clear_calls()

    def described():
        return emulator.calls()["actions"].get("DescribeUDisk", {}).get("total", 0)

    first = listed(ansible("ansible-inventory", "-i", ucloud_config, "--list"))
    assert described() == 3  # one per zone
    emulator.seed(cloud="ucloud", zone="cn-bj2-02", tag="db")  # bsm-emu00025: only a fresh read sees it
    assert listed(ansible("ansible-inventory", "-i", ucloud_config, "--list")) == first
    assert described() == 3
    flushed = listed(ansible("ansible-inventory", "-i", ucloud_config, "--list", "--flush-cache"))
    assert described() == 6 and "bsm-emu00025" in flushed["_meta"]["hostvars"]
    assert "bsm-emu00025" not in first["_meta"]["hostvars"]


def test_a_bad_config_fails_naming_the_option_without_calls(ansible, emulator, cbs_config):
    path, _policy_id = cbs_config
    config = yaml.safe_load(path.read_text())
    config["filters"] = {"colour": "red"}
    path.write_text(yaml.safe_dump(config))
    emulator.clear_calls()
    failed = ansible("ansible-inventory", "-i", path, "--graph")
    assert failed.returncode != 0
    assert "filters has an unknown filter 'colour'" in failed.stderr
    assert config["secret_key"] not in failed.stderr + failed.stdout
    assert emulator.calls()["log"] == []


def test_ad_hoc_on_disk_hosts_runs_locally_and_never_templates_their_data(ansible, emulator, cbs_config):
    path, _policy_id = cbs_config
    emulator.seed(cloud="tencent", zone="ap-shanghai-2", state="UNATTACHED", name="{{ 7 * 6 }}", tags={"team": "alpha"})
    ran = ansible("ansible", "-i", path, "detached", "-m", "ansible.builtin.command", "-a", "echo {{ disk_id }}")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "disk-emu00023 | CHANGED" in ran.stdout and "\ndisk-emu00023\n" in ran.stdout + "\n"
    shown = ansible("ansible", "-i", path, "disk-emu00024", "-m", "ansible.builtin.debug", "-a", "var=disk_name")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert '"disk_name": "{{ 7 * 6 }}"' in shown.stdout and "42" not in shown.stdout
