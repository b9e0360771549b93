# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""UCloud signing against the published vectors and against the official SDK's signer."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ucloud.core.auth._cfg import verify_ac
from ucloud.core.typesystem import encoder

from ansible_collections.snapshield.cloud.plugins.module_utils.ucloud_signing import (
    flatten_params,
    signature,
    signed_params,
    string_to_sign,
)

PRIVATE_KEY = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
DESCRIBE = {"Action": "DescribeUHostInstance", "Region": "cn-bj2", "Limit": 10}
CREATE = {
    "Action": "CreateUHostInstance",
    "CPU": 2,
    "ChargeType": "Month",
    "DiskSpace": 10,
    "ImageId": "f43736e1-65a5-4bea-ad2e-8a46e18883c2",
    "LoginMode": "Password",
    "Memory": 2048,
    "Name": "Host01",
    "Password": "VUNsb3VkLmNu",
    "Quantity": 1,
    "Region": "cn-bj2",
    "Zone": "cn-bj2-04",
}


@pytest.mark.parametrize(
    "params, public_key, expected",
    [
        (DESCRIBE, "ucloudsomeone@example.com1296235120854146120", "cba5cf5ec4d4233d206b1b54951e3787350a642f"),
        (CREATE, "ucloudsomeone@example.com1296235120854146120", "4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65"),
        (DESCRIBE, "someone@example.com1296235120854146120", "4201919d267504385deb93af19e0197870fed36b"),
    ],
)
def test_published_vectors(params, public_key, expected):
    assert signature(dict(params, PublicKey=public_key), PRIVATE_KEY) == expected
    sent = signed_params(params, public_key, PRIVATE_KEY)
    assert sent["Signature"] == expected
    assert sent["PublicKey"] == public_key


def test_code_point_order():
    text = string_to_sign(flatten_params({"ChargeType": "Month", "CPU": 2, "Ids": list(range(11))}), "k")
    assert text.startswith("CPU2ChargeTypeMonthIds.00Ids.11Ids.1010Ids.22")
    assert text.endswith("Ids.99k")


def test_flattening():
    flat = flatten_params(
        {
            "On": True,
            "Off": False,
            "Whole": 42.0,
            "Half": 0.5,
            "Gone": None,
            "Empty": "",
            "List": ["a", "b"],
            "Map": {"Sub": 1},
            "Rows": [{"Key": "k", "Value": "v"}],
        }
    )
    assert flat == {
        "On": "true",
        "Off": "false",
        "Whole": "42",
        "Half": "0.5",
        "Empty": "",
        "List.0": "a",
        "List.1": "b",
        "Map.Sub": "1",
        "Rows.0.Key": "k",
        "Rows.0.Value": "v",
    }


def test_signature_is_not_signed():
    params = dict(DESCRIBE, PublicKey="p")
    assert signature(dict(params, Signature="anything"), PRIVATE_KEY) == signature(params, PRIVATE_KEY)


scalars = st.one_of(
    st.text(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
keys = st.text(alphabet=st.characters(blacklist_characters=".", blacklist_categories=("Cs",)), min_size=1).filter(
    lambda key: key != "Signature"
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=12),
    st.dictionaries(keys, scalars, max_size=4),
    st.lists(st.dictionaries(keys, scalars, max_size=3), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(keys, values, max_size=8), private_key=st.text())
def test_matches_official_signer(params, private_key):
    reference = verify_ac(private_key, encoder.encode(params))
    assert signature(params, private_key) == reference
