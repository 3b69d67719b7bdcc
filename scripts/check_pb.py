#!/usr/bin/env python3
"""Validate every `.pb` file in a directory with pabulib-checker (PyPI `pabulib-checker`).

Usage: python3 scripts/check_pb.py DIR
Exits 0 when every file is valid (warnings allowed), 1 otherwise, printing each file's errors.
Used by tests/pabulib_writer.rs when KURULTAI_PB_CHECKER names a Python with the checker.
"""
import json
import pathlib
import sys

from pabulib.checker import Checker


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    files = sorted(str(p) for p in pathlib.Path(sys.argv[1]).glob("*.pb"))
    if not files:
        print(f"no .pb files in {sys.argv[1]}")
        return 1
    results = Checker().process_files(files)
    bad = 0
    for path in files:
        name = pathlib.Path(path).stem
        errors = results.get(name, {}).get("results", {}).get("errors")
        if errors:
            bad += 1
            print(f"INVALID {name}: {json.dumps(errors, ensure_ascii=False, default=str)}")
        else:
            print(f"valid   {name}")
    print(f"{len(files) - bad} of {len(files)} files valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
