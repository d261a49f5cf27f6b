"""Counts the checks of one conformance run: prints "PASSED LEFT_OUT UNEXPECTED".

Usage: count.py RESULTS_DIR EXPECTED_FAILURES_YML

Reads every checks.json under the results folder the suite wrote with -o. SUCCESS is
passed; a FAILURE or WARNING is left out when the baseline lists its scenario or
`scenario:check-id`, unexpected otherwise; INFO and SKIPPED count as neither. (The
suite itself decides the run's verdict; this only counts for the summary line.)
"""

import json
import pathlib
import re
import sys

results, baseline = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
listed = {
    line.strip()[2:].strip()
    for line in baseline.read_text().splitlines()
    if line.strip().startswith("- ")
}
passed = left_out = unexpected = 0
for checks in results.glob("**/checks.json"):
    # Folders are named server-SCENARIO-TIMESTAMP.
    scenario = re.sub(r"-\d{4}-\d\d-\d\dT.*$", "", checks.parent.name)
    scenario = scenario.removeprefix("server-")
    for check in json.loads(checks.read_text()):
        status = check.get("status")
        if status == "SUCCESS":
            passed += 1
        elif status in ("FAILURE", "WARNING"):
            if scenario in listed or f"{scenario}:{check.get('id')}" in listed:
                left_out += 1
            else:
                unexpected += 1
print(passed, left_out, unexpected)
