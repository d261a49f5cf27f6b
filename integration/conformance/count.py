"""Counts the checks of one conformance run: prints "PASSED FAILED".

Reads every checks.json under the results folder the suite wrote with -o. SUCCESS is
passed; FAILURE and WARNING are failed; INFO and SKIPPED count as neither.
"""

import json
import pathlib
import sys

passed = failed = 0
for checks in pathlib.Path(sys.argv[1]).glob("**/checks.json"):
    for check in json.loads(checks.read_text()):
        status = check.get("status")
        if status == "SUCCESS":
            passed += 1
        elif status in ("FAILURE", "WARNING"):
            failed += 1
print(passed, failed)
