#!/usr/bin/env python3
"""Fails when the modules of a Rust crate import each other in a circle.

Usage: scripts/module-cycles.py [CRATE_DIR ...]   (default: every crate below the current directory)

A module is a file (`src/a.rs`, `src/a/mod.rs`); inline `mod x { .. }` blocks belong to
their file. An edge A -> B is a path in A's code that names B: `use crate::b::T`,
`crate::b::f()`, `super::T`, `self::b::T`, expanded through use-trees. A name that
a module re-exports (`pub use c::T;`) resolves to where it comes from, so a crate root
that re-exports `CompileError` is not a hub that every module depends on. `mod`
declarations are not edges. Test code (`#[cfg(test)]` items) is left out: a test module
reading its parent is not a dependency of the library.

We keep this small checker instead of `cargo modules dependencies --acyclic` because
installing cargo-modules (it builds rust-analyzer) costs CI several minutes; both count
the same `use` edges. Strings and comments are ignored.
"""

import os
import re
import sys

# Crate paths are reported relative to the directory it runs in (the repository root).
ROOT = os.getcwd()


def strip_comments_and_strings(text):
    """Replaces comments and string/char literals by spaces, keeping line numbers."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 20]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4] + "    ") or text.startswith("'\\u{", i):
            j = text.find("'", i + 2) + 1
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def remove_test_items(text):
    """Blanks `#[cfg(test)]` items (a module or function with its braces)."""
    out = list(text)
    for m in re.finditer(r"#\[cfg\(test\)\]", text):
        j = m.end()
        while j < len(text) and text[j] not in "{;":
            j += 1
        if j < len(text) and text[j] == "{":
            depth = 0
            k = j
            while k < len(text):
                if text[k] == "{":
                    depth += 1
                elif text[k] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            j = k
        for k in range(m.start(), min(j + 1, len(text))):
            if out[k] != "\n":
                out[k] = " "
    return "".join(out)


def expand_use_tree(tree):
    """`a::{b, c::{d, e as f}}` -> [a::b, a::c::d, a::c::e] (renames dropped)."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    start = tree.find("{")
    if start < 0:
        return [tree]
    prefix = tree[:start]
    inner = tree[start + 1:tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    if cur:
        parts.append(cur)
    result = []
    for p in parts:
        for e in expand_use_tree(p):
            result.append(prefix.rstrip(":") if e == "self" else prefix + e)
    return result


class Crate:
    def __init__(self, src):
        self.src = src
        self.modules = {}  # module path tuple -> file
        self.reexports = {}  # module -> {name: full path tuple}
        root = "lib.rs" if os.path.exists(os.path.join(src, "lib.rs")) else "main.rs"
        self._collect((), os.path.join(src, root))

    def _collect(self, mod, path):
        self.modules[mod] = path
        text = remove_test_items(strip_comments_and_strings(open(path, encoding="utf-8").read()))
        base = os.path.dirname(path) if path.endswith(("mod.rs", "lib.rs", "main.rs")) else path[:-3]
        for m in re.finditer(r"(?:#\[path\s*=\s*\"([^\"]+)\"\]\s*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text):
            name = m.group(2)
            for cand in (os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")):
                if os.path.exists(cand):
                    self._collect(mod + (name,), cand)
                    break

    def resolve(self, mod, segments):
        """The module a path (already made absolute) lands in."""
        best = ()
        for k in range(len(segments), -1, -1):
            if tuple(segments[:k]) in self.modules:
                best = tuple(segments[:k])
                rest = segments[k:]
                break
        else:
            return ()
        if rest:
            target = self.reexports.get(best, {}).get(rest[0])
            if target is not None and target[:len(best)] != best or (target is not None and len(target) > len(best) + 1):
                if target != tuple(segments):
                    return self.resolve(best, list(target) + list(rest[1:]))
        return best


def absolute(mod, path):
    segs = path.split("::")
    if segs[0] == "crate":
        return segs[1:]
    cur = list(mod)
    if segs[0] == "self":
        return cur + segs[1:]
    while segs and segs[0] == "super":
        cur = cur[:-1]
        segs = segs[1:]
    return cur + segs


def module_text(crate, mod):
    return remove_test_items(strip_comments_and_strings(open(crate.modules[mod], encoding="utf-8").read()))


def inline_module_at(text, pos):
    """Names of inline `mod x {` blocks enclosing `pos`."""
    stack = []
    for m in re.finditer(r"\bmod\s+(\w+)\s*\{|\{|\}", text[:pos]):
        tok = m.group(0)
        if tok.startswith("mod"):
            stack.append(m.group(1))
        elif tok == "{":
            stack.append(None)
        else:
            if stack:
                stack.pop()
    return tuple(s for s in stack if s is not None)


def edges_of(crate):
    edges = {}
    texts = {mod: module_text(crate, mod) for mod in crate.modules}
    # Re-exports first, so paths resolve through them.
    for mod, text in texts.items():
        for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", text):
            for p in expand_use_tree(m.group(1)):
                if not re.match(r"^(crate|super|self)\b|^\w+::", p):
                    continue
                segs = p.split("::")
                if segs[0] not in ("crate", "super", "self") and tuple([segs[0]]) not in [(k[len(mod)],) for k in crate.modules if len(k) > len(mod) and k[:len(mod)] == mod]:
                    continue
                full = absolute(mod, p if segs[0] in ("crate", "super", "self") else "self::" + p)
                if full and full[-1] != "*":
                    crate.reexports.setdefault(mod, {})[full[-1]] = tuple(full)
    for mod, text in texts.items():
        for m in re.finditer(r"\buse\s+([^;]+);", text):
            inner = inline_module_at(text, m.start())
            here = mod + inner
            for p in expand_use_tree(m.group(1)):
                segs = p.split("::")
                if segs[0] not in ("crate", "super", "self"):
                    if tuple(mod + (segs[0],)) in crate.modules:
                        p = "self::" + p
                    else:
                        continue
                add_edge(crate, edges, mod, here, p, text, m.start())
        for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", text):
            if re.search(r"\buse\s+[^;]*$", text[max(0, m.start() - 200):m.start()]):
                continue
            inner = inline_module_at(text, m.start())
            add_edge(crate, edges, mod, mod + inner, m.group(1), text, m.start())
        # Bare paths into a child module (`conv::lower(cx)` in `ops/mod.rs`).
        for m in re.finditer(r"(?<![\w:])(\w+(?:::\w+)+)", text):
            first = m.group(1).split("::")[0]
            if first in ("crate", "super", "self") or mod + (first,) not in crate.modules:
                continue
            if re.search(r"\b(?:use|mod)\s+[^;{]*$", text[max(0, m.start() - 200):m.start()]):
                continue
            add_edge(crate, edges, mod, mod, "self::" + m.group(1), text, m.start())
    return edges


def add_edge(crate, edges, mod, here, path, text, pos):
    if path.startswith("self") and len(here) > len(mod):
        # Inside an inline module, `self::` is that module; it has no file of its own.
        return
    full = absolute(here, path)
    target = crate.resolve(mod, full)
    if target == mod:
        return
    line = text.count("\n", 0, pos) + 1
    edges.setdefault(mod, {}).setdefault(target, (crate.modules[mod], line, path))


def find_cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]
    nodes = set(edges) | {t for ts in edges.values() for t in ts}

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
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
                sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sccs


def name(mod):
    return "crate" if not mod else "::".join(mod)


def crate_dirs():
    dirs = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in ("target", ".git", ".venv", "node_modules") and not d.startswith(".")]
        if "Cargo.toml" in filenames and os.path.isdir(os.path.join(dirpath, "src")):
            src = os.path.join(dirpath, "src")
            if os.path.exists(os.path.join(src, "lib.rs")) or os.path.exists(os.path.join(src, "main.rs")):
                dirs.append(dirpath)
    return sorted(dirs)


def main(argv):
    dirs = argv or crate_dirs()
    failed = False
    for d in dirs:
        crate = Crate(os.path.join(d, "src"))
        edges = edges_of(crate)
        cycles = find_cycles(edges)
        rel = os.path.relpath(d, ROOT)
        if not cycles:
            print(f"{rel}: {len(crate.modules)} modules, no import cycle")
            continue
        failed = True
        for comp in cycles:
            members = set(comp)
            print(f"{rel}: import cycle among {len(comp)} modules: {', '.join(sorted(name(m) for m in comp))}")
            for a in sorted(comp):
                for b, (file, line, path) in sorted(edges.get(a, {}).items()):
                    if b in members:
                        print(f"    {name(a)} -> {name(b)}   ({os.path.relpath(file, ROOT)}:{line}: {path})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
