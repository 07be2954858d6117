#!/usr/bin/env python3
"""layers.py OBJDIR: the one-way rule, checked on the build's objects.

Reads OBJDIR/*.o with nm: file A depends on file B when A.o uses a symbol
that B.o defines. Fails (exit 1) when any files of sim/ depend on each
other in a loop (a strongly connected group of more than one file), or
when a file of a lower step of the pipeline uses one of a higher step (the
RULES below). Prints what ties each offending pair. Exit 2: no objects.
"""
import glob, os, subprocess, sys

# Parts of the pipeline and what must never use what (pipeline.h).
PARTS = {
    "wire": ["listener", "accept", "conn", "service"],
    "layers": ["tls", "stream", "http", "answer", "response"],
    "farend": ["persona", "persona_kit", "ums", "fin", "route", "reply",
               "request"],
    "faults": ["fault", "inject", "timeline", "delay"],
    "record": ["journal", "metrics", "log"],
    "serve": ["server"],
    "control": ["control"],
}
NEVER = [
    ("farend", "wire", "the far end never calls back up the pipe"),
    ("farend", "layers", "the far end never calls back up the pipe"),
    ("layers", "wire", "a layer hands work down, never up"),
    ("control", "wire", "control speaks to serve and faults, not to connections"),
    ("faults", "serve", "the fault machinery does not know the server"),
    ("faults", "wire", "the fault machinery does not know the connections"),
    ("record", "serve", "metrics are told, they do not look"),
]


def name_of(obj):
    b = os.path.basename(obj)[:-2]
    return b.split("-", 1)[1] if b.startswith("libstandin_a-") else b


def symbols(obj):
    out = subprocess.run(["nm", "-P", obj], capture_output=True,
                         text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] == "U":
            used.add(f[0])
        elif f[1] in "TDBRCVW":
            defined.add(f[0])
    return defined, used


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    objs = [o for o in sorted(glob.glob(os.path.join(sys.argv[1], "*.o")))
            if name_of(o) not in ("main", "fixtures_data")]
    if not objs:
        print("layers.py: no objects in %s" % sys.argv[1], file=sys.stderr)
        return 2
    owner, uses = {}, {}
    for o in objs:
        d, u = symbols(o)
        for s in d:
            owner[s] = name_of(o)
        uses[name_of(o)] = u
    edges = {a: {} for a in uses}
    for a, u in uses.items():
        for s in sorted(u):
            b = owner.get(s)
            if b is not None and b != a:
                edges[a].setdefault(b, []).append(s)
    bad = 0
    # Tarjan's strongly connected components.
    index, low, stack, on, n = {}, {}, [], set(), [0]

    def visit(v):
        nonlocal bad
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                bad += 1
                print("cycle: " + ", ".join(sorted(comp)))
                for a in sorted(comp):
                    for b in sorted(edges[a]):
                        if b in comp:
                            print("  %s -> %s: %s" % (a, b,
                                  ", ".join(edges[a][b][:6])))
    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    part = {f: p for p, fs in PARTS.items() for f in fs}
    for a in sorted(edges):
        for b in sorted(edges[a]):
            for pa, pb, why in NEVER:
                if part.get(a) == pa and part.get(b) == pb:
                    bad += 1
                    print("never %s -> %s (%s): %s.c -> %s.c: %s" % (
                        pa, pb, why, a, b, ", ".join(edges[a][b][:6])))
    print("%d files, %d problems" % (len(edges), bad))
    return 1 if bad else 0


sys.exit(main())
