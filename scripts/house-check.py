#!/usr/bin/env python3
"""The house limits (issue #15): no Swift file over 400 lines, no function over 60, and no file outside
`targets/<Name>/` naming target <Name>.

Usage: scripts/house-check.py [FOLDER …]   (default: Sources adapters targets, from the repository root)

Reports every Swift file longer than 400 lines (`wc -l`) and every body of a `func`, `init`, `deinit` or
`subscript` longer than 60 lines, then exits 1 if it reported anything (0 otherwise, 2 on a usage error).

Target names: every folder of `targets/` is a target; a Swift file under the folders checked that is not in
`targets/<Name>/` and is not the registry (`Sources/BackfillKit/TargetRegistry.swift`) must not name it
(case-insensitive). JSONL is also a file format (`requests-jsonl`, `.jsonl` files), so for it only the target's
own words count: `JSONL target`, `JSONLTarget…`, `TargetKind.jsonl`, `--target jsonl`.

A body's length is counted from the line of its opening brace to the line of its closing brace, both
included, leaving out blank lines and lines holding only a comment. Closures and nested functions count
toward the function that contains them (a nested function is also checked on its own). Braces are matched
after comments and string literals (including multi-line, raw and interpolated ones) have been blanked out.
"""

import os
import re
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
DEFAULT_FOLDERS = ["Sources", "adapters", "targets"]


def blank_out(text):
    """Returns `text` with comments and the contents of string literals replaced by spaces (newlines kept)."""
    out = list(text)
    n = len(text)

    def blank(start, end):
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    def code(i, stop_at_paren):
        """Scans code from i; with stop_at_paren, returns at the `)` closing an interpolation."""
        depth = 0
        while i < n:
            c = text[i]
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                blank(i, end)
                i = end
            elif text.startswith("/*", i):
                level, j = 1, i + 2
                while j < n and level > 0:
                    if text.startswith("/*", j):
                        level, j = level + 1, j + 2
                    elif text.startswith("*/", j):
                        level, j = level - 1, j + 2
                    else:
                        j += 1
                blank(i, j)
                i = j
            elif c == '"' or (c == "#" and re.match(r'#+"', text[i:i + 20])):
                i = string(i)
            elif stop_at_paren and c == "(":
                depth += 1
                i += 1
            elif stop_at_paren and c == ")":
                if depth == 0:
                    return i + 1
                depth -= 1
                i += 1
            else:
                i += 1
        return i

    def string(i):
        """Scans a string literal starting at i (its opening `#`s or quote); returns the index after it."""
        hashes = 0
        while text[i] == "#":
            hashes, i = hashes + 1, i + 1
        multi = text.startswith('"""', i)
        quote = '"""' if multi else '"'
        i += len(quote)
        closing = quote + "#" * hashes
        escape = "\\" + "#" * hashes
        start = i
        while i < n:
            if text.startswith(escape + "(", i):
                blank(start, i)
                i = code(i + len(escape) + 1, True)
                start = i
            elif text.startswith(escape, i):
                i += len(escape) + 1
            elif text.startswith(closing, i):
                blank(start, i)
                return i + len(closing)
            elif text[i] == "\n" and not multi:
                break
            else:
                i += 1
        blank(start, i)
        return i

    code(0, False)
    return "".join(out)


DECLARATION = re.compile(r"(?<![\w.])(func|init|deinit|subscript)(?![\w])")
NO_BODY = re.compile(r"(?<![\w.])(func|init|deinit|subscript|var|let|case|struct|class|enum|protocol)(?![\w])")


def functions(clean):
    """Yields (name, first line, opening-brace offset, closing-brace offset) for every body in `clean`."""
    for match in DECLARATION.finditer(clean):
        i, depth = match.end(), 0
        while i < len(clean):
            c = clean[i]
            if c in "([<":
                depth += 1
            elif c in ")]>" and depth > 0:
                depth -= 1
            elif c == "{" and depth == 0:
                break
            elif c == "}" and depth == 0:
                i = len(clean)
                break
            elif depth == 0 and NO_BODY.match(clean, i) and i > match.end():
                i = len(clean)
                break
            i += 1
        if i >= len(clean):
            continue  # a requirement without a body
        level, j = 0, i
        while j < len(clean):
            if clean[j] == "{":
                level += 1
            elif clean[j] == "}":
                level -= 1
                if level == 0:
                    break
            j += 1
        header = clean[match.start():i]
        name = re.sub(r"\s+", " ", header.split("(")[0]).strip()
        yield name, clean.count("\n", 0, match.start()) + 1, i, j


def check(path, shown):
    """The problems of one file, naming it `shown`."""
    problems = []
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    total = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if total > MAX_FILE_LINES:
        problems.append(f"{shown}: {total} lines (limit {MAX_FILE_LINES})")
    clean = blank_out(text)
    lines = clean.split("\n")
    for name, line, opening, closing in functions(clean):
        first = clean.count("\n", 0, opening)
        last = clean.count("\n", 0, closing)
        length = sum(1 for k in range(first, last + 1) if lines[k].strip())
        if length > MAX_FUNCTION_LINES:
            problems.append(f"{shown}:{line}: {name} has a {length}-line body (limit {MAX_FUNCTION_LINES})")
    return problems


REGISTRY = os.path.join("Sources", "BackfillKit", "TargetRegistry.swift")
# Targets whose name is also a common word of the code: the patterns that mean the target.
TARGET_PATTERNS = {
    "jsonl": r"jsonl[ -]?target|targetkind\.jsonl|--target[ =]jsonl|jsonlresume",
}


def target_names(root):
    """Each target folder's name and the pattern that finds it named."""
    folder = os.path.join(root, "targets")
    if not os.path.isdir(folder):
        return []
    names = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and not d.startswith("."))
    return [(name, re.compile(TARGET_PATTERNS.get(name.lower(), re.escape(name)), re.IGNORECASE)) for name in names]


def naming_problems(path, shown, root, targets):
    """Lines of `path` naming a target from outside its folder."""
    relative = os.path.relpath(path, root)
    if relative == REGISTRY:
        return []
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    problems = []
    for name, pattern in targets:
        if relative.startswith(os.path.join("targets", name) + os.sep):
            continue
        for number, line in enumerate(lines, 1):
            if pattern.search(line):
                problems.append(f"{shown}:{number}: names target {name} outside targets/{name}/")
    return problems


def main(arguments):
    if any(a in ("-h", "--help") for a in arguments):
        print(__doc__.strip())
        return 0
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folders = [os.path.abspath(f) for f in arguments] or [os.path.join(root, f) for f in DEFAULT_FOLDERS]
    problems = []
    targets = target_names(root)
    for folder in folders:
        if not os.path.exists(folder):
            continue
        for directory, subfolders, files in os.walk(folder):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".swift"):
                    path = os.path.join(directory, name)
                    shown = os.path.relpath(path, root) if path.startswith(root + os.sep) else path
                    problems += check(path, shown)
                    problems += naming_problems(path, shown, root, targets)
    for problem in problems:
        print(problem)
    if problems:
        print(f"house-check: {len(problems)} over the limits", file=sys.stderr)
        return 1
    print(
        "house-check: every file within 400 lines, every function within 60, no target named outside its folder",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
