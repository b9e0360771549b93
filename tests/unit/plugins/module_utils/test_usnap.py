# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap/checks.py and usnap/api.py without a network: checks, plan comparison, result and price shaping, look-ups;
and the lost-answer guard (_apply.apply_once)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.snapshield.cloud.plugins.module_utils._apply import ROUNDS, apply_once
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api, checks

CUSTOM = dict(backup_mode="Custom", journal=36, hour=48, day=10)


def plan(**params):
    return checks.check_plan(dict(dict(backup_mode="Base", quantity=1), **params))


def error_of(func, *args, **kwargs):
    with pytest.raises(ValueError) as info:
        func(*args, **kwargs)
    return str(info.value)


# Validation ------------------------------------------------------------------------------------


def test_valid_plans():
    assert plan() == dict(backup_mode="Base", journal=None, hour=None, day=None, charge_type=None, quantity=1)
    assert plan(backup_mode="Ultimate", charge_type="Yearly", quantity=3) == dict(
        backup_mode="Ultimate", journal=None, hour=None, day=None, charge_type="Year", quantity=3
    )
    assert plan(charge_type="Monthly")["charge_type"] == "Month"
    assert plan(charge_type="Dynamic")["charge_type"] == "Dynamic"
    assert plan(**CUSTOM) == dict(CUSTOM, charge_type=None, quantity=1)


@pytest.mark.parametrize(
    "params, words",
    [
        (dict(backup_mode="Gold"), ["backup_mode", "Base, Ultimate, Custom", "Gold"]),
        (dict(backup_mode="Custom", journal=12, hour=24), ["backup_mode=Custom", "missing: day"]),
        (dict(backup_mode="Custom"), ["missing: journal, hour, day"]),
        (dict(CUSTOM, journal=30), ["journal", "multiple of 12", "30"]),
        (dict(CUSTOM, hour=0), ["hour", "positive multiple of 24"]),
        (dict(CUSTOM, day=-5), ["day", "positive multiple of 5"]),
        (dict(backup_mode="Base", day=5), ["day can only be set with backup_mode=Custom", "backup_mode=Base"]),
        (dict(backup_mode="Ultimate", journal=12, hour=24), ["journal, hour", "backup_mode=Ultimate"]),
        (dict(charge_type="Weekly"), ["charge_type", "Year, Month, Dynamic", "Yearly", "Weekly"]),
        (dict(quantity=0), ["quantity", "1 or more"]),
        (dict(quantity=True), ["quantity"]),
    ],
)
def test_invalid_plans_name_the_option(params, words):
    message = error_of(plan, **params)
    assert all(word in message for word in words), message


@given(journal=st.integers(-100, 200), hour=st.integers(-100, 200), day=st.integers(-50, 100))
def test_custom_chain_accepted_exactly_when_positive_multiples(journal, hour, day):
    valid = all(v > 0 and v % step == 0 for v, step in ((journal, 12), (hour, 24), (day, 5)))
    params = dict(backup_mode="Custom", journal=journal, hour=hour, day=day)
    if valid:
        assert plan(**params) == dict(params, charge_type=None, quantity=1)
    else:
        message = error_of(plan, **params)
        bad = [n for n, v, s in (("journal", journal, 12), ("hour", hour, 24), ("day", day, 5)) if v <= 0 or v % s]
        assert message.startswith(bad[0] + " must be a positive multiple")


@given(
    st.sampled_from(["Base", "Ultimate"]),
    st.dictionaries(st.sampled_from(["journal", "hour", "day"]), st.integers(), min_size=1),
)
def test_chain_rejected_outside_custom(mode, chain):
    assert "can only be set with backup_mode=Custom" in error_of(plan, backup_mode=mode, **chain)


@pytest.mark.parametrize("value, ids", [("bsm-1", ["bsm-1"]), (["bsm-1", " bsm-2 "], ["bsm-1", "bsm-2"])])
def test_disk_ids(value, ids):
    assert checks.check_disk_ids(value) == ids


@pytest.mark.parametrize(
    "value, words",
    [
        (None, ["disk_id", "non-empty list"]),
        ([], ["disk_id", "non-empty list"]),
        ("", ["disk_id", "empty ids"]),
        (["bsm-1", "  "], ["disk_id", "empty ids"]),
        (["bsm-1", "bsm-2", "bsm-1"], ["disk_id", "bsm-1 more than once"]),
        ({"id": "bsm-1"}, ["disk_id"]),
    ],
)
def test_bad_disk_ids(value, words):
    message = error_of(checks.check_disk_ids, value)
    assert all(word in message for word in words), message


@given(st.lists(st.one_of(st.text(max_size=5), st.integers(), st.none()), max_size=6))
def test_disk_ids_are_clean_or_rejected(value):
    try:
        ids = checks.check_disk_ids(value)
    except ValueError as error:
        assert str(error).startswith("disk_id")
    else:
        assert ids and len(set(ids)) == len(ids) and all(isinstance(i, str) and i and i == i.strip() for i in ids)


