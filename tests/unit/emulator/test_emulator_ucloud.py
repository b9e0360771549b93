"""UCloud side of the emulator, driven by the official ucloud-sdk-python3."""

import pytest
import requests
from ucloud.core.exc import RetCodeException

ZONE = "cn-bj2-02"
DISK = "bsm-emu00001"  # cn-bj2-02, 20 GB, business group Default


def retcode(call):
    with pytest.raises(RetCodeException) as info:
        call()
    return info.value.code, info.value.message


def test_sdk_describe_udisk_pages_and_filters(ucloud):
    first = ucloud.invoke("DescribeUDisk", {"Offset": 0, "Limit": 5})
    rest = ucloud.invoke("DescribeUDisk", {"Offset": 5, "Limit": 100})
    assert first["TotalCount"] == rest["TotalCount"] == 12
    ids = [d["UDiskId"] for d in first["DataSet"] + rest["DataSet"]]
    assert ids == [f"bsm-emu{i:05d}" for i in range(1, 13)]
    disk = first["DataSet"][0]
    assert set(disk) >= {"UDiskId", "Name", "Size", "Status", "Zone", "DiskType", "IsBoot", "Tag", "BackupMode"}
    assert disk["BackupMode"] == ""
    by_zone = ucloud.invoke("DescribeUDisk", {"Zone": "cn-bj2-03", "Tag": "web"})
    assert {d["Zone"] for d in by_zone["DataSet"]} == {"cn-bj2-03"}
    assert {d["Tag"] for d in by_zone["DataSet"]} == {"web"}
    assert ucloud.invoke("DescribeUDisk", {"UDiskId": "bsm-nope"})["DataSet"] == []
    assert retcode(lambda: ucloud.invoke("DescribeUDisk", {"Limit": 101})) == (230, "params [Limit] not available")


def test_sdk_usnap_round_trip(ucloud):
    quote = ucloud.invoke("DescribeSnapshotServicePrice", {"Zone": ZONE, "Size": 20})["DataSet"]
    assert quote == {"ChargeType": "Month", "Price": 72, "OriginalPrice": 72, "ListPrice": 80}

    created = ucloud.invoke(
        "CreateSnapshotService", {"Zone": ZONE, "VDiskId": DISK, "ChargeType": "Monthly", "Tag": "web"}
    )
    service_id = created["SnapshotServiceId"]
    assert created["ServiceID"] == service_id and created["Status"] == "Available"

    listed = ucloud.invoke("DescribeSnapshotService", {"Zone": ZONE, "VDiskId": DISK})
    assert listed["TotalCount"] == 1
    row = listed["DataSet"][0]
    assert set(row) == {
        "ServiceId",
        "VDiskId",
        "Zone",
        "Status",
        "ChargeType",
        "Tag",
        "CreateTime",
        "ExpiredTime",
        "IsExpire",
        "AutoRenew",
        "VDiskSize",
        "VDiskName",
        "VDiskType",
        "VDiskStatus",
    }
    assert (row["ServiceId"], row["ChargeType"], row["Tag"], row["VDiskSize"]) == (service_id, "Month", "web", 20)
    disk = ucloud.invoke("DescribeUDisk", {"UDiskId": DISK})["DataSet"][0]
    assert disk["BackupMode"] == "SnapshotService"

    chain = ucloud.invoke("DescribeUSnapBackupRange", {"Zone": ZONE, "VDiskId": DISK})
    assert (chain["BackupMode"], chain["BackupRange"]) == ("Base", {"Journal": 12, "Hour": 24, "Day": 5})
    upgrade = ucloud.invoke(
        "DescribeSnapshotServiceUpgradePrice", {"Zone": ZONE, "VDiskId": DISK, "Size": 20, "SnapshotsvcMode": "Yes"}
    )
    assert upgrade["Price"] == 20 * (13 - 4) * 1
    ucloud.invoke("UpgradeUSnapBackupRange", {"Zone": ZONE, "VDiskId": DISK, "Size": 20, "BackupMode": "Ultimate"})
    chain = ucloud.invoke("DescribeUSnapBackupRange", {"Zone": ZONE, "VDiskId": DISK})
    assert chain["BackupRange"] == {"Journal": 24, "Hour": 72, "Day": 30}

    ucloud.invoke("DeleteSnapshotService", {"Zone": ZONE, "VDiskId": DISK})
    assert ucloud.invoke("DescribeSnapshotService", {"Zone": ZONE})["TotalCount"] == 0
    assert retcode(lambda: ucloud.invoke("DeleteSnapshotService", {"Zone": ZONE, "VDiskId": DISK}))[0] == 17091


