#!/usr/bin/env python3
"""os_match_compare.py NMAP_XML NMAP_NORMAL OSMATCH WORKDIR N — for every host of an nmap -O
run (t_os_match.sh): writes its <osfingerprint> to a file, runs OSMATCH on it, and compares
the ranked matches (accuracy, line, name, classes) with the host's <osmatch> elements, the
kind of answer (exact, guesses, too many, none) with nmap's normal output, and OSMATCH -f
(the fingerprint written back) with nmap's text. Prints one line per check; exit status 1
when anything differs. The N hosts' fingerprints must all differ (the variants took
effect)."""
import subprocess
import sys
import xml.etree.ElementTree as ET

MAX_CLASSES = 8  # OS_MAX_CLASSES in src/output/result.h


def verdict(normal):
    """What nmap's normal output says of one host's OS."""
    if "Too many fingerprints match" in normal:
        return "toomany"
    if "OS details:" in normal:
        return "exact"
    if "No exact OS matches" in normal:
        return "guesses"
    return "none"


def main():
    xml, normal_out, osmatch, work = sys.argv[1:5]
    bad = 0
    prints = {}
    sections = {}
    for part in open(normal_out).read().split("Nmap scan report for ")[1:]:
        sections[part.split()[0]] = part
    for host in ET.parse(xml).getroot().iter("host"):
        addr = host.find("address").get("addr")
        fpe = host.find("os/osfingerprint")
        if fpe is None:
            print(f"FAIL {addr}: nmap wrote no <osfingerprint>")
            bad = 1
            continue
        text = fpe.get("fingerprint")
        prints[addr] = text
        path = f"{work}/{addr}.fp"
        with open(path, "w") as f:
            f.write(text)
        want = []
        for m in host.findall("os/osmatch"):
            classes = [
                "|".join(c.get(k, "") for k in ("vendor", "osfamily", "osgen", "type"))
                for c in m.findall("osclass")
            ][:MAX_CLASSES]
            want.append("\t".join([m.get("accuracy"), m.get("line"), m.get("name"), "; ".join(classes)]))
        run = subprocess.run([osmatch, path], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {addr}: osmatch: {run.stderr.strip()}")
            bad = 1
            continue
        lines = run.stdout.splitlines()
        state, got = lines[0], lines[1:]
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
        said = verdict(sections.get(addr, ""))
        ours = "toomany" if state == "toomany" else ("exact" if state == "perfect 1" else
                                                     ("guesses" if got else "none"))
        if said != ours:
            print(f"FAIL {addr}: nmap's normal output says {said}, osmatch {ours}")
            bad = 1
        else:
            print(f"ok   {addr}: both say {said}")
        wrapped = text.startswith("OS:")  # nmap writes it unwrapped when unfit for submission
        fmt = subprocess.run([osmatch, "-f" if wrapped else "-F", path], capture_output=True,
                             text=True).stdout
        if fmt != text:
            print(f"FAIL {addr}: the fingerprint written back differs:\n{fmt}\n{text}")
            bad = 1
        else:
            print(f"ok   {addr}: fingerprint written back byte for byte "
                  f"({'wrapped' if wrapped else 'one test a line'})")
    n = int(sys.argv[5])
    if len(prints) != n or len(set(p.split(")", 1)[1] for p in prints.values())) != n:
        print(f"FAIL {n} hosts with {n} different fingerprints expected")
        bad = 1
    else:
        print(f"ok   {n} different fingerprints")
    return bad


if __name__ == "__main__":
    sys.exit(main())
