# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests of the disk inventory plugins share: one emulator per test file (reset for every test), the
credentials of each cloud as plugin options, and a way to parse a config file into an inventory."""

import os
import sys

import pytest
import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tests.emulator import Emulator  # noqa: E402

FLEET = 6  # disks of each cloud: odd ones in the first zone, even ones in the second


@pytest.fixture(scope="module")
def emu():
    with Emulator(FLEET, snapshot_delay=0, rate_limit=0) as emulator:
        yield emulator


@pytest.fixture
def tencent(emu):
    emu.reset()
    creds = emu.credentials
    return dict(secret_id=creds["tencent_secret_id"], secret_key=creds["tencent_secret_key"], endpoint=emu.url)


@pytest.fixture
def ucloud(emu):
    emu.reset()
    creds = emu.credentials
    return dict(public_key=creds["ucloud_public_key"], private_key=creds["ucloud_private_key"], base_url=emu.url)


@pytest.fixture
def inventory_of(tmp_path):
    """``inventory_of(plugin, config, cache=True)``: the InventoryData the plugin makes of a config file."""

    def parse(name, config, cache=True):
        path = tmp_path / ("source.%s.yml" % name)
        path.write_text(yaml.safe_dump(dict(config, plugin="snapshield.cloud.%s" % name)))
        plugin = inventory_loader.get("snapshield.cloud.%s" % name)
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        if getattr(plugin, "_cache", None) is not None:  # as the inventory manager does: only with a cache
            plugin.update_cache_if_changed()
        return inventory

    return parse


def hostvars(inventory, name):
    return inventory.get_host(name).get_vars()


def group_hosts(inventory):
    """``{group: sorted host names}`` of every group that has hosts."""
    return {
        name: sorted(host.name for host in group.get_hosts())
        for name, group in inventory.groups.items()
        if group.get_hosts()
    }


def api_calls(emu, action):
    return [call for call in emu.calls()["log"] if call["action"] == action]


def fails_before_any_call(emu, inventory_of, plugin, config, message):
    """The config (options set to None left out) fails with ``message`` and not one call reached the API."""
    with pytest.raises(AnsibleParserError, match=message):
        inventory_of(plugin, {key: value for key, value in config.items() if value is not None})
    assert emu.calls()["log"] == []
