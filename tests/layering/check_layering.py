#!/usr/bin/env python3
"""Checks sealmail's layering rules over a source tree; prints each violation, exits 1 if any.

Two rules (docs/architecture.md):
1. A C library's header is included only in its adapter folder:
   rnp/ → src/pgp, gmime/ → src/mime, unbound.h → src/dns, opendkim/ → src/dkim,
   opendmarc/ → src/dmarc, sqlite3.h → src/store/sqlite,
   libpq-fe.h and pqxx/ → src/store/postgres. Tests, benchmarks and fuzzers outside src/ may
   include them (to drive a baseline or a peer).
2. A folder under src/ includes only headers of its own folder and of the folders below it:
   base ← net, dns, pgp, auth, mime, store ← spf, dkim, dmarc, smtp, imap, http ← server, client
   ← bridge, cli.
"""
import pathlib
import re
import sys

ADAPTERS = [
    (re.compile(r"rnp/"), "src/pgp/"),
    (re.compile(r"gmime/"), "src/mime/"),
    (re.compile(r"unbound\.h"), "src/dns/"),
    (re.compile(r"opendkim/"), "src/dkim/"),
    (re.compile(r"opendmarc/"), "src/dmarc/"),
    (re.compile(r"sqlite3\.h"), "src/store/sqlite/"),
    (re.compile(r"libpq-fe\.h|pqxx/"), "src/store/postgres/"),
]

LAYER = {
    "base": 0,
    "net": 1, "dns": 1, "pgp": 1, "auth": 1, "mime": 1, "store": 1,
    "spf": 2, "dkim": 2, "dmarc": 2, "smtp": 2, "imap": 2, "http": 2,
    "server": 3, "client": 3,
    "bridge": 4, "cli": 4,
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
SOURCE_SUFFIXES = {".h", ".hpp", ".cc", ".cpp", ".inc"}


def violations(root: pathlib.Path):
    for path in sorted(root.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel.startswith("build") or "/build" in rel:
            continue
        in_src = rel.startswith("src/")
        folder = rel.split("/")[1] if in_src and rel.count("/") >= 2 else None
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            header = m.group(1)
            for pattern, adapter in ADAPTERS:
                if pattern.match(header) and in_src and not rel.startswith(adapter):
                    yield f"{rel}:{number}: <{header}> belongs to {adapter} only"
            if folder in LAYER:
                target = header.split("/")[0]
                if "/" in header and target in LAYER and target != folder \
                        and LAYER[target] >= LAYER[folder]:
                    yield (f"{rel}:{number}: src/{folder} may not include {header} "
                           f"(src/{target} is not below it)")


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else ".").resolve()
    found = list(violations(root))
    for v in found:
        print(v)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
