#!/usr/bin/env python3
"""Turns the methods a JIT run compiled (DOTNET_JitStdOutFile with DOTNET_JitDisasmSummary=1, in the order the run
compiled them) into the Native AOT compiler's symbol names (nm of the AOT executable), for the compiler's --order
file. A JIT name is matched by namespace, type and method name, without generic arguments and overloads: every
instantiation and overload of a method the start ran is listed (a few more methods than the start needs, never
fewer). Names the AOT executable does not have (inlined, or only in the JIT build) are skipped.
  usage: jit-to-ilc.py JIT-SUMMARY NM-OUTPUT > ORDER"""
import re, sys

def strip_brackets(s, open_, close):
    out, depth = [], 0
    for ch in s:
        if ch == open_: depth += 1
        elif ch == close: depth -= 1
        elif depth == 0: out.append(ch)
    return "".join(out)

def key(s):
    return re.sub(r"[^A-Za-z0-9]", "_", s)

# "   12: JIT compiled Namespace.Type`1[args]:Method[margs](params) [Tier, IL size=..., code size=...]"
jit_keys = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"\s*\d+: JIT compiled (.+?)\((?:[^()]|\([^()]*\))*\) \[", line)
    if not m:
        continue
    name = strip_brackets(m.group(1), "[", "]")
    jit_keys.setdefault(key(name.replace(":", "::")), len(jit_keys))

# nm: "address type name"; managed methods are local text symbols.
order = []
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    parts = line.split(maxsplit=2)
    if len(parts) != 3 or parts[1] not in "tT":
        continue
    name = parts[2].strip()
    bare = re.sub(r"_\d+$", "", strip_brackets(name, "<", ">"))
    tokens = bare.split("_")
    # The compiler prefixes the assembly's name (S_P_CoreLib, Webhook, Microsoft_AspNetCore_Http, ...): try each cut.
    for cut in range(0, min(len(tokens), 8)):
        k = "_".join(tokens[cut:])
        if k in jit_keys:
            order.append((jit_keys[k], name))
            break
order.sort(key=lambda t: t[0])
seen = set()
for _, name in order:
    if name not in seen:
        seen.add(name)
        print(name)
print(f"{len(jit_keys)} JIT methods, {len(seen)} AOT symbols", file=sys.stderr)
