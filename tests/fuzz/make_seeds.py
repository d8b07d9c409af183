#!/usr/bin/python3
"""Writes the fuzz target's seed corpus: every config.json of bundles/ and tests/configs/, the
configs in tests/fuzz/seeds/ (one that sets every field crun-lite reads), the config of each
case of the bad-input corpus (tests/bad-input/README.md has its format), and the
`process` object of each of them, as `exec --process` takes it.

Usage: make_seeds.py SOURCE_DIR OUT_DIR. Files are named by their SHA-1, as libFuzzer names
what it finds, so a seed written twice is kept once.
"""
import glob
import hashlib
import json
import os
import sys

# Bad-input cases edit the test harness's default config; any good config serves as the base of
# a seed, so the example bundle's is taken.
BASE_CONFIG = "bundles/busybox/config.json"

# libFuzzer's inputs stay small to stay fast: the corpus's huge cases (a 16 MB string, 100000
# open brackets) are cut to this size, which still passes the parser's nesting limit.
MAX_SEED_BYTES = 64 * 1024

PLACEHOLDERS = {"{bundle}": "/tmp/bundle", "{good}": "/tmp/good", "{id}": "seed",
                "{image}": "rootfs"}


def expand(value):
    if isinstance(value, str):
        for marker, replacement in PLACEHOLDERS.items():
            value = value.replace(marker, replacement)
        return value
    if isinstance(value, list):
        return [expand(item) for item in value]
    if isinstance(value, dict):
        return {key: expand(item) for key, item in value.items()}
    return value


def pointer_parts(pointer):
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


def set_pointer(document, pointer, value):
    *parents, last = pointer_parts(pointer)
    for part in parents:
        document = document[int(part)] if isinstance(document, list) else \
            document.setdefault(part, {})
    if isinstance(document, list):
        index = len(document) if last == "-" else int(last)
        document[index:index + 1] = [value]
    else:
        document[last] = value


def remove_pointer(document, pointer):
    *parents, last = pointer_parts(pointer)
    try:
        for part in parents:
            document = document[int(part)] if isinstance(document, list) else document[part]
        del document[int(last) if isinstance(document, list) else last]
    except (KeyError, IndexError, ValueError):
        pass  # the base config lacks what the case removes: nothing to do


def latin1_bytes(text):
    return text.encode("latin-1")


def repeated_text(repeat):
    before = repeat.get("before", "").encode()
    after = repeat.get("after", "").encode()
    unit = repeat["unit"].encode()
    room = (MAX_SEED_BYTES - len(before) - len(after)) // len(unit)
    return before + unit * min(repeat["count"], room) + after


def case_config(case, base):
    if "text" in case:
        return expand(case["text"]).encode()
    if "text_latin1" in case:
        return latin1_bytes(expand(case["text_latin1"]))
    if "text_repeat" in case:
        return repeated_text(case["text_repeat"])
    config = json.loads(json.dumps(base))
    for pointer, value in case.get("set", {}).items():
        set_pointer(config, pointer, expand(value))
    for pointer in case.get("remove", []):
        remove_pointer(config, pointer)
    return json.dumps(config, indent=2).encode()


def seeds(source):
    """Yields each seed's bytes."""
    for path in sorted(glob.glob(f"{source}/bundles/*/config.json") +
                       glob.glob(f"{source}/tests/configs/*/config.json") +
                       glob.glob(f"{source}/tests/fuzz/seeds/*.json")):
        with open(path, "rb") as config:
            yield config.read()

    with open(f"{source}/{BASE_CONFIG}", encoding="utf-8") as config:
        base = json.load(config)
    for path in sorted(glob.glob(f"{source}/tests/bad-input/*.json")):
        with open(path, encoding="utf-8") as corpus:
            for case in json.load(corpus):
                if case.get("config") not in ("missing", "directory"):
                    yield case_config(case, base)


def process_of(seed):
    """The seed's `process` object as a process.json, when it has one."""
    try:
        process = json.loads(seed).get("process")
    except (ValueError, AttributeError, RecursionError):
        return None
    return json.dumps(process, indent=2).encode() if process is not None else None


def main():
    source, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    written = set()
    for seed in seeds(source):
        for data in (seed, process_of(seed)):
            if data is None:
                continue
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(out, name), "wb") as file:
                file.write(data)
            written.add(name)
    print(f"make_seeds: {len(written)} seeds in {out}")


if __name__ == "__main__":
    main()
