"""Roles of enterprises (source, final producer, isolated, focal region).

The definitions live in the model layer, :mod:`chaingraph.model.roles`, beside the
resolved context; this module re-exports them for code that imports them from here.
"""

from __future__ import annotations

from chaingraph.model.roles import (
    Roles,
    Selector,
    degrees,
    enterprise_segments,
    enterprise_stages,
    focal_mask,
    resolve_roles,
    select,
)

__all__ = ["Roles", "Selector", "degrees", "enterprise_segments", "enterprise_stages",
           "focal_mask", "resolve_roles", "select"]
