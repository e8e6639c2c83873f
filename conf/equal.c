/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deep equality of model objects, field by field. A reload uses it to skip
 * what it has already computed for an object whose inputs did not change
 * (gatewayd/reload.c: a tunnel's rendered settings). "Equal" must never be
 * said of objects that differ; saying "different" of equal ones only costs
 * a recomputation. So every field is compared, bookkeeping too (lines, the
 * display path), and a field added to a struct must be added here: the
 * size checks below fail the build until it is. */
#include "model.h"

#if __SIZEOF_POINTER__ == 8 && __SIZEOF_INT__ == 4
_Static_assert(sizeof(Gateway) == 72, "Gateway changed: compare the new field in gateway_equal, then update this size");
_Static_assert(sizeof(Profile) == 144, "Profile changed: compare the new field in profile_equal, then update this size");
_Static_assert(sizeof(Tunnel) == 360, "Tunnel changed: compare the new field in tunnel_equal, then update this size");
#endif

static bool prefixes_equal(const PrefixList *a, const PrefixList *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (!address_equal(&a->items[i].addr, &b->items[i].addr) || a->items[i].len != b->items[i].len)
                        return false;
        return true;
}

bool gateway_equal(const Gateway *a, const Gateway *b) {
        return streq_ptr(a->path, b->path) && a->fips_mode == b->fips_mode && a->fips_mode_line == b->fips_mode_line &&
               streq_ptr(a->vici, b->vici) && a->data_plane == b->data_plane &&
               streq_ptr(a->status_file, b->status_file) && streq_ptr(a->metrics_file, b->metrics_file) &&
               a->health_interval_sec == b->health_interval_sec &&
               a->cert_expiry_warning_days == b->cert_expiry_warning_days && a->bgp_asn == b->bgp_asn &&
               a->bgp_asn_line == b->bgp_asn_line && a->max_half_open_per_peer == b->max_half_open_per_peer;
}

bool profile_equal(const Profile *a, const Profile *b) {
        if (!a || !b)
                return a == b;
        if (!streq_ptr(a->name, b->name) || !streq_ptr(a->path, b->path) || a->builtin != b->builtin ||
            a->section_line != b->section_line || a->sa_lifetime_sec != b->sa_lifetime_sec ||
            a->sa_lifetime_line != b->sa_lifetime_line || a->sa_datasize_kb != b->sa_datasize_kb ||
            a->sa_datasize_line != b->sa_datasize_line || a->ike_lifetime_sec != b->ike_lifetime_sec ||
            a->ike_lifetime_line != b->ike_lifetime_line)
                return false;
        for (size_t i = 0; i < _PROFILE_ALG_MAX; i++)
                if (!streq_ptr(a->alg[i], b->alg[i]) || a->alg_line[i] != b->alg_line[i])
                        return false;
        return true;
}

bool tunnel_equal(const Tunnel *a, const Tunnel *b) {
        return streq_ptr(a->name, b->name) && streq_ptr(a->path, b->path) && a->section_line == b->section_line &&
               memcmp(a->line, b->line, sizeof(a->line)) == 0 &&
               address_equal(&a->remote_address, &b->remote_address) &&
               a->has_local_address == b->has_local_address &&
               address_equal(&a->local_address, &b->local_address) && streq_ptr(a->local_id, b->local_id) &&
               streq_ptr(a->remote_id, b->remote_id) && streq_ptr(a->profile_name, b->profile_name) &&
               profile_equal(a->profile, b->profile) && a->auth == b->auth && streq_ptr(a->psk_file, b->psk_file) &&
               streq_ptr(a->certificate, b->certificate) && streq_ptr(a->private_key, b->private_key) &&
               streq_ptr(a->ca_certificate, b->ca_certificate) &&
               prefixes_equal(&a->local_prefixes, &b->local_prefixes) &&
               prefixes_equal(&a->remote_prefixes, &b->remote_prefixes) && a->fail_closed == b->fail_closed &&
               a->tcp_mss_clamp == b->tcp_mss_clamp && a->dpd_timeout_sec == b->dpd_timeout_sec &&
               a->connection_mode == b->connection_mode && a->enabled == b->enabled && a->mode == b->mode &&
               a->has_bgp == b->has_bgp && address_equal(&a->bgp_peer_address, &b->bgp_peer_address) &&
               a->bgp_peer_asn == b->bgp_peer_asn && address_equal(&a->bgp_local_address, &b->bgp_local_address) &&
               streq_ptr(a->broken, b->broken) && a->stub == b->stub && a->keep == b->keep &&
               a->cred_not_before == b->cred_not_before && a->cred_not_after == b->cred_not_after;
}
