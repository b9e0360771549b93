# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snapshield.cloud.ucloud_disks against the emulator: host variables, groups, zones, projects and filters, cache,
regions side by side, and configurations that fail before any call."""

import threading

import pytest
from ansible.errors import AnsibleError
from conftest import FLEET, api_calls, fails_before_any_call, group_hosts, hostvars

from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api

CONTRACT = {
    "cloud",
    "disk_id",
    "disk_name",
    "region",
    "zone",
    "project_id",
    "disk_size",
    "disk_type",
    "disk_status",
    "business_group",
    "instance_id",
    "attached",
    "backup_mode",
}
EVERYONE = ["bsm-emu%05d" % n for n in range(1, FLEET + 1)]


def test_every_disk_is_a_host_with_the_shared_variables(emu, ucloud, inventory_of):
    emu.seed(cloud="ucloud", zone="cn-sh2-02", backup_mode="UDataArk", status="Available")
    emu.seed(cloud="ucloud", zone="cn-sh2-02", service={"mode": "Ultimate"})
    inventory = inventory_of("ucloud_disks", dict(ucloud, regions=["cn-bj2", "cn-sh2"]))
    assert sorted(inventory.hosts) == EVERYONE + ["bsm-emu%05d" % (FLEET + n) for n in (1, 2)]
    first = hostvars(inventory, "bsm-emu00001")
    assert CONTRACT <= set(first)
    assert first["cloud"] == "ucloud" and first["region"] == "cn-bj2" and first["zone"] == "cn-bj2-02"
    assert first["project_id"] == "" and first["business_group"] == "Default" and first["disk_size"] == 20
    assert first["disk_status"] == "InUse" and first["instance_id"] == "uhost-emu00001" and first["attached"] is True
    assert first["backup_mode"] == "" and first["disk_type"] == "DataDisk"
    assert first["ansible_connection"] == "local"
    assert first["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    second = hostvars(inventory, "bsm-emu00002")
    assert second["instance_id"] == "" and second["attached"] is False and second["business_group"] == "web"
    ark, usnap = (hostvars(inventory, "bsm-emu%05d" % (FLEET + n)) for n in (1, 2))
    assert ark["backup_mode"] == "UDataArk" and ark["region"] == "cn-sh2" and ark["zone"] == "cn-sh2-02"
    assert usnap["backup_mode"] == "SnapshotService"
    calls = api_calls(emu, "DescribeUDisk")
    assert sorted(call["params"]["Region"] for call in calls) == ["cn-bj2", "cn-sh2"]
    assert not any("IgnoreBackupMode" in call["params"] for call in calls)


def test_keyed_groups_by_zone_and_backup_mode(emu, ucloud, inventory_of):
    emu.seed(cloud="ucloud", zone="cn-bj2-02", service={"mode": "Base"})
    config = dict(
        ucloud,
        region="cn-bj2",
        keyed_groups=[
            dict(key="zone", prefix="zone"),
            dict(key="backup_mode | default('none', true)", prefix="backup"),
            dict(key="business_group", prefix="group"),
        ],
        groups=dict(unprotected="backup_mode == ''"),
    )
    groups = group_hosts(inventory_of("ucloud_disks", config))
    seeded = "bsm-emu%05d" % (FLEET + 1)
    assert groups["backup_SnapshotService"] == [seeded]
    assert groups["backup_none"] == EVERYONE == groups["unprotected"]
    assert groups["zone_cn_bj2_02"] == EVERYONE[0::2] + [seeded] and groups["zone_cn_bj2_03"] == EVERYONE[1::2]
    assert groups["group_db"] == ["bsm-emu00003", "bsm-emu00006"]


def test_strict_fails_on_a_missing_variable_and_lax_skips_it(ucloud, inventory_of):
    config = dict(ucloud, region="cn-bj2", compose=dict(broken="no_such_variable + 1"))
    assert "broken" not in hostvars(inventory_of("ucloud_disks", dict(config, strict=False)), "bsm-emu00001")
    with pytest.raises(AnsibleError, match="no_such_variable"):
        inventory_of("ucloud_disks", dict(config, strict=True))


def test_zones_projects_and_filters(emu, ucloud, inventory_of):
    emu.seed(cloud="ucloud", zone="cn-bj2-03", project_id="org-two", tag="db")
    config = dict(
        ucloud, zones=["cn-bj2-03"], project_ids=["org-one", "org-two"], business_group="db", disk_type="DataDisk"
    )
    inventory = inventory_of("ucloud_disks", config)
    seeded = "bsm-emu%05d" % (FLEET + 1)
    assert sorted(inventory.hosts) == ["bsm-emu00006", seeded]
    assert hostvars(inventory, seeded)["project_id"] == "org-two"
    calls = api_calls(emu, "DescribeUDisk")
    assert sorted(call["params"]["ProjectId"] for call in calls) == ["org-one", "org-two"]
    assert all(
        (call["params"]["Region"], call["params"]["Zone"], call["params"]["Tag"], call["params"]["DiskType"])
        == ("cn-bj2", "cn-bj2-03", "db", "DataDisk")
        for call in calls
    )


def test_the_cache_answers_without_calls_until_flushed(emu, ucloud, inventory_of, tmp_path):
    config = dict(
        ucloud,
        region="cn-bj2",
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(tmp_path / "cache"),
    )
    assert len(inventory_of("ucloud_disks", config).hosts) == FLEET
    emu.seed(cloud="ucloud")
    assert len(inventory_of("ucloud_disks", config).hosts) == FLEET
    assert len(api_calls(emu, "DescribeUDisk")) == 1
    assert len(inventory_of("ucloud_disks", config, cache=False).hosts) == FLEET + 1
    assert len(api_calls(emu, "DescribeUDisk")) == 2


def test_regions_and_zones_are_read_side_by_side(emu, ucloud, inventory_of, monkeypatch):
    zones = ["cn-bj2-02", "cn-bj2-03", "cn-sh2-02", "hk-01"]
    together = threading.Barrier(len(zones), timeout=10)  # breaks unless every zone is being read at once
    real = api.region_disks

    def region_disks(*args):
        together.wait()
        return real(*args)

    monkeypatch.setattr(api, "region_disks", region_disks)
    inventory_of("ucloud_disks", dict(ucloud, zones=zones))
    assert sorted(call["params"]["Zone"] for call in api_calls(emu, "DescribeUDisk")) == sorted(zones)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(zones=["cn-sh2-02"]), "zones lists cn-sh2-02, outside the regions cn-bj2"),
        (dict(zones=["cn-bj2-02", " "]), "zones must not contain empty ids"),
        (dict(project_ids=[]), "project_ids must be a project id or a non-empty list"),
        (dict(regions=["cn-bj2", ""]), "regions must not contain empty ids"),
        (dict(region=None), "regions is required"),
        (dict(private_key=None), r"private_key \(or UCLOUD_PRIVATE_KEY\)"),
        (dict(business_group=" "), "business_group must not be empty"),
        (dict(retries=-1), "retries must be a whole number"),
    ],
)
def test_bad_configuration_fails_naming_the_option_before_any_call(
    emu, ucloud, inventory_of, monkeypatch, change, message
):
    for name in ("UCLOUD_PRIVATE_KEY", "UCLOUD_REGION"):
        monkeypatch.delenv(name, raising=False)
    config = dict(dict(ucloud, regions=["cn-bj2"] if "zones" in change else None, region="cn-bj2"), **change)
    fails_before_any_call(emu, inventory_of, "ucloud_disks", config, message)


def test_credentials_from_the_modules_environment_variables(emu, ucloud, inventory_of, monkeypatch):
    monkeypatch.setenv("UCLOUD_PUBLIC_KEY", ucloud["public_key"])
    monkeypatch.setenv("UCLOUD_PRIVATE_KEY", ucloud["private_key"])
    monkeypatch.setenv("UCLOUD_REGION", "cn-bj2")
    monkeypatch.setenv("UCLOUD_BASE_URL", emu.url)
    monkeypatch.setenv("UCLOUD_PROJECT_ID", "org-env")
    inventory = inventory_of("ucloud_disks", {})
    assert len(inventory.hosts) == FLEET and hostvars(inventory, "bsm-emu00001")["project_id"] == "org-env"
