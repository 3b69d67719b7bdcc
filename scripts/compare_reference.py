#!/usr/bin/env python3
"""Run `kurultai tally` on every fixture and rule of the README mapping; print agreement.

Usage: scripts/compare_reference.py [FIXTURE_DIR] [--binary target/release/kurultai] [--timeout S]
A development aid (the real check is `cargo test --test tally_agreement`); prints times too.
"""
import argparse, json, pathlib, subprocess, time

RULES = {
    "greedy": ["--rule", "greedy", "--tie-break", "pabutools"],
    "mes": ["--rule", "equal_shares", "--completion", "none", "--tie-break", "pabutools"],
    "mes_add1": ["--rule", "equal_shares", "--completion", "add1", "--tie-break", "pabutools"],
    "mes_add1_greedy": ["--rule", "equal_shares", "--completion", "add1_greedy", "--tie-break", "pabutools"],
    "phragmen": ["--rule", "phragmen", "--tie-break", "pabutools"],
    "checker_mes_add1": ["--rule", "equal_shares", "--completion", "equalshares_add1", "--tie-break", "equalshares"],
    "checker_mes_add1_greedy": ["--rule", "equal_shares", "--completion", "equalshares_add1u", "--tie-break", "equalshares"],
}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default="../shared/fixtures/pabulib")
    ap.add_argument("--binary", default="target/release/kurultai")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    root = pathlib.Path(args.dir)
    for pb in sorted(root.glob("*.pb")):
        expected = json.loads((root / "expected" / (pb.stem + ".json")).read_text())
        for key, opts in RULES.items():
            entry = expected["rules"].get(key)
            if not entry or entry["status"] != "ok":
                continue
            t = time.time()
            try:
                out = subprocess.run([args.binary, "tally", str(pb), "--json", *opts], capture_output=True,
                                     text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"TIMEOUT {pb.stem} {key}")
                continue
            dt = time.time() - t
            got = sorted(json.loads(out.stdout)["selected"]) if out.returncode == 0 else out.stderr.strip()
            ok = got == entry["selected"]
            print(f"{'ok  ' if ok else 'FAIL'} {pb.stem:50} {key:25} {dt:8.3f}s (reference {entry['time_s']}s)")
            if not ok:
                print("   got ", got, "\n   want", entry["selected"])

main()
