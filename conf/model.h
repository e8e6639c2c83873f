/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The in-memory model of a config tree (README "Config format in brief"). conf builds
 * it from files; ikepolicy judges and renders it; gatewayd diffs and applies it.
 * Plain structs: every string is owned by its object and freed with it. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "macro.h"
#include "prefix.h"

#define NAME_MAX_LEN 64

/* MaxHalfOpenPerPeer's default: below strongSwan's responder defaults for one
 * peer address, cookie_threshold_ip 3 (a cookie round trip from the 4th
 * half-open IKE SA on) and block_threshold 5 (dropped from the 5th on). */
#define PACER_DEFAULT_HALF_OPEN 3u

typedef enum DataPlane {
        DATA_PLANE_KERNEL,
        DATA_PLANE_USERSPACE,
        _DATA_PLANE_MAX,
        _DATA_PLANE_INVALID = -EINVAL,
} DataPlane;

typedef struct Gateway {
        char *path;                  /* "gatewayd.conf" (display path) */
        bool fips_mode;              /* FipsMode, default yes */
        unsigned fips_mode_line;
        char *vici;                  /* Vici, default unix:///run/charon.vici */
        DataPlane data_plane;        /* DataPlane, default kernel */
        char *status_file;           /* StatusFile */
        char *metrics_file;          /* MetricsFile: Prometheus textfile; NULL = off */
        unsigned health_interval_sec;
        unsigned cert_expiry_warning_days;
        uint32_t bgp_asn;            /* BgpAsn: this device's ASN; 0 = no BGP */
        unsigned bgp_asn_line;
        unsigned max_half_open_per_peer; /* MaxHalfOpenPerPeer: initiations in flight per peer */
} Gateway;

/* The six algorithm keys of Azure's custom IPsec/IKE policy. conf stores their
 * raw values; ikepolicy owns their meaning (the catalogue). */
typedef enum ProfileAlg {
        PROFILE_IKE_ENCRYPTION,
        PROFILE_IKE_INTEGRITY,
        PROFILE_DH_GROUP,
        PROFILE_IPSEC_ENCRYPTION,
        PROFILE_IPSEC_INTEGRITY,
        PROFILE_PFS_GROUP,
        _PROFILE_ALG_MAX,
        _PROFILE_ALG_INVALID = -EINVAL,
} ProfileAlg;

/* "IkeEncryption", ... — the config key names. */
const char *profile_alg_to_string(ProfileAlg a);
ProfileAlg profile_alg_from_string(const char *s);

#define PROFILE_DEFAULT_SA_LIFETIME_SEC 27000u
#define PROFILE_DEFAULT_SA_DATASIZE_KB 102400000ull
#define PROFILE_DEFAULT_IKE_LIFETIME_SEC 28800u
#define PROFILE_MIN_LIFETIME_SEC 300u
#define PROFILE_MIN_DATASIZE_KB 1024u

typedef struct Profile {
        char *name;
        char *path;                        /* display path; "<built-in>/NAME.conf" for built-ins */
        bool builtin;
        unsigned section_line;             /* line of [Profile] */
        char *alg[_PROFILE_ALG_MAX];       /* raw values, e.g. "GCMAES256" */
        unsigned alg_line[_PROFILE_ALG_MAX];
        uint64_t sa_lifetime_sec;
        unsigned sa_lifetime_line;
        uint64_t sa_datasize_kb;
        unsigned sa_datasize_line;
        uint64_t ike_lifetime_sec;
        unsigned ike_lifetime_line;
} Profile;

typedef enum AuthMethod {
        AUTH_PSK,
        AUTH_CERTIFICATE,
        _AUTH_METHOD_MAX,
        _AUTH_METHOD_INVALID = -EINVAL,
} AuthMethod;

typedef enum ConnectionMode {
        CONNECTION_MODE_DEFAULT,
        CONNECTION_MODE_INITIATOR_ONLY,
        CONNECTION_MODE_RESPONDER_ONLY,
        _CONNECTION_MODE_MAX,
        _CONNECTION_MODE_INVALID = -EINVAL,
} ConnectionMode;

