/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Judging profiles: catalogue membership, tiers under FipsMode, and Azure's
 * cross-field rules (reference/azure-strongswan-facts.md §1.3). conf has
 * already reported missing keys and out-of-range numbers, so a missing value
 * is skipped here rather than reported twice. */

#include <inttypes.h>
#include <strings.h>

#include "ikepolicy.h"

/* The Azure IKE SA lifetime is fixed (facts §1.3.4). */
#define AZURE_IKE_LIFETIME_SEC 28800u
#define PFS_REPLACEMENT "ECP384, ECP256 or PFS2048"

typedef struct Checker {
        const Profile *p;
        bool fips_mode;
        DiagList *d;
} Checker;

static unsigned alg_line(const Profile *p, ProfileAlg a) {
        return p->alg_line[a] > 0 ? p->alg_line[a] : p->section_line;
}

/* "GCMAES256, GCMAES128, ..." for the unknown-value error. */
static int accepted_values(ProfileAlg field, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n, len = 0;
        const AlgInfo *cat = ikepolicy_catalogue(&n);
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0, k = 0; i < n; i++) {
                if (cat[i].field != field)
                        continue;
                fprintf(f, "%s%s", k++ > 0 ? ", " : "", cat[i].azure);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int report_unknown(Checker *c, ProfileAlg a) {
        _cleanup_free_ char *values = NULL;
        const char *key = profile_alg_to_string(a), *v = c->p->alg[a];
        const AlgInfo *hint = NULL;
        size_t n;
        const AlgInfo *cat = ikepolicy_catalogue(&n);
        int r;

        r = accepted_values(a, &values);
        if (r < 0)
                return r;
        /* Values are case-sensitive, as Azure spells them: point at the
         * intended spelling of "gcmaes256". */
        for (size_t i = 0; i < n && !hint; i++)
                if (cat[i].field == a && strcasecmp(cat[i].azure, v) == 0)
                        hint = &cat[i];
        if (hint)
                return diag_error(c->d, c->p->path, alg_line(c->p, a),
                                  "%s=%s is not a valid value (values are case-sensitive); did you mean %s? Accepted values: %s",
                                  key, v, hint->azure, values);
        if (a == PROFILE_IPSEC_INTEGRITY && streq(v, "SHA384"))
                return diag_error(c->d, c->p->path, alg_line(c->p, a),
                                  "%s=%s is not a valid value (Azure offers no SHA384 for ESP); use SHA256 or a GCM value matching IpsecEncryption. Accepted values: %s",
                                  key, v, values);
        return diag_error(c->d, c->p->path, alg_line(c->p, a), "%s=%s is not a valid value; accepted values: %s",
                          key, v, values);
}

/* Reports the tier of e for key a. subject is what the message is about:
 * "IkeEncryption=DES3", or for PFSMM "PfsGroup=PFSMM uses DhGroup=DHGroup2,
 * which". */
static int report_tier(Checker *c, ProfileAlg a, const AlgInfo *e, const char *subject) {
        unsigned line = alg_line(c->p, a);

        switch (e->tier) {
        case TIER_APPROVED:
                return 0;
        case TIER_FORBIDDEN:
                return diag_error(c->d, c->p->path, line, "%s is forbidden (%s); use %s", subject, e->reason,
                                  e->replacement);
        case TIER_LEGACY:
                if (c->fips_mode)
                        return diag_error(c->d, c->p->path, line, "%s is legacy (%s); use %s, or set FipsMode=no",
                                          subject, e->reason, e->replacement);
                return diag_warning(c->d, c->p->path, line, "%s is legacy (%s); accepted because FipsMode=no",
                                    subject, e->reason);
        default:
                return -EINVAL;
        }
}

static int check_pfsmm(Checker *c, const AlgInfo *dh) {
        _cleanup_free_ char *subject = NULL;
        AlgInfo e;

        if (!dh)
                return 0; /* DhGroup missing or unknown: reported there */
        if (!dh->keyword)
                return diag_error(c->d, c->p->path, alg_line(c->p, PROFILE_PFS_GROUP),
                                  "PfsGroup=PFSMM takes the IKE SA's group, but DhGroup=%s has none; set PfsGroup to %s",
                                  dh->azure, PFS_REPLACEMENT);
        if (asprintf(&subject, "PfsGroup=PFSMM uses DhGroup=%s, which", dh->azure) < 0)
                return -ENOMEM;
        /* Inherit DhGroup's tier and reason, but suggest PFS values at the
         * PfsGroup line. */
        e = *dh;
        e.replacement = PFS_REPLACEMENT;
        return report_tier(c, PROFILE_PFS_GROUP, &e, subject);
}

/* Azure's ESP rule: GCM encryption and GCM integrity go together, with the
 * same key length (facts §1.3.2). Reported once, at IpsecIntegrity. */
static int check_esp_pair(Checker *c, const AlgInfo *enc, const AlgInfo *integ) {
        unsigned line = alg_line(c->p, PROFILE_IPSEC_INTEGRITY);

        if (!enc || !integ)
                return 0;
        if (enc->aead && !streq(enc->azure, integ->azure))
                return diag_error(c->d, c->p->path, line,
                                  "IpsecIntegrity=%s does not match IpsecEncryption=%s: with GCM encryption Azure requires the same GCM value for IpsecIntegrity (GCM carries its own integrity); set IpsecIntegrity=%s",
                                  integ->azure, enc->azure, enc->azure);
        if (!enc->aead && integ->aead)
                return diag_error(c->d, c->p->path, line,
                                  "IpsecIntegrity=%s is only valid with IpsecEncryption=%s, but IpsecEncryption=%s is not GCM and needs an HMAC; set IpsecIntegrity=SHA256, or IpsecEncryption=%s",
                                  integ->azure, integ->azure, enc->azure, integ->azure);
        return 0;
}

/* Judges one profile; what is wrong goes to d. Returns 0 or -errno. */
static int check_profile(const Profile *p, bool fips_mode, DiagList *d) {
        Checker c = { .p = p, .fips_mode = fips_mode, .d = d };
        const AlgInfo *e[_PROFILE_ALG_MAX] = {};
        int r;

        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++) {
                _cleanup_free_ char *subject = NULL;

                if (!p->alg[a])
                        continue; /* conf reports missing keys */
                e[a] = ikepolicy_lookup(a, p->alg[a]);
                if (!e[a]) {
                        r = report_unknown(&c, a);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (e[a]->same_as_dh_group) {
                        r = check_pfsmm(&c, ikepolicy_lookup(PROFILE_DH_GROUP, p->alg[PROFILE_DH_GROUP]));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (asprintf(&subject, "%s=%s", profile_alg_to_string(a), e[a]->azure) < 0)
                        return -ENOMEM;
                r = report_tier(&c, a, e[a], subject);
                if (r < 0)
                        return r;
        }

        r = check_esp_pair(&c, e[PROFILE_IPSEC_ENCRYPTION], e[PROFILE_IPSEC_INTEGRITY]);
        if (r < 0)
                return r;

        /* With GCM IkeEncryption, IkeIntegrity only names the PRF (facts
         * §1.3.3); every IkeIntegrity value has one, so there is nothing more
         * to check, and MD5 stays forbidden as a PRF too. */

        /* strongSwan counts bytes in 64 bits; conf bounds the value from
         * below only. */
        if (p->sa_datasize_kb > UINT64_MAX / 1024) {
                r = diag_error(d, p->path, p->sa_datasize_line > 0 ? p->sa_datasize_line : p->section_line,
                               "SADataSizeKilobytes=%" PRIu64 " is too large; use at most %" PRIu64
                               " (Azure's default is %llu)",
                               p->sa_datasize_kb, (uint64_t) (UINT64_MAX / 1024), PROFILE_DEFAULT_SA_DATASIZE_KB);
                if (r < 0)
                        return r;
        }

        if (p->ike_lifetime_sec > AZURE_IKE_LIFETIME_SEC) {
                r = diag_warning(d, p->path, p->ike_lifetime_line > 0 ? p->ike_lifetime_line : p->section_line,
                                 "IkeLifeTimeSeconds=%" PRIu64 " is longer than Azure's IKE SA lifetime, which is fixed at %u s; Azure will rekey first (set at most %u to keep rekeying on this side)",
                                 p->ike_lifetime_sec, AZURE_IKE_LIFETIME_SEC, AZURE_IKE_LIFETIME_SEC);
                if (r < 0)
                        return r;
        }

        return 0;
}

int ikepolicy_check_profile(const Profile *p, bool fips_mode, DiagList *d) {
        size_t n_errors = d->n_errors;
        int r;

        r = check_profile(p, fips_mode, d);
        if (r < 0)
                return r;
        return d->n_errors > n_errors ? -EINVAL : 0;
}

int ikepolicy_check_config(const Config *c, DiagList *d) {
        enum { JUDGED = 1 << 0, FAILED = 1 << 1 };
        _cleanup_free_ uint8_t *state = NULL; /* per profile */
        bool fips = c->gateway.fips_mode;
        int r;

        state = calloc(c->n_profiles ?: 1, sizeof(uint8_t));
        if (!state)
                return -ENOMEM;

        /* User profiles are judged whether used or not: they are the
         * operator's files. */
        for (size_t i = 0; i < c->n_profiles; i++) {
                if (c->profiles[i]->builtin)
                        continue;
                r = check_profile(c->profiles[i], fips, d);
                if (r < 0)
                        return r;
                state[i] |= JUDGED;
        }

        /* A built-in profile is judged once, and only when a tunnel uses it
         * (disabled tunnels included: the config is judged as a whole), so that
         * azure-default-legacy does not fail a FIPS config that never names
         * it. Its diagnostics point into "<built-in>/...", which the operator
         * cannot edit, so each tunnel using it gets a note at Profile=. */
        for (size_t k = 0; k < c->n_tunnels; k++) {
                const Tunnel *t = c->tunnels[k];
                size_t i;

                if (!t->profile)
                        continue; /* unknown name: conf reported it */
                for (i = 0; i < c->n_profiles; i++)
                        if (c->profiles[i] == t->profile)
                                break;
                if (i >= c->n_profiles || !t->profile->builtin)
                        continue;
                if (!(state[i] & JUDGED)) {
                        size_t n_errors = d->n_errors;

                        r = check_profile(t->profile, fips, d);
                        if (r < 0)
                                return r;
                        state[i] |= JUDGED | (d->n_errors > n_errors ? FAILED : 0);
                }
                if (state[i] & FAILED) {
                        r = diag_note(d, t->path, tunnel_line(t, TUNNEL_PROFILE), "tunnel '%s' uses profile '%s' (%s)",
                                      t->name, t->profile->name, t->profile->path);
                        if (r < 0)
                                return r;
                }
        }

        return 0;
}
