#!/usr/bin/env python3
"""Check a Kurultai `.pb` export with the reference tools: pabulib-checker must accept it, and
pabutools, reading it and running the same rule, gives the projects it selects.

Usage: python3 scripts/check_export.py FILE --rule RULE --completion COMPLETION
(RULE and COMPLETION as in `kurultai tally`; the fixtures README maps them to pabutools calls.)
Prints one JSON object: `checker_errors` (null when the checker found no errors; warnings are
allowed), `checker_warnings`, and `selected` (sorted project ids, or null when pabutools has no
counterpart of the rule: the `equalshares_*` completions are equalshares.net's, which the
checker verifies instead when META `rule` is `equalshares/add1`).
Used by tests/api/exports.rs when KURULTAI_PABUTOOLS names a Python with both packages.
"""
import argparse
import json
import pathlib

from pabulib.checker import Checker
from pabutools.election import (
    Additive_Cardinal_Sat,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.election.profile import AbstractApprovalProfile, AbstractOrdinalProfile
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)


def checker_report(path):
    results = Checker().process_files([str(path)])
    entry = results.get(pathlib.Path(path).stem, {}).get("results", {})
    return entry.get("errors") or None, entry.get("warnings") or None


class Cost_Weighted_Points_Sat(AdditiveSatisfaction):
    """Points times cost: pabutools' greedy ranks by satisfaction per cost, so this makes it
    rank points ballots by their points, the reference's greedy (fixtures README), as cost
    utilities do for approval ballots."""

    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(
            self, instance, profile, ballot, lambda i, pr, b, p, pre: b[p] * p.cost if p in b else 0
        )


def as_points(instance, profile):
    """Ordinal ballots as points k, k-1, ... with k = META max_length (else the longest
    ballot), the reference's convention (fixtures README); pabutools has no satisfaction for
    rankings itself."""
    k = int(instance.meta.get("max_length") or max((len(b) for b in profile), default=0))
    return CardinalProfile(
        [CardinalBallot({p: k - r for r, p in enumerate(ballot)}) for ballot in profile],
        instance=instance,
    )


def pabutools_selected(path, rule, completion):
    instance, profile = parse_pabulib(str(path))
    if isinstance(profile, AbstractOrdinalProfile):
        profile = as_points(instance, profile)
    # Cost utilities for approval ballots, the points for the others (as the tally does).
    sat = Cost_Sat if isinstance(profile, AbstractApprovalProfile) else Additive_Cardinal_Sat
    if rule == "greedy":
        by = Cost_Sat if sat is Cost_Sat else Cost_Weighted_Points_Sat
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=by)
    elif rule == "phragmen":
        outcome = sequential_phragmen(instance, profile)
    elif rule == "equal_shares" and completion == "none":
        outcome = method_of_equal_shares(instance, profile, sat_class=sat)
    elif rule == "equal_shares" and completion == "add1":
        outcome = method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1)
    elif rule == "equal_shares" and completion == "add1_greedy":
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}],
        )
    else:
        return None
    return sorted(p.name for p in outcome)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--rule", required=True)
    ap.add_argument("--completion", default="none")
    args = ap.parse_args()
    errors, warnings = checker_report(args.file)
    print(
        json.dumps(
            {
                "checker_errors": errors,
                "checker_warnings": warnings,
                "selected": pabutools_selected(args.file, args.rule, args.completion),
            },
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
