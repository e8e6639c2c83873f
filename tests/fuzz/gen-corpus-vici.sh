#!/bin/sh
# Writes the seed inputs of tests/fuzz/fuzz-vici.c into corpus-vici/: each file
# is one VICI segment payload (no 4-byte length), spelled in octal escapes.
# Run once by hand when a seed is added; the files are committed, this script
# is only their source.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)/corpus-vici
mkdir -p "$dir"
seed() {
        printf "$2" >"$dir/$1"
}
# Names and values below: a byte count in octal, then the bytes.
# The README's worked example, as a CMD_RESPONSE.
seed readme-response '\001\003\004key1\000\006value1\001\010section1\001\013sub-section\003\004key2\000\006value2\002\004\005list1\005\000\005item1\005\000\005item2\006\002'
seed version-request '\000\007version'
seed register-ike-updown '\003\012ike-updown'
seed unregister-log '\004\003log'
seed event-confirm '\005'
seed cmd-unknown '\002'
seed response-success '\001\003\007success\000\003yes'
seed response-error '\001\003\007success\000\002no\003\006errmsg\000\025unable to find IKE_SA'
seed load-conn-request '\000\011load-conn\001\003weu\003\007version\000\0012\004\013local_addrs\005\000\011192.0.2.1\006\001\005local\003\004auth\000\003psk\002\001\010children\001\003weu\004\010local_ts\005\000\01310.1.0.0/16\005\000\0172001:db8:1::/48\006\004\004vips\006\002\002\002'
seed ike-updown-event '\007\012ike-updown\003\002up\000\003yes\001\003weu\003\010uniqueid\000\0017\003\005state\000\013ESTABLISHED\001\011child-sas\001\005weu-1\003\010bytes-in\000\0041024\002\002\002'
seed unbalanced '\001\001\001s\002\002'
seed list-in-list '\001\004\001l\004\001m\006\006'
echo "wrote $(ls "$dir" | wc -l) seeds to $dir"
