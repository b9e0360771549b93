"""Tencent CBS side of the emulator, driven by tencentcloud-sdk-python-common."""

import hashlib
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.sign import Sign

from tests.emulator.common import RawRequest
from tests.emulator.tencent import canonical_request, string_to_sign

DISK = "disk-emu00001"


def error_code(call):
    with pytest.raises(TencentCloudSDKException) as info:
        call()
    assert info.value.requestId
    return info.value.code


def in_days(days, fmt="+00:00"):
    moment = datetime.now(timezone.utc) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fmt


def test_canonical_request_matches_published_vector():
    body = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    headers = {"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"}
    req = RawRequest("POST", "/", "", {k.lower(): v for k, v in headers.items()}, body)
    canonical = canonical_request(req, ["content-type", "host"])
    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    to_sign = string_to_sign("1551113065", "2019-02-25", "cvm", canonical)
    assert (
        Sign.sign_tc3("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm", to_sign)
        == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_sdk_describe_disks_filters_and_paging(tencent):
    everything = tencent.call_json("DescribeDisks", {"Limit": 100})["Response"]
    assert everything["TotalCount"] == 12 and everything["RequestId"]
    disk = everything["DiskSet"][0]
    assert disk["DiskId"] == DISK and disk["Placement"]["Zone"] == "ap-guangzhou-3"
    assert {"SnapshotAbility", "Tags", "DiskUsage", "DiskState", "DiskSize", "DiskName"} <= set(disk)
    page = tencent.call_json("DescribeDisks", {"Offset": 10, "Limit": 5})["Response"]
    assert [d["DiskId"] for d in page["DiskSet"]] == ["disk-emu00011", "disk-emu00012"]
    prod = tencent.call_json(
        "DescribeDisks",
        {"Filters": [{"Name": "tag:env", "Values": ["prod"]}, {"Name": "zone", "Values": ["ap-guangzhou-3"]}]},
    )["Response"]
    assert prod["TotalCount"] > 0
    assert all(
        {"Key": "env", "Value": "prod"} in d["Tags"] and d["Placement"]["Zone"] == "ap-guangzhou-3"
        for d in prod["DiskSet"]
    )
    assert (
        error_code(lambda: tencent.call_json("DescribeDisks", {"Limit": 101})) == "InvalidParameterValue.LimitExceeded"
    )
    assert (
        error_code(lambda: tencent.call_json("DescribeDisks", {"Filters": [{"Name": "color", "Values": ["x"]}]}))
        == "InvalidFilter"
    )


def test_sdk_create_then_describe_snapshot(tencent):
    deadline = in_days(2)
    created = tencent.call_json(
        "CreateSnapshot",
        {"DiskId": DISK, "SnapshotName": "nightly", "Deadline": deadline, "Tags": [{"Key": "owner", "Value": "ops"}]},
    )["Response"]
    snap_id = created["SnapshotId"]
    assert snap_id.startswith("snap-") and created["RequestId"]

    first = tencent.call_json("DescribeSnapshots", {"SnapshotIds": [snap_id]})["Response"]["SnapshotSet"][0]
    assert first["SnapshotState"] == "CREATING" and first["Percent"] < 100
    assert first["Tags"] == [{"Key": "owner", "Value": "ops"}]
    assert first["IsPermanent"] is False and first["DeadlineTime"] == deadline
    assert (first["DiskId"], first["SnapshotName"], first["DiskUsage"]) == (DISK, "nightly", "DATA_DISK")

    time.sleep(0.35)
    found = tencent.call_json(
        "DescribeSnapshots",
        {"Filters": [{"Name": "disk-id", "Values": [DISK]}, {"Name": "snapshot-name", "Values": ["nightly"]}]},
    )["Response"]
    assert found["TotalCount"] == 1
    assert (found["SnapshotSet"][0]["SnapshotState"], found["SnapshotSet"][0]["Percent"]) == ("NORMAL", 100)

    unnamed = tencent.call_json("CreateSnapshot", {"DiskId": DISK})["Response"]["SnapshotId"]
    row = tencent.call_json("DescribeSnapshots", {"SnapshotIds": [unnamed]})["Response"]["SnapshotSet"][0]
    assert (row["SnapshotName"], row["IsPermanent"], row["DeadlineTime"]) == ("Unnamed", True, None)


def test_sdk_snapshot_overview_counts_the_region_less_the_free_quota(tencent):
    def overview():
        return tencent.call_json("DescribeSnapshotOverview", {})["Response"]

    before = overview()
    assert set(before) == {"TotalNums", "TotalSize", "FreeQuota", "RealTradeSize", "RequestId"}
    size = tencent.call_json("DescribeDisks", {"DiskIds": [DISK]})["Response"]["DiskSet"][0]["DiskSize"]
    tencent.call_json("CreateSnapshot", {"DiskId": DISK})
    after = overview()
    assert after["TotalNums"] == before["TotalNums"] + 1
    assert after["TotalSize"] == before["TotalSize"] + size
    assert after["RealTradeSize"] == max(0.0, after["TotalSize"] - after["FreeQuota"])
    assert error_code(lambda: tencent.call_json("DescribeSnapshotOverview", {"Region": "x"})) == "UnknownParameter"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"DiskId": DISK, "Deadline": in_days(0.5)}, "InvalidParameterValue"),
        ({"DiskId": DISK, "Deadline": in_days(2, "+08:00")}, "InvalidParameterValue"),
        ({"DiskId": DISK, "Deadline": "next week"}, "InvalidParameterValue"),
        ({"DiskId": DISK, "SnapshotName": "x" * 61}, "InvalidParameterValue.TooLong"),
        ({"DiskId": DISK, "DiskUsage": "BOOT"}, "InvalidParameterValue"),
        ({"DiskId": DISK, "Tags": [{"Key": "a"}]}, "InvalidParameter"),
        ({"DiskId": DISK, "Colour": "red"}, "UnknownParameter"),
        ({}, "MissingParameter"),
        ({"DiskId": "disk-nope"}, "InvalidDiskId.NotFound"),
        ({"DiskId": "disk-emu00010"}, "InvalidDisk.NotSupportSnapshot"),
    ],
)
def test_create_snapshot_validation(tencent, params, code):
    assert error_code(lambda: tencent.call_json("CreateSnapshot", params)) == code


