#!/usr/bin/python3
"""svc_compare.py - compare -sV answers of nmap and portreeve (both nmap XML).

usage: svc_compare.py NMAP.xml PORTREEVE.xml [--min N]

For every port nmap identified by probing (method="probed"), portreeve must give the same
service name, product, version and tunnel. nmap's -sV also runs its NSE "version" scripts
(snmp-info appends "; net-snmp SNMPv3 server" to the snmp product); portreeve's native
modules (docs/svc.md) must give the same.
Prints one line per port and a summary; exit 0 when all agree (and at least N ports were
compared), 1 otherwise, 2 on bad input.
"""
import sys
import xml.etree.ElementTree as ET


def services(path):
    out = {}
    root = ET.parse(path).getroot()
    for host in root.iter("host"):
        addr = next((a.get("addr") for a in host.iter("address")
                     if a.get("addrtype") in ("ipv4", "ipv6")), None)
        for port in host.iter("port"):
            st = port.find("state")
            if st is None or st.get("state") not in ("open", "open|filtered"):
                continue
            svc = port.find("service")
            key = (addr, port.get("protocol"), int(port.get("portid")))
            if svc is None:
                out[key] = None
                continue
            out[key] = {k: svc.get(k, "") for k in
                        ("name", "product", "version", "tunnel", "method")}
    return out


def main():
    args = sys.argv[1:]
    need = 0
    if "--min" in args:
        i = args.index("--min")
        need = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__)
        return 2
    try:
        nm, pr = services(args[0]), services(args[1])
    except (OSError, ET.ParseError) as e:
        print("bad input:", e)
        return 2
    bad = compared = 0
    for key in sorted(set(nm) | set(pr), key=lambda k: (k[0] or "", k[1], k[2])):
        n, p = nm.get(key), pr.get(key)
        label = "%s %d/%s" % (key[0], key[2], key[1])
        if not n or n["method"] != "probed":
            if p and p["method"] == "probed" and n:
                print("  %-22s nmap: table %s; portreeve: %s %s %s" % (label, n["name"], p["name"], p["product"], p["version"]))
            continue
        compared += 1
        if not p:
            print("DIFF %-22s nmap: %s %s %s; portreeve: nothing" % (label, n["name"], n["product"], n["version"]))
            bad += 1
            continue
        fields = ("name", "product", "version", "tunnel")
        diffs = [f for f in fields if n[f] != p[f]]
        shown = "%s%s %s %s" % ("ssl/" if n["tunnel"] else "", n["name"], n["product"], n["version"])
        if diffs:
            bad += 1
            print("DIFF %-22s nmap: %s | portreeve: %s%s %s %s (differs in %s)" % (
                label, shown, "ssl/" if p["tunnel"] else "", p["name"], p["product"], p["version"], ",".join(diffs)))
        else:
            print("same %-22s %s" % (label, shown))
    print("compared %d services identified by nmap: %d agree, %d differ" % (compared, compared - bad, bad))
    if compared < need:
        print("too few services compared (want at least %d)" % need)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
