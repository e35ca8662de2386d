#!/usr/bin/env python3
"""Finds include cycles between modules of src/ (a module is dir/name: its .c and .h).

Usage: include_cycles.py SRC_DIR [PREFIX...]
Prints each cycle once ("a -> b -> a"); with PREFIXes only cycles through a module whose
name starts with one of them. Exit status 1 when a cycle is printed."""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "src"
prefixes = tuple(sys.argv[2:])
edges = {}
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith((".c", ".h")):
            continue
        mod = os.path.relpath(os.path.join(d, f[:-2]), root)
        with open(os.path.join(d, f), errors="replace") as fh:
            for line in fh:
                m = re.match(r'\s*#\s*include\s+"([^"]+)\.h"', line)
                if m and m.group(1) != mod:
                    edges.setdefault(mod, set()).add(m.group(1))

cycles = set()


def walk(node, stack, on_stack):
    for nxt in sorted(edges.get(node, ())):
        if nxt in on_stack:
            c = stack[stack.index(nxt):]
            k = c.index(min(c))
            cycles.add(tuple(c[k:] + c[:k]))
        else:
            on_stack.add(nxt)
            stack.append(nxt)
            walk(nxt, stack, on_stack)
            stack.pop()
            on_stack.discard(nxt)


for start in sorted(edges):
    walk(start, [start], {start})
shown = [c for c in sorted(cycles) if not prefixes or any(m.startswith(prefixes) for m in c)]
for c in shown:
    print(" -> ".join(c + (c[0],)))
sys.exit(1 if shown else 0)