def test_create_snapshot_configurable_refusals(emu, tencent):
    tencent.call_json("CreateSnapshot", {"DiskId": "disk-emu00007"})  # encrypted, allowed by default
    emu.configure(reject_encrypted=True, snapshot_quota=1)
    assert (
        error_code(lambda: tencent.call_json("CreateSnapshot", {"DiskId": "disk-emu00007"}))
        == "UnsupportedOperation.DiskEncrypt"
    )
    tencent.call_json("CreateSnapshot", {"DiskId": DISK})
    assert error_code(lambda: tencent.call_json("CreateSnapshot", {"DiskId": DISK})) == "InsufficientSnapshotQuota"


def test_describe_snapshots_validation_and_order(emu, tencent):
    emu.seed(cloud="tencent", zone="ap-guangzhou-4", snapshots=[{"name": f"s{i}", "age": 100 - i} for i in range(5)])

    def call(body):
        return tencent.call_json("DescribeSnapshots", body)

    eleven = [f"disk-{i}" for i in range(11)]
    assert (
        error_code(lambda: call({"Filters": [{"Name": "disk-id", "Values": eleven}]}))
        == "InvalidParameterValue.LimitExceeded"
    )
    assert error_code(lambda: call({"Limit": 101})) == "InvalidParameterValue.LimitExceeded"
    assert error_code(lambda: call({"SnapshotIds": ["snap-1"], "Filters": []})) == "InvalidParameter"
    assert error_code(lambda: call({"Limit": "10"})) == "InvalidParameter"
    assert error_code(lambda: call({"OrderField": "NAME"})) == "InvalidParameterValue"
    names = [s["SnapshotName"] for s in call({"Order": "ASC", "Limit": 3})["Response"]["SnapshotSet"]]
    assert names == ["s0", "s1", "s2"]
    newest = call({"Offset": 0, "Limit": 2})["Response"]
    assert newest["TotalCount"] == 5 and [s["SnapshotName"] for s in newest["SnapshotSet"]] == ["s4", "s3"]


