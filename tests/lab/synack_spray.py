#!/usr/bin/python3
"""synack_spray.py SRC DST SPORT DIR [IFACE] -- a blind forger, for lab tests (run it inside a
test's namespace): rounds of SYN/ACKs from SRC:SPORT to DST at every source port a scanner
may use (61000-65535), with random sequence and acknowledgement numbers. Creates DIR/inj.ready
once the packets are built, writes the number of rounds sent to DIR/inj.rounds after each,
and stops when DIR/inj.stop exists, or after 90 s."""
import logging
import os
import random
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, conf, send  # noqa: E402

conf.verb = 0
src, dst, sport, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
iface = sys.argv[5] if len(sys.argv) > 5 else None
pkts = [IP(src=src, dst=dst) / TCP(sport=sport, dport=p, flags="SA", seq=random.getrandbits(32),
                                   ack=random.getrandbits(32)) for p in range(61000, 65536)]
open(w + "/inj.ready", "w").close()
rounds, deadline = 0, time.time() + 90
while not os.path.exists(w + "/inj.stop") and time.time() < deadline:
    send(pkts, iface=iface)
    rounds += 1
    open(w + "/inj.rounds", "w").write(str(rounds))
