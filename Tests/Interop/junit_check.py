#!/usr/bin/env python3
"""Reads a JUnit XML file with junitparser (a reader PayLab did not write) and prints
what it understood as JSON: each suite's name, counts, seed property and test cases."""
import json
import sys

from junitparser import JUnitXml, TestSuite

xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in (xml if not isinstance(xml, TestSuite) else [xml]):
    cases = []
    for case in suite:
        failures = [r for r in case.result if r._tag == "failure"]
        cases.append({
            "name": case.name,
            "classname": case.classname,
            "time": case.time,
            "passed": case.is_passed,
            "skipped": case.is_skipped,
            "failure": failures[0].message if failures else None,
            "failure_text": failures[0].text if failures else None,
        })
    suites.append({
        "name": suite.name,
        "tests": suite.tests,
        "failures": suite.failures,
        "time": suite.time,
        "seed": [p.value for p in suite.properties() if p.name == "seed"],
        "cases": cases,
    })
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "suites": suites}))
