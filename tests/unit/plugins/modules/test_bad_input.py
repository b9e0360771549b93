# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, property-based: every option of every module, given an invalid value, fails the task naming the
option, without a traceback and without a single API call.

Each module's ``main()`` runs in-process with its real client factory, pointed at a running emulator, and with
every other option valid: a value the module wrongly accepted would reach the emulator, which records every call.
``test_the_valid_arguments_reach_the_emulator`` proves that the valid base of each case does.
"""

import contextlib
import io
import json
import math
import re
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from ansible.module_utils.common.validation import check_type_dict, check_type_float, check_type_int
from ansible.module_utils.parsing.convert_bool import BOOLEANS
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.snapshield.cloud.plugins.module_utils import _module
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import DISK_TYPES
from ansible_collections.snapshield.cloud.plugins.modules import (
    cbs_disk_info,
    cbs_restore,
    cbs_snapshot,
    cbs_snapshot_copy,
    cbs_snapshot_info,
    cbs_snapshot_policy,
    cbs_snapshot_policy_info,
    ucloud_disk_info,
    usnap_price,
    usnap_service,
    usnap_service_info,
)
from tests.emulator import Emulator
from tests.unit.module_args import patch_module_args

EXAMPLES_PER_OPTION = 12  # per option; about 1,100 module runs in all
HUGE = 20000  # ids in the "huge list" cases
MAX_TIMEOUT = 3600  # documented maxima (connection fragment, cbs_snapshot)
MAX_RETENTION_DAYS = 36500
MAX_NUMBER = 2**31 - 1

UCLOUD = ("usnap_service", "usnap_price", "usnap_service_info", "ucloud_disk_info")
MODULES = {
    module.__name__.rsplit(".", 1)[-1]: module
    for module in (
        usnap_service,
        usnap_price,
        usnap_service_info,
        ucloud_disk_info,
        cbs_snapshot,
        cbs_snapshot_info,
        cbs_disk_info,
        cbs_snapshot_policy,
        cbs_snapshot_policy_info,
        cbs_snapshot_copy,
        cbs_restore,
    )
}
ALIASES = {
    ("usnap_service", "business_group"): ["tag"],
    ("ucloud_disk_info", "business_group"): ["tag"],
    ("ucloud_disk_info", "disk_name"): ["name"],
    ("usnap_price", "disk_size"): ["size"],
}
ALIASES.update(
    ((name, "disk_ids"), ["disk_id"])
    for name in (
        "usnap_service",
        "usnap_service_info",
        "ucloud_disk_info",
        "cbs_snapshot",
        "cbs_snapshot_info",
        "cbs_disk_info",
        "cbs_snapshot_policy",
        "cbs_snapshot_copy",
        "cbs_restore",
    )
)
ALIASES.update({("cbs_snapshot_copy", "snapshot_ids"): ["snapshot_id"]})


@pytest.fixture(scope="module")
def emu():
    with Emulator(disks=4, snapshot_delay=0, rate_limit=0) as emulator:
        yield emulator


def auth(emu, name):
    creds = emu.credentials
    if name in UCLOUD:
        return dict(
            public_key=creds["ucloud_public_key"],
            private_key=creds["ucloud_private_key"],
            region="cn-bj2",
            base_url=emu.url,
        )
    return dict(
        secret_id=creds["tencent_secret_id"],
        secret_key=creds["tencent_secret_key"],
        region="ap-guangzhou",
        endpoint=emu.url,
    )


def run(emu, name, args):
    """``(exit code, result)`` of the module's main() run in-process; an unexpected exception propagates."""
    out = io.StringIO()
    with patch_module_args(dict(auth(emu, name), **args)), contextlib.redirect_stdout(out):
        try:
            MODULES[name].main()
        except SystemExit as ended:
            return ended.code, json.loads(out.getvalue())
    pytest.fail("%s returned without exit_json or fail_json" % name)