def test_optional_disk_ids_and_zone():
    assert checks.check_disk_ids(None, required=False) is None
    assert "zone" in error_of(checks.check_zone, " ")
    assert checks.check_listing_request(dict(zone=None, disk_ids=None)) == dict(
        zone=None, disk_ids=None, business_group=None, disk_name=None
    )


def test_requests():
    want = checks.check_service_request(
        dict(zone="cn-bj2-02", disk_ids=["bsm-1"], state="absent", backup_mode="Base", hour=24)
    )
    assert want["plan"] is None and want["disk_ids"] == ["bsm-1"]  # absent ignores the plan
    assert "hour" in error_of(
        checks.check_service_request, dict(zone="z", disk_ids="d", state="present", backup_mode="Base", hour=24)
    )
    assert "disk_size or disk_id" in error_of(checks.check_price_request, dict(zone="z", backup_mode="Base"))
    assert "disk_size or disk_id" in error_of(
        checks.check_price_request, dict(zone="z", backup_mode="Base", disk_size=1, disk_id="d")
    )
    assert "disk_size" in error_of(checks.check_price_request, dict(zone="z", backup_mode="Base", disk_size=0))
    assert checks.check_price_request(dict(zone="z", backup_mode="Base", disk_id=" d "))["disk_id"] == "d"


# Comparison and shaping ------------------------------------------------------------------------


def current(mode, journal, hour, day):
    return dict(backup_mode=mode, journal=journal, hour=hour, day=day, charge_type="Month", disk_id="d")


@pytest.mark.parametrize(
    "have, want, same",
    [
        (current("Base", 12, 24, 5), plan(), True),
        (current("Base", 12, 24, 5), plan(backup_mode="Ultimate"), False),
        (current("Custom", 12, 24, 5), plan(), False),  # same chain, other mode
        (current("Custom", 36, 48, 10), plan(**CUSTOM), True),
        (current("Custom", 36, 48, 15), plan(**CUSTOM), False),
        (current("Ultimate", 24, 72, 30), plan(backup_mode="Ultimate"), True),
    ],
)
def test_same_chain(have, want, same):
    assert api.same_chain(have, want) is same


@pytest.mark.parametrize(
    "have, want, upgrade",
    [
        (current("Base", 12, 24, 5), plan(backup_mode="Ultimate"), True),
        (current("Ultimate", 24, 72, 30), plan(), False),
        (current("Base", 12, 24, 5), plan(**CUSTOM), True),
        (current("Custom", 36, 48, 10), plan(backup_mode="Custom", journal=12, hour=48, day=10), False),
        (current("Custom", 36, 48, 10), plan(backup_mode="Custom", journal=12, hour=96, day=5), True),
    ],
)
def test_is_upgrade(have, want, upgrade):
    assert api.is_upgrade(have, want) is upgrade


@pytest.mark.parametrize("key", ["SnapshotServiceId", "ServiceID", "ServiceId"])
def test_service_id_spellings(key):
    assert api.service_id_of({key: "usnap-1", "Other": "x"}) == "usnap-1"


def test_service_result_normalises_and_protection():
    row = dict(
        ServiceId="usnap-1",
        VDiskId="bsm-1",
        Status="Available",
        ChargeType="Yearly",
        Tag="db",
        CreateTime=1,
        ExpiredTime=2,
        VDiskSize="100",
    )
    result = api.service_result(row, dict(backup_mode="Custom", journal=36, hour=48, day=10), "cn-bj2-02")
    assert result == dict(
        service_id="usnap-1",
        disk_id="bsm-1",
        zone="cn-bj2-02",
        status="Available",
        backup_mode="Custom",
        journal=36,
        hour=48,
        day=10,
        charge_type="Year",
        business_group="db",
        disk_size=100,
        create_time=1,
        expire_time=2,
    )
    assert api.protection(result) == dict(backup_mode="Custom", journal=36, hour=48, day=10, charge_type="Year")
    assert api.protection(None) == {}


def test_disk_result():
    row = dict(
        UDiskId="bsm-1",
        Name="n",
        Size=20,
        Status="InUse",
        Zone="z",
        DiskType="SystemDisk",
        IsBoot="True",
        Tag="web",
        BackupMode="",
        CreateTime=5,
    )
    assert api.disk_result(row) == dict(
        disk_id="bsm-1",
        disk_name="n",
        disk_size=20,
        status="InUse",
        zone="z",
        disk_type="SystemDisk",
        is_boot=True,
        business_group="web",
        backup_mode="",
        create_time=5,
    )
    assert api.disk_result(dict(row, IsBoot="False"))["is_boot"] is False


PRICE = {"ChargeType": "Yearly", "Price": 1234, "OriginalPrice": 1300, "ListPrice": 1500}


@pytest.mark.parametrize("data", [PRICE, [PRICE]])
def test_price_result_object_or_one_element_list(data):
    assert api.price_result(data) == dict(
        price=1234,
        original_price=1300,
        list_price=1500,
        charge_type="Year",
        price_units=12.34,
        original_price_units=13.0,
        list_price_units=15.0,
    )


