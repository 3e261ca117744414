#!/usr/bin/env python3
"""The licences of everything the .deb bundles, in one file.

In: `cargo metadata` for the packaged build (features turbojpeg and heif) on this platform; each crate's own
licence files in cargo's registry (and libjpeg-turbo's, which turbojpeg-sys builds from source
inside it). Out: OUT (default packaging/out/THIRD-PARTY-LICENSES.txt): for every crate linked
into the binary, its name, version, licence expression and the text of its licence files; crates
with no file of their own are listed with their expression. The embedded font's licence (SIL OFL
1.1) ships beside it as its own file. Usage: python3 packaging/licences.py [OUT]
"""
import json
import os
import subprocess
import sys

LICENCE_NAMES = ("license", "licence", "copying", "notice", "copyright")


def licence_files(root):
    """Licence files at the crate's top, and one level down (a vendored C library)."""
    found = []
    for depth_dir in [root] + [os.path.join(root, d) for d in sorted(os.listdir(root))
                               if os.path.isdir(os.path.join(root, d))]:
        try:
            names = sorted(os.listdir(depth_dir))
        except OSError:
            continue
        for name in names:
            path = os.path.join(depth_dir, name)
            if os.path.isfile(path) and name.lower().startswith(LICENCE_NAMES):
                found.append(path)
    return found


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "packaging/out/THIRD-PARTY-LICENSES.txt"
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--features", "turbojpeg,heif",
         "--filter-platform", "x86_64-unknown-linux-gnu"]))
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    # What the binary links: normal dependencies only, transitively (build scripts and tests aside).
    seen, stack = set(), [root]
    while stack:
        node = nodes[stack.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    crates = sorted((packages[i] for i in seen), key=lambda p: (p["name"], p["version"]))
    lines = ["Third-party software in lightbox",
             "================================", "",
             f"{len(crates)} Rust crates are compiled into the lightbox binary. It also contains",
             "libjpeg-turbo (built from source by turbojpeg-sys; its licence is under that crate",
             "below), and links the system's libheif (Debian's libheif1, installed as a dependency;",
             "its licence is in /usr/share/doc/libheif1). The embedded Noto Sans SC font is under",
             "the SIL Open Font License 1.1 (LICENSE-OFL.txt beside this file).", ""]
    # The same text (the Apache licence, say) is written once, and named where it recurs.
    first = {}
    for p in crates:
        lines.append("-" * 78)
        lines.append(f"{p['name']} {p['version']}: {p.get('license') or 'see its licence file'}")
        if p.get("repository"):
            lines.append(p["repository"])
        lines.append("")
        for path in licence_files(os.path.dirname(p["manifest_path"])):
            rel = os.path.relpath(path, os.path.dirname(p["manifest_path"]))
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read().rstrip()
            key = " ".join(text.split())
            if key in first:
                lines.append(f"--- {p['name']}/{rel}: the same text as {first[key]}")
                continue
            first[key] = f"{p['name']}/{rel}"
            lines.append(f"--- {p['name']}/{rel}")
            lines.append(text)
            lines.append("")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{out}: {len(crates)} crates")


if __name__ == "__main__":
    main()
