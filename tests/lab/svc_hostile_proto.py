#!/usr/bin/python3
"""svc_hostile_proto.py ADDR REAL CERTDIR — hostile answers to portreeve's LDAP, SMB and
Murmur version modules, for tests/lab/t_version_proto.sh (run in the lab namespace; every
listener ends by itself within 140 s). On ADDR:
  389/tcp    relays to REAL:389 (so the probe walk sees the real slapd), but answers the
             module's rootDSE search (attributes "*" and "+") itself: an entry whose first
             attributes carry OpenLDAP 2.5's markers and whose third attribute's value
             claims 127 bytes where 3 follow, then a SearchResultDone
  445/tcp    relays to REAL:445, but in the answer to an SMB2 SESSION_SETUP carrying an
             NTLMSSP NEGOTIATE, the CHALLENGE's target info length becomes 0xffff
  64738/tcp  TLS (self-signed cert made by the test in CERTDIR): a Version message whose
             release string claims 127 bytes where 5 follow
  64738/udp  answers every datagram with 24 bytes that do not echo the ping's ident
"""
import select
import socket
import ssl
import sys
import threading
import time

ADDR, REAL, CERTDIR = sys.argv[1], sys.argv[2], sys.argv[3]
END = time.time() + 140


def ber(tag, body):
    n = len(body)
    return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x82, n >> 8, n & 255])) + body


def attr(name, *vals):
    return ber(0x30, ber(0x04, name) + ber(0x31, b"".join(ber(0x04, v) for v in vals)))


def ldap_hostile():
    bad = ber(0x30, ber(0x04, b"vendorName") + ber(0x31, b"\x04\x7fabc"))
    entry = ber(0x64, ber(0x04, b"") + ber(0x30, attr(b"structuralObjectClass", b"OpenLDAProotDSE")
                                            + attr(b"supportedExtension", b"1.3.6.1.1.21.1") + bad))
    done = ber(0x65, b"\x0a\x01\x00\x04\x00\x04\x00")
    return ber(0x30, b"\x02\x01\x01" + entry) + ber(0x30, b"\x02\x01\x01" + done)


def relay(c, port, rewrite):
    """Relays c <-> REAL:port; rewrite(client_bytes, server_bytes) may change the answer
    (None: relay as is) or answer itself (returns bytes and True: do not forward)."""
    s = socket.create_connection((REAL, port), timeout=5)
    last = b""
    while time.time() < END:
        r, _, _ = select.select([c, s], [], [], 1)
        if c in r:
            d = c.recv(65536)
            if not d:
                break
            last = d
            own = rewrite(d, None)
            if own is not None:
                c.sendall(own)
                break
            s.sendall(d)
        if s in r:
            d = s.recv(65536)
            if not d:
                break
            c.sendall(rewrite(last, d) or d)
    s.close()


def ldap_rewrite(cli, srv):
    if srv is None and cli[:1] == b"\x30" and b"\x04\x01*\x04\x01+" in cli:
        return ldap_hostile()
    return None


def smb_rewrite(cli, srv):
    if srv is None or b"\xfeSMB" not in cli or b"NTLMSSP\x00\x01" not in cli:
        return None
    i = srv.find(b"NTLMSSP\x00\x02\x00\x00\x00")
    if i < 0:
        return None
    b = bytearray(srv)
    b[i + 40:i + 42] = b"\xff\xff"
    return bytes(b)


def murmur_tls(c):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERTDIR + "/cert.pem", CERTDIR + "/key.pem")
    t = ctx.wrap_socket(c, server_side=True)
    payload = b"\x08\x84\x86\x04\x12\x7f1.3.4"
    t.sendall(b"\x00\x00" + len(payload).to_bytes(4, "big") + payload)
    time.sleep(2)


def handle(fn, c):
    try:
        c.settimeout(10)
        fn(c)
    except (OSError, ssl.SSLError):
        pass
    finally:
        c.close()


def serve(port, fn):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, port))
    s.listen(32)
    s.settimeout(1)
    while time.time() < END:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(fn, c), daemon=True).start()


def udp_ping():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((ADDR, 64738))
    u.settimeout(1)
    while time.time() < END:
        try:
            d, peer = u.recvfrom(2048)
        except socket.timeout:
            continue
        u.sendto(b"\x00\x01\x03\x04" + b"NOTYOURS" + bytes(12), peer)


for port, fn in ((389, lambda c: relay(c, 389, ldap_rewrite)),
                 (445, lambda c: relay(c, 445, smb_rewrite)), (64738, murmur_tls)):
    threading.Thread(target=serve, args=(port, fn), daemon=True).start()
threading.Thread(target=udp_ping, daemon=True).start()
print("listening", flush=True)
while time.time() < END:
    time.sleep(1)
