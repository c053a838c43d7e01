#!/usr/bin/env python3
"""Checks that every module depends only downward.

The order is the one Package.swift's header comment lists, bottom to top ("Modules,
bottom to top:", then one line per layer: the module names, comma-separated, then their
purpose). The dependencies are SwiftPM's own (`swift package describe --type json`).
It fails when
  - a source module is missing from the list, or the list names a module that does not exist;
  - a module depends on one on its own line or on a line below it;
  - a source module has no test module named after it (NAMETests), unless the list of
    exceptions below says which test module covers it;
  - a test module is not named after a source module (except the cross-module ones below).
Usage: ops/check-module-layers.py [PACKAGE_DIR] (default: the current directory).
"""
import json
import re
import subprocess
import sys

# Modules tested through another module's tests, and test modules that span several modules.
TESTED_THROUGH = {"ImagingKernels": "ImagingTests", "ImagingKernelsAVX2": "ImagingTests",
                  "PseudoTrackCLI": "CLITests"}
CROSS_MODULE_TESTS = {"FuzzTests"}


def layers_from_header(package_swift):
    lines = open(package_swift, encoding="utf-8").read().splitlines()
    start = next((i for i, line in enumerate(lines) if "Modules, bottom to top" in line), None)
    if start is None:
        sys.exit(f"{package_swift}: no 'Modules, bottom to top' list in the header comment")
    layers = []
    for line in lines[start + 1:]:
        m = re.match(r"//   (\S.*)$", line)
        if not m:
            if line.startswith("//") and not layers:
                continue   # the sentence that introduces the list may run on
            break
        names = re.match(r"([A-Za-z0-9]+(?:, [A-Za-z0-9]+)*)", m.group(1)).group(1)
        layers.append([n.strip() for n in names.split(",")])
    return layers


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    described = subprocess.run(["swift", "package", "--package-path", root, "describe", "--type", "json"],
                               check=True, capture_output=True, text=True).stdout
    targets = {t["name"]: t for t in json.loads(described[described.index("{"):])["targets"]}
    layers = layers_from_header(f"{root}/Package.swift")
    level = {}
    for i, names in enumerate(layers):
        for name in names:
            level[name] = i
    problems = []
    sources = {n for n, t in targets.items() if t["type"] != "test"}
    for name in sorted(sources - level.keys()):
        problems.append(f"{name}: not in Package.swift's list of modules")
    for name in sorted(level.keys() - sources):
        problems.append(f"{name}: listed in Package.swift's header but not a target")
    for name in sorted(sources & level.keys()):
        for dependency in targets[name].get("target_dependencies") or []:
            if dependency in level and level[dependency] >= level[name]:
                where = "on its own line" if level[dependency] == level[name] else "above it"
                problems.append(f"{name} depends on {dependency}, which is {where} in the list (not below)")
    tests = {n for n, t in targets.items() if t["type"] == "test"}
    for name in sorted(sources - {n for n, t in targets.items() if t["type"] == "system-target"}):
        expected = TESTED_THROUGH.get(name, f"{name}Tests")
        if expected not in tests:
            problems.append(f"{name}: no test module {expected}")
    for name in sorted(tests - CROSS_MODULE_TESTS):
        if name[:-len("Tests")] not in sources and name not in TESTED_THROUGH.values():
            problems.append(f"{name}: a test module named after no source module")
    for problem in problems:
        print(f"module layers: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"module layers: {len(sources)} modules in {len(layers)} layers, each depending only on those below; "
          f"{len(tests)} test modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
