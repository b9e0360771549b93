# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS certificates are verified by default; validate_certs=false is the explicit way out.

The emulator is served over HTTPS with a self-signed certificate made at test time: a module left at its
defaults fails with a certificate error that says what to do, sends nothing and leaks no secret; the same
module with validate_certs=false works.
"""

import contextlib
import datetime
import io
import ipaddress
import json
import ssl

import pytest
import yaml
from cryptography import x509  # a dependency of ansible-core
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.snapshield.cloud.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud, ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import TencentCloudClient
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError
from ansible_collections.snapshield.cloud.plugins.module_utils.ucloud import UCloudClient
from ansible_collections.snapshield.cloud.plugins.modules import (
    cbs_disk_info,
    cbs_snapshot,
    usnap_service,
    usnap_service_info,
)
from tests.emulator import Emulator
from tests.unit.module_args import patch_module_args

MODULES = [
    (usnap_service_info, dict(zone="cn-bj2-02")),
    (usnap_service, dict(disk_id="bsm-emu00001", zone="cn-bj2-02")),
    (cbs_disk_info, dict()),
    (cbs_snapshot, dict(disk_id="disk-emu00001", snapshot_name="tls")),
]
NAMES = [module.__name__.rsplit(".", 1)[-1] for module, _args in MODULES]


@pytest.fixture(scope="module")
def https_emu(tmp_path_factory):
    """The emulator over HTTPS, with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
    with Emulator(disks=2, snapshot_delay=0, rate_limit=0, ssl_context=context) as emulator:
        assert emulator.url.startswith("https://")
        yield emulator


def auth(emu, module):
    creds = emu.credentials
    if module in (usnap_service, usnap_service_info):
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


def run(module, args):
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as ended:
            module.main()
    return ended.value.code, out.getvalue()


def test_validate_certs_defaults_to_true():
    for spec in (ucloud.argument_spec(), tencentcloud.argument_spec()):
        assert spec["validate_certs"] == dict(type="bool", default=True)
    assert yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["validate_certs"]["default"] is True
    assert UCloudClient("k", "s", "r").validate_certs is True
    assert TencentCloudClient("i", "k", "r").validate_certs is True


@pytest.mark.parametrize("module, args", MODULES, ids=NAMES)
def test_a_self_signed_certificate_fails_clearly_by_default(https_emu, module, args):
    https_emu.reset()
    code, out = run(module, dict(auth(https_emu, module), **args))
    result = json.loads(out)
    assert code == 1 and result["failed"], result
    assert "certificate" in result["msg"] and "validate_certs=false" in result["msg"], result["msg"]
    assert "self-signed" in result["msg"] or "self signed" in result["msg"], result["msg"]
    error = result.get("error") or result["results"][0]["error"]
    assert error["code"] == "CertificateError" and not error["ambiguous"]
    assert "exception" not in result
    secrets = [value for key, value in https_emu.credentials.items() if "key" in key and "public" not in key]
    for leak in secrets + ["Signature", "TC3-HMAC-SHA256", "Authorization"]:
        assert leak not in out
    assert https_emu.calls()["log"] == []  # the handshake failed: no request reached the API


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
@pytest.mark.parametrize("module, args", MODULES, ids=NAMES)
def test_validate_certs_false_works(https_emu, module, args):
    https_emu.reset()
    code, out = run(module, dict(auth(https_emu, module), validate_certs=False, **args))
    assert code == 0 and not json.loads(out).get("failed"), out
    assert https_emu.calls()["log"]


def test_a_rejected_certificate_is_not_retried(https_emu):
    creds = https_emu.credentials
    client = UCloudClient(
        creds["ucloud_public_key"],
        creds["ucloud_private_key"],
        "cn-bj2",
        base_url=https_emu.url,
        retries=6,
        sleep=pytest.fail,
    )
    with pytest.raises(ApiError) as raised:
        client.call("DescribeUDisk", dict(Zone="cn-bj2-02"))
    assert raised.value.code == "CertificateError" and client.stats == dict(calls=1, retries=0)
