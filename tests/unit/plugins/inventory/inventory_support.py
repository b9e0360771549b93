# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the disk inventory plugin tests (imported by name: a module called ``conftest`` is ambiguous when
several test directories run together)."""

import pytest
from ansible.errors import AnsibleParserError

FLEET = 6  # disks of each cloud: odd ones in the first zone, even ones in the second


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