/* Mode=: traffic selectors = the prefixes (policy), or an XFRM interface of
 * the tunnel's own with any-to-any selectors and routes (route; DESIGN.md,
 * "Route-based mode and BGP"). */
typedef enum TunnelMode {
        TUNNEL_MODE_POLICY,
        TUNNEL_MODE_ROUTE,
        _TUNNEL_MODE_MAX,
        _TUNNEL_MODE_INVALID = -EINVAL,
} TunnelMode;

/* Every [Tunnel] key; used to remember the line each key came from so later
 * stages can point at it. */
typedef enum TunnelKey {
        TUNNEL_REMOTE_ADDRESS,
        TUNNEL_LOCAL_ADDRESS,
        TUNNEL_LOCAL_ID,
        TUNNEL_REMOTE_ID,
        TUNNEL_PROFILE,
        TUNNEL_AUTHENTICATION,
        TUNNEL_PRE_SHARED_KEY_FILE,
        TUNNEL_CERTIFICATE,
        TUNNEL_PRIVATE_KEY,
        TUNNEL_CA_CERTIFICATE,
        TUNNEL_LOCAL_PREFIXES,
        TUNNEL_REMOTE_PREFIXES,
        TUNNEL_FAIL_CLOSED,
        TUNNEL_TCP_MSS_CLAMP,
        TUNNEL_DPD_TIMEOUT_SECONDS,
        TUNNEL_CONNECTION_MODE,
        TUNNEL_ENABLED,
        TUNNEL_MODE,
        TUNNEL_BGP_PEER_ADDRESS,
        TUNNEL_BGP_PEER_ASN,
        TUNNEL_BGP_LOCAL_ADDRESS,
        _TUNNEL_KEY_MAX,
        _TUNNEL_KEY_INVALID = -EINVAL,
} TunnelKey;

const char *tunnel_key_to_string(TunnelKey k);
TunnelKey tunnel_key_from_string(const char *s);

#define TUNNEL_DEFAULT_PROFILE "fips-gcm256"
#define TUNNEL_DEFAULT_MSS 1350u
#define TUNNEL_DEFAULT_DPD_TIMEOUT_SEC 45u

typedef struct Tunnel {
        char *name;
        char *path;                   /* display path, "tunnels.d/NAME.conf" */
        unsigned section_line;
        unsigned line[_TUNNEL_KEY_MAX]; /* 0 = key absent (default used) */

        Address remote_address;
        bool has_local_address;
        Address local_address;
        char *local_id;               /* NULL: the address */
        char *remote_id;              /* NULL: the address */
        char *profile_name;           /* never NULL after load */
        const Profile *profile;       /* resolved by conf; NULL if the name is unknown */
        AuthMethod auth;
        /* Absolute paths (relative ones are taken from the config dir). */
        char *psk_file;
        char *certificate;
        char *private_key;
        char *ca_certificate;
        PrefixList local_prefixes;
        PrefixList remote_prefixes;
        bool fail_closed;
        unsigned tcp_mss_clamp;       /* 0 = off */
        unsigned dpd_timeout_sec;
        ConnectionMode connection_mode;
        bool enabled;
        TunnelMode mode;
        /* BGP over the tunnel (Mode=route): all three set, or none
         * (has_bgp false). */
        bool has_bgp;
        Address bgp_peer_address;
        uint32_t bgp_peer_asn;
        Address bgp_local_address;
        /* Failure isolation (conf_isolate): the first error that hit this
         * tunnel, "path:line: error: ...", or NULL. A broken tunnel is not
         * loaded into charon, and shielded for the RemotePrefixes that
         * parsed. */
        char *broken;
        bool stub;                    /* its file could not be read: name and path only */
        bool keep;                    /* broken, and the manager keeps the previous config running */
        /* When its credentials are valid (the certificate's and the CA's
         * validity windows, intersected), set by gatewayd's check; 0 =
         * unknown or not a certificate tunnel. */
        int64_t cred_not_before, cred_not_after;
} Tunnel;

