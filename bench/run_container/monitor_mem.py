#!/usr/bin/env python3
"""Prints the memory of a running container's monitor as JSON.

    monitor_mem.py ROOT CONTAINER_ID

Finds the `tug --root ROOT __monitor ID` process in /proc (the monitor is the tug binary
re-executed with a hidden subcommand, one per container) and reads its VmRSS, VmHWM and the
anonymous/file split from /proc/PID/status, plus Pss from /proc/PID/smaps_rollup: RSS counts
every page of the tug binary the monitor touched, which other tug processes share, and Pss
divides those shared pages among their users. Exits 1 when no such process exists.
"""

import json
import os
import sys


def monitor_pid(root, cid):
    """The pid whose argv is `... --root ROOT __monitor ID` (ROOT compared after realpath)."""
    want_root = os.path.realpath(root)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if "__monitor" not in argv or not argv or argv[-1] != cid:
            continue
        if "--root" in argv:
            i = argv.index("--root")
            if i + 1 < len(argv) and os.path.realpath(argv[i + 1]) != want_root:
                continue
        return int(entry)
    return None


def kib_fields(path, names):
    """`Name: N kB` lines of a /proc file, as bytes."""
    out = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in names:
                    out[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root, cid = argv
    pid = monitor_pid(root, cid)
    if pid is None:
        print("no tug __monitor process for container %s under %s" % (cid, root), file=sys.stderr)
        return 1
    status = kib_fields("/proc/%d/status" % pid, {"VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"})
    rollup = kib_fields("/proc/%d/smaps_rollup" % pid, {"Pss", "Private_Clean", "Private_Dirty"})
    with open("/proc/%d/status" % pid, encoding="utf-8") as f:
        threads = next((int(l.split()[1]) for l in f if l.startswith("Threads:")), None)
    exe = os.readlink("/proc/%d/exe" % pid)
    print(json.dumps({
        "process": "tug __monitor",
        "pid": pid,
        "threads": threads,
        "vm_rss_bytes": status.get("VmRSS"),
        "vm_hwm_bytes": status.get("VmHWM"),
        "rss_anon_bytes": status.get("RssAnon"),
        "rss_file_bytes": status.get("RssFile"),
        "rss_shmem_bytes": status.get("RssShmem"),
        "pss_bytes": rollup.get("Pss"),
        "private_bytes": (rollup["Private_Clean"] + rollup["Private_Dirty"]) if "Private_Clean" in rollup and "Private_Dirty" in rollup else None,
        "binary_bytes": os.path.getsize(exe) if os.path.exists(exe) else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
