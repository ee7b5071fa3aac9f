"""Resident memory of a process tree, read from /proc (Linux); shared by the benchmark scripts.

Imported as ``from _proctree import tree_rss`` by scripts run as ``python benchmarks/<name>.py``
(their directory is then first on ``sys.path``); ``benchmarks`` is not a package.
"""

from __future__ import annotations

import resource
from pathlib import Path


def tree_processes(root: int) -> dict[int, int]:
    """Resident memory in bytes of ``root`` and each of its descendants, by process id."""
    parents = {}
    rss = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * resource.getpagesize()
    found, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        if pid in rss:
            found[pid] = rss[pid]
        frontier.extend(child for child, parent in parents.items() if parent == pid)
    return found


def tree_rss(root: int) -> int:
    """Resident memory in bytes of a process and all its descendants, read from /proc."""
    return sum(tree_processes(root).values())