typedef struct Config {
        char *dir;                    /* the config dir as given */
        Gateway gateway;
        Profile **profiles;           /* user profiles, then the built-ins not overridden */
        size_t n_profiles;
        Tunnel **tunnels;             /* sorted by name */
        size_t n_tunnels;
        size_t allocated_tunnels;     /* conf_append_tunnel's; 0: exactly n_tunnels */
        /* Copies of profiles that tunnels kept from a previous config use
         * (config_keep_tunnel); never looked up by name. */
        Profile **kept_profiles;
        size_t n_kept_profiles;
} Config;

const char *data_plane_to_string(DataPlane d);
DataPlane data_plane_from_string(const char *s);
const char *auth_method_to_string(AuthMethod a);
AuthMethod auth_method_from_string(const char *s);
const char *connection_mode_to_string(ConnectionMode m);
ConnectionMode connection_mode_from_string(const char *s);

const char *tunnel_mode_to_string(TunnelMode m);
TunnelMode tunnel_mode_from_string(const char *s);

/* Route mode: the XFRM interface id of a tunnel, derived from its name alone
 * (a reload or a restart finds the same one): a 24-bit FNV-1a hash of the
 * name in TUNNEL_IF_ID_BASE's range, which also tells gatewayd's interfaces
 * from anybody else's. conf reports two tunnels that hash alike. */
#define TUNNEL_IF_ID_BASE 0x67000000u
#define TUNNEL_IF_ID_MASK 0x00ffffffu
uint32_t tunnel_if_id(const char *name);
bool tunnel_if_id_is_ours(uint32_t if_id);
/* Route mode: the interface's name, "gw-NAME" when it fits IFNAMSIZ (15
 * characters, so names of up to 12), else "gw-" + the name's first 6
 * characters + "-" + 5 hex digits of the name's hash (e.g.
 * "gw-azure--3f2a1" for "azure-westeurope-1"). buf holds TUNNEL_IFNAME_MAX+1. */
#define TUNNEL_IFNAME_MAX 15
#define TUNNEL_IFNAME_PREFIX "gw-"
const char *tunnel_ifname(const char *name, char buf[static TUNNEL_IFNAME_MAX + 1]);

Profile *profile_free(Profile *p);
/* A deep copy of p, or NULL (out of memory). */
Profile *profile_dup(const Profile *p);
Tunnel *tunnel_free(Tunnel *t);
/* A deep copy of t (strings, prefix lists), or NULL (out of memory). The
 * copy's profile is NULL: it belongs to no Config yet (conf_finish resolves
 * it). */
Tunnel *tunnel_dup(const Tunnel *t);
Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Profile *, profile_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(Tunnel *, tunnel_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

const Profile *config_find_profile(const Config *c, const char *name);
const Tunnel *config_find_tunnel(const Config *c, const char *name);
/* The index of tunnel name in c->tunnels, or -1. c is sorted by name
 * (conf_finish sorts it): a binary search. */
ssize_t config_tunnel_index(const Config *c, const char *name);

/* Deep equality, every field compared (conf/equal.c): objects of two loads
 * of the same files are equal. */
bool gateway_equal(const Gateway *a, const Gateway *b);
bool profile_equal(const Profile *a, const Profile *b);
bool tunnel_equal(const Tunnel *a, const Tunnel *b);

/* The line to blame for a tunnel key: its own line, else the section line. */
unsigned tunnel_line(const Tunnel *t, TunnelKey k);

/* Failure isolation on reload: new->tunnels[i] (broken) and old->tunnels[j]
 * (same name, running) change places, so that new runs the previous
 * configuration of that tunnel; its profile is copied into new. Both configs
 * stay valid (old now holds the broken one). Returns 0 or -ENOMEM. */
int config_keep_tunnel(Config *new, size_t i, Config *old, size_t j);
