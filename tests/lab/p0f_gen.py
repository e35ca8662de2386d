#!/usr/bin/python3
"""p0f_gen.py FP OUT.pcap — writes one SYN or SYN+ACK per TCP signature of p0f's database
(read at run time from Debian's p0f), wildcards filled with plausible values, each from its
own source address, plus variants that only a fuzzy match accepts (the 'df' quirk dropped,
the TTL too high). Prints "sport label" lines naming what each packet was made from. The
lab test t_os_p0f.sh feeds the capture to p0f itself and to portreeve's matcher."""
import struct, sys
from scapy.all import Ether, IP, IPv6, Raw, IPOption, wrpcap

OPT = {"nop": 1, "mss": 2, "ws": 3, "sok": 4, "sack": 5, "ts": 8}

def options(layout, mss, scale, quirks, syn):
    out = b""
    for tok in layout.split(",") if layout else []:
        if tok.startswith("eol+"):
            pad = int(tok[4:])
            out += b"\x00" + (b"\x01" if "opt+" in quirks else b"\x00") * pad
        elif tok.startswith("?"):
            out += bytes([int(tok[1:]), 2])
        elif tok == "nop":
            out += b"\x01"
        elif tok == "mss":
            out += struct.pack("!BBH", 2, 4, mss)
        elif tok == "ws":
            out += struct.pack("!BBB", 3, 3, scale)
        elif tok == "sok":
            out += b"\x04\x02"
        elif tok == "sack":
            out += struct.pack("!BBII", 5, 10, 1, 2)
        elif tok == "ts":
            ts1 = 0 if "ts1-" in quirks else 123456
            ts2 = (777 if "ts2+" in quirks else 0) if syn else 99
            out += struct.pack("!BBII", 8, 10, ts1, ts2)
    return out

def build(sig, syn, n, v6, drop_df=False, ttl_over=False):
    ver, ittl, olen, mss, win, layout, quirks, pclass = sig
    quirks = set(quirks.split(",")) if quirks else set()
    if "bad" in quirks:
        return None
    rand = ittl.endswith("-")
    ittl = int(ittl.rstrip("-"))
    ttl = ittl + 5 if ttl_over and ittl <= 250 else ittl - (10 if rand else 3)
    mss_v = 1460 if mss == "*" else int(mss)
    wsize, scale = win.split(",")
    scale_v = (15 if "exws" in quirks else 7) if scale == "*" else int(scale)
    if wsize == "*":
        win_v = 12345
    elif wsize.startswith("mss*"):
        win_v = mss_v * int(wsize[4:])
    elif wsize.startswith("mtu*"):
        win_v = (mss_v + (60 if v6 else 40)) * int(wsize[4:])
    elif wsize.startswith("%"):
        win_v = int(wsize[1:]) * 2
    else:
        win_v = int(wsize)
    if win_v > 65535 or (v6 and int(olen) != 0):
        return None
    opts = options(layout, mss_v, scale_v, quirks, syn)
    if len(opts) % 4 or len(opts) > 40:
        return None
    flags = 0x02 if syn else 0x12
    if "urgf+" in quirks: flags |= 0x20
    if "pushf+" in quirks: flags |= 0x08
    if "ecn" in quirks: flags |= 0xc0 if syn else 0x40
    seq = 0 if "seq-" in quirks else 1000 + n
    if syn:
        ack = 55 if "ack+" in quirks else 0
    else:
        ack = 0 if "ack-" in quirks else 4242
        if "ack-" in quirks: flags |= 0x10
    urp = 9 if "uptr+" in quirks and not flags & 0x20 else 0
    sport, dport = (20000 + n, 80) if syn else (80, 20000 + n)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 + len(opts) // 4) << 4, flags,
                      win_v, 0, urp) + opts + (b"x" if pclass == "+" else b"")
    # every packet between its own pair of hosts: p0f reports a host's changes only
    cli, srv = "198.18.%d.%d" % (1 + n // 250, 1 + n % 250), "198.19.%d.%d" % (1 + n // 250, 1 + n % 250)
    src, dst = (cli, srv) if syn else (srv, cli)
    if v6:
        c6, s6 = "2001:2::%x" % (0x1000 + n), "2001:3::%x" % (0x1000 + n)
        src6, dst6 = (c6, s6) if syn else (s6, c6)
        ip = IPv6(src=src6, dst=dst6, hlim=ttl, nh=6, fl=(77 if "flow" in quirks else 0))
    else:
        df = "df" in quirks and not drop_df
        ipid = 0 if ("id-" in quirks or (df and "id+" not in quirks)) else 3000 + n
        fl = (2 if df else 0) | (4 if "0+" in quirks else 0)
        ip = IP(src=src, dst=dst, ttl=ttl, proto=6, flags=fl, id=ipid,
                options=[IPOption(b"\x01" * int(olen))] if int(olen) else [])
    pkt = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / Raw(tcp)
    if syn:
        return [pkt]
    # p0f reads a SYN+ACK only in a connection whose SYN it saw: a plain SYN first
    # (its sequence number is the one the SYN+ACK acknowledges, as p0f checks)
    first = struct.pack("!HHIIBBHHH", dport, sport, (ack - 1) % 2**32, 0, 5 << 4, 0x02, 1024, 0, 0)
    back = (IPv6(src=dst6, dst=src6, hlim=64, nh=6) if v6 else
            IP(src=dst, dst=src, ttl=64, proto=6, id=1))
    return [Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / back / Raw(first), pkt]

def main():
    fp, out = sys.argv[1], sys.argv[2]
    sec, label, pkts, n = None, None, [], 0
    for line in open(fp, encoding="latin-1"):
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            sec = line
            continue
        if sec not in ("[tcp:request]", "[tcp:response]") or "=" not in line:
            continue
        key, val = [x.strip() for x in line.split("=", 1)]
        if key == "label":
            label = val
            continue
        if key != "sig":
            continue
        f = val.split(":")
        syn = sec == "[tcp:request]"
        variants = [(False, False, False)]
        if f[0] in ("*", "6"):
            variants.append((True, False, False))
        if f[0] == "6":
            variants = variants[1:]
        if "df" in f[6]:
            variants.append((False, True, False))
        variants.append((False, False, True))
        for v6, drop_df, ttl_over in variants:
            p = build(f, syn, n, v6, drop_df, ttl_over)
            if p is None:
                continue
            pkts.extend(p)
            print(20000 + n, label)
            n += 1
    wrpcap(out, pkts)

main()