def test_delete_snapshots_is_all_or_nothing(emu, tencent):
    seeded = emu.seed(cloud="tencent", snapshots=[{}, {"state": "CREATING"}])["snapshots"]
    normal, creating = seeded

    def call(ids):
        return tencent.call_json("DeleteSnapshots", {"SnapshotIds": ids})

    assert error_code(lambda: call([normal, creating])) == "InvalidSnapshot.NotNormal"
    assert error_code(lambda: call([normal, "snap-nope"])) == "InvalidSnapshotId.NotFound"
    assert {s["id"] for s in emu.dump_state()["snapshots"]} == {normal, creating}
    call([normal])
    assert {s["id"] for s in emu.dump_state()["snapshots"]} == {creating}


def test_modify_snapshot_attribute(emu, tencent):
    snap = emu.seed(cloud="tencent", snapshots=1)["snapshots"][0]

    def modify(body):
        return tencent.call_json("ModifySnapshotAttribute", {"SnapshotId": snap, **body})

    assert error_code(lambda: modify({"IsPermanent": False})) == "MissingParameter"
    modify({"SnapshotName": "renamed", "IsPermanent": False, "Deadline": in_days(3)})
    row = tencent.call_json("DescribeSnapshots", {"SnapshotIds": [snap]})["Response"]["SnapshotSet"][0]
    assert (row["SnapshotName"], row["IsPermanent"]) == ("renamed", False)
    modify({"IsPermanent": True})
    row = tencent.call_json("DescribeSnapshots", {"SnapshotIds": [snap]})["Response"]["SnapshotSet"][0]
    assert (row["IsPermanent"], row["DeadlineTime"]) == (True, None)


def test_signature_failures(emu, tencent_client, tc3_post):
    wrong_key = tencent_client(secret_key="not-the-key")
    assert error_code(lambda: wrong_key.call_json("DescribeDisks", {})) == "AuthFailure.SignatureFailure"
    stranger = tencent_client(secret_id="AKIDnobody")
    assert error_code(lambda: stranger.call_json("DescribeDisks", {})) == "AuthFailure.SecretIdNotFound"

    assert "Error" not in tc3_post("DescribeDisks", {})
    assert tc3_post("DescribeDisks", {}, tamper=True)["Error"]["Code"] == "AuthFailure.SignatureFailure"
    stale = tc3_post("DescribeDisks", {}, timestamp=int(time.time()) - 301)
    assert stale["Error"]["Code"] == "AuthFailure.SignatureExpire" and stale["RequestId"]
    assert tc3_post("DescribeDisks", {}, service="cvm")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert tc3_post("DescribeDisks", {}, date="2019-02-25")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert tc3_post("DescribeDisks", {}, version="2020-01-01")["Error"]["Code"] == "NoSuchVersion"
    assert tc3_post("DescribeNothing", {})["Error"]["Code"] == "InvalidAction"


def test_temporary_credentials_need_the_token(emu, tencent_client):
    creds = emu.credentials
    with_token = tencent_client(creds["tencent_temp_id"], creds["tencent_temp_key"], creds["tencent_token"])
    assert with_token.call_json("DescribeDisks", {"Limit": 1})["Response"]["TotalCount"] == 12
    without = tencent_client(creds["tencent_temp_id"], creds["tencent_temp_key"])
    assert error_code(lambda: without.call_json("DescribeDisks", {})) == "AuthFailure.TokenFailure"
    wrong = tencent_client(creds["tencent_temp_id"], creds["tencent_temp_key"], "stolen")
    assert error_code(lambda: wrong.call_json("DescribeDisks", {})) == "AuthFailure.TokenFailure"


def test_call_log_keeps_bodies(emu, tencent):
    tencent.call_json("CreateSnapshot", {"DiskId": DISK, "SnapshotName": "logged"})
    calls = emu.calls()
    assert calls["actions"]["CreateSnapshot"] == {
        "cloud": "tencent",
        "total": 1,
        "applied": 1,
        "ok": 1,
        "error": 0,
        "throttled": 0,
        "faulted": 0,
        "lost": 0,
    }
    entry = calls["log"][-1]
    assert entry["params"] == {"DiskId": DISK, "SnapshotName": "logged"}
    assert json.dumps(entry)  # JSON-serialisable
