#!/usr/bin/env python3
"""Generates the `config` benchmark input: one large Compose file and three -f overlays.

    gen.py OUT_DIR [--services N]

Writes into OUT_DIR:
  compose.yaml          N services (default 300) built from YAML anchors, merge keys (`<<`)
                        and `x-` extensions, with a shallow depends_on graph, named volumes, bind
                        mounts, two networks, healthchecks, interpolated ports and a .env;
  overlay-env.yaml      environment overrides for every 2nd service (map and list forms);
  overlay-ports.yaml    extra published ports for every 3rd service (merged by unique key);
  overlay-labels.yaml   labels for every service plus an x- extension and its own anchors;
  .env                  the variables the files interpolate.

The output is deterministic, so runs on different days load the same bytes.
Only the standard library is used.
"""

import argparse
import os
import sys

IMAGES = ["busybox:1.36", "alpine:3.19", "nginx:1.25-alpine", "redis:7-alpine", "postgres:16-alpine"]


def base_file(n):
    out = []
    w = out.append
    w("name: bench")
    w("")
    w("x-logging: &logging")
    w("  driver: json-file")
    w("  options:")
    w('    max-size: "10m"')
    w('    max-file: "3"')
    w("")
    w("x-common: &common")
    w("  restart: unless-stopped")
    w("  logging: *logging")
    w("  stop_grace_period: 5s")
    w("  labels:")
    w("    com.example.stack: bench")
    w("  environment: &common-env")
    w("    LOG_LEVEL: ${LOG_LEVEL:-info}")
    w("    REGION: ${REGION:?REGION must be set}")
    w("    TZ: UTC")
    w("")
    w("x-health: &health")
    w("  healthcheck:")
    w('    test: ["CMD-SHELL", "wget -qO- http://localhost/ || exit 1"]')
    w("    interval: 30s")
    w("    timeout: 5s")
    w("    retries: 3")
    w("    start_period: 10s")
    w("")
    w("x-limits: &limits")
    w("  deploy:")
    w("    resources:")
    w("      limits:")
    w('        cpus: "0.50"')
    w("        memory: 256M")
    w("      reservations:")
    w("        memory: 64M")
    w("")
    w("services:")
    for i in range(n):
        name = "svc%03d" % i
        w("  %s:" % name)
        merges = ["*common"]
        if i % 2 == 0:
            merges.append("*health")
        if i % 5 == 0:
            merges.append("*limits")
        w("    <<: [%s]" % ", ".join(merges))
        w("    image: %s" % IMAGES[i % len(IMAGES)])
        if i % 4 == 0:
            w('    command: ["sh", "-c", "echo %s && sleep 3600"]' % name)
        else:
            w("    command: sleep 3600")
        w("    environment:")
        w("      <<: *common-env")
        w("      SERVICE_NAME: %s" % name)
        w('      SERVICE_INDEX: "%d"' % i)
        w("      UPSTREAM: http://svc%03d:80" % ((i + 1) % n))
        w("    ports:")
        w('      - "${BIND_ADDR:-127.0.0.1}:%d:80"' % (20000 + i))
        if i % 3 == 0:
            w("      - target: 443")
            w("        published: \"%d\"" % (30000 + i))
            w("        protocol: tcp")
        w("    volumes:")
        w("      - data%d:/var/lib/data" % (i % 10))
        w("      - ./conf/%s:/etc/%s:ro" % (name, name))
        if i % 7 == 0:
            w("      - type: tmpfs")
            w("        target: /tmp")
            w("        tmpfs:")
            w("          size: 1048576")
        w("    networks:")
        w("      - front" if i % 2 == 0 else "      - back")
        if i % 10 == 0:
            w("      - back" if i % 2 == 0 else "      - front")
        # A shallow graph: every service waits for its group's head (svcX0), and each head
        # waits for svc000. Long chains with shortcuts make compose-go's graph walk blow up
        # exponentially, which would measure that rather than loading.
        head = i - i % 10
        if i > 0:
            w("    depends_on:")
            if head != i:
                cond = "service_healthy" if head % 2 == 0 else "service_started"
                w("      svc%03d:" % head)
                w("        condition: %s" % cond)
                if i % 10 == 5 and head >= 10:
                    w("      svc%03d:" % (head - 10))
                    w("        condition: service_started")
                    w("        required: false")
            else:
                w("      svc000:")
                w("        condition: service_healthy")
                w("        restart: true")
        if i % 6 == 0:
            w("    ulimits:")
            w("      nofile:")
            w("        soft: 20000")
            w("        hard: 40000")
        if i % 8 == 0:
            w("    extra_hosts:")
            w('      - "db.internal:10.0.0.%d"' % (i % 250 + 1))
        w("    x-owner: team-%d" % (i % 12))
    w("")
    w("networks:")
    w("  front: {}")
    w("  back:")
    w("    driver: bridge")
    w("    ipam:")
    w("      config:")
    w("        - subnet: 172.28.0.0/16")
    w("")
    w("volumes:")
    for v in range(10):
        w("  data%d:" % v)
        if v % 3 == 0:
            w("    labels:")
            w("      com.example.volume: data%d" % v)
    w("")
    w("x-generated-by: bench/config/gen.py")
    return "\n".join(out) + "\n"


def overlay_env(n):
    out = ["services:"]
    for i in range(0, n, 2):
        out.append("  svc%03d:" % i)
        out.append("    environment:")
        if i % 4 == 0:
            out.append("      LOG_LEVEL: debug")
            out.append('      FEATURE_FLAGS: "a,b,c"')
            out.append("      OVERRIDE_INDEX: \"%d\"" % i)
        else:
            out.append("      - LOG_LEVEL=warn")
            out.append("      - EXTRA_%03d=${EXTRA_VALUE:-x}" % i)
    return "\n".join(out) + "\n"


def overlay_ports(n):
    out = ["services:"]
    for i in range(0, n, 3):
        out.append("  svc%03d:" % i)
        out.append("    ports:")
        # Same unique key as the base file's first port: merged, not duplicated.
        out.append('      - "127.0.0.1:%d:80"' % (20000 + i))
        out.append('      - "%d:8080/udp"' % (40000 + i))
    return "\n".join(out) + "\n"


def overlay_labels(n):
    out = [
        "x-team-labels: &team-labels",
        "  com.example.managed-by: bench",
        "  com.example.cost-center: \"42\"",
        "",
        "services:",
    ]
    for i in range(n):
        out.append("  svc%03d:" % i)
        out.append("    labels:")
        out.append("      <<: *team-labels")
        out.append("      com.example.index: \"%d\"" % i)
        if i % 25 == 0:
            out.append("    x-reviewed: true")
    return "\n".join(out) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--services", type=int, default=300)
    args = ap.parse_args(argv)
    if args.services < 1:
        ap.error("--services must be at least 1")
    os.makedirs(args.out_dir, exist_ok=True)
    files = {
        "compose.yaml": base_file(args.services),
        "overlay-env.yaml": overlay_env(args.services),
        "overlay-ports.yaml": overlay_ports(args.services),
        "overlay-labels.yaml": overlay_labels(args.services),
        ".env": "REGION=eu-west-1\nLOG_LEVEL=info\nEXTRA_VALUE=from-dotenv\n",
    }
    for name, text in files.items():
        with open(os.path.join(args.out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    total = sum(len(t) for t in files.values())
    print("wrote %d services, %d files, %d bytes to %s" % (args.services, len(files), total, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
