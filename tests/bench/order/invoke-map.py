#!/usr/bin/env python3
"""The managed methods of the reflection invoke map that a start visits, as the AOT compiler names them, in address
order. ASP.NET Core's host calls Delegate.GetMethodInfo() at every start (GenericWebHostBuilder.Configure); on Native
AOT that builds a reverse lookup of the whole invoke map, and for each entry the runtime reads the method's unwind data
(RhGetTargetOfUnboxingAndInstantiatingStub -> FindMethodInfo). Placed together in the code, their unwind data lies
together too, instead of in some 55 scattered 64 KB pieces of .eh_frame and .dotnet_eh_table (tests/bench/FOOTPRINT.md).
The input is the entry addresses gdb saw passed to that runtime function (make-order.sh); entries in the unboxing-stub
section are left out (that section is small and contiguous already; the order file cannot place stubs).
  usage: invoke-map.py NM-OUTPUT GDB-ADDRESSES > METHODS"""
import bisect, re, sys

symbols = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    parts = line.split(None, 2)
    if len(parts) == 3 and parts[1] in "tT":
        symbols.append((int(parts[0], 16), parts[2].strip()))
symbols.sort()
starts = [s[0] for s in symbols]
names = {}
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    if not re.fullmatch(r"[0-9a-f]+", line.strip()):
        continue
    address = int(line, 16)
    i = bisect.bisect_right(starts, address) - 1
    if i >= 0 and symbols[i][0] == address and not symbols[i][1].startswith("unbox_"):
        names[address] = symbols[i][1]
print("\n".join(names[a] for a in sorted(names)))
print(f"{len(names)} methods of the invoke map", file=sys.stderr)
