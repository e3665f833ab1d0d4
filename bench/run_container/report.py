#!/usr/bin/env python3
"""Aggregates the `run` workload into bench/results/run.{json,md}.

    report.py --meta META.json [--memory MEM.json] --json OUT.json --md OUT.md [ROUND.json ...]

Like bench/report.py (whose statistics it reuses), but with two references: runc always,
docker when a daemon was reachable; and with the monitor's memory (MEM.json, written by
monitor_mem.py) beside the goal (<= 2 MB) and containerd-shim (about 8 MB) it is set against.
Reports numbers only: nothing here passes or fails on timing or memory.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report import ms, stats  # noqa: E402  (bench/report.py)

REFERENCES = ("runc", "docker")
GOAL_BYTES = 2 * 1024 * 1024
SHIM_BYTES = 8 * 1024 * 1024


def mib(n):
    return "%.2f MiB" % (n / (1024.0 * 1024.0)) if n is not None else "?"


def ratios(tools):
    """tug over each measured reference, at the median and at p95."""
    out = {}
    t = tools.get("tug")
    for ref in REFERENCES:
        c = tools.get(ref)
        if t and c:
            out[ref] = {"median": t["median_s"] / c["median_s"], "p95": t["p95_s"] / c["p95_s"]}
        else:
            out[ref] = None
    return out


def memory_lines(mem):
    if not mem:
        return ["No monitor memory: see the notes."]
    rss = mem.get("vm_rss_bytes")
    lines = [
        "| process | VmRSS | anon | file-backed | Pss | private | peak (VmHWM) | threads |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        "| tug __monitor (one container, `sleep 30`) | %s | %s | %s | %s | %s | %s | %s |"
        % (mib(rss), mib(mem.get("rss_anon_bytes")), mib(mem.get("rss_file_bytes")), mib(mem.get("pss_bytes")),
           mib(mem.get("private_bytes")), mib(mem.get("vm_hwm_bytes")), mem.get("threads", "?")),
        "",
    ]
    if rss is not None:
        lines.append(
            "Monitor VmRSS: **%s**, goal ≤ %s (%s); containerd-shim is about %s (%.2fx of it). "
            "File-backed pages are the parts of the tug binary (and libc) the monitor touched, shared with other "
            "tug processes; anonymous pages are its own heap and stacks."
            % (mib(rss), mib(GOAL_BYTES), "met" if rss <= GOAL_BYTES else "not met", mib(SHIM_BYTES), rss / SHIM_BYTES)
        )
    return lines


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", required=True)
    ap.add_argument("--memory", default=None)
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("rounds", nargs="*")
    args = ap.parse_args(argv)

    with open(args.meta, encoding="utf-8") as f:
        meta = json.load(f)
    mem = None
    if args.memory:
        with open(args.memory, encoding="utf-8") as f:
            mem = json.load(f)

    samples = {}
    for path in args.rounds:
        with open(path, encoding="utf-8") as f:
            for result in json.load(f).get("results", []):
                samples.setdefault(result["command"], []).extend(result.get("times", []))
    tools = {name: stats(times) for name, times in samples.items() if times}
    ratio = ratios(tools)

    report = dict(meta)
    report["results"] = tools
    report["reference"] = "runc"
    report["ratio_tug_over_reference"] = ratio["runc"]
    report["ratio_tug_over_runc"] = ratio["runc"]
    report["ratio_tug_over_docker"] = ratio["docker"]
    report["monitor_memory"] = dict(mem, goal_bytes=GOAL_BYTES, containerd_shim_bytes=SHIM_BYTES) if mem else None
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=False)
        f.write("\n")

    lines = ["# Benchmark: `container run --rm busybox true`, start to exit", ""]
    lines.append("- date: %s" % meta.get("date", "?"))
    lines.append("- machine: %s" % meta.get("machine", "?"))
    lines.append("- tug: %s" % meta.get("tug_version", "?"))
    lines.append("- runc: %s" % (meta.get("reference_version") or "not installed"))
    lines.append("- docker: %s" % (meta.get("docker_version") or "no daemon reachable"))
    for key, value in meta.get("details", {}).items():
        lines.append("- %s: %s" % (key, value))
    lines.append("- mode: %s (%s)" % (meta.get("mode", "?"), meta.get("settings", "")))
    lines.append("- command: `%s`" % meta.get("command", ""))
    for note in meta.get("notes", []):
        lines.append("- note: %s" % note)
    lines.append("")
    lines.append("## Start to exit")
    lines.append("")
    if tools:
        lines.append("| tool | runs | median | p95 | min–max | mean ± sd |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for name in ("tug",) + REFERENCES:
            s = tools.get(name)
            if s:
                lines.append(
                    "| %s | %d | %s | %s | %s – %s | %s ± %s |"
                    % (name, s["runs"], ms(s["median_s"]), ms(s["p95_s"]), ms(s["min_s"]), ms(s["max_s"]), ms(s["mean_s"]), ms(s["stddev_s"]))
                )
        lines.append("")
        for ref in REFERENCES:
            r = ratio[ref]
            if r:
                lines.append("tug / %s: **%.3f** at the median, %.3f at p95 (below 1 means tug is faster)." % (ref, r["median"], r["p95"]))
            else:
                lines.append("No tug / %s ratio: %s was not measured." % (ref, ref))
            lines.append("")
    else:
        lines.append("No timings: %s" % "; ".join(meta.get("notes", ["nothing was measured"])))
        lines.append("")
    lines.append("## Monitor memory")
    lines.append("")
    lines.extend(memory_lines(mem))
    with open(args.md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
