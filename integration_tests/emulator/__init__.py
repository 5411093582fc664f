"""A local HTTPS emulator of the Freshdesk REST API v2, for end-to-end tests, demos and benchmarks.

    from integration_tests.emulator import Emulator, Sizes, Faults, RateLimits

    with Emulator(seed=7, sizes=Sizes(tickets=500)) as emu:
        config, env = emu.config(), emu.env()   # point the connector at it
        emu.data.expected("tickets")           # what the connector should read

Modules: ``data`` (the deterministic account and its mutations), ``records`` (record shapes),
``api`` (endpoints, validation, pagination), ``server`` (HTTPS, auth, the ``Emulator``),
``limits`` (rate limits), ``faults`` (injected failures), ``log`` (the request log), ``activities``
(the scheduled ticket activity export and its files' storage host).
"""

from .data import Dataset, Sizes
from .faults import Faults
from .limits import RateLimits
from .log import LogEntry, RequestLog
from .server import Emulator

__all__ = ["Dataset", "Emulator", "Faults", "LogEntry", "RateLimits", "RequestLog", "Sizes"]
