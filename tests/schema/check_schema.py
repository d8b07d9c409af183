#!/usr/bin/python3
"""Check the repository's own configs against schema/config.schema.json.

Usage: check_schema.py REPO_TOP

Every *.json under bundles/ and tests/ is a config that crun-lite is meant to accept, except
those below a directory named `bad`, `invalid` or `bad-input`: they are wrong on
purpose (bad-input holds test cases, not configs). Prints one line
per file and a closing `schema: N passed, M failed`; exits non-zero on any failure, and when
no file was checked at all (a moved directory must not turn into a silent pass).
"""

import json
import sys
from pathlib import Path

try:
    import jsonschema
except ImportError:
    print("schema: python3-jsonschema is missing; run tools/install-deps", file=sys.stderr)
    sys.exit(1)

SCHEMA = Path("schema") / "config.schema.json"
SEARCHED = ("bundles", "tests")
SKIPPED_DIRS = {"bad", "invalid", "bad-input"}


class DuplicateKey(ValueError):
    pass


def refuse_duplicates(pairs):
    # json.load keeps the last of two equal keys without a word; crun-lite's parser refuses
    # them, so a fixture with one would mean something different to each.
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"duplicate key `{key}`")
        seen[key] = value
    return seen


def load_json(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file, object_pairs_hook=refuse_duplicates)


def json_path(parts):
    """Spell a jsonschema error path the way crun-lite does: process.args[0]."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "config.json"


def configs_under(top):
    for name in SEARCHED:
        base = top / name
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.json")):
            relative = path.relative_to(top)
            if SKIPPED_DIRS.intersection(relative.parts[:-1]):
                continue
            if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            yield relative


def problems_of(validator, path):
    try:
        document = load_json(path)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return [f"cannot read as JSON: {error}"]
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{json_path(e.absolute_path)}: {e.message}" for e in errors]


def main(argv):
    if len(argv) != 2:
        print("usage: check_schema.py REPO_TOP", file=sys.stderr)
        return 2
    top = Path(argv[1]).resolve()

    try:
        schema = load_json(top / SCHEMA)
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as error:
        print(f"schema: `{SCHEMA}` is not a usable schema: {error}", file=sys.stderr)
        return 1
    validator = validator_class(schema)

    passed = failed = 0
    for relative in configs_under(top):
        problems = problems_of(validator, top / relative)
        if problems:
            failed += 1
            print(f"FAIL {relative}")
            for problem in problems:
                print(f"     {problem}")
        else:
            passed += 1
            print(f"ok   {relative}")

    print(f"schema: {passed} passed, {failed} failed")
    if passed + failed == 0:
        print(f"schema: no config found under {', '.join(SEARCHED)} in `{top}`", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
