#!/usr/bin/env python3
# A VICI socket that is not a working charon, for gatewayd's robustness tests:
#   fake-vici.py PATH hang     accepts every connection, reads, never answers
#   fake-vici.py PATH answer   answers like a charon that accepts everything
#                              (EVENT_CONFIRM to registrations, success = yes
#                              to every command)
#   fake-vici.py PATH backlog  listens with a backlog of 0, fills it with one
#                              connection of its own and never accepts
# --uid UID listens as that user (SO_PEERCRED then names it); --record FILE
# appends every byte received to FILE. Without --uid the socket appears at
# PATH only once it listens (bound under another name, then renamed). Runs
# until killed.
import argparse
import os
import selectors
import socket
import struct
import time

p = argparse.ArgumentParser()
p.add_argument("path")
p.add_argument("mode", choices=["hang", "answer", "backlog"])
p.add_argument("--uid", type=int)
p.add_argument("--record")
a = p.parse_args()

tmp = a.path + ".tmp"
for f in (a.path, tmp):
    try:
        os.unlink(f)
    except FileNotFoundError:
        pass
record = open(a.record, "ab", buffering=0) if a.record else None
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(tmp)
if a.uid is not None:
    # Renamed while still root (the directory is root's); a connect before
    # listen() below is refused, and retried.
    os.rename(tmp, a.path)
    os.setgroups([])
    os.setgid(a.uid)
    os.setuid(a.uid)
srv.listen(0 if a.mode == "backlog" else 16)
if a.uid is None:
    os.rename(tmp, a.path)

if a.mode == "backlog":
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    filler.setblocking(False)
    filler.connect(a.path)
    while True:
        time.sleep(3600)

OK = b"\x01" + b"\x03\x07success\x00\x03yes"
CONFIRM = b"\x05"
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
bufs = {}
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is srv:
            c, _ = srv.accept()
            sel.register(c, selectors.EVENT_READ)
            bufs[c] = b""
            continue
        data = s.recv(65536)
        if not data:
            sel.unregister(s)
            del bufs[s]
            s.close()
            continue
        if record:
            record.write(data)
        if a.mode != "answer":
            continue
        bufs[s] += data
        while len(bufs[s]) >= 4:
            (n,) = struct.unpack(">I", bufs[s][:4])
            if len(bufs[s]) < 4 + n:
                break
            seg, bufs[s] = bufs[s][4:4 + n], bufs[s][4 + n:]
            reply = CONFIRM if seg[0] in (3, 4) else OK
            s.sendall(struct.pack(">I", len(reply)) + reply)
