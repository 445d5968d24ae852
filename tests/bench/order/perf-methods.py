#!/usr/bin/env python3
"""The managed methods that appear in `perf script -F ip,sym` output of a Native AOT run (samples with call chains:
page faults and CPU samples of a start), in the order they first appear, outermost frame of each chain first.
Every frame of a chain was running, so each name is a method the start ran, as the AOT compiler names it (which a
JIT run's names only approximate: AOT-only code such as the runtime's type loader, start-up and reflection paths).
  usage: perf-methods.py NM-OUTPUT PERF-SCRIPT... > METHODS"""
import sys

methods = set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tT":
        methods.add(parts[2])
seen, order = set(), []
for path in sys.argv[2:]:
    for block in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
        frames = []
        for line in block.strip().split("\n"):
            parts = line.split(None, 1)
            if len(parts) == 2:
                name = parts[1].strip()
                name = name.rsplit("+0x", 1)[0]
                if name in methods:
                    frames.append(name)
        for name in reversed(frames):
            if name not in seen:
                seen.add(name)
                order.append(name)
print("\n".join(order))
print(f"{len(order)} methods", file=sys.stderr)