def assert_refused(emu, name, option, args):
    emu.clear_calls()
    code, result = run(emu, name, args)
    assert code == 1 and result.get("failed"), (args, result)
    assert "exception" not in result, result["exception"]
    names = [option] + ALIASES.get((name, option), [])
    assert any(re.search(r"(?<![\w.])%s\b" % re.escape(word), result["msg"]) for word in names), (args, result["msg"])
    assert len(result["msg"]) < 1000, "a message this long buries the option: %s..." % result["msg"][:200]
    assert emu.calls()["log"] == [], "%s made API calls for bad input %r" % (name, args)
    secret = auth(emu, name).get("private_key") or auth(emu, name)["secret_key"]
    assert secret not in json.dumps(result)


# Strategies of invalid values ---------------------------------------------------------------------------------


def _refused_by(convert):
    """Values that AnsibleModule itself cannot convert with ``convert``."""

    def refused(value):
        try:
            convert(value)
        except TypeError:
            return True
        except ArithmeticError:  # ansible-core's check_type_int: see test_an_int_option_given_... below
            return False
        return False

    return refused


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
BLANK = st.text(" \t\n\r\u00a0\u2003", max_size=4)
# Names over the 60 characters CBS allows. Without NUL: AnsibleModule logs its arguments to syslog before the
# module's own code runs, and refuses a NUL there itself ("Failed to log to syslog"; ansible-core < 2.19 raises
# ValueError), so no module can name the option for it.
LONG_NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=61, max_size=200)
JUNK = st.one_of(
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text("abc", max_size=3), st.integers(), max_size=2)
)
NOT_INT = st.one_of(
    st.booleans(),
    st.floats(allow_infinity=False).filter(lambda value: math.isnan(value) or value != int(value)),
    st.one_of(TEXT, JUNK).filter(_refused_by(check_type_int)),
)
NOT_FLOAT = st.one_of(TEXT.filter(_refused_by(check_type_float)), JUNK)
NOT_BOOL = st.one_of(
    st.integers().filter(lambda value: value not in (0, 1)),
    TEXT.filter(lambda text: text.lower().strip() not in BOOLEANS),
)


def counted(low=1, high=MAX_NUMBER):
    """A whole number from ``low`` to ``high`` is valid: anything else."""
    outside = [st.integers(max_value=low - 1)]
    if high is not None:
        outside.append(st.integers(min_value=high + 1))
    return st.one_of(NOT_INT, *outside)


def not_a_multiple(step):
    return st.one_of(st.integers(min_value=1).filter(lambda value: value % step), st.integers(max_value=0))


def not_one_of(*choices):
    return st.one_of(TEXT.filter(lambda text: text not in choices), st.integers(), JUNK)


def id_lists(valid="disk-%d"):
    """Empty lists, lists with a blank id or an id twice, and values that are no list at all."""
    ids = st.lists(st.integers(0, 999).map(lambda n: valid % n), max_size=5, unique=True)
    return st.one_of(
        st.just([]),
        st.tuples(ids, BLANK, st.integers(0, 5)).map(lambda t: t[0][: t[2]] + [t[1]] + t[0][t[2] :]),
        ids.filter(bool).flatmap(lambda good: st.sampled_from(good).map(lambda dup: good + [" %s " % dup])),
        st.lists(st.text("ab", max_size=2), min_size=2, max_size=4)
        .map(",".join)
        .filter(lambda text: any(not part.strip() for part in text.split(","))),
        st.dictionaries(st.text("ab", min_size=1, max_size=2), st.text("ab", max_size=2), min_size=1, max_size=2),
    )


def number_lists(low, high):
    """Empty lists, lists with a number out of ``low``-``high`` or with something that is no whole number."""
    good = st.lists(st.integers(low, high), max_size=3)
    return st.one_of(
        st.just([]),
        st.tuples(good, st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1))).map(
            lambda t: t[0] + [t[1]]
        ),
        st.tuples(good, st.one_of(st.booleans(), TEXT.filter(_refused_by(check_type_int)))).map(
            lambda t: t[0] + [t[1]]
        ),
    )


