"""Tencent CBS automatic snapshot policies in the emulator, driven by tencentcloud-sdk-python-common.

Each action takes the parameters of the official SDK's request model and no others.
"""

from datetime import datetime, timedelta, timezone

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.emulator.tencent import next_trigger

DAILY_3AM = [{"Hour": [3], "DayOfWeek": [0, 1, 2, 3, 4, 5, 6]}]
BEIJING = timezone(timedelta(hours=8))


def error_code(call):
    with pytest.raises(TencentCloudSDKException) as info:
        call()
    return info.value.code


def create(tencent, name="nightly", **extra):
    return tencent.call_json("CreateAutoSnapshotPolicy", dict(Policy=DAILY_3AM, AutoSnapshotPolicyName=name, **extra))[
        "Response"
    ]


def describe(tencent, **params):
    return tencent.call_json("DescribeAutoSnapshotPolicies", params)["Response"]


def test_create_describe_modify_delete(tencent):
    created = create(tencent)
    policy_id = created["AutoSnapshotPolicyId"]
    assert policy_id.startswith("asp-") and created["NextTriggerTime"].endswith("+08:00")
    found = describe(tencent, Filters=[{"Name": "auto-snapshot-policy-name", "Values": ["nightly"]}])
    assert found["TotalCount"] == 1
    row = found["AutoSnapshotPolicySet"][0]
    assert row["IsActivated"] is True and row["IsPermanent"] is False and row["RetentionDays"] == 7
    assert row["Policy"] == DAILY_3AM and row["DiskIdSet"] == [] and row["AutoSnapshotPolicyState"] == "NORMAL"
    tencent.call_json(
        "ModifyAutoSnapshotPolicyAttribute",
        {
            "AutoSnapshotPolicyId": policy_id,
            "IsActivated": False,
            "RetentionDays": 30,
            "Policy": [{"Hour": [1, 2], "DayOfMonth": [1]}],
        },
    )
    row = describe(tencent, AutoSnapshotPolicyIds=[policy_id])["AutoSnapshotPolicySet"][0]
    assert (row["IsActivated"], row["RetentionDays"], row["Policy"]) == (
        False,
        30,
        [{"Hour": [1, 2], "DayOfMonth": [1]}],
    )
    tencent.call_json("ModifyAutoSnapshotPolicyAttribute", {"AutoSnapshotPolicyId": policy_id, "IsPermanent": True})
    assert describe(tencent, AutoSnapshotPolicyIds=[policy_id])["AutoSnapshotPolicySet"][0]["IsPermanent"] is True
    tencent.call_json("DeleteAutoSnapshotPolicies", {"AutoSnapshotPolicyIds": [policy_id]})
    assert describe(tencent)["TotalCount"] == 0


def test_dry_run_creates_nothing(tencent):
    answer = create(tencent, DryRun=True)
    assert "AutoSnapshotPolicyId" not in answer and answer["NextTriggerTime"]
    assert describe(tencent)["TotalCount"] == 0


@pytest.mark.parametrize(
    "params, code",
    [
        ({"Policy": DAILY_3AM, "Colour": "red"}, "UnknownParameter"),
        ({"Policy": DAILY_3AM, "ClientToken": "t-1"}, "UnknownParameter"),  # CBS has no ClientToken here
        ({"Policy": [{"Hour": [3], "DayOfWeek": [1], "Minute": [5]}]}, "UnknownParameter"),
        ({}, "MissingParameter"),
        ({"Policy": [{"DayOfWeek": [1]}]}, "MissingParameter"),
        ({"Policy": [{"Hour": [24], "DayOfWeek": [1]}]}, "InvalidParameterValue"),
        ({"Policy": [{"Hour": [3], "DayOfWeek": [7]}]}, "InvalidParameterValue"),
        ({"Policy": [{"Hour": [3], "DayOfMonth": [0]}]}, "InvalidParameterValue"),
        ({"Policy": [{"Hour": [3], "IntervalDays": 366}]}, "InvalidParameterValue"),
        ({"Policy": [{"Hour": [3], "DayOfWeek": [1], "IntervalDays": 2}]}, "InvalidParameterValue"),
        ({"Policy": DAILY_3AM, "IsPermanent": True, "RetentionDays": 3}, "InvalidParameterValue"),
        ({"Policy": DAILY_3AM, "AutoSnapshotPolicyName": "快" * 21}, "InvalidParameterValue.TooLong"),
    ],
)
def test_create_validation(tencent, params, code):
    assert error_code(lambda: tencent.call_json("CreateAutoSnapshotPolicy", params)) == code


