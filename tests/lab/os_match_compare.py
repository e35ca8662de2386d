#!/usr/bin/env python3
"""Helpers of t_os_match.sh (nmap -O against tests/tools/osmatch).

os_match_compare.py compare NMAP_XML NMAP_NORMAL OSMATCH DB WORKDIR N
    For every host of an nmap -O run: writes its <osfingerprint> to a file, runs OSMATCH -d DB
    on it, and compares the ranked matches (accuracy, line, name, classes) with the host's
    <osmatch> elements; the Device type / Running / OS CPE lines and the kind of answer
    (exact, guesses, too many, none) with nmap's normal output; OSMATCH -f/-F (the
    fingerprint written back) with nmap's text. Prints one line per check; exit status 1
    when anything differs. There must be N hosts with N different fingerprints.

os_match_compare.py mkdb NMAP_XML REAL_DB OUT_DB EXACT_ADDR... -- GUESS_ADDR
    Writes a small database: REAL_DB's MatchPoints, one reference made from the fingerprint
    nmap measured for each EXACT_ADDR ("Lab exact N", numeric SEQ values widened to ranges,
    so that the next run of the same stack matches it exactly), and the first three
    references nmap listed for GUESS_ADDR, copied from REAL_DB (read at run time)."""
import subprocess
import sys
import xml.etree.ElementTree as ET

MAX_CLASSES = 8  # OS_MAX_CLASSES in src/output/result.h
SUMMARY = ("Device type: ", "Running: ", "Running (JUST GUESSING): ", "OS CPE: ")


def verdict(normal):
    """What nmap's normal output says of one host's OS."""
    if "Too many fingerprints match" in normal:
        return "toomany"
    if "OS details:" in normal:
        return "exact"
    if "No exact OS matches" in normal:
        return "guesses"
    return "none"


def hosts(xml):
    """(address, fingerprint text or None, [osmatch elements]) of every host."""
    for host in ET.parse(xml).getroot().iter("host"):
        fpe = host.find("os/osfingerprint")
        yield (host.find("address").get("addr"), None if fpe is None else fpe.get("fingerprint"),
               host.findall("os/osmatch"))


def compare(xml, normal_out, osmatch, db, work, n):
    bad = 0
    prints = {}
    sections = {}
    for part in open(normal_out).read().split("Nmap scan report for ")[1:]:
        sections[part.split()[0]] = part
    for addr, text, osmatches in hosts(xml):
        if text is None:
            print(f"FAIL {addr}: nmap wrote no <osfingerprint>")
            bad = 1
            continue
        prints[addr] = text
        path = f"{work}/{addr}.fp"
        with open(path, "w") as f:
            f.write(text)
        want = []
        for m in osmatches:
            classes = [
                "|".join(c.get(k, "") for k in ("vendor", "osfamily", "osgen", "type"))
                for c in m.findall("osclass")
            ][:MAX_CLASSES]
            want.append("\t".join([m.get("accuracy"), m.get("line"), m.get("name"),
                                   "; ".join(classes)]))
        run = subprocess.run([osmatch, "-d", db, path], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {addr}: osmatch: {run.stderr.strip()}")
            bad = 1
            continue
        lines = run.stdout.splitlines()
        state = lines[0]
        got = [l for l in lines[1:] if not l.startswith(SUMMARY)]
        summary = [l for l in lines if l.startswith(SUMMARY)]
        normal = sections.get(addr, "")
        print(f"   {addr}: nmap lists {len(want)}, osmatch {state}, lists {len(got)}")
        for w in want[:3]:
            print(f"      nmap: {w.split(chr(9))[0]}% {w.split(chr(9))[2]}")
        if got != want:
            bad = 1
            print(f"FAIL {addr}: the lists differ")
            for i in range(max(len(got), len(want))):
                g = got[i] if i < len(got) else "-"
                w = want[i] if i < len(want) else "-"
                print(f"      {'==' if g == w else '!='} nmap: {w}\n         ours: {g}")
        else:
            print(f"ok   {addr}: same matches, order, lines, accuracies and classes")
        said = verdict(normal)
        ours = ("toomany" if state == "toomany" else "exact" if state == "perfect 1"
                else "guesses" if got else "none")
        if said != ours:
            print(f"FAIL {addr}: nmap's normal output says {said}, osmatch {ours}")
            bad = 1
        else:
            print(f"ok   {addr}: both say {said}")
        nmap_summary = [l for l in normal.splitlines() if l.startswith(SUMMARY)]
        if summary != nmap_summary:
            print(f"FAIL {addr}: class summary differs:\n   nmap: {nmap_summary}\n"
                  f"   ours: {summary}")
            bad = 1
        else:
            print(f"ok   {addr}: same Device type / Running / OS CPE lines "
                  f"({len(summary)} lines)")
            for l in summary:
                print(f"      {l}")
        wrapped = text.startswith("OS:")  # nmap writes it unwrapped when unfit for submission
        fmt = subprocess.run([osmatch, "-f" if wrapped else "-F", path], capture_output=True,
                             text=True).stdout
        if fmt != text:
            print(f"FAIL {addr}: the fingerprint written back differs:\n{fmt}\n{text}")
            bad = 1
        else:
            print(f"ok   {addr}: fingerprint written back byte for byte "
                  f"({'wrapped' if wrapped else 'one test a line'})")
    if len(prints) != n or len(set(p.split(")", 1)[1] for p in prints.values())) != n:
        print(f"FAIL {n} hosts with {n} different fingerprints expected")
        bad = 1
    else:
        print(f"ok   {n} different fingerprints")
    return bad


def unwrap(text):
    """nmap's printed fingerprint as one test a line, SCAN dropped."""
    lines = text.splitlines()
    if lines and lines[0].startswith("OS:"):
        lines = ["".join(l[3:] for l in lines).replace(")", ")\n")]
    tests = "\n".join(lines).split("\n")
    return [t for t in tests if t and not t.startswith("SCAN(")]


WIDE = {"SP": "0-FFFFFFFF", "GCD": "1-FFFFFFFF", "ISR": "0-FFFFFFFF", "TS": "U|0-FF"}


def mkdb(xml, real_db, out_db, exact, guess):
    real = open(real_db).read().split("\n")
    start = real.index("MatchPoints")
    end = real.index("", start)
    parts = ["\n".join(real[start:end])]
    by_addr = {a: (t, m) for a, t, m in hosts(xml)}
    for i, addr in enumerate(exact):
        text = by_addr[addr][0]
        tests = []
        for t in unwrap(text):
            name, body = t[:-1].split("(", 1)
            if name == "SEQ":
                attrs = [a.split("=", 1) for a in body.split("%")]
                body = "%".join(f"{k}={WIDE.get(k, v)}" for k, v in attrs)
            tests.append(f"{name}({body})")
        parts.append(f"Fingerprint Lab exact {i + 1}\nClass Lab | LabOS | {i + 1}.X | "
                     f"general purpose\nCPE cpe:/o:lab:labos:{i + 1} auto\n" + "\n".join(tests))
    for m in by_addr[guess][1][:3]:
        line = int(m.get("line")) - 1
        parts.append("\n".join(real[line:real.index("", line)]))
    with open(out_db, "w") as f:
        f.write("\n\n".join(parts) + "\n")
    return 0


def main():
    if sys.argv[1] == "compare":
        return compare(*sys.argv[2:7], int(sys.argv[7]))
    if sys.argv[1] == "mkdb":
        sep = sys.argv.index("--")
        return mkdb(*sys.argv[2:5], sys.argv[5:sep], sys.argv[sep + 1])
    return 2


if __name__ == "__main__":
    sys.exit(main())
