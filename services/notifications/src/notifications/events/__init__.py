"""Events notifications receives; `CONSUMED` lists its own model of each (checked against the producers' schemas)."""

from notifications.events.contracts import CONSUMED

__all__ = ["CONSUMED"]
