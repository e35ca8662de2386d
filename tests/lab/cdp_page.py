#!/usr/bin/python3
"""cdp_page.py — drive one page of headless Chromium over --remote-debugging-pipe (the
DevTools protocol as NUL-terminated JSON on fds 3 and 4; stdlib only), for lab tests.

    cdp_page.py CHROMIUM URL
reads commands on stdin, one per line, and answers each with one line on stdout:
    wait SECONDS JS-EXPRESSION   -> "ok VALUE" once the expression is truthy, else "timeout VALUE"
    eval JS-EXPRESSION           -> "ok VALUE"
    quit
VALUE is the expression's value as JSON. The page is loaded once and never reloaded."""
import json
import os
import subprocess
import sys
import tempfile
import time


class Chrome:
    def __init__(self, exe, profile):
        r_in, self.w = os.pipe()   # we write, Chromium reads fd 3
        self.r, w_out = os.pipe()  # Chromium writes fd 4, we read
        def fds():  # in the child: the pipes on fds 3 and 4, inheritable
            a, b = os.dup(r_in), os.dup(w_out)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.p = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
             "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(profile, "chrome.err"), "w"))
        os.close(r_in)
        os.close(w_out)
        self.buf = b""
        self.next_id = 0

    def call(self, method, params=None, session=None, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        end = time.time() + timeout
        while time.time() < end:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                m = json.loads(raw)
                if m.get("id") == self.next_id:
                    if "error" in m:
                        raise RuntimeError(f"{method}: {m['error']}")
                    return m["result"]
            chunk = os.read(self.r, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        raise RuntimeError(f"{method}: no answer in {timeout} s")


def main():
    exe, url = sys.argv[1], sys.argv[2]
    profile = tempfile.mkdtemp(prefix="cdp.")
    c = Chrome(exe, profile)
    try:
        target = c.call("Target.createTarget", {"url": url})["targetId"]
        session = c.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

        def ev(expr):
            r = c.call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session)
            return r.get("result", {}).get("value")

        for line in sys.stdin:
            cmd = line.rstrip("\n").split(" ", 2)
            if cmd[0] == "quit":
                break
            if cmd[0] == "eval":
                print("ok " + json.dumps(ev(line[5:].strip())), flush=True)
            elif cmd[0] == "wait":
                end, v = time.time() + float(cmd[1]), None
                while True:
                    v = ev(cmd[2])
                    if v or time.time() > end:
                        break
                    time.sleep(0.25)
                print(("ok " if v else "timeout ") + json.dumps(v), flush=True)
            else:
                print("error unknown command", flush=True)
    finally:
        c.p.terminate()
        try:
            c.p.wait(5)
        except subprocess.TimeoutExpired:
            c.p.kill()
        subprocess.run(["rm", "-rf", profile])


if __name__ == "__main__":
    main()
