#!/usr/bin/python3
"""states.py — bench/run's helper: reads the scanners' outputs, compares them with the truth
the bench set up, and measures a transmit rate.

  states.py check FORMAT FILE TRUTH
      FORMAT: nmapxml (nmap or portreeve -oX), json (portreeve -oJ lines), masscan (-oL),
      zmap (one address per line). TRUTH is a file of lines
          scope ADDR[,ADDR|CIDR...] PROTO LO-HI DEFAULT_STATE
          ADDR PROTO PORT STATE          (an exception to the default)
      Tools that report open ports only (masscan, zmap) are compared on the set of open
      (addr, proto, port); the others on the state of every pair in scope. Prints one line:
          exact|WRONG <n wrong> open <found>/<true> [examples]
  states.py txsample IFACE MAX_S      print "t tx_packets" every 2 ms until SIGTERM or MAX_S
  states.py txrate SAMPLES            the sending rate in a sample file: packets between the last
      sample before the counter moved and the first sample at its final value, over that time
"""
import ipaddress
import json
import signal
import sys
import time
import xml.etree.ElementTree as ET


def expand_ports(spec):
    out = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(range(int(lo), int(hi) + 1))
        elif part:
            out.append(int(part))
    return out


def read_truth(path):
    scope, exc = [], {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "scope":
                addrs = []
                for a in w[1].split(","):
                    addrs.extend(str(x) for x in ipaddress.ip_network(a, strict=False))
                scope.append((addrs, w[2], expand_ports(w[3]), w[4]))
            else:
                exc[(w[0], w[1], int(w[2]))] = w[3]
    truth = {}
    for addrs, proto, ports, default in scope:
        for a in addrs:
            for p in ports:
                truth[(a, proto, p)] = default
    for k, v in exc.items():
        if k in truth:
            truth[k] = v
    return truth


def read_nmapxml(path):
    got = {}
    root = ET.parse(path).getroot()
    for host in root.iter("host"):
        addr = None
        for a in host.findall("address"):
            if a.get("addrtype") in ("ipv4", "ipv6"):
                addr = a.get("addr")
        ports = host.find("ports")
        if addr is None or ports is None:
            continue
        extra = []
        for ex in ports.findall("extraports"):
            listed = False
            for er in ex.findall("extrareasons"):
                if er.get("ports"):
                    listed = True
                    for p in expand_ports(er.get("ports")):
                        got[(addr, er.get("proto", "tcp"), p)] = ex.get("state")
            if not listed:
                extra.append(ex.get("state"))
        for p in ports.findall("port"):
            st = p.find("state")
            got[(addr, p.get("protocol"), int(p.get("portid")))] = st.get("state")
        # extraports without a port list: unambiguous only when there is one such state
        got[(addr, "*extra*", 0)] = extra[0] if len(extra) == 1 else None
    return got


def read_json(path):
    got = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            if "port" in o and "ip" in o:
                got[(o["ip"], o["proto"], int(o["port"]))] = o["state"]
    return got


def read_masscan(path):
    got = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 4 and w[0] == "open":
                got[(w[3], w[1], int(w[2]))] = "open"
    return got


def read_zmap(path, proto="tcp", port=80):
    got = {}
    with open(path) as f:
        for line in f:
            w = line.strip().split(",")[0]
            if w and w[0].isdigit():
                got[(w, proto, port)] = "open"
    return got


def check(fmt, path, truth_path):
    truth = read_truth(truth_path)
    try:
        got = {"nmapxml": read_nmapxml, "json": read_json, "masscan": read_masscan,
               "zmap": read_zmap}[fmt](path)
    except (OSError, ET.ParseError, ValueError, KeyError) as err:
        print("WRONG no-output open 0/%d (%s)" % (sum(v == "open" for v in truth.values()),
                                                 str(err)[:60]))
        return
    true_open = {k for k, v in truth.items() if v == "open"}
    got_open = {k for k, v in got.items() if v == "open" and k in truth}
    wrong = []
    if fmt in ("masscan", "zmap"):
        wrong = [(k, "open" if k in got_open else "-", "open" if k in true_open else "not open")
                 for k in sorted(true_open ^ got_open)]
        wrong += [(k, "open", "outside scope") for k, v in got.items() if k not in truth]
    else:
        for k, want in truth.items():
            have = got.get(k)
            if have is None:
                have = got.get((k[0], "*extra*", 0)) or "missing"
            if have != want:
                wrong.append((k, have, want))
    ex = "; ".join("%s %s/%d got %s want %s" % (k[0], k[1], k[2], h, w) for k, h, w in wrong[:4])
    print("%s %d open %d/%d%s" % ("exact" if not wrong else "WRONG", len(wrong), len(got_open),
                                  len(true_open), " (" + ex + ")" if ex else ""))


def txsample(iface, max_s):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    path = "/sys/class/net/%s/statistics/tx_packets" % iface
    t_end = time.monotonic() + max_s
    out = sys.stdout
    with open(path) as f:
        while not stop and time.monotonic() < t_end:
            f.seek(0)
            out.write("%.6f %s\n" % (time.monotonic(), f.read().strip()))
            time.sleep(0.002)
    out.flush()


def txrate(path):
    s = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 2:
                s.append((float(w[0]), int(w[1])))
    if len(s) < 3:
        print("0 0 0")
        return
    base, final = s[0][1], s[-1][1]
    # ignore the odd ARP/trickle packet: the burst starts where the counter first moves by
    # more than 100 packets from its first value, and ends at its final value
    start = next((i for i in range(1, len(s)) if s[i][1] - base > 100), None)
    if start is None:
        print("0 0 0")
        return
    t0, c0 = s[start - 1]
    end = next(i for i in range(len(s)) if s[i][1] >= final - 100 and i >= start)
    t1, c1 = s[end]
    n = c1 - c0
    print("%.0f %d %.3f" % (n / max(t1 - t0, 1e-6), n, t1 - t0))


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "check":
        check(a[1], a[2], a[3])
    elif len(a) == 3 and a[0] == "txsample":
        txsample(a[1], float(a[2]))
    elif len(a) == 2 and a[0] == "txrate":
        txrate(a[1])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
