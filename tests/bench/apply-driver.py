#!/usr/bin/env python3
# Drives one gatewayd for bench-apply.sh and times it as systemd sees it, on
# a notify socket of its own: no polling in what is measured.
#   apply-driver.py NOTIFY_SOCKET NETNS GATEWAYD ETC LOG RELOADS
# Prints "start PID MS" (start to READY=1, which gatewayd sends once charon
# answered every command of the apply), then "reload I MS" for RELOADS
# reloads 1.1 s apart and one after 11 s quiet ("reload cold MS"), each from
# SIGHUP to READY=1 after RELOADING=1. Reload I changes one tunnel:
# RemotePrefixes of ETC/tunnels.d/t(7*I).conf from ::/64 to ::/80.
# "rss settled ..." and "rss reloaded ..." are gatewayd's memory (kB: VmRSS,
# VmHWM, RssAnon, RssFile, Pss) once it gave the apply's heap back, and
# 11 s after the reloads. Leaves gatewayd running.
import os, re, signal, socket, subprocess, sys, time

path, ns, gatewayd, etc, log, reloads = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.path.exists(path):
    os.unlink(path)  # the previous tree size's
s.bind(path)
s.settimeout(120)


def rss(what):
    v = dict(l.split(":", 1) for l in open("/proc/%d/status" % p.pid).read().splitlines() if ":" in l)
    # Pss: shared library pages divided among the processes that map them
    # (charon maps libcrypto, libc and more too).
    v.update(l.split(":", 1) for l in open("/proc/%d/smaps_rollup" % p.pid).read().splitlines()[1:] if ":" in l)
    print("rss", what, *(v[k].split()[0] for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Pss")), flush=True)


def wait_for(word):
    while word not in s.recv(4096).decode().split("\n"):
        pass


with open(log, "a") as out:
    t0 = time.monotonic()
    p = subprocess.Popen(["ip", "netns", "exec", ns, gatewayd, "--config-dir", etc],
                         env=dict(os.environ, NOTIFY_SOCKET=path), stdout=out, stderr=out)
wait_for("READY=1")
print("start", p.pid, round((time.monotonic() - t0) * 1000), flush=True)

# Files older than the parse cache's 2 s (as a running gateway's are), and
# the apply's heap given back (10 s quiet), then one unchanged reload to
# settle.
time.sleep(11)
rss("settled")
os.kill(p.pid, signal.SIGHUP)
wait_for("READY=1")
time.sleep(1.5)
n = int(reloads)
for i in range(1, n + 2):
    # Warm: 1.1 s apart (RELOAD_MIN_INTERVAL is 1 s), as a deployment tool
    # pushing changes makes them. Cold: one more after 11 s quiet, as an
    # operator's occasional reload.
    if i > n:
        time.sleep(11)
    f = os.path.join(etc, "tunnels.d", "t%d.conf" % (i * 7))
    text = open(f).read()
    open(f, "w").write(re.sub(r"^(RemotePrefixes=.*)::/64$", r"\1::/80", text, flags=re.M))
    t0 = time.monotonic()
    os.kill(p.pid, signal.SIGHUP)
    wait_for("RELOADING=1")
    wait_for("READY=1")
    print("reload", i if i <= n else "cold", "%.1f" % ((time.monotonic() - t0) * 1000), flush=True)
    time.sleep(1.1)
time.sleep(11)
rss("reloaded")
