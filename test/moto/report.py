"""Summarises bin/moto/SUITE.jsonl into a Markdown report on stdout.

  report.py RESULTS_DIR SUITE...

Failures whose node id (or a prefix of it ending in "::" or a file path) is
listed in test/moto/moto-specific.tsv ("ID<TAB>reason") count as
"not AWS behaviour": the test asserts something only moto does (its reset
and other /moto-api endpoints, moto-internal imports, mocked docker, etc.).
Pass rate = passed / (passed + failed that are AWS behaviour).
"""
import json
import os
import sys


def load_classes(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            ident, _, reason = line.partition("\t")
            out.append((ident.strip(), reason.strip()))
    return out


def classify(nodeid, classes):
    best = None
    for ident, reason in classes:
        if nodeid == ident or nodeid.startswith(ident + "[") or \
                (ident.endswith(("::", ".py")) and nodeid.startswith(ident)):
            if best is None or len(ident) > len(best[0]):
                best = (ident, reason)
    return best[1] if best else None


def main():
    results, suites = sys.argv[1], sys.argv[2:]
    here = os.path.dirname(os.path.abspath(__file__))
    classes = load_classes(os.path.join(here, "moto-specific.tsv"))
    rows, details = [], []
    for s in suites:
        path = os.path.join(results, s + ".jsonl")
        if not os.path.exists(path):
            continue
        recs = {}
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                prev = recs.get(r["nodeid"])
                if prev is None or r["outcome"] == "failed":
                    recs[r["nodeid"]] = r
        passed = [r for r in recs.values() if r["outcome"] == "passed"]
        skipped = [r for r in recs.values() if r["outcome"] == "skipped"]
        failed = [r for r in recs.values() if r["outcome"] == "failed"]
        moto, gap = [], []
        for r in failed:
            reason = classify(r["nodeid"], classes)
            (moto if reason else gap).append((r, reason))
        denom = len(passed) + len(gap)
        rate = 100.0 * len(passed) / denom if denom else 0.0
        rows.append((s, len(recs), len(passed), len(gap), len(moto), len(skipped), rate))
        details.append((s, gap, moto))
    print("| suite | tests | passed | failed (AWS behaviour) | failed, not AWS behaviour | skipped by moto in server mode | pass rate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s, n, p, g, m, k, rate in rows:
        print(f"| {s} | {n} | {p} | {g} | {m} | {k} | {rate:.1f}% |")
    for s, gap, moto in details:
        print(f"\n### {s}: failing, AWS behaviour ({len(gap)})\n")
        for r, _ in sorted(gap, key=lambda x: x[0]["nodeid"]):
            print(f"- `{r['nodeid']}` — {r['message'].replace('|', '/')[:200]}")
        print(f"\n### {s}: failing, not AWS behaviour ({len(moto)})\n")
        for r, reason in sorted(moto, key=lambda x: x[0]["nodeid"]):
            print(f"- `{r['nodeid']}` — {reason}")


if __name__ == "__main__":
    main()
