#!/usr/bin/env bash
# Four load parts as four processes, started at one --start-at instant, against one issuer
# host PayLab did not write (issuer_host.py): the host sees no STAN twice in a DE7 second and
# answers nothing 94, every part reconciles, and the merged report's counts are the parts'
# added and its percentiles those of the merged histogram.
# Usage (in a folder with pki/ from `paylab pki init pki` and cards.json): load_in_parts.sh PAYLAB REPO
set -euo pipefail
paylab=$1 repo=$2
python3 "$repo/Tests/Interop/issuer_host.py" --port 9101 --cards cards.json --year 2026 --seen seen.txt \
    --cert pki/sut.pem --key pki/sut-key.pem --client-ca pki/ca.pem > parts-host.log 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true' EXIT
sleep 1
at=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)
pids=()
for i in 1 2 3 4; do
    timeout 120 "$paylab" load "$repo/Examples/load-your-issuer.yaml" --pki pki --part $i/4 --start-at "$at" \
        --concurrency 2 --duration 3s --json part$i.json > part$i.txt 2>&1 &
    pids+=($!)
done
for i in 1 2 3 4; do wait "${pids[$((i - 1))]}" || { echo "part $i/4 failed"; cat part$i.txt parts-host.log; exit 1; }; done
timeout 60 "$paylab" load merge part1.json part2.json part3.json part4.json --json parts.json > parts.txt
python3 - "$at" <<'PY'
import json, sys
from collections import Counter
from datetime import datetime
parts = [json.load(open("part%d.json" % i)) for i in range(1, 5)]
merged = json.load(open("parts.json"))
for index, part in enumerate(parts, 1):
    assert part["reconciled"] is True, (index, part["problems"])
    assert part["part"] == "%d/4" % index and part["sent"] > 0, part["part"]
lines = [line.split() for line in open("seen.txt")]
purchases = [line for line in lines if line[0] == "0200"]
pairs = Counter((line[1], line[2]) for line in purchases)
repeated = [pair for pair, count in pairs.items() if count > 1]
assert not repeated, "the host saw these STAN and DE7 more than once: %s" % repeated[:5]
assert not [line for line in lines if line[4] == "94"], "the host answered 94"
assert len(purchases) == sum(part["approved"] for part in parts), (len(purchases), [part["approved"] for part in parts])
for key in ("sent", "approved", "timeouts", "unmatched", "reversals"):
    assert merged[key] == sum(part[key] for part in parts), key
assert merged["parts"] == 4 and merged["reconciled"] is True
# The merged histogram is the parts' added, value by value; its percentiles are read from it.
histogram = Counter()
for part in parts:
    for value, count in part["latency_us"]:
        histogram[value] += count
assert Counter({value: count for value, count in merged["latency_us"]}) == histogram
total = sum(histogram.values())
for name, percentile in (("p50", 50), ("p99", 99)):
    seen, value = 0, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen * 100 >= percentile * total:
            break
    # HdrHistogram reports a bucket's highest equivalent value: within its 0.1% resolution.
    assert abs(merged["latency_ms"][name] * 1000 - value) <= max(2, value * 0.002), (name, merged["latency_ms"][name], value)
# Every part started at the asked instant, and the merge says how far apart they started.
asked = datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
started = [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in merged["started_at"]]
assert all(0 <= (s - asked).total_seconds() < 1.0 for s in started), (asked, started)
assert any("started" in warning and "apart" in warning for warning in merged["warnings"]), merged["warnings"]
print("load in 4 parts: %d purchases, no STAN and DE7 twice at the host, nothing 94, the merge exact" % len(purchases))
PY
