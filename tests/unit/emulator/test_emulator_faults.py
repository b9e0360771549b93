"""Shared fault injection, the control endpoints and the command line."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from ucloud.core.exc import HTTPStatusException, RetCodeException

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ZONE = "cn-bj2-02"


def burst(call, n):
    """Run ``call`` n times as fast as possible; return the exceptions' codes (None = success)."""
    codes = []
    for _call_number in range(n):
        try:
            call()
            codes.append(None)
        except (RetCodeException, TencentCloudSDKException) as exc:
            codes.append(exc.code)
    return codes


def test_throttling_per_action_on_both_clouds(emu, ucloud, tencent):
    emu.set_faults(rate_limit=5)
    ucloud_codes = burst(lambda: ucloud.invoke("DescribeUDisk", {"Limit": 1}), 12)
    assert ucloud_codes[:5] == [None] * 5 and 153 in ucloud_codes
    ucloud.invoke("DescribeSnapshotService", {"Zone": ZONE})  # another action: its own window
    tencent_codes = burst(lambda: tencent.call_json("DescribeSnapshots", {}), 12)
    assert tencent_codes[:5] == [None] * 5 and "RequestLimitExceeded" in tencent_codes
    counters = emu.calls()["actions"]
    assert counters["DescribeUDisk"]["throttled"] == ucloud_codes.count(153)
    assert counters["DescribeSnapshots"]["throttled"] == tencent_codes.count("RequestLimitExceeded")
    time.sleep(1.05)  # the window slides
    ucloud.invoke("DescribeUDisk", {"Limit": 1})


def test_lost_answer_after_apply(emu, ucloud_post):
    emu.set_faults(action="CreateSnapshotService", lose="after_apply", count=1)
    with pytest.raises(requests.ConnectionError):
        ucloud_post({"Action": "CreateSnapshotService", "Zone": ZONE, "VDiskId": "bsm-emu00001"})
    assert [s["disk_id"] for s in emu.dump_state()["services"]] == ["bsm-emu00001"]
    counters = emu.calls()["actions"]["CreateSnapshotService"]
    assert (counters["lost"], counters["applied"]) == (1, 1)
    # the rule was one-shot: the retry is answered (and refused: the service exists)
    assert (
        ucloud_post({"Action": "CreateSnapshotService", "Zone": ZONE, "VDiskId": "bsm-emu00001"}).json()["RetCode"]
        == 17090
    )


def test_lost_answer_before_apply_and_tencent(emu, tencent, tc3_post):
    emu.set_faults(rules=[{"action": "CreateSnapshot", "lose": "before_apply"}])
    with pytest.raises(TencentCloudSDKException) as info:
        tencent.call_json("CreateSnapshot", {"DiskId": "disk-emu00001"})
    assert info.value.code == "ClientNetworkError"
    assert emu.dump_state()["snapshots"] == []
    emu.set_faults(lost_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        tc3_post("CreateSnapshot", {"DiskId": "disk-emu00001"})
    assert len(emu.dump_state()["snapshots"]) == 1
    log = emu.calls()["log"]
    assert [(e["outcome"], e["applied"]) for e in log] == [("lost", False), ("lost", True)]


def test_injected_errors(emu, ucloud, tencent):
    emu.set_faults(
        rules=[
            {"action": "CreateSnapshotService", "error": 17063, "message": "no money"},
            {"action": "DescribeDisks", "error": "ResourceBusy", "count": 2},
            {"action": "DescribeUDisk", "http_status": 504},
        ]
    )
    with pytest.raises(RetCodeException) as info:
        ucloud.invoke("CreateSnapshotService", {"Zone": ZONE, "VDiskId": "bsm-emu00001"})
    assert (info.value.code, info.value.message) == (17063, "no money")
    assert burst(lambda: tencent.call_json("DescribeDisks", {}), 3) == ["ResourceBusy", "ResourceBusy", None]
    with pytest.raises(HTTPStatusException) as http:
        ucloud.invoke("DescribeUDisk", {})
    assert http.value.status_code == 504
    assert emu.dump_state()["services"] == []


def test_error_rate_gives_5xx(emu, ucloud, tencent):
    emu.set_faults(error_rate=1.0)
    with pytest.raises(HTTPStatusException) as info:
        ucloud.invoke("DescribeUDisk", {})
    assert info.value.status_code == 503
    codes = set()
    for _attempt in range(12):
        with pytest.raises(TencentCloudSDKException) as err:
            tencent.call_json("DescribeDisks", {})
        codes.add(err.value.code)
    assert codes == {"InternalError", "ServerNetworkError"}  # 502 shows as ServerNetworkError
    assert emu.calls()["actions"]["DescribeDisks"]["faulted"] == 12


def test_latency(emu, ucloud):
    emu.set_faults(latency=0.2)
    started = time.monotonic()
    ucloud.invoke("DescribeUDisk", {"Limit": 1})
    assert time.monotonic() - started >= 0.2


def test_control_endpoints_over_http(emu):
    def post(op, body=None):
        return requests.post(f"{emu.url}/_emulator/{op}", json=body or {}, timeout=5)

    seeded = post(
        "seed",
        {
            "cloud": "ucloud",
            "count": 2,
            "size": 300,
            "zone": "cn-bj2-03",
            "tag": "batch",
            "service": {"mode": "Ultimate", "charge_type": "Year"},
        },
    ).json()
    assert seeded["disks"] == ["bsm-emu00013", "bsm-emu00014"] and len(seeded["services"]) == 2
    state = requests.get(f"{emu.url}/_emulator/state", timeout=5).json()
    assert len(state["disks"]) == 26 and {s["mode"] for s in state["services"]} == {"Ultimate"}
    assert post("seed", {"cloud": "ucloud", "colour": "red"}).status_code == 400
    assert post("faults", {"rules": [{"action": "X", "lose": "sometimes"}]}).status_code == 400
    faults = post("faults", {"rate_limit": 7, "action": "X", "error": "E", "count": 3}).json()
    assert faults["rate_limit"] == 7 and faults["rules"][0]["count"] == 3
    assert post("config", {"snapshot_delay": 0}).json()["snapshot_delay"] == 0
    assert requests.get(f"{emu.url}/_emulator/calls", timeout=5).json() == {"actions": {}, "log": []}
    post("reset")
    state = requests.get(f"{emu.url}/_emulator/state", timeout=5).json()
    assert (len(state["disks"]), state["services"], state["settings"]["snapshot_delay"]) == (24, [], 0.3)
    assert requests.get(f"{emu.url}/_emulator/nothing", timeout=5).status_code == 404


def test_concurrent_keep_alive_clients(emu, tc3_post):
    ids, errors = [], []

    def worker(n):
        try:
            for _snapshot_number in range(3):
                ids.append(tc3_post("CreateSnapshot", {"DiskId": f"disk-emu{n:05d}"})["SnapshotId"])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(ids)) == 27
    with requests.Session() as session:
        for _request_number in range(3):
            answer = session.get(f"{emu.url}/_emulator/calls", timeout=5)
            assert answer.headers.get("Connection") != "close"


def test_command_line(tmp_path):
    port_file = tmp_path / "url"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--disks", "2", "--port-file", str(port_file)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        url = line.rsplit(" ", 1)[-1]
        assert line == f"emulator listening on {url}" and url.startswith("http://127.0.0.1:")
        assert port_file.read_text().strip() == url
        disks = requests.get(f"{url}/_emulator/state", timeout=5).json()["disks"]
        assert [d["id"] for d in disks] == ["bsm-emu00001", "bsm-emu00002", "disk-emu00001", "disk-emu00002"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
