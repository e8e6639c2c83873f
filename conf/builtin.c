/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "conf.h"

/* The built-in profiles, in the very format of profiles.d so that they go
 * through the same parser (and a file of the same name overrides one).
 * Lifetimes are left to their defaults, which are Azure's. */

#define PROFILE_TEXT(ike_enc, ike_int, dh, ipsec_enc, ipsec_int, pfs) \
        "[Profile]\n"                                                  \
        "IkeEncryption=" ike_enc "\n"                                  \
        "IkeIntegrity=" ike_int "\n"                                   \
        "DhGroup=" dh "\n"                                             \
        "IpsecEncryption=" ipsec_enc "\n"                              \
        "IpsecIntegrity=" ipsec_int "\n"                               \
        "PfsGroup=" pfs "\n"

static const BuiltinProfile builtin_profiles[] = {
        /* CNSA 1.0 shape; the default of a tunnel without Profile=. */
        { "fips-gcm256", PROFILE_TEXT("GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384") },
        /* For peers without GCM. */
        { "fips-cbc", PROFILE_TEXT("AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048") },
        /* What an Azure gateway offers with no custom policy: DH group 2 in
         * every IKE offer, so only with FipsMode=no (ikepolicy decides). */
        { "azure-default-legacy", PROFILE_TEXT("AES256", "SHA256", "DHGroup2", "GCMAES256", "GCMAES256", "None") },
};

const BuiltinProfile *conf_builtin_profiles(size_t *ret_n) {
        *ret_n = ELEMENTSOF(builtin_profiles);
        return builtin_profiles;
}
