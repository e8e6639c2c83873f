/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The IPsec/IKE policy engine: the algorithm catalogue (every Azure value with
 * its strongSwan keyword and tier), Azure's cross-field rules, and the
 * translation of a tunnel into the strongSwan connection it needs. Pure: no
 * I/O, structs and strings in, strings and diagnostics out. */

#include "creds.h"
#include "diag.h"
#include "model.h"
#include "settings.h"

typedef enum AlgTier {
        TIER_APPROVED,   /* always accepted */
        TIER_LEGACY,     /* only with FipsMode=no, with a warning */
        TIER_FORBIDDEN,  /* never accepted */
        _TIER_MAX,
        _TIER_INVALID = -EINVAL,
} AlgTier;

const char *alg_tier_to_string(AlgTier t);
AlgTier alg_tier_from_string(const char *s);

typedef struct AlgInfo {
        ProfileAlg field;
        const char *azure;        /* the Azure value, e.g. "GCMAES256" */
        /* strongSwan keyword: "" for none (PFS None; GCM IpsecIntegrity, whose
         * ICV is part of the cipher), NULL if unusable (DhGroup=None) or
         * resolved from another key (PFSMM). For IkeIntegrity: the integrity
         * algorithm, used only with CBC IkeEncryption. */
        const char *keyword;
        const char *prf_keyword;  /* IkeIntegrity only: the PRF ("prfsha384"), else NULL */
        AlgTier tier;
        const char *reason;       /* the rule behind the tier, with its source */
        const char *replacement;  /* approved values to suggest, NULL if approved */
        bool aead;                /* GCM */
        bool same_as_dh_group;    /* PFSMM: keyword and tier are DhGroup's */
        unsigned dh_group;        /* IANA group number, 0 if not a group */
} AlgInfo;

/* Every catalogue entry, grouped by key in ProfileAlg order (the order of
 * catalogue.c's table). */
const AlgInfo *ikepolicy_catalogue(size_t *ret_n);
/* The entry for field=value (case-sensitive, as Azure spells it) or NULL. */
const AlgInfo *ikepolicy_lookup(ProfileAlg field, const char *value);
/* The effective PfsGroup entry of p: PFSMM resolves to p's DhGroup entry
 * (field PROFILE_DH_GROUP). NULL if a value involved is missing or unknown. */
const AlgInfo *ikepolicy_effective_pfs(const Profile *p);

/* Judges one profile: unknown values, tiers under fips_mode, Azure's
 * cross-field rules, lifetimes. Diagnostics point at the profile's lines.
 * Returns the verdict, for a caller that judges this one profile and stops
 * (gatewayctl azure-policy): 0 if it passed, -EINVAL if an error was reported
 * to d; or -ENOMEM. Callers that go on compare d->n_errors instead. */
int ikepolicy_check_profile(const Profile *p, bool fips_mode, DiagList *d);

/* Judges the whole config: every user profile, every built-in profile that a
 * tunnel uses (with a note at the tunnel's Profile= line). Returns 0 (what is
 * wrong is in d: compare d->n_errors) or -ENOMEM. */
int ikepolicy_check_config(const Config *c, DiagList *d);

/* Judges the facts of a certificate (key type and size, signature hash)
 * under fips_mode; what names the key ("Certificate", "CACertificate").
 * Returns 0 (what is wrong is in d: compare d->n_errors) or -ENOMEM. */
int ikepolicy_check_cert(const CertFacts *f, bool fips_mode, const char *what, const char *path,
                         unsigned line, DiagList *d);

/* strongSwan proposal strings of a valid profile, e.g.
 * ike = "aes256gcm16-prfsha384-ecp384", esp = "aes256gcm16-ecp384".
 * -EINVAL if the profile has a missing, unknown, forbidden or inconsistent
 * value (legacy values render: FipsMode is the caller's judgement). */
typedef struct Proposals {
        char ike[128];
        char esp[128];
} Proposals;
int ikepolicy_proposals(const Profile *p, Proposals *ret);

/* charon's retransmission schedule as packaging/strongswan.d/gatewayd.conf
 * installs it (tests/unit/test-render.c checks the file against these). An
 * unanswered request is given up after timeout * (1 + base + ... +
 * base^tries): 1000 + 1500 + 2250 = 4750 ms. */
#define CHARON_RETRANSMIT_TIMEOUT_MS 1000u
#define CHARON_RETRANSMIT_BASE_PERMILLE 1500u
#define CHARON_RETRANSMIT_TRIES 2u
#define CHARON_RETRANSMIT_GIVE_UP_MS 4750u
/* charon's liveness timer counts whole seconds: a check may go out up to a
 * second after the idle time is reached. */
#define CHARON_DPD_SLACK_MS 1000u

/* The dpd_delay (seconds, at least 1) that makes charon report a peer that
 * went silent within dpd_timeout_sec: idle wait + slack + the give-up time of
 * the retransmissions. */
unsigned ikepolicy_dpd_delay_sec(unsigned dpd_timeout_sec);

/* Renders one tunnel into root: connections.<name> and the credentials it
 * references under secrets.<...>. The tunnel must have passed the checks;
 * as a second line of defence a profile with a forbidden value, or a legacy
 * one while g->fips_mode, is refused. Returns 0, -EINVAL (tunnel not
 * renderable), -EEXIST (already in root) or -ENOMEM; on failure root may hold
 * part of the tunnel and should be discarded. */
int ikepolicy_render_tunnel(const Gateway *g, const Tunnel *t, SettingsNode *root);
/* The peer's identity as rendered (RemoteId=, or RemoteAddress as text in
 * buf): the remote id of the connection and an owner of its PSK. */
const char *ikepolicy_remote_id(const Tunnel *t, char buf[static PREFIX_STRLEN]);
/* Renders every enabled tunnel of c that has a profile into a new tree
 * (*ret, owned by the caller). Returns 0 or the first tunnel's error. */
int ikepolicy_render_config(const Config *c, SettingsNode **ret);

/* The Azure CLI and PowerShell commands that give an Azure connection the
 * policy of p. rg/conn name the resource group and connection (placeholders
 * when NULL). Values Azure's docs do not list are translated (PFSMM, PFS14).
 * Returns 0 with a malloc'd text in *ret; -EINVAL if p has a missing, unknown,
 * forbidden or inconsistent value or a lifetime below Azure's minimum, or if
 * rg/conn contain characters Azure does not allow in names; -ENOMEM. */
int ikepolicy_azure_commands(const Profile *p, const char *rg, const char *conn, char **ret);

/* The Azure side of a Mode=route tunnel (azure-route.c): the local network
 * gateway and connection commands, with BGP enabled, both ASNs and BGP
 * addresses (the APIPA one when used) when the tunnel has BGP. rg NULL: a
 * placeholder. Returns 0 with a malloc'd text; -EINVAL for a policy-mode
 * tunnel or BGP without g->bgp_asn; -ENOMEM. */
int ikepolicy_azure_route_commands(const Gateway *g, const Tunnel *t, const char *rg, char **ret);
