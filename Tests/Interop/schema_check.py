"""Validates scenario files against PayLab's JSON Schema with the jsonschema package.

Usage: schema_check.py SCHEMA FILE...  Prints one line per file: "ok FILE" or
"invalid FILE: MESSAGE". Exits 0 when it could check every file.
"""
import json
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    """YAML as PayLab reads it: date-times stay text."""


Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    document = yaml.load(open(path), Loader=Loader)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        print(f"invalid {path}: {errors[0].message} at {'/'.join(map(str, errors[0].path))}")
    else:
        print(f"ok {path}")
