#!/usr/bin/python3
"""truth.py — expected port states in the portreeve namespace lab, and a checker for scan XML.

The lab (tests/lab/lab.sh) writes truth.tsv: "addr proto port class" for every port that is not
plain closed; class is one of open, open-silent, drop, reject-rst, reject-port-unreach,
reject-admin. This tool turns a class into the state nmap reports for a scan technique.

  truth.py TRUTH_TSV TECHNIQUE ADDR PORTSPEC
      print "proto/port state" for every port of PORTSPEC that TECHNIQUE probes.
  truth.py compare [--allow EXPECTED=GOT]... TRUTH_TSV TECHNIQUE ADDR PORTSPEC RESULT.xml
      read nmap-format XML (nmap's or portreeve's), print "proto/port expected got" for every
      mismatch, then a summary line. Exit 0 iff every port matches (an --allow pair, e.g.
      closed=open|filtered for UDP under ICMP rate limits, counts as a match).

TECHNIQUE: connect syn fin null xmas maimon ack window (TCP) or udp (UDP).
PORTSPEC: comma-separated items N, N-M, -M (1-M) or N- (N-65535); "T:" or "U:" before an item
switches the protocol of it and of the items after it (nmap's syntax). Items without a prefix
take the technique's protocol; items of the other protocol are ignored.
Exit status: 0 ok, 1 mismatches, 2 usage or input error (the message names the input).
"""

import ipaddress
import sys
import xml.etree.ElementTree as ET

CLASSES = ("closed", "open", "open-silent", "drop", "reject-rst", "reject-port-unreach",
           "reject-admin")

_SYN = {"open": "open", "open-silent": "open", "closed": "closed", "drop": "filtered",
        "reject-rst": "closed", "reject-port-unreach": "filtered", "reject-admin": "filtered"}
_STEALTH = {"open": "open|filtered", "open-silent": "open|filtered", "closed": "closed",
            "drop": "open|filtered", "reject-rst": "closed",
            "reject-port-unreach": "filtered", "reject-admin": "filtered"}
_ACK = {"open": "unfiltered", "open-silent": "unfiltered", "closed": "unfiltered",
        "drop": "filtered", "reject-rst": "unfiltered", "reject-port-unreach": "filtered",
        "reject-admin": "filtered"}
# Maimon (FIN+ACK): Linux answers every FIN+ACK with a reset, to listening ports too
# (RFC 793: an ACK to a LISTEN socket draws a reset), so open ports look closed.
_MAIMON = dict(_STEALTH, **{"open": "closed", "open-silent": "closed"})
# Linux sends every RST with window 0, so a window scan calls all of them closed.
_WINDOW = {"open": "closed", "open-silent": "closed", "closed": "closed", "drop": "filtered",
           "reject-rst": "closed", "reject-port-unreach": "filtered", "reject-admin": "filtered"}
_UDP = {"open": "open", "open-silent": "open|filtered", "closed": "closed",
        "drop": "open|filtered", "reject-rst": "closed", "reject-port-unreach": "closed",
        "reject-admin": "filtered"}

TECHNIQUES = {
    "connect": ("tcp", _SYN), "syn": ("tcp", _SYN),
    "fin": ("tcp", _STEALTH), "null": ("tcp", _STEALTH), "xmas": ("tcp", _STEALTH),
    "maimon": ("tcp", _MAIMON),
    "ack": ("tcp", _ACK), "window": ("tcp", _WINDOW),
    "udp": ("udp", _UDP),
}


MAX_SHOWN = 100  # mismatch lines printed before the rest are only counted


class InputError(Exception):
    """Bad input: the message names the input and the position."""


def norm_addr(text, where):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise InputError(f"{where}: '{text}' is not an IP address") from None


def parse_port(text, where):
    if not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise InputError(f"{where}: '{text}' is not a port number (0-65535)")
    return int(text)


def parse_portspec(spec, default_proto, where="PORTSPEC"):
    """Return {proto: sorted list of ports}; items use nmap's T:/U: prefixes."""
    out = {"tcp": set(), "udp": set()}
    proto = default_proto
    if not spec:
        raise InputError(f"{where}: empty")
    pos = 0
    for item in spec.split(","):
        at = f"{where} item at offset {pos} ('{item}')"
        pos += len(item) + 1
        if item[:2].upper() in ("T:", "U:"):
            proto = "tcp" if item[0].upper() == "T" else "udp"
            item = item[2:]
        if not item:
            raise InputError(f"{at}: empty item")
        if "-" in item:
            lo, _, hi = item.partition("-")
            lo = parse_port(lo, at) if lo else 1
            hi = parse_port(hi, at) if hi else 65535
            if lo > hi:
                raise InputError(f"{at}: range {lo}-{hi} runs backwards")
            out[proto].update(range(lo, hi + 1))
        else:
            out[proto].add(parse_port(item, at))
    return {p: sorted(v) for p, v in out.items()}


def load_truth(path):
    """Return {(addr, proto, port): class} from truth.tsv."""
    truth = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: {e}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{n}"
        cols = line.split()
        if len(cols) != 4:
            raise InputError(f"{where}: expected 4 columns 'addr proto port class', got {len(cols)}")
        addr, proto, port, cls = cols
        if proto not in ("tcp", "udp"):
            raise InputError(f"{where}: protocol '{proto}' is not tcp or udp")
        if cls not in CLASSES:
            raise InputError(f"{where}: class '{cls}' is not one of {', '.join(CLASSES)}")
        key = (norm_addr(addr, where), proto, parse_port(port, where))
        if key in truth and truth[key] != cls:
            raise InputError(f"{where}: {proto}/{port} listed twice with different classes")
        truth[key] = cls
    return truth