@pytest.mark.parametrize("data", [None, "XsAPerJm", [], [PRICE, PRICE], {"ChargeType": "Month"}])
def test_price_result_rejects_answers_without_a_price(data):
    with pytest.raises(ApiError) as info:
        api.price_result(data, action="DescribeSnapshotServicePrice")
    assert info.value.code == "InvalidResponse" and info.value.action == "DescribeSnapshotServicePrice"


def test_upgrade_price_has_no_list_price():
    result = api.price_result({"Price": 90, "OriginalPrice": 100}, "Month")
    assert (result["list_price"], result["list_price_units"], result["charge_type"]) == (None, None, "Month")


# Lookups and mutations against a fake client ---------------------------------------------------


class FakeClient:
    """Answers Describe calls from a list of rows (Offset/Limit/filter) and records every call."""

    def __init__(self, rows, key="VDiskId", total=None):
        self.rows, self.key, self.total, self.calls = rows, key, total, []

    def call(self, action, params, until=None):
        self.calls.append((action, params))
        rows = [r for r in self.rows if self.key not in params or r[self.key] == params[self.key]]
        offset, limit = params.get("Offset", 0), params.get("Limit", 20)
        return {"DataSet": rows[offset : offset + limit], "TotalCount": len(rows) if self.total is None else self.total}


def rows(count):
    return [{"VDiskId": "bsm-%05d" % n, "ServiceId": "usnap-%d" % n} for n in range(count)]


def services(client, ids):
    return api.rows_by_id(api.services(client, "z"), ids)


def test_lookup_few_ids_one_call_each():
    client = FakeClient(rows(50))
    found = services(client, ["bsm-00001", "bsm-00099"])
    assert found["bsm-00001"]["ServiceId"] == "usnap-1" and found["bsm-00099"] is None
    assert sorted(params.get("VDiskId") for _action, params in client.calls) == ["bsm-00001", "bsm-00099"]


def test_lookup_scans_the_zone_when_cheaper():
    client = FakeClient(rows(250))
    ids = ["bsm-%05d" % n for n in range(0, 500, 20)]  # 25 ids, half of them without a row
    found = services(client, ids)
    assert [p["Offset"] for _a, p in client.calls] == [0, 100, 200]
    assert [bool(found[i]) for i in ids] == [n < 250 for n in range(0, 500, 20)]


def test_lookup_falls_back_to_per_id_in_a_large_zone():
    client = FakeClient(rows(5000))
    ids = ["bsm-04990", "bsm-00001"] + ["bsm-%05d" % n for n in range(4000, 4010)]
    found = services(client, ids)
    # the probe (49 more pages > 11 ids it did not hold), then one call per id it did not hold
    assert [p.get("Offset") for _a, p in client.calls[:1]] == [0] and len(client.calls) == 1 + 11
    assert "bsm-00001" not in [p.get("VDiskId") for _a, p in client.calls]  # found on the probe page
    assert found["bsm-04990"]["ServiceId"] == "usnap-4990" and found["bsm-00001"]["ServiceId"] == "usnap-1"


def test_lookup_ignores_rows_of_other_disks():
    class IgnoresFilter(FakeClient):
        def call(self, action, params, until=None):
            return super().call(action, {k: v for k, v in params.items() if k != "VDiskId"})

    assert services(IgnoresFilter(rows(3)), ["bsm-77777"])["bsm-77777"] is None


class Ambiguous:
    """A client whose mutating call loses its answers ``lost`` times, then succeeds."""

    def __init__(self, lost, ambiguous=True):
        self.lost, self.ambiguous, self.sent = lost, ambiguous, 0

    def call(self, action, params, until=None):
        self.sent += 1
        if self.sent <= self.lost:
            raise ApiError("HTTP 503", code="HTTP503", action=action, ambiguous=self.ambiguous)
        return {"RetCode": 0}


def test_apply_once_rereads_instead_of_resending():
    client = Ambiguous(lost=1)
    assert apply_once(client, "CreateSnapshotService", {}, lambda: True) == {}
    assert client.sent == 1


def test_apply_once_returns_what_the_reread_found():
    client = Ambiguous(lost=1)
    assert apply_once(client, "CreateSnapshot", {}, lambda: {"SnapshotId": "snap-1"}) == {"SnapshotId": "snap-1"}
    assert client.sent == 1


def test_apply_once_resends_when_not_applied():
    client, rereads = Ambiguous(lost=2), []
    assert apply_once(client, "CreateSnapshotService", {}, lambda: rereads.append(1)) == {"RetCode": 0}
    assert client.sent == 3 and len(rereads) == 2


def test_apply_once_gives_up_and_never_retries_final_errors():
    client, rereads = Ambiguous(lost=5), []
    with pytest.raises(DiskError, match="CreateSnapshotService lost its answer 3 times and did not take effect"):
        apply_once(client, "CreateSnapshotService", {}, lambda: rereads.append(1))
    assert client.sent == ROUNDS and len(rereads) == ROUNDS
    client = Ambiguous(lost=1, ambiguous=False)
    with pytest.raises(ApiError):
        apply_once(client, "CreateSnapshotService", {}, lambda: pytest.fail("re-read after a final error"))
    assert client.sent == 1
