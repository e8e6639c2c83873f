/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Hostile input, as a new user (or an attacker with a foothold) would make
 * it: one row per case — the files of a config tree, what is done to their
 * owners and modes, the verdict of the whole check (gatewayd --check: exit 0
 * or 1), the number of errors and one exact diagnostic line. A sweep then
 * asserts that no diagnostic of any case holds the key material the case
 * was given: no diagnostic ever quotes a secret. */

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testhelp.h"

#include "check.h"

/* A valid key (Azure's charset, 32 characters) and valid tunnel lines. */
#define KEY "Q7vR2mX9kL4pT8wZ3nB6cY1dF5gH0jKs"
#define L1 "[Tunnel]\n"
#define L2 "RemoteAddress=203.0.113.10\n"
#define L3 "PreSharedKeyFile=psk/t\n"
#define L4 "LocalPrefixes=198.51.100.0/26\n"
#define L5 "RemotePrefixes=198.51.100.128/26\n"
#define TUN L1 L2 L3 L4 L5
#define P "tunnels.d/t.conf"
/* A tunnel whose RemoteAddress (line 2) or LocalAddress (line 6) is a. */
#define REMOTE(a) L1 "RemoteAddress=" a "\n" L3 L4 L5
#define LOCAL(a) TUN "LocalAddress=" a "\n"
#define FIX_R "not a tunnel endpoint; give the peer gateway's public IP address"
#define FIX_L "not a tunnel endpoint; give this device's WAN address, or remove the line to let charon choose"
#define NO_FILE ((const char *) 1) /* psk: no key file at all */
/* A second tunnel, tunnels.d/u.conf, to another peer: lines 1-4; line 5 is
 * the case's RemotePrefixes. */
#define U1 "[Tunnel]\n"
#define U2 "RemoteAddress=198.51.100.250\nPreSharedKeyFile=psk/t\n"
#define U3 "LocalPrefixes=198.51.100.192/27\n"
#define PU "tunnels.d/u.conf"
#define OTHER_UID 4242

typedef struct Hostile {
        const char *gateway;    /* gatewayd.conf, NULL = none */
        const char *tunnel;     /* tunnels.d/t.conf, NULL = none */
        const char *tunnel2;    /* tunnels.d/u.conf (same key file), NULL = none */
        const char *psk;        /* psk/t, NULL = KEY "\n", NO_FILE = none */
        mode_t psk_mode;        /* 0 = 0600 */
        const char *chmod_rel;  /* then chmod this ("" = the config dir) */
        mode_t chmod_mode;
        const char *chown_rel;  /* and chown it to OTHER_UID */
        int exit;               /* of gatewayd --check */
        size_t n_errors;
        const char *diag;       /* one exact line; "@D@" is the config dir */
        const char *secret;     /* must be in no diagnostic (besides KEY) */
} Hostile;

