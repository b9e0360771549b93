# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each disk inventory plugin takes the config files named for it, and no other."""

import pytest
from ansible.plugins.loader import inventory_loader

NAMES = ("fleet.cbs_disks.yml", "fleet.cbs_disks.yaml", "fleet.ucloud_disks.yml", "fleet.ucloud_disks.yaml")


@pytest.mark.parametrize("plugin", ["cbs_disks", "ucloud_disks"])
def test_config_files_named_for_the_plugin(tmp_path, plugin):
    loaded = inventory_loader.get("snapshield.cloud.%s" % plugin)
    for name in NAMES + ("fleet.yml", "cbs_disks.yml.bak"):
        (tmp_path / name).write_text("plugin: snapshield.cloud.%s\n" % plugin)
    taken = sorted(
        name for name in NAMES + ("fleet.yml", "cbs_disks.yml.bak") if loaded.verify_file(str(tmp_path / name))
    )
    assert taken == ["fleet.%s.yaml" % plugin, "fleet.%s.yml" % plugin]
    assert not loaded.verify_file(str(tmp_path / ("missing.%s.yml" % plugin)))
