#!/usr/bin/env python3
"""Aggregates hyperfine exports into bench/results/<workload>.{json,md}.

    report.py --meta META.json --json OUT.json --md OUT.md [--reference NAME] [--title T]
              [ROUND.json ...]

--reference names the tool tug is compared with (default docker-compose, the `config`
workload; the `pull` workload uses skopeo); --title is the heading of the markdown report.

Each ROUND.json is one `hyperfine --export-json` file; rounds alternate the order of the
commands, and their samples are pooled per command name. META.json carries what the run
measured (machine, versions, input, settings, whether outputs matched, skip reasons).
Reports numbers only: nothing here passes or fails on timing.
"""

import argparse
import json
import math
import statistics
import sys


def percentile(sorted_xs, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_xs:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_xs)))
    return sorted_xs[min(rank, len(sorted_xs)) - 1]


def stats(times):
    xs = sorted(times)
    return {
        "runs": len(xs),
        "median_s": statistics.median(xs),
        "p95_s": percentile(xs, 95),
        "min_s": xs[0],
        "max_s": xs[-1],
        "mean_s": statistics.fmean(xs),
        "stddev_s": statistics.stdev(xs) if len(xs) > 1 else 0.0,
    }


def ms(seconds):
    return "%.1f ms" % (seconds * 1000.0)


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--reference", default="docker-compose")
    ap.add_argument("--title", default=None)
    ap.add_argument("rounds", nargs="*")
    args = ap.parse_args(argv)

    with open(args.meta, encoding="utf-8") as f:
        meta = json.load(f)

    samples = {}
    for path in args.rounds:
        with open(path, encoding="utf-8") as f:
            for result in json.load(f).get("results", []):
                samples.setdefault(result["command"], []).extend(result.get("times", []))

    tools = {name: stats(times) for name, times in samples.items() if times}
    ref = args.reference
    ratio = None
    if "tug" in tools and ref in tools:
        t, c = tools["tug"], tools[ref]
        ratio = {
            "median": t["median_s"] / c["median_s"],
            "p95": t["p95_s"] / c["p95_s"],
        }
    report = dict(meta)
    report["results"] = tools
    report["reference"] = ref
    if ref == "docker-compose":
        report["ratio_tug_over_compose"] = ratio
    report["ratio_tug_over_reference"] = ratio
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=False)
        f.write("\n")

    title = args.title or "Benchmark: `config` on a %s-service file with three overlays" % meta.get("input", {}).get("services", "?")
    lines = ["# " + title, ""]
    lines.append("- date: %s" % meta.get("date", "?"))
    lines.append("- machine: %s" % meta.get("machine", "?"))
    lines.append("- tug: %s" % meta.get("tug_version", "?"))
    if ref == "docker-compose":
        lines.append("- docker-compose: %s" % (meta.get("compose_version") or "not installed"))
    else:
        lines.append("- %s: %s" % (ref, meta.get("reference_version") or "not installed"))
    for key, value in meta.get("details", {}).items():
        lines.append("- %s: %s" % (key, value))
    lines.append("- mode: %s (%s)" % (meta.get("mode", "?"), meta.get("settings", "")))
    lines.append("- command: `%s`" % meta.get("command", ""))
    if meta.get("same_output") is not None:
        lines.append("- outputs equal (JSON): %s" % ("yes" if meta["same_output"] else "NO: " + meta.get("output_diff", "")))
    for note in meta.get("notes", []):
        lines.append("- note: %s" % note)
    lines.append("")
    if tools:
        lines.append("| tool | runs | median | p95 | min–max | mean ± sd |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for name in ("tug", ref):
            s = tools.get(name)
            if not s:
                continue
            lines.append(
                "| %s | %d | %s | %s | %s – %s | %s ± %s |"
                % (name, s["runs"], ms(s["median_s"]), ms(s["p95_s"]), ms(s["min_s"]), ms(s["max_s"]), ms(s["mean_s"]), ms(s["stddev_s"]))
            )
        lines.append("")
        if ratio:
            lines.append("tug / %s: **%.3f** at the median, %.3f at p95 (below 1 means tug is faster)." % (ref, ratio["median"], ratio["p95"]))
        else:
            lines.append("No ratio: %s was not measured." % ref)
    else:
        lines.append("No timings: %s" % "; ".join(meta.get("notes", ["nothing was measured"])))
    with open(args.md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