def test_quota(emu, tencent):
    emu.configure(policy_quota=1)
    create(tencent, "one")
    assert error_code(lambda: create(tencent, "two")) == "LimitExceeded.AutoSnapshotPolicyOutOfQuota"


def test_bind_unbind_and_disk_bindings(tencent):
    policy_id = create(tencent)["AutoSnapshotPolicyId"]

    def bind(disks):
        return tencent.call_json("BindAutoSnapshotPolicy", {"AutoSnapshotPolicyId": policy_id, "DiskIds": disks})

    bind(["disk-emu00001", "disk-emu00002"])
    assert error_code(lambda: bind(["disk-emu00003", "disk-emu00001"])) == "InvalidDisk.AlreadyBound"
    assert error_code(lambda: bind(["disk-nope"])) == "InvalidDiskId.NotFound"
    assert error_code(lambda: bind(["disk-emu00010"])) == "InvalidDisk.NotSupportSnapshot"
    assert error_code(lambda: bind(["disk-%d" % n for n in range(81)])) == "InvalidParameterValue.BindDiskLimitExceeded"
    assert describe(tencent)["AutoSnapshotPolicySet"][0]["DiskIdSet"] == ["disk-emu00001", "disk-emu00002"]
    disks = tencent.call_json(
        "DescribeDisks", {"DiskIds": ["disk-emu00001", "disk-emu00003"], "ReturnBindAutoSnapshotPolicy": True}
    )
    assert {d["DiskId"]: d["AutoSnapshotPolicyIds"] for d in disks["Response"]["DiskSet"]} == {
        "disk-emu00001": [policy_id],
        "disk-emu00003": [],
    }
    plain = tencent.call_json("DescribeDisks", {"DiskIds": ["disk-emu00001"]})["Response"]["DiskSet"][0]
    assert "AutoSnapshotPolicyIds" not in plain
    # unbinding skips disks that are not bound
    tencent.call_json(
        "UnbindAutoSnapshotPolicy", {"AutoSnapshotPolicyId": policy_id, "DiskIds": ["disk-emu00001", "disk-emu00004"]}
    )
    assert describe(tencent)["AutoSnapshotPolicySet"][0]["DiskIdSet"] == ["disk-emu00002"]


def test_describe_validation_and_delete_all_or_nothing(tencent):
    policy_id = create(tencent)["AutoSnapshotPolicyId"]
    assert error_code(lambda: describe(tencent, AutoSnapshotPolicyIds=[policy_id], Filters=[])) == "InvalidParameter"
    assert error_code(lambda: describe(tencent, Limit=101)) == "InvalidParameterValue.LimitExceeded"
    assert error_code(lambda: describe(tencent, Filters=[{"Name": "zone", "Values": ["x"]}])) == "InvalidFilter"
    assert (
        error_code(
            lambda: tencent.call_json("DeleteAutoSnapshotPolicies", {"AutoSnapshotPolicyIds": [policy_id, "asp-nope"]})
        )
        == "InvalidAutoSnapshotPolicyId.NotFound"
    )
    assert describe(tencent)["TotalCount"] == 1
    assert (
        error_code(lambda: tencent.call_json("ModifyAutoSnapshotPolicyAttribute", {"AutoSnapshotPolicyId": "asp-nope"}))
        == "InvalidAutoSnapshotPolicyId.NotFound"
    )


def test_next_trigger_follows_the_schedule():
    now = datetime(2026, 12, 3, 10, 30, tzinfo=BEIJING).timestamp()  # a Thursday

    def at(schedule):
        return datetime.fromtimestamp(next_trigger(schedule, now, now), BEIJING)

    assert at([{"Hour": [3, 11], "DayOfWeek": [4]}]) == datetime(2026, 12, 3, 11, tzinfo=BEIJING)
    assert at([{"Hour": [3], "DayOfWeek": [0]}]) == datetime(2026, 12, 6, 3, tzinfo=BEIJING)  # 0 is Sunday
    assert at([{"Hour": [0], "DayOfMonth": [1]}]) == datetime(2027, 1, 1, 0, tzinfo=BEIJING)
    assert at([{"Hour": [9], "IntervalDays": 3}]) == datetime(2026, 12, 6, 9, tzinfo=BEIJING)
