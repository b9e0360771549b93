# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snapshield.cloud.cbs_disks against the emulator: host variables, groups, filters, cache, regions side by side,
and configurations that fail before any call."""

import threading

import pytest
from ansible.errors import AnsibleError, AnsibleParserError
from inventory_support import FLEET, api_calls, fails_before_any_call, group_hosts, hostvars

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import TencentCloudClient

CONTRACT = {
    "cloud",
    "disk_id",
    "disk_name",
    "region",
    "zone",
    "disk_size",
    "disk_type",
    "disk_state",
    "disk_usage",
    "instance_id",
    "attached",
    "tags",
    "auto_snapshot_policy_ids",
}


def bind_policy(emu, tencent, disk_ids, region="ap-guangzhou"):
    """A policy bound to ``disk_ids``, made through the API; its id."""
    client = TencentCloudClient(tencent["secret_id"], tencent["secret_key"], region, endpoint=emu.url, rate_limit=0)
    policy_id = client.call("CreateAutoSnapshotPolicy", dict(Policy=[dict(Hour=[1], DayOfWeek=[0])]))[
        "AutoSnapshotPolicyId"
    ]
    client.call("BindAutoSnapshotPolicy", dict(AutoSnapshotPolicyId=policy_id, DiskIds=disk_ids))
    return policy_id


def test_every_disk_of_each_region_is_a_host_with_the_shared_variables(emu, tencent, inventory_of):
    emu.seed(cloud="tencent", zone="ap-shanghai-2", state="UNATTACHED", tags={"env": "prod"})
    policy_id = bind_policy(emu, tencent, ["disk-emu00001", "disk-emu00002"])
    inventory = inventory_of("cbs_disks", dict(tencent, regions=["ap-guangzhou", "ap-shanghai"]))
    assert sorted(inventory.hosts) == ["disk-emu%05d" % n for n in range(1, FLEET + 2)]
    first = hostvars(inventory, "disk-emu00001")
    assert CONTRACT <= set(first)
    assert first["cloud"] == "tencentcloud" and first["region"] == "ap-guangzhou" and first["zone"] == "ap-guangzhou-3"
    assert first["disk_usage"] == "DATA_DISK" and first["disk_size"] == 20 and first["disk_state"] == "ATTACHED"
    assert first["instance_id"] == "ins-emu00001" and first["attached"] is True
    assert first["tags"] == {"env": "prod", "team": "alpha"}
    assert first["auto_snapshot_policy_ids"] == [policy_id]
    assert first["ansible_connection"] == "local"
    assert first["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    assert hostvars(inventory, "disk-emu00003")["auto_snapshot_policy_ids"] == []
    detached = hostvars(inventory, "disk-emu%05d" % (FLEET + 1))
    assert detached["region"] == "ap-shanghai" and detached["zone"] == "ap-shanghai-2"
    assert detached["instance_id"] == "" and detached["attached"] is False
    # One DescribeDisks per region (each fits a page), the bindings asked for in the same call.
    calls = api_calls(emu, "DescribeDisks")
    assert len(calls) == 2 and all(call["params"]["ReturnBindAutoSnapshotPolicy"] is True for call in calls)


def test_keyed_groups_groups_and_compose(emu, tencent, inventory_of):
    policy_id = bind_policy(emu, tencent, ["disk-emu00001", "disk-emu00004"])
    config = dict(
        tencent,
        region="ap-guangzhou",
        keyed_groups=[
            dict(key="region", prefix="region"),
            dict(key="zone", prefix="zone"),
            dict(key="auto_snapshot_policy_ids", prefix="policy"),
            dict(key="tags.env", prefix="env"),
            dict(key="size_class", prefix="size"),
        ],
        groups=dict(unprotected="auto_snapshot_policy_ids | length == 0", big="size_tb | float >= 0.5"),
        compose=dict(size_tb="disk_size / 1000", size_class="'large' if disk_size >= 500 else 'small'"),
    )
    inventory = inventory_of("cbs_disks", config)
    groups = group_hosts(inventory)
    everyone = ["disk-emu%05d" % n for n in range(1, FLEET + 1)]
    assert groups["region_ap_guangzhou"] == everyone
    assert groups["zone_ap_guangzhou_3"] == everyone[0::2] and groups["zone_ap_guangzhou_4"] == everyone[1::2]
    assert groups["policy_" + policy_id.replace("-", "_")] == ["disk-emu00001", "disk-emu00004"]
    assert groups["unprotected"] == [d for d in everyone if d not in ("disk-emu00001", "disk-emu00004")]
    assert groups["env_prod"] == ["disk-emu00001", "disk-emu00004"]
    # a composed number stays a number from ansible-core 2.19; before, templating made it the text "1.0"
    assert float(hostvars(inventory, "disk-emu00006")["size_tb"]) == 1.0
    # Groups and keyed groups see composed variables (sizes cycle 20, 50, 100, 200, 500, 1000 GB).
    assert groups["size_large"] == groups["big"] == ["disk-emu00005", "disk-emu00006"]
    assert groups["size_small"] == everyone[:4]


def test_strict_fails_on_a_missing_variable_and_lax_skips_it(tencent, inventory_of):
    config = dict(tencent, region="ap-guangzhou", keyed_groups=[dict(key="no_such_variable", prefix="x")])
    inventory = inventory_of("cbs_disks", dict(config, strict=False))
    assert len(inventory.hosts) == FLEET and not [g for g in group_hosts(inventory) if g.startswith("x_")]
    with pytest.raises(AnsibleParserError, match="no_such_variable"):
        inventory_of("cbs_disks", dict(config, strict=True))


def test_filters_are_applied_by_the_api(emu, tencent, inventory_of):
    filters = {"zone": "ap-guangzhou-4", "disk-usage": ["DATA_DISK"], "tag:team": "beta"}
    inventory = inventory_of("cbs_disks", dict(tencent, region="ap-guangzhou", filters=filters))
    assert sorted(inventory.hosts) == ["disk-emu00002", "disk-emu00004", "disk-emu00006"]
    (call,) = api_calls(emu, "DescribeDisks")
    assert sorted(f["Name"] for f in call["params"]["Filters"]) == ["disk-usage", "tag:team", "zone"]


def test_the_cache_answers_without_calls_until_flushed(emu, tencent, inventory_of, tmp_path):
    config = dict(
        tencent,
        region="ap-guangzhou",
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(tmp_path / "cache"),
    )
    first = inventory_of("cbs_disks", config)
    assert len(api_calls(emu, "DescribeDisks")) == 1
    emu.seed(cloud="tencent")  # a new disk: only a fresh read sees it
    cached = inventory_of("cbs_disks", config)
    assert len(api_calls(emu, "DescribeDisks")) == 1
    assert sorted(cached.hosts) == sorted(first.hosts)
    assert hostvars(cached, "disk-emu00001")["tags"] == hostvars(first, "disk-emu00001")["tags"]
    flushed = inventory_of("cbs_disks", config, cache=False)  # what --flush-cache does
    assert len(api_calls(emu, "DescribeDisks")) == 2
    assert len(flushed.hosts) == FLEET + 1
    assert len(inventory_of("cbs_disks", config).hosts) == FLEET + 1  # the refreshed cache
    assert len(api_calls(emu, "DescribeDisks")) == 2


def test_regions_are_read_side_by_side(emu, tencent, inventory_of, monkeypatch):
    regions = ["ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-chengdu"]
    for region in regions[1:]:
        emu.seed(cloud="tencent", zone=region + "-1")
    together = threading.Barrier(len(regions), timeout=10)  # breaks unless every region is being read at once
    real = api.region_disks

    def region_disks(client, filters=()):
        together.wait()
        return real(client, filters)

    monkeypatch.setattr(api, "region_disks", region_disks)
    inventory = inventory_of("cbs_disks", dict(tencent, regions=regions))
    assert sorted({hostvars(inventory, name)["region"] for name in inventory.hosts}) == sorted(regions)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(filters={"colour": "red"}), "filters has an unknown filter 'colour'"),
        (dict(filters={"zone": []}), "filters.zone must be a value or a non-empty list"),
        (dict(regions=[]), "regions must be a region or a non-empty list of regions"),
        (dict(regions=["ap-guangzhou", "ap-guangzhou"]), "regions lists ap-guangzhou more than once"),
        (dict(region=None), "regions is required"),
        (dict(secret_key=""), r"secret_key \(or TENCENTCLOUD_SECRET_KEY\)"),
        (dict(timeout=0), "timeout must be a whole number of seconds"),
    ],
)
def test_bad_configuration_fails_naming_the_option_before_any_call(
    emu, tencent, inventory_of, monkeypatch, change, message
):
    for name in ("TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_REGION"):
        monkeypatch.delenv(name, raising=False)
    config = dict(dict(tencent, region="ap-guangzhou"), **change)
    fails_before_any_call(emu, inventory_of, "cbs_disks", config, message)


def test_credentials_and_region_from_the_modules_environment_variables(emu, tencent, inventory_of, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", tencent["secret_id"])
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", tencent["secret_key"])
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-guangzhou")
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT", emu.url)
    inventory = inventory_of("cbs_disks", dict(secret_id="", secret_key="  "))  # blank counts as not set
    assert len(inventory.hosts) == FLEET


def test_templated_options_and_no_secret_in_an_api_failure(emu, tencent, inventory_of):
    templated = dict(tencent, region="{{ 'ap-' ~ 'guangzhou' }}", secret_id="{{ '%s' }}" % tencent["secret_id"])
    assert len(inventory_of("cbs_disks", templated).hosts) == FLEET
    wrong = dict(tencent, region="ap-guangzhou", secret_key="not-the-key-0123456789")
    with pytest.raises(AnsibleError, match="AuthFailure") as failed:
        inventory_of("cbs_disks", wrong)
    assert "not-the-key-0123456789" not in str(failed.value)


def test_a_blank_token_variable_does_not_hide_the_next_one(emu, tencent, inventory_of, monkeypatch):
    """AWX sets every variable a credential type injects, an empty input as ""."""
    creds = emu.credentials
    monkeypatch.setenv("TENCENTCLOUD_SECURITY_TOKEN", "")
    monkeypatch.setenv("TENCENTCLOUD_SESSION_TOKEN", creds["tencent_token"])
    config = dict(
        tencent, secret_id=creds["tencent_temp_id"], secret_key=creds["tencent_temp_key"], region="ap-guangzhou"
    )
    assert len(inventory_of("cbs_disks", config).hosts) == FLEET
    monkeypatch.delenv("TENCENTCLOUD_SESSION_TOKEN")
    with pytest.raises(AnsibleError, match="AuthFailure.TokenFailure"):
        inventory_of("cbs_disks", config)
