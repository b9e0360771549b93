# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""UCloud API request signing: pure functions, no I/O, no Ansible imports.

The signature is the lowercase hex SHA-1 of every flattened ``key + value`` pair,
sorted by key in code-point order, followed by the private key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib


def encode_value(value):
    """Render one scalar the way the UCloud gateway reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def flatten_params(params, prefix=""):
    """Flatten nested parameters to string pairs: lists become ``Key.N``, dicts ``Key.Sub``.

    ``None`` values are dropped; empty strings are kept.
    """
    flat = {}
    for key, value in params.items():
        name = "%s%s" % (prefix, key)
        if value is None:
            continue
        if isinstance(value, dict):
            flat.update(flatten_params(value, name + "."))
        elif isinstance(value, (list, tuple)):
            flat.update(flatten_params({str(i): item for i, item in enumerate(value)}, name + "."))
        else:
            flat[name] = encode_value(value)
    return flat


def string_to_sign(flat_params, private_key):
    """The exact text that is hashed: sorted ``key + value`` pairs, then the private key."""
    pairs = sorted((k, v) for k, v in flat_params.items() if k != "Signature")
    return "".join(k + v for k, v in pairs) + private_key


def signature(params, private_key):
    """Signature of (possibly nested) parameters that already include ``PublicKey``."""
    text = string_to_sign(flatten_params(params), private_key)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def signed_params(params, public_key, private_key):
    """The flat form fields to send: the parameters, ``PublicKey`` and ``Signature``."""
    flat = flatten_params(params)
    flat["PublicKey"] = public_key
    flat["Signature"] = hashlib.sha1(string_to_sign(flat, private_key).encode("utf-8")).hexdigest()
    return flat
