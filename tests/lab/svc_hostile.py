#!/usr/bin/python3
"""svc_hostile.py ADDR — three hostile TCP servers for the -sV lab test (run in a target
namespace; every connection ends by itself within 30 s):
  7001  endless banner: "220 " and then 8 KiB lines, as fast as the client reads
  7002  binary garbage: 3000 bytes, then more after any input, then close
  7003  stalled TLS: answers nmap's SSLv3 hello with a handshake-failure alert (so the
        port looks like TLS), and never answers a real ClientHello (handshake stalls)
  7004  tcpwrapped: accepts and closes at once without a byte
"""
import random
import socket
import sys
import threading
import time


def endless(c):
    chunk = b"220 " + b"A" * 8186 + b"\r\n"
    end = time.time() + 30
    while time.time() < end:
        c.sendall(chunk)


def garbage(c):
    rnd = random.Random(7002)
    junk = bytes(rnd.randrange(128, 256) for _ in range(3000))
    c.sendall(junk)
    c.settimeout(1.0)
    try:
        if c.recv(4096):
            c.sendall(junk[::-1])
    except socket.timeout:
        pass


def stall_tls(c):
    c.settimeout(20)
    d = c.recv(4096)
    if d[:3] == b"\x16\x03\x00":
        c.sendall(b"\x15\x03\x00\x00\x02\x02\x28")
        return
    time.sleep(20)


def wrapped(c):
    pass


def handle(fn, c):
    try:
        fn(c)
    except OSError:
        pass
    finally:
        c.close()


def serve(addr, port, fn):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(fn, c), daemon=True).start()


def main():
    addr = sys.argv[1]
    for port, fn in ((7001, endless), (7002, garbage), (7003, stall_tls), (7004, wrapped)):
        threading.Thread(target=serve, args=(addr, port, fn), daemon=True).start()
    time.sleep(3600)


if __name__ == "__main__":
    main()
