/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The status document (StatusFile=; packaging/status.schema.json) as plain
 * structs. The health tracker fills a GatewayStatus and hands it to
 * status_write_file() and metrics_write_file(); gatewayctl reads it back with
 * status_read_file().
 * Every string is owned by its object and freed with it. There are no
 * secrets in the model, and there must never be: the file is world-readable.
 *
 * A zeroed object never looks healthy: state down, shield off, no error, no
 * certificate, no IKE SA, charon not connected. A timestamp of 0 is unknown
 * and is written as null (generated_at must be set).
 *
 * Typical use by the health tracker, once per change and per interval:
 *
 *         _cleanup_(gateway_status_freep) GatewayStatus *s = gateway_status_new();
 *         s->generated_at = CLOCK_REALTIME in usec;  ...the gateway fields...
 *         for each configured tunnel:
 *                 TunnelStatus *t = gateway_status_add_tunnel(s, name);
 *                 t->state = ...; status_set_string(&t->remote_address, ...);
 *                 ChildStatus *c = tunnel_status_add_child(t, child_name);
 *                 child_status_add_ts(c, STATUS_TS_LOCAL, "10.1.0.0/16");
 *                 tunnel_status_set_error(t, TUNNEL_ERROR_DPD_TIMEOUT, charon_text);
 *         status_write_file(path, s);
 *         metrics_write_file(metrics_path, s, &(MetricsCounters) { .shield_drops = n });
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "model.h"

typedef uint64_t usec_t;
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_DAY (86400ULL * USEC_PER_SEC)

#define STATUS_VERSION 1
#define STATUS_DEFAULT_PATH "/run/gatewayd/status.json"
/* Reader bounds. A document of CONF_MAX_TUNNELS tunnels with a few child SAs
 * each stays far below the file size; the writer checks the same counts so
 * that it never writes what the reader refuses. */
#define STATUS_MAX_FILE_SIZE (64u * 1024u * 1024u)
#define STATUS_MAX_TUNNELS 10000u
#define STATUS_MAX_CHILDREN 32u   /* make-before-break rekeys show two for a moment */
#define STATUS_MAX_TS 256u        /* per side, as CONF_MAX_PREFIXES */
#define STATUS_MAX_STRING 4096u   /* any string, decoded */
/* last_error's detail comes from charon and may quote what a peer sent: the
 * writer cuts it to this many bytes (at a UTF-8 character) rather than fail. */
#define STATUS_MAX_DETAIL 1024u
/* The latest time RFC 3339's four-digit year can say: 9999-12-31T23:59:59Z. */
#define STATUS_MAX_TIME_SEC 253402300799ULL

/* Zero is down: a forgotten assignment must not report a tunnel up. */
typedef enum TunnelState {
        TUNNEL_STATE_DOWN,
        TUNNEL_STATE_CONNECTING,
        TUNNEL_STATE_UP,
        TUNNEL_STATE_DISABLED,  /* Enabled=no */
        _TUNNEL_STATE_MAX,
        _TUNNEL_STATE_INVALID = -EINVAL,
} TunnelState;

/* engaged: VNet-bound traffic of the tunnel is being dropped; standby: the
 * shield policies are in and the tunnel carries the traffic; off: no shield
 * (FailClosed=no, or it could not be installed). Zero is off. */
typedef enum ShieldState {
        SHIELD_STATE_OFF,
        SHIELD_STATE_STANDBY,
        SHIELD_STATE_ENGAGED,
        _SHIELD_STATE_MAX,
        _SHIELD_STATE_INVALID = -EINVAL,
} ShieldState;

/* Why a tunnel is not up, as a keyword (the journal's GATEWAYD_REASON).
 * TUNNEL_ERROR_NONE has no keyword: it is written as null. */
