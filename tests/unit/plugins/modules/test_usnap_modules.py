# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four USnap/UDisk modules validate every option before they create a client."""

import json

import pytest

from ansible_collections.snapshield.cloud.plugins.modules import (
    ucloud_disk_info,
    usnap_price,
    usnap_service,
    usnap_service_info,
)
from tests.unit.module_args import patch_module_args

AUTH = dict(public_key="pub", private_key="secret-private-key", region="cn-bj2", base_url="http://127.0.0.1:9")


class ClientCreated(Exception):
    pass


def run(module, args, monkeypatch, capsys):
    """Run ``module.main()``; return its JSON answer, or None when it got as far as creating a client."""

    def no_client(_module):
        raise ClientCreated()

    monkeypatch.setattr(module.ucloud, "client", no_client)
    with patch_module_args(dict(AUTH, **args)):
        try:
            module.main()
        except ClientCreated:
            return None
        except SystemExit:
            return json.loads(capsys.readouterr().out)
    pytest.fail("the module neither failed nor created a client")


@pytest.mark.parametrize(
    "module, args, words",
    [
        (usnap_service, dict(disk_id="d", zone="z", backup_mode="Custom", journal=12, hour=24), ["day"]),
        (
            usnap_service,
            dict(disk_id="d", zone="z", backup_mode="Custom", journal=12, hour=24, day=7),
            ["day", "multiple of 5"],
        ),
        (usnap_service, dict(disk_id="d", zone="z", backup_mode="Ultimate", journal=12), ["journal"]),
        (usnap_service, dict(disk_id="d", zone="z", charge_type="Weekly"), ["charge_type", "Year", "Monthly"]),
        (usnap_service, dict(disk_id="d", zone="z", backup_mode="base"), ["backup_mode", "Base", "Custom"]),
        (usnap_service, dict(disk_id="d", zone="z", state="gone"), ["state", "present", "absent"]),
        (usnap_service, dict(disk_id="d", zone="z", quantity=-1), ["quantity"]),
        (usnap_service, dict(disk_id=[], zone="z"), ["disk_id"]),
        (usnap_service, dict(disk_id=["a", "a"], zone="z"), ["disk_id", "a more than once"]),
        (usnap_service, dict(disk_id="d"), ["zone"]),
        (usnap_service, dict(disk_id="d", zone=""), ["zone"]),
        (usnap_price, dict(zone="z"), ["size", "disk_id"]),
        (usnap_price, dict(zone="z", size=10, disk_id="d"), ["size", "disk_id"]),
        (usnap_price, dict(zone="z", size=0), ["size"]),
        (
            usnap_price,
            dict(zone="z", size=10, backup_mode="Custom", journal=12, hour=24, day=5, quantity=0),
            ["quantity"],
        ),
        (usnap_service_info, dict(disk_id=["a", ""], zone="z"), ["disk_id"]),
        (usnap_service_info, dict(), ["zone"]),
        (ucloud_disk_info, dict(disk_id=["a", "a"]), ["disk_id"]),
    ],
)
def test_bad_input_fails_before_the_client(module, args, words, monkeypatch, capsys):
    answer = run(module, args, monkeypatch, capsys)
    assert answer is not None and answer["failed"], answer
    assert all(word in answer["msg"] for word in words), answer["msg"]
    assert AUTH["private_key"] not in json.dumps(answer)


@pytest.mark.parametrize(
    "module, args",
    [
        (
            usnap_service,
            dict(disk_id="d", zone="z", backup_mode="Custom", journal=24, hour=48, day=10, charge_type="Yearly"),
        ),
        (usnap_service, dict(disk_id=["a", "b"], zone="z", state="absent", hour=24)),
        (usnap_price, dict(zone="z", size=100, backup_mode="Ultimate")),
        (usnap_service_info, dict(zone="z")),
        (ucloud_disk_info, dict()),
    ],
)
def test_good_input_reaches_the_client(module, args, monkeypatch, capsys):
    assert run(module, args, monkeypatch, capsys) is None
