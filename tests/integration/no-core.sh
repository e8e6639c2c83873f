#!/bin/bash
# gatewayd holds PSKs and private keys: when it aborts (SIGABRT, as a failed
# assertion or a sanitizer would) no core file is written, even under
# `ulimit -c unlimited` in a directory where the kernel's core_pattern would
# put one: it makes itself non-dumpable (PR_SET_DUMPABLE 0). A control process
# started the same way does dump a core, so the check can fail. The machine's
# core_pattern is only read, never changed: the test needs a plain file name
# there ("core", the kernel's default) and skips otherwise.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init no-core

pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
"" | "|"* | */*) it_skip "core_pattern is '$pattern', not a plain file name: cores would not land in the test's directory" ;;
esac

ns=$(it_netns gw)
psk=$("$GATEWAYCTL" genpsk)
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk" "FailClosed=no"
mkdir -p "$IT_DIR/cwd-control" "$IT_DIR/cwd-gatewayd"

python3 - "$ns" "$GATEWAYD" "$etc" "$IT_DIR" <<'EOF'
import glob, os, resource, signal, subprocess, sys, time

ns, gatewayd, etc, it_dir = sys.argv[1:5]
logp = os.path.join(it_dir, "gatewayd.log")

def unlimited():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

def wait_for(pred, what, seconds=20):
    t = time.monotonic()
    while not pred():
        if time.monotonic() - t > seconds:
            sys.exit("FAIL: " + what)
        time.sleep(0.01)

def exe_is(pid, path):
    try:
        return os.readlink("/proc/%d/exe" % pid) == os.path.realpath(path)
    except OSError:
        return False

def abort(argv, cwd, ready):
    """Starts argv in the namespace with cores unlimited in cwd, SIGABRTs it
    once ready(pid), returns (core dumped?, core files in cwd)."""
    with open(logp, "ab") as log:
        p = subprocess.Popen(["ip", "netns", "exec", ns] + argv, cwd=cwd, stdout=log, stderr=log,
                             preexec_fn=unlimited)
    try:
        ready(p.pid)
        os.kill(p.pid, signal.SIGABRT)
        _, status = os.waitpid(p.pid, 0)
    except BaseException:
        p.kill()
        raise
    if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT):
        sys.exit("FAIL: %s ended with status %#x, not by SIGABRT" % (argv[0], status))
    return os.WCOREDUMP(status), glob.glob(os.path.join(cwd, "core*"))

# The control: sleep(1) dumps a core here, so this machine writes cores.
sleep = "/bin/sleep"
dumped, files = abort([sleep, "60"], os.path.join(it_dir, "cwd-control"),
                      lambda pid: wait_for(lambda: exe_is(pid, sleep), "sleep did not start"))
print("# control (sleep): core dumped: %s, files: %s" % (dumped, files), file=sys.stderr)
if not dumped or not files:
    print("SKIP: a plain process dumps no core here either (container limits?)", file=sys.stderr)
    sys.exit(77)
for f in files:
    os.unlink(f)

def started(pid):
    wait_for(lambda: b"Started with" in open(logp, "rb").read(), "gatewayd did not start")
    wait_for(lambda: exe_is(pid, gatewayd), "not gatewayd")

dumped, files = abort([gatewayd, "--config-dir", etc], os.path.join(it_dir, "cwd-gatewayd"), started)
print("# gatewayd: core dumped: %s, files: %s" % (dumped, files), file=sys.stderr)
if dumped or files:
    for f in files:
        os.unlink(f)  # it may hold the key
    sys.exit("FAIL: gatewayd left a core file when it aborted")
EOF
echo "PASS: gatewayd aborted without a core file (a control process dumped one)"
