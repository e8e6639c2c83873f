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

static void test_log_classify(void **state) {
        static const struct {
                const char *msg;
                CharonLogKind kind;
                const char *notify;
        } rows[] = {
                { "giving up after 2 retransmits", CHARON_LOG_GAVE_UP, NULL },
                { "establishing IKE_SA failed, peer not responding", CHARON_LOG_GAVE_UP, NULL },
                { "received DELETE for IKE_SA azure[3]", CHARON_LOG_PEER_DELETED, NULL },
                { "CHILD_SA rekeying failed, trying again in 7 seconds", CHARON_LOG_REKEY_FAILED, NULL },
                { "received NO_PROPOSAL_CHOSEN notify error", CHARON_LOG_NOTIFY_ERROR, "NO_PROPOSAL_CHOSEN" },
                { "received AUTHENTICATION_FAILED notify error", CHARON_LOG_NOTIFY_ERROR, "AUTHENTICATION_FAILED" },
                { "sending DELETE for IKE_SA azure[3]", CHARON_LOG_OTHER, NULL },
                { "received DELETE for ESP CHILD_SA with SPI c1cbfdf2", CHARON_LOG_OTHER, NULL },
                { "retransmit 1 of request with message ID 4", CHARON_LOG_OTHER, NULL },
                { "", CHARON_LOG_OTHER, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *m = settings_new(NULL);
                const char *sa = NULL, *notify = NULL;

                assert_int_equal(settings_set(m, "ikesa-name", "azure", 0), 0);
                assert_int_equal(settings_set(m, "msg", rows[i].msg, 0), 0);
                assert_int_equal(charon_log_classify(m, &sa, &notify), rows[i].kind);
                assert_true(streq_ptr(notify, rows[i].notify));
                if (rows[i].kind != CHARON_LOG_OTHER)
                        assert_string_equal(sa, "azure");
        }
        assert_int_equal(charon_log_classify(NULL, NULL, NULL), CHARON_LOG_OTHER);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_log_failure_reason),
                cmocka_unit_test(test_log_classify),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