TAG_KEY = st.text("abcxyz-_", min_size=1, max_size=8)
TAGS = st.one_of(
    st.lists(TEXT, max_size=3),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT.filter(lambda text: "=" not in text and "{" not in text),
    st.dictionaries(TAG_KEY, st.text(max_size=3), max_size=2).flatmap(
        lambda good: BLANK.map(lambda key: dict(good, **{key: "value"}))
    ),
    st.dictionaries(
        TAG_KEY,
        st.one_of(
            st.integers(),
            st.booleans(),
            st.none(),
            st.lists(st.text(max_size=2)),
            st.dictionaries(st.text(max_size=2), st.text(max_size=2)),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=3,
    ),
    st.builds(lambda size: {"k" * size: "v"}, st.integers(128, 300)),
    st.builds(lambda size: {"key": "v" * size}, st.integers(256, 600)),
).filter(lambda value: not isinstance(value, str) or _refused_by(check_type_dict)(value))


def _too_soon(moment, minutes):
    offset = timezone(timedelta(minutes=minutes))
    return moment.replace(tzinfo=timezone.utc).astimezone(offset).isoformat()


def deadlines():
    """Not a time at all, an impossible date, or a time less than a day away (or past)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return st.one_of(
        st.text(st.characters(blacklist_categories=("Cs", "Nd")), max_size=20),
        st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(2030, 2099), st.integers(13, 99), st.integers(1, 28)),
        st.builds(
            "{:04d}-{:02d}-{:02d}T12:00:00Z".format, st.integers(2030, 2099), st.integers(1, 12), st.integers(32, 99)
        ),
        st.builds(
            _too_soon, st.datetimes(datetime(1971, 1, 1), now + timedelta(hours=23)), st.integers(-23 * 60, 23 * 60)
        ),
        st.integers(),
    )


# The cases: module, option, the other options, invalid values, and a valid value (OMIT: leave the option out) ----

OMIT = object()
SNAPSHOT_ID = "snap-fuzz0001"  # seeded by test_a_valid_value_reaches_the_emulator
U_DISK = dict(disk_ids=["bsm-emu00001"], zone="cn-bj2-02")
CUSTOM = dict(U_DISK, backup_mode="Custom", journal=12, hour=24, day=5)
PRICE = dict(zone="cn-bj2-02", disk_size=100)
SNAP = dict(disk_ids=["disk-emu00001"], snapshot_name="nightly")
KEEP = dict(SNAP, managed_tags={"managed-by": "test"}, keep=2)
POLICY = dict(name="nightly", hours=[2])
BOUND = dict(POLICY, disk_ids=["disk-emu00001"])
COPY = dict(snapshot_ids=[SNAPSHOT_ID], destination_regions=["ap-shanghai"], wait=False)
COPY_BY_DISK = dict(
    disk_ids=["disk-emu00005"], snapshot_name="Unnamed", destination_regions=["ap-shanghai"], wait=False
)
POLICY_NAMES = st.one_of(BLANK, LONG_NAME)
RESTORE = dict(disk_ids=["disk-emu00005"], wait=False)  # disk-emu00005 (500 GB, attached) has SNAPSHOT_ID
IN_PLACE = dict(RESTORE, target="in_place")
BASES = dict(
    usnap_service=U_DISK,
    usnap_price=PRICE,
    usnap_service_info=dict(zone="cn-bj2-02"),
    ucloud_disk_info={},
    cbs_snapshot=SNAP,
    cbs_snapshot_info={},
    cbs_disk_info={},
    cbs_snapshot_policy=POLICY,
    cbs_snapshot_policy_info={},
    cbs_snapshot_copy=COPY,
    cbs_restore=RESTORE,
)
ALL_STATES = ("NORMAL", "CREATING", "ROLLBACKING", "COPYING_FROM_REMOTE", "CHECKING_COPIED", "TORECYCLE")

CONNECTION = [
    ("timeout", counted(1, MAX_TIMEOUT), MAX_TIMEOUT),
    ("connect_timeout", counted(1, MAX_TIMEOUT), 1),
    ("retries", counted(0, None), 0),
    (
        "rate_limit",
        st.one_of(NOT_FLOAT, st.floats(max_value=-1e-9), st.sampled_from([float("nan"), float("inf"), float("-inf")])),
        0,
    ),
    ("validate_certs", NOT_BOOL, "no"),
    (
        "rate_share",
        st.one_of(
            NOT_FLOAT,
            st.floats(max_value=0),
            st.floats(min_value=1.000001, allow_infinity=False),
            st.sampled_from([float("nan"), float("inf"), float("-inf")]),
        ),
        0.25,
    ),
]
# disks_by_region: no regions, a region without disks or with bad ids, a blank region, a disk in two regions.
DISKS_BY_REGION = st.one_of(
    st.just({}),
    id_lists("disk-emu%05d").filter(lambda ids: not isinstance(ids, str)).map(lambda ids: {"ap-guangzhou": ids}),
    BLANK.map(lambda region: {region: ["disk-emu00001"]}),
    st.just({"ap-guangzhou": ["disk-emu00001"], "ap-shanghai": ["disk-emu00001"]}),
    st.integers().map(lambda number: {"ap-guangzhou": number}),
)
GOOD_BY_REGION = {"ap-guangzhou": ["disk-emu00001"]}
# zones: none, a blank zone, a zone twice, a disk in two zones, bad ids; usnap_service also a zone without disks.
ZONES = st.one_of(
    st.just([]),
    BLANK.map(lambda zone: [dict(zone=zone, disk_ids=["bsm-emu00001"])]),
    st.just([dict(zone="cn-bj2-02", disk_ids=["bsm-emu00001"]), dict(zone="cn-bj2-02", disk_ids=["bsm-emu00003"])]),
    st.just([dict(zone="cn-bj2-02", disk_ids=["bsm-emu00001"]), dict(zone="cn-bj2-03", disk_ids=["bsm-emu00001"])]),
    id_lists("bsm-emu%05d")
    .filter(lambda ids: not isinstance(ids, str))
    .map(lambda ids: [dict(zone="cn-bj2-02", disk_ids=ids)]),
    st.just([dict(region="cn-bj2")]),
)
GOOD_ZONES = [dict(zone="cn-bj2-02", disk_ids=["bsm-emu00001"])]

PLAN = [
    ("backup_mode", CUSTOM, not_one_of("Base", "Ultimate", "Custom"), "Custom"),
    ("journal", CUSTOM, not_a_multiple(12), 36),
    ("hour", CUSTOM, not_a_multiple(24), 48),
    ("day", CUSTOM, not_a_multiple(5), 10),
    ("journal", CUSTOM, NOT_INT, 12),
    ("hour", CUSTOM, NOT_INT, 24),
    ("day", CUSTOM, NOT_INT, 5),
    ("journal", U_DISK, st.integers(), OMIT),  # only with backup_mode=Custom
    ("charge_type", U_DISK, not_one_of("Year", "Month", "Dynamic", "Yearly", "Monthly"), "Yearly"),
    ("quantity", U_DISK, counted(1, None), 3),
]

CASES = (
    [("usnap_service",) + case for case in PLAN]
    + [
        ("usnap_service", "disk_ids", U_DISK, id_lists("bsm-emu%05d"), "bsm-emu00001, bsm-emu00003"),
        ("usnap_service", "zone", U_DISK, BLANK, "cn-bj2-02"),
        ("usnap_service", "state", U_DISK, not_one_of("present", "absent"), "absent"),
        ("usnap_service", "business_group", U_DISK, BLANK, "db"),
        ("usnap_service", "coupon_id", U_DISK, BLANK, "coupon-1"),
        ("usnap_service", "report_cost", U_DISK, NOT_BOOL, "yes"),
        ("usnap_service", "zones", {}, st.one_of(ZONES, st.just([dict(zone="cn-bj2-02")])), GOOD_ZONES),
        ("ucloud_disk_info", "zones", {}, ZONES, GOOD_ZONES),
    ]
    + [
        ("usnap_price", option, dict(PRICE, **{k: v for k, v in base.items() if k not in U_DISK}), values, good)
        for option, base, values, good in PLAN
    ]
    + [
        ("usnap_price", "disk_size", PRICE, counted(1, None), 1),
        ("usnap_price", "disk_id", dict(zone="cn-bj2-02"), BLANK, "bsm-emu00001"),
        ("usnap_price", "zone", PRICE, BLANK, "cn-bj2-03"),
        ("usnap_service_info", "zone", dict(zone="cn-bj2-02"), BLANK, "cn-bj2-03"),
        ("usnap_service_info", "disk_ids", dict(zone="cn-bj2-02"), id_lists("bsm-emu%05d"), ["bsm-emu00001"]),
        ("ucloud_disk_info", "zone", {}, BLANK, "cn-bj2-02"),
        ("ucloud_disk_info", "disk_ids", {}, id_lists("bsm-emu%05d"), "bsm-emu00001"),
        ("ucloud_disk_info", "business_group", {}, BLANK, "web"),
        ("ucloud_disk_info", "disk_name", {}, BLANK, "emu-udisk-00001"),
        ("cbs_snapshot", "disk_ids", SNAP, id_lists("disk-emu%05d"), ["disk-emu00002", "disk-emu00003"]),
        ("cbs_snapshot", "snapshot_name", SNAP, st.one_of(BLANK, LONG_NAME), "n" * 60),
        ("cbs_snapshot", "state", SNAP, not_one_of("present", "absent"), "absent"),
        ("cbs_snapshot", "snapshot_id", {}, BLANK, SNAPSHOT_ID),
        ("cbs_snapshot", "deadline", SNAP, deadlines(), "2099-01-01T08:00:00+08:00"),
        ("cbs_snapshot", "retention_days", SNAP, counted(1, MAX_RETENTION_DAYS), MAX_RETENTION_DAYS),
        ("cbs_snapshot", "tags", SNAP, TAGS, {"owner": "dba", "empty": ""}),
        ("cbs_snapshot", "disk_usage", SNAP, not_one_of("SYSTEM_DISK", "DATA_DISK"), "DATA_DISK"),
        ("cbs_snapshot", "disk_backup_id", SNAP, BLANK, OMIT),
        ("cbs_snapshot", "min_age", SNAP, counted(), MAX_NUMBER),
        ("cbs_snapshot", "managed_tags", KEEP, st.one_of(TAGS, st.just({})), {"fleet": "nightly"}),
        ("cbs_snapshot", "keep", KEEP, counted(), MAX_NUMBER),
        ("cbs_snapshot", "wait", SNAP, NOT_BOOL, "false"),
        ("cbs_snapshot", "wait_timeout", SNAP, counted(), MAX_NUMBER),
        ("cbs_snapshot_info", "snapshot_ids", {}, id_lists("snap-%08d"), [SNAPSHOT_ID]),
        ("cbs_snapshot_info", "disk_ids", {}, id_lists("disk-emu%05d"), "disk-emu00001"),
        ("cbs_snapshot_info", "snapshot_name", {}, st.one_of(BLANK, LONG_NAME), "n" * 60),
        ("cbs_snapshot_info", "snapshot_state", {}, not_one_of(*ALL_STATES), "NORMAL"),
        ("cbs_snapshot_info", "overview", {}, NOT_BOOL, "true"),
        ("cbs_disk_info", "disk_ids", {}, id_lists("disk-emu%05d"), ["disk-emu00001"]),
        ("cbs_disk_info", "zone", {}, BLANK, "ap-guangzhou-3"),
        ("cbs_disk_info", "disk_name", {}, BLANK, "emu-cbs-00001"),
        ("cbs_disk_info", "disk_usage", {}, not_one_of("SYSTEM_DISK", "DATA_DISK"), "SYSTEM_DISK"),
        ("cbs_disk_info", "tags", {}, TAGS, {"env": "prod"}),
        ("cbs_disk_info", "regions", {}, id_lists("ap-r%d"), ["ap-guangzhou", "ap-shanghai"]),
        ("cbs_disk_info", "disks_by_region", {}, DISKS_BY_REGION, GOOD_BY_REGION),
        ("cbs_disk_info", "overview", {}, NOT_BOOL, "true"),
        ("cbs_snapshot", "disks_by_region", dict(snapshot_name="nightly"), DISKS_BY_REGION, GOOD_BY_REGION),
        ("cbs_snapshot_policy", "name", POLICY, POLICY_NAMES, "n" * 60),
        ("cbs_snapshot_policy", "state", dict(name="nightly"), not_one_of("present", "absent"), "absent"),
        ("cbs_snapshot_policy", "hours", POLICY, number_lists(0, 23), [0, 23]),
        ("cbs_snapshot_policy", "weekdays", POLICY, number_lists(0, 6), [0, 6]),
        ("cbs_snapshot_policy", "days_of_month", POLICY, number_lists(1, 31), [1, 31]),
        ("cbs_snapshot_policy", "interval_days", POLICY, counted(1, 365), 365),
        ("cbs_snapshot_policy", "retention_days", POLICY, counted(1, MAX_RETENTION_DAYS), MAX_RETENTION_DAYS),
        ("cbs_snapshot_policy", "permanent", POLICY, NOT_BOOL, "yes"),
        ("cbs_snapshot_policy", "active", POLICY, NOT_BOOL, "no"),
        ("cbs_snapshot_policy", "disk_ids", POLICY, id_lists("disk-emu%05d"), ["disk-emu00001", "disk-emu00002"]),
        ("cbs_snapshot_policy", "exclusive", BOUND, NOT_BOOL, "yes"),
        ("cbs_snapshot_policy_info", "policy_ids", {}, id_lists("asp-%08d"), ["asp-00000001"]),
        (
            "cbs_snapshot_policy_info",
            "names",
            {},
            st.one_of(id_lists("n%d"), POLICY_NAMES.map(lambda n: [n])),
            "nightly",
        ),
        ("cbs_snapshot_policy_info", "policy_state", {}, not_one_of("NORMAL", "ISOLATED"), "ISOLATED"),
        ("cbs_snapshot_copy", "snapshot_ids", COPY, id_lists("snap-%08d"), SNAPSHOT_ID),
        ("cbs_snapshot_copy", "disk_ids", COPY_BY_DISK, id_lists("disk-emu%05d"), "disk-emu00005"),
        ("cbs_snapshot_copy", "snapshot_name", COPY_BY_DISK, POLICY_NAMES, "Unnamed"),
        (
            "cbs_snapshot_copy",
            "destination_regions",
            COPY,
            st.one_of(id_lists("ap-r%d"), st.just(["ap-shanghai", "ap-guangzhou"])),
            ["ap-shanghai", "ap-beijing"],
        ),
        ("cbs_snapshot_copy", "retention_days", COPY, counted(1, MAX_RETENTION_DAYS), MAX_RETENTION_DAYS),
        ("cbs_snapshot_copy", "wait", COPY, NOT_BOOL, "no"),
        ("cbs_snapshot_copy", "wait_timeout", COPY, counted(), MAX_NUMBER),
        ("cbs_restore", "disk_ids", RESTORE, id_lists("disk-emu%05d"), "disk-emu00005"),
        ("cbs_restore", "snapshot_id", dict(wait=False), BLANK, SNAPSHOT_ID),
        ("cbs_restore", "snapshot_name", RESTORE, POLICY_NAMES, "Unnamed"),
        ("cbs_restore", "target", RESTORE, not_one_of("clone", "in_place"), "clone"),
        ("cbs_restore", "disk_name", RESTORE, POLICY_NAMES, "r-{disk_id}"),
        ("cbs_restore", "disk_size", RESTORE, counted(), 1000),
        ("cbs_restore", "disk_type", RESTORE, not_one_of(*DISK_TYPES), "CLOUD_SSD"),
        ("cbs_restore", "zone", RESTORE, BLANK, "ap-guangzhou-4"),
        ("cbs_restore", "tags", RESTORE, st.one_of(TAGS, st.just({"snapshield-restored-from": "x"})), {"a": "b"}),
        ("cbs_restore", "auto_stop_instance", IN_PLACE, NOT_BOOL, "yes"),
        ("cbs_restore", "auto_start_instance", dict(IN_PLACE, auto_stop_instance=True), NOT_BOOL, "yes"),
        ("cbs_restore", "wait", RESTORE, NOT_BOOL, "no"),
        ("cbs_restore", "wait_timeout", RESTORE, counted(), MAX_NUMBER),
        ("cbs_restore", "state", RESTORE, not_one_of("present", "absent"), "absent"),
    ]
    + [
        (name, option, base, values, good)
        for name, base in sorted(BASES.items())
        for option, values, good in CONNECTION
    ]
)
IDS = ["%s-%s-%d" % (case[0], case[1], n) for n, case in enumerate(CASES)]


class _Spec(Exception):
    pass


def argument_spec(module):
    """The options a module declares, read by stopping its main() at AnsibleModule()."""

    def capture(argument_spec, **_kwargs):
        raise _Spec(argument_spec)

    with mock.patch.object(_module, "AnsibleModule", capture), pytest.raises(_Spec) as stopped:
        module.main()
    return stopped.value.args[0]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_option_has_a_case(name):
    """A new option without invalid values here fails this test (auth options are the secrets tests' business)."""
    auth_options = {
        "public_key",
        "private_key",
        "region",
        "project_id",
        "base_url",
        "secret_id",
        "secret_key",
        "security_token",
        "endpoint",
    }
    covered = {case[1] for case in CASES if case[0] == name}
    assert set(argument_spec(MODULES[name])) - auth_options == covered


@pytest.mark.parametrize("name, option, base, values, good", CASES, ids=IDS)
@settings(max_examples=EXAMPLES_PER_OPTION, deadline=None)
@given(data=st.data())
def test_an_invalid_value_fails_naming_the_option_before_any_call(emu, name, option, base, values, good, data):
    value = data.draw(values, label=option)
    assert_refused(emu, name, option, dict(base, **{option: value}))


@pytest.mark.parametrize("name, option, base, values, good", CASES, ids=IDS)
def test_a_valid_value_reaches_the_emulator(emu, name, option, base, values, good):
    """The same case with a valid value runs and calls the API: so zero calls above means the value was refused."""
    emu.reset()
    emu.seed(cloud="tencent", snapshots=[dict(id=SNAPSHOT_ID)])
    args = dict(base) if good is OMIT else dict(base, **{option: good})
    code, result = run(emu, name, args)
    assert code == 0 and not result.get("failed"), result
    assert emu.calls()["log"], "%s made no call with valid arguments %r" % (name, args)


# Huge lists: no cap on their length (a fleet is read in pages), but one bad id among 20,000 still fails fast.

LISTS = [
    ("usnap_service", "disk_ids", U_DISK),
    ("usnap_service_info", "disk_ids", dict(zone="cn-bj2-02")),
    ("ucloud_disk_info", "disk_ids", {}),
    ("cbs_snapshot", "disk_ids", SNAP),
    ("cbs_snapshot_info", "snapshot_ids", {}),
    ("cbs_snapshot_info", "disk_ids", {}),
    ("cbs_disk_info", "disk_ids", {}),
    ("cbs_snapshot_policy", "disk_ids", POLICY),
    ("cbs_snapshot_policy_info", "policy_ids", {}),
    ("cbs_snapshot_copy", "snapshot_ids", COPY),
    ("cbs_restore", "disk_ids", RESTORE),
]


@pytest.mark.parametrize("flaw", ["blank", "duplicate"])
@pytest.mark.parametrize("name, option, base", LISTS)
def test_one_bad_id_in_a_huge_list_fails_fast_with_a_short_message(emu, name, option, base, flaw):
    ids = ["id-%05d" % n for n in range(HUGE)]
    ids.insert(HUGE // 2, " " if flaw == "blank" else ids[7])
    assert_refused(emu, name, option, dict(base, **{option: ids}))
