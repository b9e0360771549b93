"""Cross-region snapshot copies in the emulator, driven by tencentcloud-sdk-python-common: each copy lives in its
destination region and goes COPYING_FROM_REMOTE -> CHECKING_COPIED -> NORMAL; rate limits count per region."""

import time

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.unit.emulator.conftest import _tencent_client

DISK = "disk-emu00001"


def error_code(call):
    with pytest.raises(TencentCloudSDKException) as info:
        call()
    return info.value.code


def in_region(emu, region):
    client = _tencent_client(emu)
    client.region = region
    return client


def source_snapshot(emu):
    return emu.seed(cloud="tencent", snapshots=[dict(name="nightly")])["snapshots"][0]


def test_a_copy_lives_in_its_destination_and_progresses_to_normal(emu, tencent):
    emu.configure(copy_delay=1.0)
    snap = source_snapshot(emu)
    answer = tencent.call_json(
        "CopySnapshotCrossRegions",
        {"SnapshotId": snap, "DestinationRegions": ["ap-shanghai", "ap-beijing"], "SnapshotName": "offsite"},
    )["Response"]
    results = {r["DestinationRegion"]: r for r in answer["SnapshotCopyResultSet"]}
    assert {r["Code"] for r in results.values()} == {"Success"}
    shanghai = in_region(emu, "ap-shanghai")
    copy_id = results["ap-shanghai"]["SnapshotId"]
    row = shanghai.call_json("DescribeSnapshots", {"SnapshotIds": [copy_id]})["Response"]["SnapshotSet"][0]
    assert row["SnapshotState"] == "COPYING_FROM_REMOTE" and row["CopyFromRemote"] is True
    assert row["SnapshotName"] == "offsite" and row["DiskId"] != "" and row["Percent"] < 100
    source = tencent.call_json("DescribeSnapshots", {"SnapshotIds": [snap]})["Response"]["SnapshotSet"][0]
    assert source["CopyingToRegions"] == ["ap-beijing", "ap-shanghai"] and source["CopyFromRemote"] is False
    # not visible in the source region
    assert tencent.call_json("DescribeSnapshots", {"SnapshotIds": [copy_id]})["Response"]["SnapshotSet"] == []
    # a second copy to a region still being copied to is a conflict for that region
    again = tencent.call_json("CopySnapshotCrossRegions", {"SnapshotId": snap, "DestinationRegions": ["ap-shanghai"]})[
        "Response"
    ]["SnapshotCopyResultSet"]
    assert [r["Code"] for r in again] == ["ResourceInUse.CopySnapshotConflict"]
    time.sleep(0.8)
    row = shanghai.call_json("DescribeSnapshots", {"SnapshotIds": [copy_id]})["Response"]["SnapshotSet"][0]
    assert row["SnapshotState"] == "CHECKING_COPIED"
    time.sleep(0.3)
    row = shanghai.call_json("DescribeSnapshots", {"SnapshotIds": [copy_id]})["Response"]["SnapshotSet"][0]
    assert row["SnapshotState"] == "NORMAL" and row["Percent"] == 100
    shanghai.call_json("ModifySnapshotAttribute", {"SnapshotId": copy_id, "IsPermanent": True})


@pytest.mark.parametrize(
    "params, code",
    [
        ({"DestinationRegions": ["ap-shanghai"], "Colour": "red"}, "UnknownParameter"),
        ({"DestinationRegions": ["ap-shanghai"], "ClientToken": "t"}, "UnknownParameter"),
        ({}, "MissingParameter"),
        ({"DestinationRegions": ["ap-guangzhou"]}, "InvalidParameterValue"),
        ({"DestinationRegions": ["mars-1"]}, "InvalidParameterValue"),
    ],
)
def test_copy_validation(emu, tencent, params, code):
    snap = source_snapshot(emu)
    assert error_code(lambda: tencent.call_json("CopySnapshotCrossRegions", dict(params, SnapshotId=snap))) == code


def test_only_normal_snapshots_can_be_copied(emu, tencent):
    creating = emu.seed(cloud="tencent", snapshots=[dict(name="n", state="CREATING")])["snapshots"][0]
    assert (
        error_code(
            lambda: tencent.call_json(
                "CopySnapshotCrossRegions", {"SnapshotId": creating, "DestinationRegions": ["ap-shanghai"]}
            )
        )
        == "UnsupportedOperation.SnapshotNotSupportCopy"
    )


def test_rate_limits_count_per_region(emu):
    emu.set_faults(rate_limit=2)
    guangzhou, shanghai = in_region(emu, "ap-guangzhou"), in_region(emu, "ap-shanghai")
    for _call in range(2):
        guangzhou.call_json("DescribeSnapshots", {})
        shanghai.call_json("DescribeSnapshots", {})  # its own budget
    assert error_code(lambda: guangzhou.call_json("DescribeSnapshots", {})) == "RequestLimitExceeded"