static const Hostile rows[] = {
        /* ---- the tokenizer: BOM, inline comments, gatewayd.conf ---- */
        { .tunnel = TUN },
        { .tunnel = "\xef\xbb\xbf" TUN },
        { .tunnel = "\xef\xbb\xbf[Tunnel]\r\nRemoteAddress=203.0.113.10\r\n" L3 L4 L5 },
        /* Only one BOM is skipped: a second one is text (a cascade follows). */
        { .tunnel = "\xef\xbb\xbf\xef\xbb\xbf" TUN, .exit = 1, .n_errors = 6,
          .diag = P ":1: error: not a section, comment or Key=Value line (11 characters, not shown: it may be a "
                  "secret); write Key=Value, [Section] or start a comment with '#'" },
        { .tunnel = L1 "RemoteAddress=203.0.113.10 # the Azure gateway\n" L3 L4 L5, .exit = 1, .n_errors = 2,
          .diag = P ":2: error: RemoteAddress: '#' inside the value: comments go on their own line; move the comment "
                  "to a line of its own" },
        { .tunnel = L1 L2 L3 L4 "RemotePrefixes=198.51.100.128/26 ; VNet\n", .exit = 1, .n_errors = 2,
          .diag = P ":5: error: RemotePrefixes: ';' inside the value: comments go on their own line; move the "
                  "comment to a line of its own" },
        { .tunnel = TUN "DpdTimeoutSeconds=45\t# as Azure\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: DpdTimeoutSeconds: '#' inside the value: comments go on their own line; move the "
                  "comment to a line of its own" },
        { .tunnel = TUN "LocalId=dev#1\n" },
        { .tunnel = "# comment\n; comment\n  # indented\n" TUN "# trailing\n" },
        { .gateway = "", .tunnel = TUN },
        { .gateway = "# nothing to change\n; at all\n", .tunnel = TUN },
        { .gateway = "\xef\xbb\xbf", .tunnel = TUN },
        { .gateway = "\xef\xbb\xbf[Gateway]\r\nFipsMode=yes\r\n", .tunnel = TUN },
        { .gateway = "[Gateway]\nFipsMode=yes # FIPS\n", .tunnel = TUN, .exit = 1, .n_errors = 1,
          .diag = "gatewayd.conf:2: error: FipsMode: '#' inside the value: comments go on their own line; move the "
                  "comment to a line of its own" },
        { .gateway = "FipsMode=no\n", .tunnel = TUN, .exit = 1, .n_errors = 1,
          .diag = "gatewayd.conf:1: error: key 'FipsMode' before any section; put it below a [Section] line" },
        { .gateway = "[Tunnel]\n", .tunnel = TUN, .exit = 1, .n_errors = 1,
          .diag = "gatewayd.conf:1: error: section [Tunnel] does not belong in this file; put it in "
                  "tunnels.d/NAME.conf" },
        /* The README's example as it was, comments after values. */
        { .tunnel = L1 "RemoteAddress=203.0.113.10          # the Azure gateway's public IP\n"
                    "LocalAddress=192.0.2.1              # this device's WAN address\n"
                    "Profile=fips-gcm256                 # the default\n"
                    "PreSharedKeyFile=psk/t      # root-owned, mode 0600\n" L4 L5,
          .exit = 1, .n_errors = 6,
          .diag = P ":5: error: PreSharedKeyFile: '#' inside the value: comments go on their own line; move the "
                  "comment to a line of its own" },

        /* ---- RemoteAddress / LocalAddress ---- */
        /* IPv4 selectors over an IPv6 peer are fine: no family rule. */
        { .tunnel = REMOTE("2001:db8::1") },
        { .tunnel = REMOTE("0.0.0.0"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '0.0.0.0' is the unspecified address (it means any address), " FIX_R },
        { .tunnel = REMOTE("::"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '::' is the unspecified address (it means any address), " FIX_R },
        { .tunnel = REMOTE("0.1.2.3"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '0.1.2.3' is in 0.0.0.0/8 (\"this network\", RFC 6890), " FIX_R },
        { .tunnel = REMOTE("127.0.0.1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '127.0.0.1' is a loopback address (this host), " FIX_R },
        { .tunnel = REMOTE("127.9.8.7"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '127.9.8.7' is a loopback address (this host), " FIX_R },
        { .tunnel = REMOTE("::1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '::1' is the loopback address (this host), " FIX_R },
        { .tunnel = REMOTE("224.0.0.1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '224.0.0.1' is a multicast address, " FIX_R },
        { .tunnel = REMOTE("239.255.255.250"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '239.255.255.250' is a multicast address, " FIX_R },
        { .tunnel = REMOTE("ff02::1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: 'ff02::1' is a multicast address, " FIX_R },
        { .tunnel = REMOTE("255.255.255.255"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '255.255.255.255' is the broadcast address, " FIX_R },
        { .tunnel = REMOTE("169.254.10.1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '169.254.10.1' is a link-local address (valid on one link only, never "
                  "routed), " FIX_R },
        { .tunnel = REMOTE("fe80::1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: 'fe80::1' is a link-local address (valid on one link only, never "
                  "routed), " FIX_R },
        { .tunnel = REMOTE("febf::1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: 'febf::1' is a link-local address (valid on one link only, never "
                  "routed), " FIX_R },
        { .tunnel = REMOTE("fe80::1%eth0"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: 'fe80::1%eth0' has a zone index ('%...'), which only link-local "
                  "addresses need and a tunnel endpoint cannot use; give a global IP address without '%'" },
        { .tunnel = REMOTE("203.0.113.10%1"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '203.0.113.10%1' has a zone index ('%...'), which only link-local "
                  "addresses need and a tunnel endpoint cannot use; give a global IP address without '%'" },
        { .tunnel = REMOTE("::ffff:203.0.113.10"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '::ffff:203.0.113.10' is an IPv4-mapped IPv6 address; write the IPv4 "
                  "address 203.0.113.10" },
        { .tunnel = REMOTE("203.0.113.0/24"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '203.0.113.0/24' is a prefix, not an address; give one IP address" },
        { .tunnel = REMOTE("vpn.example.com"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: 'vpn.example.com' is not an IP address; give an IPv4 or IPv6 "
                  "address" },
        { .tunnel = REMOTE("203.0.113.256"), .exit = 1, .n_errors = 1,
          .diag = P ":2: error: RemoteAddress: '203.0.113.256' is not an IP address; give an IPv4 or IPv6 "
                  "address" },
        { .tunnel = REMOTE("203.0.113.255") },
        { .tunnel = REMOTE("223.255.255.254") },
        { .tunnel = LOCAL("192.0.2.1") },
        { .tunnel = LOCAL("0.0.0.0"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '0.0.0.0' is the unspecified address (it means any address), " FIX_L },
        { .tunnel = LOCAL("::"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '::' is the unspecified address (it means any address), " FIX_L },
        { .tunnel = LOCAL("127.0.0.1"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '127.0.0.1' is a loopback address (this host), " FIX_L },
        { .tunnel = LOCAL("::1"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '::1' is the loopback address (this host), " FIX_L },
        { .tunnel = LOCAL("224.0.0.5"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '224.0.0.5' is a multicast address, " FIX_L },
        { .tunnel = LOCAL("ff05::2"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: 'ff05::2' is a multicast address, " FIX_L },
        { .tunnel = LOCAL("255.255.255.255"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '255.255.255.255' is the broadcast address, " FIX_L },
        { .tunnel = LOCAL("169.254.0.1"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '169.254.0.1' is a link-local address (valid on one link only, never "
                  "routed), " FIX_L },
        { .tunnel = LOCAL("fe80::2"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: 'fe80::2' is a link-local address (valid on one link only, never "
                  "routed), " FIX_L },
        { .tunnel = LOCAL("fe80::2%wan0"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: 'fe80::2%wan0' has a zone index ('%...'), which only link-local "
                  "addresses need and a tunnel endpoint cannot use; give a global IP address without '%'" },
        { .tunnel = LOCAL("::ffff:192.0.2.1"), .exit = 1, .n_errors = 1,
          .diag = P ":6: error: LocalAddress: '::ffff:192.0.2.1' is an IPv4-mapped IPv6 address; write the IPv4 "
                  "address 192.0.2.1" },

        /* ---- secrets where a path or a line belongs ---- */
        { .tunnel = L1 L2 "PreSharedKeyFile=" KEY "\n" L4 L5, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile: the value (32 characters, not shown: it may be the key itself) is "
                  "not a path; put the key in a file (gatewayctl genpsk FILE) and give its path, e.g. psk/NAME or "
                  "/etc/gatewayd/psk/NAME" },
        { .tunnel = L1 L2 "PreSharedKeyFile=Sk/9+Jq2Lm0Xv7Rt4Wn8Pb3Yc6Hd1Gz5\n" L4 L5, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile: no such file (the path is not shown: it names no file and may be a "
                  "key pasted by mistake); make the file with 'gatewayctl genpsk FILE' or fix the path",
          .secret = "Sk/9+Jq2Lm0Xv7Rt4Wn8Pb3Yc6Hd1Gz5" },
        { .tunnel = L1 L2 "PreSharedKeyFile=/" KEY "\n" L4 L5, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile: no such file (the path is not shown: it names no file and may be a "
                  "key pasted by mistake); make the file with 'gatewayctl genpsk FILE' or fix the path" },
        { .tunnel = L1 L2 "PreSharedKeyFile=psk/missing\n" L4 L5, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile: no such file (the path is not shown: it names no file and may be a "
                  "key pasted by mistake); make the file with 'gatewayctl genpsk FILE' or fix the path" },
        { .tunnel = TUN KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: not a section, comment or Key=Value line (32 characters, not shown: it may be a "
                  "secret); write Key=Value, [Section] or start a comment with '#'" },
        { .tunnel = KEY "\n" TUN, .exit = 1, .n_errors = 1,
          .diag = P ":1: error: not a section, comment or Key=Value line (32 characters, not shown: it may be a "
                  "secret); write Key=Value, [Section] or start a comment with '#'" },
        { .tunnel = TUN "Wm5Zb2RhQmFzZTY0S2V5TWF0ZXJpYWw=\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: unknown key in [Tunnel] (31 characters, not shown: not a key name, it may be a "
                  "secret); write Key=Value with a key of [Tunnel]",
          .secret = "Wm5Zb2RhQmFzZTY0S2V5TWF0ZXJpYWw" },
        { .tunnel = "Wm5Zb2RhQmFzZTY0S2V5TWF0ZXJpYWw=\n" TUN, .exit = 1, .n_errors = 1,
          .diag = P ":1: error: Key=Value line before any section, and its key (31 characters, not shown) is not a key "
                  "name; put keys below a [Section] line",
          .secret = "Wm5Zb2RhQmFzZTY0S2V5TWF0ZXJpYWw" },
        { .tunnel = TUN "=" KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: empty key name (a line starting with '='); write Key=Value" },
        { .tunnel = TUN "PreSharedKey=" KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: unknown key 'PreSharedKey' in [Tunnel]; did you mean 'PreSharedKeyFile'?" },
        { .tunnel = TUN "Psk " KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: not a section, comment or Key=Value line (36 characters, not shown: it may be a "
                  "secret); write Key=Value, [Section] or start a comment with '#'" },
        { .tunnel = L1 L2 "PreSharedKeyFile=psk/t #" KEY "\n" L4 L5, .exit = 1, .n_errors = 2,
          .diag = P ":3: error: PreSharedKeyFile: '#' inside the value: comments go on their own line; move the "
                  "comment to a line of its own" },
        { .tunnel = TUN "\xef\xbb\xbf" KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: not a section, comment or Key=Value line (35 characters, not shown: it may be a "
                  "secret); write Key=Value, [Section] or start a comment with '#'" },
        { .tunnel = TUN "LocalId\x01=" KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":6: error: control character 0x01 at column 8; remove it" },

        /* ---- the key file: contents ---- */
        { .tunnel = TUN, .psk = KEY "\r\n" },
        { .tunnel = TUN, .psk = KEY },
        { .tunnel = TUN, .psk = KEY "\n\n\r\n" },
        { .tunnel = TUN, .psk = KEY "\n" KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: the file has more than one line; a key file holds the key "
                  "alone on its one line (remove the others, or make a new key with 'gatewayctl genpsk FILE')" },
        { .tunnel = TUN, .psk = KEY "\nold-key-SecretTail9876\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: the file has more than one line; a key file holds the key "
                  "alone on its one line (remove the others, or make a new key with 'gatewayctl genpsk FILE')",
          .secret = "SecretTail9876" },
        { .tunnel = TUN, .psk = KEY "\n \n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: the file has more than one line; a key file holds the key "
                  "alone on its one line (remove the others, or make a new key with 'gatewayctl genpsk FILE')" },
        { .tunnel = TUN, .psk = "", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: the file is empty; put the key on its first line" },
        { .tunnel = TUN, .psk = "\n" KEY "\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: the first line is empty; put the key on the first line" },
        { .tunnel = TUN, .psk = "ShortKey1234\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: the key has 12 characters, at least 24 are required; make "
                  "a new key with 'gatewayctl genpsk'",
          .secret = "ShortKey1234" },
        { .tunnel = TUN, .psk = "Key-With-Dashes-0123456789abc\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: character 4 of the key is not allowed (Azure keys are "
                  "printable ASCII without space, '-' or '~'); make a new key with 'gatewayctl genpsk'",
          .secret = "With-Dashes" },
        { .tunnel = TUN, .psk = "KeyWith Space0123456789abcdef\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: character 8 of the key is not allowed (Azure keys are "
                  "printable ASCII without space, '-' or '~'); make a new key with 'gatewayctl genpsk'",
          .secret = "Space0123456789abcdef" },
        { .tunnel = TUN, .psk = "KeyWithTilde~0123456789abcdef\n", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: character 13 of the key is not allowed (Azure keys are "
                  "printable ASCII without space, '-' or '~'); make a new key with 'gatewayctl genpsk'",
          .secret = "KeyWithTilde" },

        /* ---- the key file: owner, mode, type ---- */
        { .tunnel = TUN, .psk_mode = 0400 },
        { .tunnel = TUN, .psk_mode = 0700, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0700 is not 0600 or 0400 (a key file is read and "
                  "written by its owner only, without execute or special bits); chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0500, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0500 is not 0600 or 0400 (a key file is read and "
                  "written by its owner only, without execute or special bits); chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0200, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0200 is not 0600 or 0400 (a key file is read and "
                  "written by its owner only, without execute or special bits); chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 04600, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 4600 is not 0600 or 0400 (a key file is read and "
                  "written by its owner only, without execute or special bits); chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0644, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0644 is readable by others; chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0604, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0604 is readable by others; chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0640, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0640 is readable by group; chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0660, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0660 is readable by group; chmod 600 it" },
        { .tunnel = TUN, .psk_mode = 0620, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: mode 0620 is accessible by group; chmod 600 it" },
        { .tunnel = TUN, .chown_rel = "psk/t", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: owned by uid 4242, not root; chown root it" },
        { .tunnel = L1 L2 "PreSharedKeyFile=psk\n" L4 L5, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile: the value (3 characters, not shown: it may be the key itself) is "
                  "not a path; put the key in a file (gatewayctl genpsk FILE) and give its path, e.g. psk/NAME or "
                  "/etc/gatewayd/psk/NAME" },
        { .tunnel = L1 L2 "PreSharedKeyFile=./psk\n" L4 L5, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/./psk: is a directory, not a file; fix the path" },

        /* ---- trust of the tree (StrictModes) ---- */
        { .tunnel = TUN, .chmod_rel = "tunnels.d", .chmod_mode = 0777, .exit = 1, .n_errors = 1,
          .diag = "tunnels.d: error: directory tunnels.d is writable by others (mode 0777), so anyone could change "
                  "what it holds; chmod go-w tunnels.d" },
        { .tunnel = TUN, .chmod_rel = "tunnels.d", .chmod_mode = 0775, .exit = 1, .n_errors = 1,
          .diag = "tunnels.d: error: directory tunnels.d is writable by group (mode 0775), so anyone could change "
                  "what it holds; chmod go-w tunnels.d" },
        { .tunnel = TUN, .chmod_rel = "tunnels.d", .chmod_mode = 01777 },
        { .tunnel = TUN, .chmod_rel = "tunnels.d", .chmod_mode = 0700 },
        { .tunnel = TUN, .chown_rel = "tunnels.d", .exit = 1, .n_errors = 1,
          .diag = "tunnels.d: error: directory tunnels.d is owned by uid 4242, which could change it; chown root "
                  "tunnels.d" },
        { .tunnel = TUN, .chmod_rel = P, .chmod_mode = 0666, .exit = 1, .n_errors = 1,
          .diag = P ": error: file " P " is writable by others (mode 0666), so anyone could change what it holds; "
                  "chmod go-w " P },
        { .tunnel = TUN, .chmod_rel = P, .chmod_mode = 0664, .exit = 1, .n_errors = 1,
          .diag = P ": error: file " P " is writable by group (mode 0664), so anyone could change what it holds; "
                  "chmod go-w " P },
        { .tunnel = TUN, .chmod_rel = P, .chmod_mode = 0602, .exit = 1, .n_errors = 1,
          .diag = P ": error: file " P " is writable by others (mode 0602), so anyone could change what it holds; "
                  "chmod go-w " P },
        { .tunnel = TUN, .chmod_rel = P, .chmod_mode = 0400 },
        { .tunnel = TUN, .chown_rel = P, .exit = 1, .n_errors = 1,
          .diag = P ": error: file " P " is owned by uid 4242, which could change it; chown root " P },
        { .tunnel = TUN "FailClosed=no\n", .chmod_rel = P, .chmod_mode = 0666, .exit = 1, .n_errors = 1,
          .diag = P ": error: file " P " is writable by others (mode 0666), so anyone could change what it holds; "
                  "chmod go-w " P },
        { .gateway = "[Gateway]\n", .tunnel = TUN, .chmod_rel = "gatewayd.conf", .chmod_mode = 0646, .exit = 1,
          .n_errors = 1,
          .diag = "gatewayd.conf: error: file gatewayd.conf is writable by others (mode 0646), so anyone could change "
                  "what it holds; chmod go-w gatewayd.conf" },
        { .gateway = "[Gateway]\n", .tunnel = TUN, .chown_rel = "gatewayd.conf", .exit = 1, .n_errors = 1,
          .diag = "gatewayd.conf: error: file gatewayd.conf is owned by uid 4242, which could change it; chown root "
                  "gatewayd.conf" },
        /* Also reported for the key file below it: the tunnel is rejected. */
        { .tunnel = TUN, .chmod_rel = "", .chmod_mode = 0777, .exit = 1, .n_errors = 2,
          .diag = "error: config directory @D@ is not safe: directory @D@ is writable by others (mode 0777), so anyone "
                  "could change what it holds; chmod go-w @D@" },
        { .tunnel = TUN, .chmod_rel = "", .chmod_mode = 0770, .exit = 1, .n_errors = 2,
          .diag = "error: config directory @D@ is not safe: directory @D@ is writable by group (mode 0770), so anyone "
                  "could change what it holds; chmod go-w @D@" },
        { .tunnel = TUN, .chown_rel = "", .exit = 1, .n_errors = 2,
          .diag = "error: config directory @D@ is not safe: directory @D@ is owned by uid 4242, which could change "
                  "it; chown root @D@" },
        { .tunnel = TUN, .chmod_rel = "", .chmod_mode = 01777 },
        { .tunnel = TUN, .chmod_rel = "psk", .chmod_mode = 0777, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: directory @D@/psk is writable by others (mode 0777), so "
                  "anyone could change what it holds; chmod go-w @D@/psk" },
        { .tunnel = TUN, .chmod_rel = "psk", .chmod_mode = 0730, .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: directory @D@/psk is writable by group (mode 0730), so "
                  "anyone could change what it holds; chmod go-w @D@/psk" },
        { .tunnel = TUN, .chown_rel = "psk", .exit = 1, .n_errors = 1,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: directory @D@/psk is owned by uid 4242, which could "
                  "change it; chown root @D@/psk" },
        /* Two tunnels name the file: the directories are walked once, and
         * both are told. */
        { .tunnel = TUN, .tunnel2 = U1 U2 U3 "RemotePrefixes=192.0.2.0/24\n", .chmod_rel = "psk", .chmod_mode = 0777,
          .exit = 1, .n_errors = 2,
          .diag = PU ":3: error: PreSharedKeyFile=@D@/psk/t: directory @D@/psk is writable by others (mode 0777), so "
                  "anyone could change what it holds; chmod go-w @D@/psk" },
        { .tunnel = TUN, .tunnel2 = U1 U2 U3 "RemotePrefixes=192.0.2.0/24\n", .chmod_rel = "psk", .chmod_mode = 0777,
          .exit = 1, .n_errors = 2,
          .diag = P ":3: error: PreSharedKeyFile=@D@/psk/t: directory @D@/psk is writable by others (mode 0777), so "
                  "anyone could change what it holds; chmod go-w @D@/psk" },
        { .tunnel = TUN, .chmod_rel = "psk", .chmod_mode = 0711 },
        { .tunnel = TUN, .chmod_rel = "psk", .chmod_mode = 01777 },
        { .tunnel = L1 L2 "Profile=mine\n" L3 L4 L5, .chmod_rel = "profiles.d/mine.conf", .chmod_mode = 0666,
          .exit = 1, .n_errors = 1,
          .diag = "profiles.d/mine.conf: error: file profiles.d/mine.conf is writable by others (mode 0666), so anyone "
                  "could change what it holds; chmod go-w profiles.d/mine.conf" },
        { .tunnel = L1 L2 "Profile=mine\n" L3 L4 L5, .chmod_rel = "profiles.d", .chmod_mode = 0777, .exit = 1,
          .n_errors = 1,
          .diag = "profiles.d: error: directory profiles.d is writable by others (mode 0777), so anyone could change "
                  "what it holds; chmod go-w profiles.d" },
        { .tunnel = L1 L2 "Profile=mine\n" L3 L4 L5, .chown_rel = "profiles.d/mine.conf", .exit = 1, .n_errors = 1,
          .diag = "profiles.d/mine.conf: error: file profiles.d/mine.conf is owned by uid 4242, which could change it; "
                  "chown root profiles.d/mine.conf" },
        { .tunnel = L1 L2 "Profile=mine\n" L3 L4 L5 },

        /* ---- no lock-out: the shield never covers this device, a peer or
         * an on-premises range, whichever tunnel names it ---- */
        /* Two halves of 0/0 pass the 0/0 check; they cover everything. */
        { .tunnel = L1 L2 L3 "LocalPrefixes=0.0.0.0/0\nRemotePrefixes=0.0.0.0/1, 128.0.0.0/1\nLocalAddress=192.0.2.1\n",
          .exit = 1, .n_errors = 2,
          .diag = P ":5: error: RemotePrefixes: '128.0.0.0/1' covers LocalAddress '192.0.2.1' (line 6), an address of "
                  "this device: the shield would cut the device off; remove that range from RemotePrefixes or "
                  "correct LocalAddress" },
        { .tunnel = LOCAL("192.0.2.1"), .tunnel2 = U1 U2 U3 "RemotePrefixes=192.0.2.0/25\n", .exit = 1,
          .n_errors = 1,
          .diag = PU ":5: error: RemotePrefixes: '192.0.2.0/25' covers LocalAddress '192.0.2.1' of tunnel 't' "
                  "(tunnels.d/t.conf:6), an address of this device: the shield would cut the device off; remove "
                  "that range from RemotePrefixes or correct LocalAddress" },
        { .tunnel = TUN, .tunnel2 = U1 U2 U3 "RemotePrefixes=203.0.113.0/28\n", .exit = 1, .n_errors = 1,
          .diag = PU ":5: error: RemotePrefixes: '203.0.113.0/28' covers RemoteAddress '203.0.113.10' of tunnel 't' "
                  "(tunnels.d/t.conf:2): the shield would block IKE with that peer; remove that range from "
                  "RemotePrefixes" },
        /* An on-premises range of another tunnel: inside the VNet range, or
         * holding it. */
        { .tunnel = TUN, .tunnel2 = U1 U2 U3 "RemotePrefixes=198.51.100.32/27\n", .exit = 1, .n_errors = 1,
          .diag = PU ":5: error: RemotePrefixes: '198.51.100.32/27' overlaps LocalPrefixes '198.51.100.0/26' of "
                  "tunnel 't' (tunnels.d/t.conf:4): the shield would drop that on-premises traffic; on-premises and "
                  "VNet ranges must be disjoint" },
        { .tunnel = TUN, .tunnel2 = U1 U2 U3 "RemotePrefixes=198.51.100.0/25\n", .exit = 1, .n_errors = 1,
          .diag = PU ":5: error: RemotePrefixes: '198.51.100.0/25' overlaps LocalPrefixes '198.51.100.0/26' of "
                  "tunnel 't' (tunnels.d/t.conf:4): the shield would drop that on-premises traffic; on-premises and "
                  "VNet ranges must be disjoint" },
        /* One diagnostic for a range that every tunnel names, not one per
         * tunnel. */
        { .tunnel = LOCAL("192.0.2.1"), .tunnel2 = U1 U2 U3 "RemotePrefixes=192.0.2.0/24\nLocalAddress=192.0.2.1\n",
          .exit = 1, .n_errors = 1,
          .diag = PU ":5: error: RemotePrefixes: '192.0.2.0/24' covers LocalAddress '192.0.2.1' (line 6), an address "
                  "of this device: the shield would cut the device off; remove that range from RemotePrefixes or "
                  "correct LocalAddress" },
        /* No shield, nothing to lock out; forced tunnelling is no overlap. */
        { .tunnel = TUN, .tunnel2 = U1 U2 U3 "RemotePrefixes=203.0.113.0/28\nFailClosed=no\n" },
        { .tunnel = L1 L2 L3 "LocalPrefixes=0.0.0.0/0\n" L5, .tunnel2 = U1 U2 U3 "RemotePrefixes=198.51.100.0/27\n" },
        { .tunnel = L1 "RemoteAddress=2001:db8:ffff::2\n" L3 "LocalPrefixes=2001:db8:a::/48\n"
                    "RemotePrefixes=2001:db8:b::/48\n",
          .tunnel2 = U1 "RemoteAddress=2001:db8:fe::2\nPreSharedKeyFile=psk/t\nLocalPrefixes=2001:db8:c::/48\n"
                     "RemotePrefixes=2001:db8:ff00::/40\n",
          .exit = 1, .n_errors = 1,
          .diag = PU ":5: error: RemotePrefixes: '2001:db8:ff00::/40' covers RemoteAddress '2001:db8:ffff::2' of "
                  "tunnel 't' (tunnels.d/t.conf:2): the shield would block IKE with that peer; remove that range "
                  "from RemotePrefixes" },
};

/* The profile the Profile=mine rows use, written in every tree. */
#define MINE "[Profile]\nIkeEncryption=GCMAES256\nIkeIntegrity=SHA384\nDhGroup=ECP384\nIpsecEncryption=GCMAES256\n" \
             "IpsecIntegrity=GCMAES256\nPfsGroup=ECP384\n"

/* s with every "@D@" replaced by dir. */
static char *expand(const char *s, const char *dir) {
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);

        assert_non_null(f);
        while (*s) {
                if (strncmp(s, "@D@", 3) == 0) {
                        fputs(dir, f);
                        s += 3;
                } else
                        fputc(*s++, f);
        }
        assert_int_equal(fclose(f), 0);
        return out;
}

static void test_hostile(void **state) {
        size_t failed = 0;

        assert_true(ELEMENTSOF(rows) >= 100);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const Hostile *h = &rows[i];
                _cleanup_free_ char *dir = th_mkdtemp(), *want = NULL, *target = NULL;
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                const ConfOptions o = { .secret_owner = 0, .check_files = true };
                bool found = !h->diag, leaked = false;
                int r, exit_code;

                if (h->gateway)
                        free(th_write_file(dir, "gatewayd.conf", h->gateway, 0644));
                if (h->tunnel)
                        free(th_write_file(dir, P, h->tunnel, 0644));
                if (h->tunnel2)
                        free(th_write_file(dir, PU, h->tunnel2, 0644));
                free(th_write_file(dir, "profiles.d/mine.conf", MINE, 0644));
                if (h->psk != NO_FILE)
                        free(th_write_file(dir, "psk/t", h->psk ? h->psk : KEY "\n", h->psk_mode ? h->psk_mode : 0600));
                if (h->chmod_rel) {
                        assert_true(asprintf(&target, "%s/%s", dir, h->chmod_rel) > 0);
                        assert_int_equal(chmod(target, h->chmod_mode), 0);
                        free(target);
                        target = NULL;
                }
                if (h->chown_rel) {
                        assert_true(asprintf(&target, "%s/%s", dir, h->chown_rel) > 0);
                        assert_int_equal(chown(target, OTHER_UID, (gid_t) -1), 0);
                }

                r = gw_check(dir, &o, time(NULL), &d, &c);
                assert_true(r == 0 || r == -EINVAL);
                exit_code = r == 0 ? 0 : 1;
                want = h->diag ? expand(h->diag, dir) : NULL;
                for (size_t j = 0; j < d.n; j++) {
                        _cleanup_free_ char *s = diag_format(&d.items[j]);

                        assert_non_null(s);
                        if (want && streq(s, want))
                                found = true;
                        /* The sweep: no key material in any output. */
                        if (strstr(s, KEY) || (h->secret && strstr(s, h->secret)) ||
                            (h->psk && h->psk != NO_FILE && strlen(h->psk) >= 12 && strstr(s, h->psk)))
                                leaked = true;
                }
                if (exit_code != h->exit || d.n_errors != h->n_errors || !found || leaked) {
                        print_message("row %zu: exit %d (want %d), %zu errors (want %zu)%s%s\n", i, exit_code,
                                      h->exit, d.n_errors, h->n_errors, found ? "" : ", line not found",
                                      leaked ? ", KEY MATERIAL LEAKED" : "");
                        if (want)
                                print_message("  want: %s\n", want);
                        for (size_t j = 0; j < d.n; j++) {
                                _cleanup_free_ char *s = diag_format(&d.items[j]);

                                print_message("  have: %s\n", s);
                        }
                        failed++;
                }
                th_rmtree(dir);
        }
        print_message("%zu hostile cases, %zu failed\n", ELEMENTSOF(rows), failed);
        assert_int_equal(failed, 0);
}

/* A shield too big for the kernel is a diagnostic, not a silently empty
 * shield: 180 IPv6 VNet prefixes per tunnel (kernel data plane: one XFRM
 * policy per prefix in each direction). 364 tunnels need 65,520 per
 * direction and pass; the 365th crosses CONF_SHIELD_POLICIES_MAX (65,535)
 * and is named. */
#define BIG_PER_TUNNEL 180

static void write_big_tunnel(const char *dir, unsigned t) {
        _cleanup_free_ char *text = NULL, *rel = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&text, &n);

        assert_non_null(f);
        fprintf(f, "[Tunnel]\nRemoteAddress=2001:db8:ffff::%x\nPreSharedKeyFile=psk/t\nLocalPrefixes=2001:db8:a::/48\n"
                "RemotePrefixes=", t + 1);
        for (unsigned i = 0; i < BIG_PER_TUNNEL; i++) {
                unsigned k = t * BIG_PER_TUNNEL + i;

                fprintf(f, "%s2001:db8:%x:%x::/64", i ? ", " : "", 1 + k / 65536, k % 65536);
        }
        fputc('\n', f);
        assert_int_equal(fclose(f), 0);
        assert_true(asprintf(&rel, "tunnels.d/t%03u.conf", t) > 0);
        free(th_write_file(dir, rel, text, 0644));
}

static void test_shield_too_big(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp();
        const ConfOptions o = { .secret_owner = 0, .check_files = true };

        free(th_write_file(dir, "psk/t", KEY "\n", 0600));
        for (unsigned t = 0; t < 364; t++)
                write_big_tunnel(dir, t);
        {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;

                assert_int_equal(gw_check(dir, &o, time(NULL), &d, &c), 0);
                assert_int_equal(c->n_tunnels, 364);
        }
        write_big_tunnel(dir, 364);
        {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *s = NULL;

                assert_int_equal(gw_check(dir, &o, time(NULL), &d, &c), -EINVAL);
                assert_int_equal(d.n_errors, 1);
                s = diag_format(&d.items[0]);
                assert_string_equal(s, "tunnels.d/t364.conf:5: error: RemotePrefixes: with this tunnel the shield "
                                       "needs more than 65535 XFRM policies per direction, more than gatewayd keeps "
                                       "in the kernel; merge adjacent VNet ranges into fewer prefixes, set "
                                       "FailClosed=no on tunnels that do not need the shield, or spread the tunnels "
                                       "over more devices");
        }
        th_rmtree(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_shield_too_big),
        };

        /* Owners other than root are made with chown: root only. */
        if (geteuid() != 0) {
                printf("1..0 # SKIP the hostile cases chown files: run as root\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