def test_duplicate_service_and_unknown_disk(ucloud):
    ucloud.invoke("CreateSnapshotService", {"Zone": ZONE, "VDiskId": DISK})
    assert retcode(lambda: ucloud.invoke("CreateSnapshotService", {"Zone": ZONE, "VDiskId": DISK}))[0] == 17090
    assert retcode(lambda: ucloud.invoke("CreateSnapshotService", {"Zone": ZONE, "VDiskId": "bsm-nope"}))[0] == 17041
    # right disk, wrong zone: the disk is not found there
    assert (
        retcode(lambda: ucloud.invoke("DescribeUSnapBackupRange", {"Zone": "cn-bj2-03", "VDiskId": DISK}))[0] == 17041
    )


@pytest.mark.parametrize(
    "chain, bad",
    [
        ({"Journal": 10, "Hour": 24, "Day": 5}, "Journal"),
        ({"Journal": 12, "Hour": 30, "Day": 5}, "Hour"),
        ({"Journal": 12, "Hour": 24, "Day": 7}, "Day"),
        ({"Journal": 0, "Hour": 24, "Day": 5}, "Journal"),
    ],
)
def test_custom_chain_must_use_multiples(ucloud, chain, bad):
    args = {"Zone": ZONE, "VDiskId": DISK, "BackupMode": "Custom", **chain}
    assert retcode(lambda: ucloud.invoke("CreateSnapshotService", args)) == (230, f"params [{bad}] not available")


def test_custom_chain_valid_and_required_params(ucloud):
    ucloud.invoke(
        "CreateSnapshotService",
        {
            "Zone": ZONE,
            "VDiskId": DISK,
            "BackupMode": "Custom",
            "Journal": 36,
            "Hour": 48,
            "Day": 10,
            "ChargeType": "Year",
        },
    )
    chain = ucloud.invoke("DescribeUSnapBackupRange", {"Zone": ZONE, "VDiskId": DISK})
    assert (chain["BackupMode"], chain["BackupRange"]) == ("Custom", {"Journal": 36, "Hour": 48, "Day": 10})
    assert retcode(lambda: ucloud.invoke("DescribeSnapshotService", {})) == (220, "Missing params [Zone]")
    assert retcode(lambda: ucloud.invoke("DescribeSnapshotServicePrice", {"Zone": ZONE}))[0] == 220
    assert (
        retcode(
            lambda: ucloud.invoke(
                "CreateSnapshotService", {"Zone": ZONE, "VDiskId": "bsm-emu00002", "ChargeType": "Weekly"}
            )
        )[0]
        == 230
    )


def test_price_formula_and_list_switch(emu, ucloud):
    args = {"Zone": ZONE, "Size": 100, "BackupMode": "Ultimate", "ChargeType": "Year", "Quantity": 2}
    data = ucloud.invoke("DescribeSnapshotServicePrice", args)["DataSet"]
    assert data["ListPrice"] == 100 * 13 * 2 * 10 and data["Price"] == data["ListPrice"] * 9 // 10
    emu.configure(price_as_list=True)
    assert ucloud.invoke("DescribeSnapshotServicePrice", args)["DataSet"] == [data]


def test_signature_checks(emu, ucloud_post):
    ok = ucloud_post({"Action": "DescribeUDisk"})
    assert ok.json()["RetCode"] == 0 and ok.headers["X-UCLOUD-REQUEST-UUID"]
    assert ucloud_post({"Action": "DescribeUDisk"}, signature="0" * 40).json()["RetCode"] == 171
    assert ucloud_post({"Action": "DescribeUDisk"}, signature="").json()["RetCode"] == 170
    assert ucloud_post({"Action": "DescribeUDisk"}, private_key="other").json()["RetCode"] == 171
    assert ucloud_post({"Action": "DescribeUDisk"}, public_key="nobody").json()["RetCode"] == 172
    assert ucloud_post({}).json()["RetCode"] == 160
    assert ucloud_post({"Action": "DescribeNothing"}).json()["RetCode"] == 161
    log = emu.calls()["log"]
    assert all("Signature" not in entry["params"] for entry in log)
    assert [e["outcome"] for e in log] == ["ok"] + ["error"] * 6


def test_get_query_string_is_accepted(emu, ucloud_post):
    signed = ucloud_post({"Action": "DescribeUDisk", "Limit": 1}).request.body
    answer = requests.get(f"{emu.url}/?{signed}", timeout=5).json()
    assert answer["RetCode"] == 0 and len(answer["DataSet"]) == 1
