/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing charon's log text: the lines charon writes when a peer refuses an
 * SA, and the lines that must not be taken for one. */
#include "charon-log.h"
#include "testhelp.h"

/* charon's "log" events that carry the reason an SA failed. */
static void test_log_failure_reason(void **state) {
        static const struct {
                const char *msg;
                const char *ikesa;
                const char *expect;
        } rows[] = {
                { "received NO_PROPOSAL_CHOSEN notify error", "azure", "NO_PROPOSAL_CHOSEN" },
                { "received AUTHENTICATION_FAILED notify error", "azure", "AUTHENTICATION_FAILED" },
                { "received TS_UNACCEPTABLE notify, no CHILD_SA built", "weu", "TS_UNACCEPTABLE" },
                { "received NO_PROPOSAL_CHOSEN notify error", NULL, "NO_PROPOSAL_CHOSEN" },
                /* what charon sends or says about other things */
                { "received proposals unacceptable", "azure", NULL },
                { "generating IKE_SA_INIT response 0 [ N(NO_PROP) ]", "azure", NULL },
                { "received INVALID_KE_PAYLOAD notify", "azure", NULL },
                { "received NO_PROPOSAL_CHOSENX notify error", "azure", NULL },
                { "sending NO_PROPOSAL_CHOSEN notify", "azure", NULL },
                { "received NO_PROPOSAL_CHOSEN", "azure", NULL },
                { "", "azure", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *m = settings_new(NULL);
                const char *sa = "untouched", *r;

                assert_int_equal(settings_set(m, "group", "IKE", 0), 0);
                assert_int_equal(settings_set(m, "level", "1", 0), 0);
                if (rows[i].ikesa)
                        assert_int_equal(settings_set(m, "ikesa-name", rows[i].ikesa, 0), 0);
                assert_int_equal(settings_set(m, "msg", rows[i].msg, 0), 0);
                r = charon_log_failure_reason(m, &sa);
                assert_true(streq_ptr(r, rows[i].expect));
                if (r)
                        assert_true(streq_ptr(sa, rows[i].ikesa));
                else
                        assert_string_equal(sa, "untouched");
        }
        assert_null(charon_log_failure_reason(NULL, NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_log_failure_reason),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
