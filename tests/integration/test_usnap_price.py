# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap_price against the emulator: from a playbook (both DataSet shapes, a disk's size) and ad hoc."""

import sys

import ansible_runner

from tests.emulator.state import CHAINS
from tests.emulator.ucloud import price as emulator_price


def expected(size, chain, charge_type, quantity):
    data = emulator_price(size, chain, charge_type, quantity)
    return {
        "price": data["Price"],
        "original_price": data["OriginalPrice"],
        "list_price": data["ListPrice"],
        "charge_type": charge_type,
        "price_units": data["Price"] / 100,
        "original_price_units": data["OriginalPrice"] / 100,
        "list_price_units": data["ListPrice"] / 100,
    }


def quote(result):
    return {key: result[key] for key in expected(1, CHAINS["Base"], "Month", 1)}


def test_price_object_list_and_disk(run_playbook, emulator):
    run = run_playbook("usnap_price.yml")
    assert run.rc == 0, run.stdout
    ultimate = expected(100, CHAINS["Ultimate"], "Month", 1)

    as_object = run.result("Price as an object")
    assert quote(as_object) == ultimate and as_object["disk_size"] == 100 and not as_object["changed"]
    assert emulator.dump_state()["settings"]["price_as_list"]  # the next answer was a list
    assert quote(run.result("Price as a list")) == ultimate

    disk = run.result("Price of a disk")  # bsm-emu00002: 50 GB
    assert disk["disk_size"] == 50
    assert quote(disk) == expected(50, (36, 48, 10), "Year", 2)
    assert [e["action"] for e in emulator.calls()["log"]] == [
        "DescribeSnapshotServicePrice",
        "DescribeSnapshotServicePrice",
        "DescribeUDisk",
        "DescribeSnapshotServicePrice",
    ]


def test_price_ad_hoc_with_environment(emulator, collections_path, tmp_path):
    creds = emulator.credentials
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path),
        host_pattern="localhost",
        inventory="localhost ansible_connection=local",
        module="snapshield.cloud.usnap_price",
        module_args="zone=cn-bj2-02 size=100 backup_mode=Ultimate",
        envvars=dict(
            ANSIBLE_COLLECTIONS_PATH=str(collections_path),
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
            UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
            UCLOUD_REGION="cn-bj2",
            UCLOUD_BASE_URL=emulator.url,
        ),
        quiet=True,
    )
    assert runner.rc == 0, runner.stdout.read()
    results = [e["event_data"]["res"] for e in runner.events if e.get("event") == "runner_on_ok"]
    assert len(results) == 1
    assert quote(results[0]) == expected(100, CHAINS["Ultimate"], "Month", 1)
