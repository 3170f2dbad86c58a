"""A bulkhead for the expensive reads: at most a few run at once on a host, the rest queue briefly.

Walks over large families (descendants, the lineage graph), effective terms, batch compliance checks,
the conflicts list and text search cost far more than a single-record read. Capping how many run at
once across every worker process of the host (`PEDIGREE_HEAVY_CONCURRENCY`, default half the CPUs)
keeps CPU and worker threads for everything else, so a burst of expensive requests slows those
requests, not the whole service. A request that cannot get a slot within `HEAVY_QUEUE_SECONDS` (or
before its deadline) answers 503 with Retry-After. The slots are lock files (flock), shared by the
workers of one deployment on one host.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from pathlib import Path

from flask import Flask, current_app, g, request

from api.http.errors import Problem
from api.http.watchdog import watchdog

HEAVY_ENDPOINTS = {
    "lineage.Descendants",
    "lineage.LineageGraph",
    "terms.Terms",
    "terms.PermittedUse",
    "terms.Conflicts",
    "shipping.BillOfMaterials",
    "compliance.ComplianceCheck",
}
POLL_SECONDS = 0.01


class HostSlots:
    """N slots shared by every process of this deployment on this host (one lock file per slot)."""

    def __init__(self, directory: Path, count: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = [directory / f"slot-{index}.lock" for index in range(count)]

    def acquire(self, timeout: float) -> int | None:
        """A held slot's file descriptor, or None when none freed up within the timeout."""
        stop = time.monotonic() + timeout
        while True:
            for path in self.paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    os.close(fd)
            if time.monotonic() >= stop:
                return None
            time.sleep(POLL_SECONDS)

    @staticmethod
    def release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _is_heavy() -> bool:
    if request.endpoint in HEAVY_ENDPOINTS:
        return True
    return request.endpoint == "models.Models" and request.method == "GET" and "q" in request.args


def _acquire_slot() -> None:
    if not _is_heavy():
        return
    slots: HostSlots = current_app.extensions["pedigree.heavy_slots"]
    wait = current_app.config["HEAVY_QUEUE_SECONDS"]
    deadline = watchdog.deadline()
    if deadline is not None:
        wait = max(0.0, min(wait, deadline - time.monotonic() - 1.0))
    fd = slots.acquire(timeout=wait)
    if fd is None:
        raise Problem(503, "Too many expensive requests (graph walks, terms, batch checks, searches) are running; "
                      "retry shortly.", kind="busy", headers={"Retry-After": "1"})
    g.heavy_slot = fd


def _release_slot(_exc) -> None:
    fd = g.pop("heavy_slot", None)
    if fd is not None:
        HostSlots.release(fd)


def init_app(app: Flask) -> None:
    key = hashlib.sha256(f"{app.config['DATABASE_URL']}|{app.config.get('DATABASE_SCHEMA')}".encode()).hexdigest()
    directory = Path(app.config["HEAVY_SLOT_DIR"] or tempfile.gettempdir()) / f"pedigree-heavy-{key[:16]}"
    app.extensions["pedigree.heavy_slots"] = HostSlots(directory, app.config["HEAVY_CONCURRENCY"])
    app.before_request(_acquire_slot)
    app.teardown_request(_release_slot)
