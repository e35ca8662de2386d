#!/usr/bin/env python3
"""man_check.py — does a man page document exactly the options a command has?

Usage: man_check.py PORTREEVE COMMAND PAGE [--also PAGE]... [--source FILE:FUNCTION]...

Three sets of options are compared:
  help   every option named in `PORTREEVE COMMAND --help` (an option of another command,
         written after its name as in "detect --block" or in a backquoted command line of
         it as in `detect --db URI --block`, is not this command's);
  page   every option in a tag line (.TP/.IP) of the man page PAGE;
  source every option a parser function of src/cli compares against: strcmp(x, "-o"),
         getopt_long tables {"name", ..._argument} and cli_opt tables {"--name", n}.
The check fails (exit 1, one line per difference) when an option of help is in no page
(PAGE or an --also page, for options a command shares with another), when PAGE documents
an option help does not name, or when a parser takes an option help does not name.
Exit 0 when the sets agree, 2 on a usage error."""
import re
import subprocess
import sys

OPT = re.compile(r"(?:^|(?<=[\s,|(\[.=\"/]))(--?[a-zA-Z0-9][-a-zA-Z0-9]*)")
OTHER_CMD = re.compile(r"\b(scan|detect|block|audit|history|diff|demo|journalctl)\s+$")
COMMANDS = {"scan", "detect", "block", "audit", "history", "diff", "demo"}
IMPLICIT = {"-h", "--help"}  # every command takes them; --help is what is read


def canon(opt):
    """One name per option: -T0..-T5 are -T; a trailing '-' (-p-) is dropped."""
    opt = opt.rstrip("-") or opt
    return "-T" if re.fullmatch(r"-T[0-5]?", opt) else opt


def help_opts(prog, cmd):
    out = subprocess.run([prog, cmd, "--help"], capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        sys.exit(f"man_check: '{prog} {cmd} --help' exited {out.returncode}")
    found = set()
    for line in (out.stdout + out.stderr).splitlines():
        for m in OPT.finditer(line):
            before = line[: m.start()]
            if OTHER_CMD.search(before) and not before.rstrip().endswith(cmd):
                continue  # "detect --block" in block's help: another command's option
            quoted = re.search(r"`(?:portreeve\s+)?(\w+)[^`]*$", before)
            if quoted and before.count("`") % 2 and quoted.group(1) in COMMANDS - {cmd}:
                continue  # `detect --db URI --block`: a command line of another command
            found.add(canon(m.group(1)))
    return found


def roff_text(line):
    """A roff tag line as plain text: macro name, font escapes and quotes removed."""
    line = re.sub(r"^\.(B|I|BR|BI|IR|RB|IB|RI)\s+", "", line)
    line = re.sub(r"\\f[BIRP]|\\f\(..", "", line)
    line = line.replace("\\-", "-").replace("\\ ", " ").replace("\\&", "")
    return line.replace('"', " ")


def page_opts(path):
    found = set()
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            tag = lines[i + 1]
        elif line.startswith(".IP "):
            tag = line[4:]
        else:
            continue
        text = roff_text(tag).strip()
        if not text.startswith("-"):
            continue  # a tag that is not an option (a file, a policy key, a finding kind)
        for m in OPT.finditer(text):
            found.add(canon(m.group(1)))
    return found


def source_opts(spec):
    path, func = spec.rsplit(":", 1)
    with open(path, encoding="utf-8") as f:
        src = f.read()
    if func == "*":
        body = src
    else:
        m = re.search(r"^(static\s+)?[a-z][^\n]*\b" + re.escape(func) + r"\(.*?^}", src, re.S | re.M)
        if not m:
            sys.exit(f"man_check: no function {func} in {path}")
        body = m.group(0)
    found = set(re.findall(r'strn?cmp\([^,]+,\s*"(-[^"]+)"', body))
    found |= {"--" + n for n in re.findall(r'\{"([a-z][-a-z0-9]*)",\s*\w+_argument', body)}
    found |= set(re.findall(r'\{"(--?[a-zA-Z][-a-zA-Z0-9]*)",\s*[01]\}', body))
    return {canon(o) for o in found if o not in ("-", "--")} - IMPLICIT


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    prog, cmd, page = argv[1:4]
    also, sources = [], []
    rest = argv[4:]
    while rest:
        if rest[0] == "--also" and len(rest) > 1:
            also.append(rest[1])
        elif rest[0] == "--source" and len(rest) > 1:
            sources.append(rest[1])
        else:
            print(__doc__, file=sys.stderr)
            return 2
        rest = rest[2:]
    hopts = help_opts(prog, cmd)
    popts = page_opts(page)
    aopts = set().union(*(page_opts(p) for p in also)) if also else set()
    bad = []
    for o in sorted(hopts - popts - aopts):
        bad.append(f"{page}: does not document {o} (named in '{cmd} --help')")
    for o in sorted(popts - hopts - IMPLICIT):
        bad.append(f"{page}: documents {o}, which '{cmd} --help' does not name")
    for spec in sources:
        for o in sorted(source_opts(spec) - hopts):
            bad.append(f"{spec}: parses {o}, which '{cmd} --help' does not name")
    for line in bad:
        print(line)
    print(f"man_check {cmd}: {len(hopts)} options in --help, {len(popts)} in {page}, "
          f"{len(bad)} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
