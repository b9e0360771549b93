# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the disk inventory plugins share (cbs_disks, ucloud_disks): options resolved as the modules resolve
theirs, the request checked before any call, the units of work (regions...) read concurrently by the collection's
client, the inventory cache, and every disk a host with the constructed features."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import all_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import HAS_REQUESTS, ApiError, DiskError

try:  # ansible-core 2.19 and later template only what is marked trusted
    from ansible.template import trust_as_template

    def untrusted(value):
        return value

except ImportError:  # older ansible-core templates every string unless it is marked unsafe
    from ansible.utils.unsafe_proxy import wrap_var as untrusted

    def trust_as_template(value):
        return value


# Every host is a disk worked from the controller through the cloud's API.
CONNECTION_VARS = dict(ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}")


def fallback(spec):
    """An option's value from its ``fallback`` in a module argument spec, or None.

    The cloud specs use ``common.set_env_fallback``: the first environment variable that is set and not blank.
    """
    strategy = spec.get("fallback") or (None,)
    if strategy[0] is None:
        return None
    args, kwargs = [], {}
    for item in strategy[1:]:
        if isinstance(item, dict):
            kwargs = item
        else:
            args = item
    try:
        return strategy[0](*args, **kwargs)
    except AnsibleFallbackNotFound:
        return None


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class DiskInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """A disk inventory plugin: subclasses say which config files are theirs (``SUFFIXES``), which cloud's client
    they use (``cloud``: module_utils ucloud or tencentcloud), their own options (``OWN_OPTIONS``), and implement
    ``check`` (options -> request, ValueError naming the option), ``units`` (request -> what is read apart and
    concurrently) and ``read`` (client, request, unit -> hosts: dicts of host variables with ``disk_id``)."""

    SUFFIXES = ()
    cloud = None
    OWN_OPTIONS = ()
    # Options whose strings may be templates (extra vars are available to them, as in a vaulted secret).
    TEMPLATABLE = frozenset(
        ["public_key", "private_key", "secret_id", "secret_key", "security_token", "region", "regions", "zones"]
        + ["project_id", "project_ids", "base_url", "endpoint", "filters", "business_group", "disk_type"]
    )

    def verify_file(self, path):
        return super(DiskInventory, self).verify_file(path) and path.endswith(self.SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(DiskInventory, self).parse(inventory, loader, path, cache)
        if not HAS_REQUESTS:
            raise AnsibleError(missing_required_lib("requests"))
        self.templar.available_variables = self._vars
        given = self._read_config_data(path) or {}
        try:
            options = self.resolve_options(given)
            request = self.check(options)
            client = self.cloud.client_from_options(dict(options, region=request["regions"][0]))
        except ValueError as error:
            raise AnsibleParserError("%s: %s" % (self.NAME, error))
        hosts = self._cached(path, cache)
        if hosts is None:
            hosts = self.read_all(client, request)
            self._store(path, cache, hosts)
        for host in hosts:
            self._add(host)

    def resolve_options(self, given):
        """The module options of the cloud (credentials, endpoint, connection) as a module would have them, from
        the config file (templated), else their environment variables, else their defaults; and our own."""
        options = {}
        for name, spec in self.cloud.argument_spec().items():
            value = self._templated(name, self.get_option(name)) if name in given else None
            if is_blank(value):
                value = fallback(spec)
            options[name] = spec.get("default") if is_blank(value) else value
        for name in self.OWN_OPTIONS:
            options[name] = self._templated(name, self.get_option(name))
        return options

    def _templated(self, name, value):
        if name not in self.TEMPLATABLE or value is None:
            return value
        if isinstance(value, dict):
            return {key: self._templated(name, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._templated(name, item) for item in value]
        return self.templar.template(value) if isinstance(value, str) else value

    def read_all(self, client, request):
        """Every host of every unit, read concurrently; a disk seen twice is one host; sorted by disk id."""
        try:
            parts = all_concurrently(lambda unit: self.read(client, request, unit), self.units(request))
        except (ApiError, DiskError) as error:
            raise AnsibleError("%s: %s" % (self.NAME, error))
        hosts = {}
        for part in parts:
            for host in part:
                hosts.setdefault(host["disk_id"], host)
        return [hosts[disk_id] for disk_id in sorted(hosts)]

    def _cached(self, path, cache):
        """The hosts of the cache, when it is on and holds them (``cache`` is false with --flush-cache)."""
        if not (cache and self.get_option("cache")):
            return None
        try:
            return self._cache[self.get_cache_key(path)]
        except KeyError:
            return None

    def _store(self, path, cache, hosts):
        if self.get_option("cache"):
            self._cache[self.get_cache_key(path)] = hosts

    def _add(self, host):
        """The disk as a host: its variables (data, never templated), the connection, then compose and groups."""
        name = host["disk_id"]
        self.inventory.add_host(name)
        for key, value in host.items():
            self.inventory.set_variable(name, key, untrusted(value))
        for key, value in CONNECTION_VARS.items():
            self.inventory.set_variable(name, key, trust_as_template(value))
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), self.inventory.get_host(name).get_vars(), name, strict)
        # Groups see the composed variables too: these fetch the host's variables themselves.
        self._add_host_to_composed_groups(self.get_option("groups"), {}, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), {}, name, strict=strict)

    # Implemented per cloud ------------------------------------------------------------------------------------

    def check(self, options):
        raise NotImplementedError

    def units(self, request):
        raise NotImplementedError

    def read(self, client, request, unit):
        raise NotImplementedError