typedef enum TunnelError {
        TUNNEL_ERROR_NONE,
        TUNNEL_ERROR_DPD_TIMEOUT,        /* the peer stopped answering */
        TUNNEL_ERROR_PEER_DELETED,       /* the peer deleted the IKE SA */
        TUNNEL_ERROR_AUTH_FAILED,        /* AUTHENTICATION_FAILED, either side */
        TUNNEL_ERROR_NO_PROPOSAL_CHOSEN, /* the profiles do not match */
        TUNNEL_ERROR_TS_UNACCEPTABLE,    /* the prefixes do not match */
        TUNNEL_ERROR_REKEY_FAILED,       /* e.g. a PfsGroup mismatch, hours after start */
        TUNNEL_ERROR_UNREACHABLE,        /* no answer to IKE_SA_INIT */
        TUNNEL_ERROR_CHARON_GONE,        /* the VICI connection to charon broke */
        TUNNEL_ERROR_CONFIG,             /* the tunnel's file or a credential was refused */
        TUNNEL_ERROR_SHIELD_FAILED,      /* its shield could not be installed: not loaded */
        TUNNEL_ERROR_IKE_FAILED,         /* charon failed otherwise; the detail says how */
        _TUNNEL_ERROR_MAX,
        _TUNNEL_ERROR_INVALID = -EINVAL,
} TunnelError;

typedef enum StatusTsSide {
        STATUS_TS_LOCAL,
        STATUS_TS_REMOTE,
} StatusTsSide;

/* A child SA as charon lists it. Counters are those of the SA (a rekeyed SA
 * starts again from 0). */
typedef struct ChildStatus {
        char *name;
        char **local_ts;              /* "10.1.0.0/16", ... */
        size_t n_local_ts;
        char **remote_ts;
        size_t n_remote_ts;
        char *proposal;               /* e.g. "aes256gcm16-ecp384"; required */
        uint64_t bytes_in, bytes_out, packets_in, packets_out;
} ChildStatus;

typedef struct IkeStatus {
        char *proposal;               /* e.g. "aes256gcm16-prfsha384-ecp384"; required */
        usec_t established_at;        /* 0: unknown */
} IkeStatus;

typedef struct CertificateStatus {
        usec_t not_after;             /* required (non-zero) */
        int64_t days_left;            /* negative once expired; see status_days_left() */
} CertificateStatus;

/* A route tunnel's BGP session (FRR's view, polled on the health timer). */
typedef enum BgpState {
        BGP_STATE_DOWN,                /* no session: FRR unreachable, the tunnel down, or not configured yet */
        BGP_STATE_CONNECTING,          /* Idle, Connect, Active, OpenSent, OpenConfirm */
        BGP_STATE_ESTABLISHED,
        _BGP_STATE_MAX,
        _BGP_STATE_INVALID = -EINVAL,
} BgpState;

const char *bgp_state_to_string(BgpState s);
BgpState bgp_state_from_string(const char *s);

typedef struct BgpStatus {
        char *peer;                   /* BgpPeerAddress; required */
        uint32_t peer_asn;
        BgpState state;
        usec_t since;                 /* in this state since; 0: unknown */
        uint64_t prefixes_received;   /* accepted by the prefix filter */
        char *reason;                 /* why not established (bgp-down's GATEWAYD_REASON), or NULL */
} BgpStatus;

typedef struct TunnelStatus {
        char *name;                   /* a valid object name ([A-Za-z0-9_-]{1,64}) */
        TunnelState state;
        usec_t since;                 /* in this state since; 0: unknown */
        char *local_address;          /* NULL: not known (LocalAddress=any, no SA) */
        char *remote_address;         /* NULL only when the tunnel's file is broken */
        char *profile;                /* likewise */
        bool has_ike;                 /* an IKE SA exists: ike is written */
        IkeStatus ike;
        ChildStatus **children;
        size_t n_children;
        ShieldState shield;
        TunnelError last_error;
        char *last_error_detail;      /* NULL or text, only with a last_error */
        bool has_certificate;         /* Authentication=certificate: certificate is written */
        CertificateStatus certificate;
        bool has_bgp;                 /* Mode=route with BGP: bgp is written */
        BgpStatus bgp;
        /* Not in the document (packaging/status.schema.json): for the metrics only. */
        usec_t last_rekey;            /* last completed rekey; 0: none */
} TunnelStatus;

typedef struct GatewayInfo {
        bool fips_mode;
        DataPlane data_plane;
        char *vici;                   /* the socket, e.g. "unix:///run/charon.vici" */
        bool charon_connected;
        /* HealthIntervalSec in force: readers judge the document's age by it
         * without reading the config (gatewayctl may not be allowed to). */
        unsigned health_interval_sec;
} GatewayInfo;

typedef struct GatewayStatus {
        usec_t generated_at;          /* CLOCK_REALTIME; required */
        GatewayInfo gateway;
        TunnelStatus **tunnels;       /* every configured tunnel, in config order */
        size_t n_tunnels;
} GatewayStatus;

