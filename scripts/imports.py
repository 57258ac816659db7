#!/usr/bin/env python3
"""The picture of runpose's imports between files, and its check: no circles.

For every crate under crates/, each `crate::…` and `super::…` path a file names (in `use` lines and in code) is
resolved to the file that defines the item (following `pub use` re-exports), giving an arrow from the file to that
file. Prints the graph in Graphviz DOT (`scripts/imports.py > imports.dot; dot -Tsvg imports.dot`) and exits 1,
naming them, when files import each other in a circle. `mod x;` declarations are not imports.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")
ITEM = re.compile(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?(?:fn|struct|enum|const|type|trait|static|mod)\s+([A-Za-z_]\w*)", re.M)
PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_]\w*)*)(?:::\{([^;]*?)\})?")


def module_files(src):
    """Module path (tuple of names) -> file, for one crate's src folder."""
    files = {}
    for dirpath, _, names in os.walk(src):
        for n in names:
            if not n.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, n), src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            if rel and rel[-1] == "tests" and n == "tests.rs" and len(rel) > 1:
                pass
            files[tuple(rel)] = os.path.join(dirpath, n)
    return files


def strip_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def main():
    edges, names = set(), {}
    for crate in sorted(os.listdir(ROOT)):
        src = os.path.join(ROOT, crate, "src")
        if not os.path.isdir(src):
            continue
        files = module_files(src)
        by_file = {f: m for m, f in files.items()}
        code = {f: strip_comments(open(f, encoding="utf-8").read()) for f in files.values()}
        defined = {f: set(ITEM.findall(code[f])) for f in files.values()}
        # Re-exports: file -> {name: target module path, or '*' -> [target module paths]}.
        reexports = {}
        for f, text in code.items():
            r = {"*": []}
            for m in re.finditer(r"pub use ((?:crate|super|self)?(?:::)?[\w:]*?)::(\*|\{[^}]*\}|\w+);", text):
                base, what = m.group(1), m.group(2)
                target = resolve_module(by_file[f], base.split("::"), files)
                if target is None:
                    continue
                if what == "*":
                    r["*"].append(target)
                else:
                    for n in re.findall(r"\w+", what):
                        r[n] = target
            reexports[f] = r

        def owner(mod, name, seen=()):
            f = files.get(mod)
            if f is None or mod in seen:
                return None
            if name in defined[f] and (name not in reexports[f]):
                return f
            if name in reexports[f]:
                return owner(reexports[f][name], name, seen + (mod,)) or f
            for t in reexports[f]["*"]:
                o = owner(t, name, seen + (mod,))
                if o:
                    return o
            return f

        for f, text in code.items():
            here = by_file[f]
            for m in PATH.finditer(text):
                if not m.group(2) and not m.group(3):
                    continue
                segs = [m.group(1)] + [s for s in m.group(2).strip(":").split("::") if s]
                tails = [s.strip() for s in (m.group(3) or "").split(",") if s.strip()] or [None]
                for tail in tails:
                    full = segs + (tail.split("::") if tail and tail != "self" else [])
                    target = resolve(here, full, files, owner)
                    if target and target != f and not is_child_declaration(f, target, files):
                        edges.add((short(f), short(target)))
                        names.setdefault(short(f), crate)
    print("digraph imports {\n  rankdir=TB; node [shape=box, fontsize=10];")
    for a, b in sorted(edges):
        print(f'  "{a}" -> "{b}";')
    print("}")
    cycles = find_cycles(edges)
    if cycles:
        for c in cycles:
            print("files importing each other in a circle: " + ", ".join(c), file=sys.stderr)
        sys.exit(1)
    print(f"{len(edges)} imports between files, no circles", file=sys.stderr)


def resolve_module(here, segs, files):
    mod = list(here)
    rest = list(segs)
    if rest and rest[0] == "crate":
        mod, rest = [], rest[1:]
    while rest and rest[0] in ("super", "self"):
        if rest[0] == "super":
            mod = mod[:-1]
        rest = rest[1:]
    for s in rest:
        if tuple(mod + [s]) in files:
            mod.append(s)
        else:
            return None
    return tuple(mod)


def resolve(here, segs, files, owner):
    if segs[0] == "crate":
        mod, rest = [], segs[1:]
    else:
        mod, rest = list(here), list(segs)
        while rest and rest[0] == "super":
            mod, rest = mod[:-1], rest[1:]
    while rest and tuple(mod + [rest[0]]) in files:
        mod.append(rest[0])
        rest = rest[1:]
    if rest:
        return owner(tuple(mod), rest[0])
    return files.get(tuple(mod))


def is_child_declaration(f, target, files):
    return False


def short(path):
    return os.path.relpath(path, ROOT).replace(os.sep + "src" + os.sep, ":")


def find_cycles(edges):
    graph = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, []):
            if w not in index:
                strong(w)
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            strong(v)
    return out


if __name__ == "__main__":
    main()
