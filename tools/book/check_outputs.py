#!/usr/bin/python3
"""Fails when executed notebooks show a reader what is not theirs to read: a compiler warning under a cell, a
progress bar left at its first state (0/N: its updates never reached the executed copy), the kernel's own package
lists ("Installed Packages", "Restore sources") or extension notes ("Loading extensions from ..."), a cell value shown
with all its digits (12 or more decimals), or more than one line of packages in a chapter (the set-up, Workbook.Notebook.ChapterSetup, reports all packages in one line).

Usage: check_outputs.py DIR [DIR ...]   (folders of executed copies: artifacts/notebooks, artifacts/jupyter)
Each problem is one line: FAILED <folder>/<notebook> cell <N>: <what>; exit status 1 when there is any, 2 when a
folder holds no executed chapter. Cell numbers count every cell from 1, markdown included, as the runners do.
"""
import json
import os
import re
import sys

WARNING = re.compile(r"\bwarning CS\d{4}\b")
# What the kernel writes while it resolves packages and loads their notebook extensions, when nothing shortens it.
KERNEL_NOISE = re.compile(r"Loading extensions? from|Loaded kernel extension|Loading extension script|Restore sources|Install(ed|ing) Packages", re.I)
# ChapterSetup's one line of packages (its formatter for the kernel's package report).
PACKAGE_LINE = re.compile(r"(^|>)Packages: ")
# A number printed at full double precision (0.009078540839254856): unreadable, and more digits than any result has.
LONG_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{12,}(?![\w.])")
SCRIPT = re.compile(r"<script.*?</script>", re.S)
# A lib/Notebook/ProgressBar as HTML: "<b>label</b> done/total <progress".
PROGRESS = re.compile(r"<b>([^<]*)</b> (\d+)/(\d+) <progress")
# The Jupyter kernel's own start-up script (it finds the kernel's HTTP API from a live notebook page); invisible.
KERNEL_BOOTSTRAP = "dotnet-interactive-this-cell-"


def text_of(output):
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "".join(text) if isinstance(text, list) else text
    data = output.get("data", {})
    parts = []
    for mime in ("text/plain", "text/html", "text/markdown"):
        value = data.get(mime)
        if value is not None:
            parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def problems_of(path, noise):
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        for output in cell.get("outputs", []):
            text = text_of(output)
            if KERNEL_BOOTSTRAP in text:
                continue
            for line in text.splitlines():
                if WARNING.search(line):
                    yield number, f"compiler warning: {line.strip()[:200]}"
            # Only a cell's value, which the kernel formats: printed text and tables show what their author chose
            # (a file's bytes, a bit-exact checksum).
            long_number = LONG_NUMBER.search(SCRIPT.sub("", text)) if output.get("output_type") == "execute_result" else None
            if long_number:
                yield number, f"a number with all 17 digits ({long_number.group(0)}): round it (F3, G4, P1) before printing"
            noisy = KERNEL_NOISE.search(text)
            if noisy:
                yield number, f"the kernel's package or extension output ('{noisy.group(0)}'): load packages through ChapterSetup.LoadAsync"
            if PACKAGE_LINE.search(text):
                noise.append(number)
            for label, done, total in PROGRESS.findall(text):
                if int(done) == 0 and int(total) > 0:
                    yield number, f"progress bar '{label}' shows 0/{total}: its updates are missing from the executed copy"


def main(folders):
    if not folders:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failures, checked, most_noise = 0, 0, (0, "")
    for folder in folders:
        chapters = sorted(f for f in os.listdir(folder) if re.match(r"^[0-9]{2}-.*\.ipynb$", f)) if os.path.isdir(folder) else []
        if not chapters:
            print(f"check_outputs: no executed chapters (NN-name.ipynb) in {folder}", file=sys.stderr)
            return 2
        for name in chapters:
            checked += 1
            noise = []
            for cell, problem in problems_of(os.path.join(folder, name), noise):
                failures += 1
                print(f"FAILED {os.path.join(folder, name)} cell {cell}: {problem}")
            if len(noise) > 1:
                failures += 1
                print(f"FAILED {os.path.join(folder, name)} cells {', '.join(map(str, noise))}: {len(noise)} lines of packages; a chapter shows one")
            if len(noise) > most_noise[0]:
                most_noise = (len(noise), f"{os.path.join(folder, name)} (cells {', '.join(map(str, noise))})")
    print(f"Output check: {checked} executed notebook(s), {failures} problem(s); at most {most_noise[0]} "
          f"line(s) of packages in a chapter{': ' + most_noise[1] if most_noise[0] else ''}.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