const char *tunnel_state_to_string(TunnelState s);
TunnelState tunnel_state_from_string(const char *s);
const char *shield_state_to_string(ShieldState s);
ShieldState shield_state_from_string(const char *s);
/* NULL for TUNNEL_ERROR_NONE; from_string never returns it. */
const char *tunnel_error_to_string(TunnelError e);
TunnelError tunnel_error_from_string(const char *s);

/* Constructors return NULL when out of memory. The new object is zeroed as
 * above; gateway_status_new() sets health_interval_sec to 10 (the default). */
GatewayStatus *gateway_status_new(void);
GatewayStatus *gateway_status_free(GatewayStatus *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(GatewayStatus *, gateway_status_free);

/* Appends a tunnel named name (copied) and returns it, owned by s; the
 * pointer stays valid until s is freed. NULL when out of memory. Names are
 * checked when the document is written. */
TunnelStatus *gateway_status_add_tunnel(GatewayStatus *s, const char *name);
/* The first tunnel called name, or NULL. */
TunnelStatus *gateway_status_find_tunnel(const GatewayStatus *s, const char *name);
/* Appends a child SA (name copied), owned by t. NULL when out of memory. */
ChildStatus *tunnel_status_add_child(TunnelStatus *t, const char *name);
/* Frees every child SA of t (they are rebuilt from charon's view). */
void tunnel_status_clear_children(TunnelStatus *t);
/* Appends a copy of ts to the child's local or remote selectors. 0 or -ENOMEM. */
int child_status_add_ts(ChildStatus *c, StatusTsSide side, const char *ts);
/* Sets last_error and its detail (copied, cut to STATUS_MAX_DETAIL bytes; NULL
 * or "" for none). TUNNEL_ERROR_NONE clears both. 0, -EINVAL (not a
 * TunnelError) or -ENOMEM. */
int tunnel_status_set_error(TunnelStatus *t, TunnelError e, const char *detail);
/* Replaces *field with a copy of value (NULL clears it). 0 or -ENOMEM. */
int status_set_string(char **field, const char *value);

/* Whole days from now until not_after, rounded towards minus infinity: 0 on
 * the last day, -1 on the first day after expiry. */
int64_t status_days_left(usec_t not_after, usec_t now);

/* Whether s can be written as it is, and read back: generated_at set and in
 * range, names valid and unique, enums in range, counts and strings within
 * the bounds above, required strings present, detail only with an error.
 * Returns 0, -EINVAL (ret_what, if given, is static text saying which rule)
 * or -ENOMEM. */
int status_validate(const GatewayStatus *s, const char **ret_what);
/* The same rules for one tunnel (all but uniqueness). 0 or -EINVAL. */
int tunnel_status_validate(const TunnelStatus *t, const char **ret_what);

/* Serialises s as the document (packaging/status.schema.json):
 * pretty-printed, two spaces, pure ASCII (everything else \u-escaped;
 * bytes that are not UTF-8 become U+FFFD), ending in a newline. Returns 0
 * with a new NUL-terminated buffer, -EINVAL (status_validate) or -ENOMEM. */
int status_to_json(const GatewayStatus *s, char **ret_text, size_t *ret_size);
/* One tunnel as the same JSON object, for `gatewayctl status --json NAME`. */
int status_tunnel_to_json(const TunnelStatus *t, char **ret_text, size_t *ret_size);

/* status_to_json(), then write_file_atomic(path, ..., 0644): readers see the
 * old document or the new one, never a part. Returns 0 or -errno. */
int status_write_file(const char *path, const GatewayStatus *s);

/* Parses a document: strict (unknown keys, wrong types, missing keys, values
 * out of range, trailing data and nesting deeper than the schema are
 * refused). Returns 0 with a new GatewayStatus, -EBADMSG (malformed: then
 * *ret_error, if given, is a new message naming the JSON path, e.g.
 * "tunnels[1].state: 'upp' is not one of up, connecting, down, disabled"),
 * -EFBIG (longer than STATUS_MAX_FILE_SIZE) or -ENOMEM. */
int status_parse(const char *text, size_t size, GatewayStatus **ret, char **ret_error);
/* Reads path with the common reader (regular file, at most
 * STATUS_MAX_FILE_SIZE) and parses it. -errno of the read (ENOENT, EACCES,
 * EFBIG, EINVAL for a FIFO or device, ...) or of status_parse(). */
int status_read_file(const char *path, GatewayStatus **ret, char **ret_error);
