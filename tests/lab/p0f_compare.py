#!/usr/bin/python3
"""p0f_compare.py P0F.LOG OURS.TXT — compares p0f's own log (-o) with tests/tools/p0f_pcap's
lines for the same capture, packet by packet (keyed by mode and client address/port): the
label (os= or app=, ??? when none) and whether the match was generic or fuzzy. Prints each
disagreement and a summary; exit 0 when they agree on every packet p0f reported."""
import ipaddress, re, sys

def norm(hostport):
    host, port = hostport.rsplit("/", 1)
    return str(ipaddress.ip_address(host)) + "/" + port

def p0f_log(path):
    out = {}
    for line in open(path, encoding="latin-1"):
        f = dict(kv.split("=", 1) for kv in line.strip().split("] ", 1)[-1].split("|") if "=" in kv)
        if f.get("mod") not in ("syn", "syn+ack"):
            continue
        label = f.get("os", f.get("app", "???"))
        params = f.get("params", "")
        out[(f["mod"], norm(f["cli"]))] = (label, "generic" in params, "fuzzy" in params)
    return out

def ours(path):
    out = {}
    pat = re.compile(r"^(\S+) -> (\S+) mod=(\S+) (?:os|app)=(.*) generic=(\d) fuzzy=(\d) ")
    for line in open(path):
        m = pat.match(line)
        src, dst, mod, label, gen, fuz = m.groups()
        cli = src if mod == "syn" else dst
        out[(mod, norm(cli))] = (label, gen == "1", fuz == "1")
    return out

ref, got = p0f_log(sys.argv[1]), ours(sys.argv[2])
bad = 0
for key, want in sorted(ref.items()):
    have = got.get(key)
    if have != want:
        bad += 1
        if bad <= 20:
            print("differs:", key, "p0f:", want, "portreeve:", have)
labels = len({v[0] for v in ref.values()})
print("%d packets p0f reported, %d labels, %d disagreements, %d packets portreeve alone read"
      % (len(ref), labels, bad, len(set(got) - set(ref))))
sys.exit(1 if bad or not ref else 0)