def expected(truth, technique, addr, portspec):
    """Return [(proto, port, state)] for the ports the technique probes."""
    proto, table = TECHNIQUES[technique]
    ports = parse_portspec(portspec, proto)[proto]
    return [(proto, p, table[truth.get((addr, proto, p), "closed")]) for p in ports]


def parse_port_list(text, where):
    """'1-20,25' as written in extrareasons/@ports -> set of ints."""
    out = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        lo, sep, hi = item.partition("-")
        lo = parse_port(lo, where)
        hi = parse_port(hi, where) if sep else lo
        if lo > hi:
            raise InputError(f"{where}: range '{item}' runs backwards")
        out.update(range(lo, hi + 1))
    return out


def load_result(path, addr):
    """Return ({(proto, port): state}, fallback_state or None) for host addr in an XML file."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, col = e.position
        raise InputError(f"{path}: XML error at line {line}, column {col}: {e}") from None
    except OSError as e:
        raise InputError(f"{path}: {e}") from None
    states = {}
    blanket = []
    found = False
    for host in root.iter("host"):
        addrs = set()
        for a in host.findall("address"):
            if a.get("addrtype", "ipv4") in ("ipv4", "ipv6") and a.get("addr"):
                try:
                    addrs.add(str(ipaddress.ip_address(a.get("addr"))))
                except ValueError:
                    raise InputError(f"{path}: host address '{a.get('addr')}' is not an IP "
                                     "address") from None
        if addr not in addrs:
            continue
        found = True
        for ports in host.findall("ports"):
            for port in ports.findall("port"):
                where = f"{path}: <port portid='{port.get('portid')}'>"
                proto = port.get("protocol", "")
                num = parse_port(port.get("portid", ""), where)
                st = port.find("state")
                if st is None or not st.get("state"):
                    raise InputError(f"{where}: no <state state=...>")
                states[(proto, num)] = st.get("state")
            for extra in ports.findall("extraports"):
                state = extra.get("state")
                if not state:
                    raise InputError(f"{path}: <extraports> without state")
                listed = False
                for reason in extra.findall("extrareasons"):
                    if reason.get("ports") is None:
                        continue
                    listed = True
                    proto = reason.get("proto", "tcp")
                    where = f"{path}: <extrareasons ports='{reason.get('ports')}'>"
                    for num in parse_port_list(reason.get("ports"), where):
                        states.setdefault((proto, num), state)
                if not listed:
                    blanket.append(state)
    if not found:
        return {}, None, False
    # Without port lists, unlisted ports can only be attributed when there is one extraports.
    fallback = blanket[0] if len(set(blanket)) == 1 else None
    return states, fallback, True


def compare(argv):
    allow = set()
    while argv and argv[0] == "--allow":
        if len(argv) < 2 or "=" not in argv[1]:
            raise InputError("--allow needs EXPECTED=GOT")
        exp, _, got = argv[1].partition("=")
        allow.add((exp, got))
        argv = argv[2:]
    if len(argv) != 5:
        usage()
    truth_path, technique, addr_text, portspec, xml_path = argv
    if technique not in TECHNIQUES:
        raise InputError(f"TECHNIQUE '{technique}' is not one of {', '.join(TECHNIQUES)}")
    addr = norm_addr(addr_text, "ADDR")
    want = expected(load_truth(truth_path), technique, addr, portspec)
    got, fallback, found = load_result(xml_path, addr)
    bad = 0
    for proto, port, state in want:
        g = got.get((proto, port), fallback if found else None) or "missing"
        if g != state and (state, g) not in allow:
            bad += 1
            if bad <= MAX_SHOWN:
                print(f"{proto}/{port} {state} {g}")
    if bad > MAX_SHOWN:
        print(f"... {bad - MAX_SHOWN} more mismatches not shown")
    host = "" if found else f" (host {addr} not in {xml_path})"
    print(f"compare {technique} {addr}: {len(want)} ports, {len(want) - bad} match, "
          f"{bad} mismatch{'es' if bad != 1 else ''}{host}")
    return 0 if bad == 0 else 1


def usage():
    sys.stderr.write("usage: truth.py TRUTH_TSV TECHNIQUE ADDR PORTSPEC\n"
                     "       truth.py compare [--allow EXPECTED=GOT]... TRUTH_TSV TECHNIQUE ADDR "
                     "PORTSPEC RESULT.xml\n"
                     f"TECHNIQUE: {' '.join(TECHNIQUES)}\n")
    sys.exit(2)


def main(argv):
    try:
        if argv and argv[0] == "compare":
            return compare(argv[1:])
        if len(argv) != 4:
            usage()
        truth_path, technique, addr_text, portspec = argv
        if technique not in TECHNIQUES:
            raise InputError(f"TECHNIQUE '{technique}' is not one of {', '.join(TECHNIQUES)}")
        addr = norm_addr(addr_text, "ADDR")
        for proto, port, state in expected(load_truth(truth_path), technique, addr, portspec):
            print(f"{proto}/{port} {state}")
        return 0
    except InputError as e:
        sys.stderr.write(f"truth.py: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
