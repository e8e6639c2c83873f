/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "fileio.h"
#include "xfrm-kernel.h"
#include "xfrm-msg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cb *, nl_cb_put);

/* libnl's -NLE_* for transport failures, translated once here. The kernel's
 * own errno never goes through this: it is taken from the NLMSG_ERROR. */
static int errno_from_nle(int nle) {
        switch (nle < 0 ? -nle : nle) {
        case 0:
                return 0;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_INTR:
                return -EINTR;
        case NLE_BAD_SOCK:
                return -EBADF;
        case NLE_PERM:
                return -EPERM;
        case NLE_NOACCESS:
                return -EACCES;
        case NLE_PROTO_MISMATCH:
                return -EPROTONOSUPPORT;
        case NLE_SEQ_MISMATCH:
        case NLE_MSG_TRUNC:
        case NLE_MSG_TOOSHORT:
        case NLE_MSG_OVERFLOW:
        case NLE_PARSE_ERR:
                return -EBADMSG;
        default:
                return -EIO;
        }
}

int xfrm_socket_open(struct nl_sock **ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int fd, flags, one = 1, r;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        /* Our requests carry NLM_F_ACK themselves; dumps must not. */
        nl_socket_disable_auto_ack(sk);
        /* Dump messages larger than a page are read whole. */
        nl_socket_enable_msg_peek(sk);

        r = nl_connect(sk, NETLINK_XFRM);
        if (r < 0)
                return errno_from_nle(r);
        fd = nl_socket_get_fd(sk);

        /* libnl opens with SOCK_CLOEXEC; make sure, whatever its version. */
        flags = fcntl(fd, F_GETFD);
        if (flags < 0)
                return -errno;
        if (!(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                return -errno;

        /* The kernel's reason for a refusal, as iproute2 reads it; and errors
         * that carry only the header of our request, not all of it. */
        if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
                return -errno;
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

        *ret = TAKE_PTR(sk);
        return 0;
}

typedef struct Reply {
        bool done;
        int error;                     /* the kernel's -errno */
        char *extack;
        /* dumps */
        ShieldPolicySet *ours;
        ShieldPolicySet *all;
        size_t n_foreign;
        uint32_t *used;                /* every index seen */
        size_t n_used, n_used_allocated;
        int parse_error;
} Reply;

static void reply_done(Reply *rp) {
        free(rp->extack);
        free(rp->used);
}

/* The extended ACK's message (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or
 * NLMSG_DONE whose payload starts with an errno, or NULL. */
static char *extack_message(const struct nlmsghdr *nlh, size_t head) {
        struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
        const uint8_t *start = (const uint8_t *) nlh;
        size_t off = NLMSG_ALIGN(head);
        const char *s;
        size_t len;

        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || nlh->nlmsg_len < off)
                return NULL;
        if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *) (start + off),
                      (int) (nlh->nlmsg_len - off), NULL) < 0)
                return NULL;
        if (!tb[NLMSGERR_ATTR_MSG])
                return NULL;
        s = nla_data(tb[NLMSGERR_ATTR_MSG]);
        len = strnlen(s, (size_t) nla_len(tb[NLMSGERR_ATTR_MSG]));
        /* An empty message says nothing. */
        return len > 0 ? strndup(s, len) : NULL;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg) {
        Reply *rp = arg;
        /* libnl hands us the payload; the header sits right before it. */
        const struct nlmsghdr *nlh = (const struct nlmsghdr *) ((uint8_t *) e - NLMSG_HDRLEN);
        size_t head = NLMSG_HDRLEN + sizeof(*e);

        /* Without NETLINK_CAP_ACK the kernel echoes our whole request. */
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                head += e->msg.nlmsg_len >= NLMSG_HDRLEN ? e->msg.nlmsg_len - NLMSG_HDRLEN : 0;

        rp->error = e->error < 0 ? e->error : -EIO;
        free(rp->extack);
        rp->extack = extack_message(nlh, head);
        rp->done = true;
        return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg) {
        Reply *rp = arg;

        rp->done = true;
        return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg) {
        Reply *rp = arg;
        const struct nlmsghdr *nlh = nlmsg_hdr(msg);

        /* A dump that failed half-way reports it in NLMSG_DONE. */
        if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
                int e;

                memcpy(&e, nlmsg_data(nlh), sizeof(e));
                if (e < 0) {
                        rp->error = e;
                        free(rp->extack);
                        rp->extack = extack_message(nlh, NLMSG_HDRLEN + sizeof(int));
                }
        }
        rp->done = true;
        return NL_STOP;
}

static int remember_index(Reply *rp, uint32_t index) {
        if (rp->n_used == rp->n_used_allocated) {
                size_t m = rp->n_used_allocated ? rp->n_used_allocated * 2 : 64;
                uint32_t *n = realloc(rp->used, m * sizeof(uint32_t));

                if (!n)
                        return -ENOMEM;
                rp->used = n;
                rp->n_used_allocated = m;
        }
        rp->used[rp->n_used++] = index;
        return 0;
}

static int on_policy(struct nl_msg *msg, void *arg) {
        Reply *rp = arg;
        const struct nlmsghdr *nlh = nlmsg_hdr(msg);
        ShieldPolicy p;
        uint32_t index;
        int r;

        if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY)
                return NL_SKIP;

        r = xfrm_msg_policy_index(nlh, &index);
        if (r < 0) {
                rp->parse_error = r;
                return NL_SKIP;
        }
        r = remember_index(rp, index);
        if (r < 0) {
                rp->parse_error = r;
                return NL_STOP;
        }

        r = xfrm_msg_parse_policy(nlh, &p);
        if (r == -EOPNOTSUPP) {
                rp->n_foreign++;
                return NL_OK;
        }
        if (r < 0) {
                /* Malformed: not something we can prove is ours, so leave it. */
                rp->n_foreign++;
                rp->parse_error = r;
                return NL_OK;
        }
        if (shield_policy_is_ours(&p)) {
                r = shield_policy_set_add(rp->ours, &p);
                if (r < 0) {
                        rp->parse_error = r;
                        return NL_STOP;
                }
        } else
                rp->n_foreign++;
        if (rp->all) {
                r = shield_policy_set_add(rp->all, &p);
                if (r < 0) {
                        rp->parse_error = r;
                        return NL_STOP;
                }
        }
        return NL_OK;
}

/* Sends msg and reads replies until its ACK, error or end of dump. */
static int transact(struct nl_sock *sk, struct nl_msg *msg, Reply *rp, char **ret_extack) {
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        int r;

        cb = nl_cb_alloc(NL_CB_DEFAULT);
        if (!cb)
                return -ENOMEM;
        nl_cb_err(cb, NL_CB_CUSTOM, on_error, rp);
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, rp);
        nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, rp);
        if (rp->ours)
                nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_policy, rp);

        /* Fresh sequence number and port on every send, so that a message
         * can be sent again. */
        nlmsg_hdr(msg)->nlmsg_seq = NL_AUTO_SEQ;
        nlmsg_hdr(msg)->nlmsg_pid = NL_AUTO_PORT;
        r = nl_send_auto(sk, msg);
        if (r < 0)
                return errno_from_nle(r);

        while (!rp->done) {
                r = nl_recvmsgs(sk, cb);
                if (rp->error < 0)
                        break;
                if (r < 0) {
                        rp->error = errno_from_nle(r);
                        break;
                }
        }
        if (rp->error < 0) {
                if (ret_extack)
                        *ret_extack = TAKE_PTR(rp->extack);
                return rp->error;
        }
        return 0;
}

int xfrm_kernel_transact(struct nl_sock *sk, struct nl_msg *msg, char **ret_extack) {
        Reply rp = {};
        int r;

        if (ret_extack)
                *ret_extack = NULL;
        r = transact(sk, msg, &rp, ret_extack);
        reply_done(&rp);
        return r;
}

typedef int (*build_fn)(const ShieldPolicy *p, struct nl_msg **ret);

static int send_policy(struct nl_sock *sk, build_fn build, const ShieldPolicy *p, char **ret_extack) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int r;

        if (ret_extack)
                *ret_extack = NULL;
        if (!shield_policy_is_ours(p))
                return -EPERM;
        r = build(p, &m);
        if (r < 0)
                return r;
        return xfrm_kernel_transact(sk, m, ret_extack);
}

int xfrm_kernel_add_policy(struct nl_sock *sk, const ShieldPolicy *p, char **ret_extack) {
        return send_policy(sk, xfrm_msg_new_policy, p, ret_extack);
}

int xfrm_kernel_update_policy(struct nl_sock *sk, const ShieldPolicy *p, char **ret_extack) {
        return send_policy(sk, xfrm_msg_update_policy, p, ret_extack);
}

int xfrm_kernel_delete_policy(struct nl_sock *sk, const ShieldPolicy *p, char **ret_extack) {
        return send_policy(sk, xfrm_msg_delete_policy, p, ret_extack);
}

static int dump(struct nl_sock *sk, ShieldPolicySet *ours, ShieldPolicySet *all, Reply *rp,
                char **ret_extack) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int r;

        r = xfrm_msg_dump_policies(&m);
        if (r < 0)
                return r;
        rp->ours = ours;
        rp->all = all;
        r = transact(sk, m, rp, ret_extack);
        if (r < 0)
                return r;
        /* Out of memory while collecting; a malformed foreign message is only
         * skipped (it cannot be ours). */
        if (rp->parse_error == -ENOMEM)
                return -ENOMEM;
        shield_policy_set_normalize(ours);
        return 0;
}

int xfrm_shield_dump(struct nl_sock *sk, ShieldPolicySet *ret_ours, ShieldPolicySet *ret_all,
                     size_t *ret_n_foreign, char **ret_extack) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet ours = {}, all = {};
        Reply rp = {};
        int r;

        if (ret_extack)
                *ret_extack = NULL;
        r = dump(sk, &ours, ret_all ? &all : NULL, &rp, ret_extack);
        if (r >= 0) {
                shield_policy_set_clear(ret_ours);
                *ret_ours = ours;
                ours = (ShieldPolicySet) {};
                if (ret_all) {
                        shield_policy_set_clear(ret_all);
                        *ret_all = all;
                        all = (ShieldPolicySet) {};
                }
                if (ret_n_foreign)
                        *ret_n_foreign = rp.n_foreign;
        }
        reply_done(&rp);
        return r;
}

/* Which indices in our magic range are taken, per direction: a bitmap of
 * SHIELD_INDEX_SLOT_MAX + 1 bits (16 KiB) each. */
typedef struct SlotMap {
        uint8_t *bits[_SHIELD_DIR_MAX];
        uint32_t next[_SHIELD_DIR_MAX];
} SlotMap;

#define SLOT_MAP_BYTES ((SHIELD_INDEX_SLOT_MAX + 1u + 7u) / 8u)

static void slot_map_done(SlotMap *m) {
        for (size_t i = 0; i < _SHIELD_DIR_MAX; i++)
                free(m->bits[i]);
}

static int slot_map_init(SlotMap *m) {
        for (size_t i = 0; i < _SHIELD_DIR_MAX; i++) {
                m->bits[i] = calloc(1, SLOT_MAP_BYTES);
                if (!m->bits[i])
                        return -ENOMEM;
                m->bits[i][0] |= 1; /* slot 0 is never used */
                m->next[i] = 1;
        }
        return 0;
}

static bool slot_map_test(const SlotMap *m, uint32_t index) {
        ShieldDir d = (ShieldDir) (index & 7u);
        uint32_t slot = (index >> 3) & SHIELD_INDEX_SLOT_MAX;

        if (!shield_index_is_ours(index, d))
                return false;
        return m->bits[d][slot / 8] & (1u << (slot % 8));
}

static void slot_map_set(SlotMap *m, uint32_t index) {
        ShieldDir d = (ShieldDir) (index & 7u);
        uint32_t slot = (index >> 3) & SHIELD_INDEX_SLOT_MAX;

        if (!shield_index_is_ours(index, d))
                return;
        m->bits[d][slot / 8] |= (uint8_t) (1u << (slot % 8));
}

/* The preferred index if it is free, else the next free slot. -E2BIG if the
 * direction is full. */
static int slot_map_pick(SlotMap *m, ShieldDir dir, uint32_t preferred, uint32_t *ret) {
        if (shield_index_is_ours(preferred, dir) && !slot_map_test(m, preferred)) {
                slot_map_set(m, preferred);
                *ret = preferred;
                return 0;
        }
        for (uint32_t n = 0; n < SHIELD_INDEX_SLOT_MAX; n++) {
                uint32_t slot = m->next[dir];
                uint32_t index = shield_index(dir, slot);

                m->next[dir] = slot >= SHIELD_INDEX_SLOT_MAX ? 1 : slot + 1;
                if (!slot_map_test(m, index)) {
                        slot_map_set(m, index);
                        *ret = index;
                        return 1;
                }
        }
        return -E2BIG;
}

/* Remembers the first failure (its errno and the kernel's message) and the
 * policy that failed. */
static int note_failure(int r, char **extack, int *first, char **ret_extack, ShieldPolicySet *failed,
                        const ShieldPolicy *p) {
        if (*first == 0) {
                *first = r;
                if (ret_extack)
                        *ret_extack = TAKE_PTR(*extack);
        }
        free(*extack);
        *extack = NULL;
        return failed ? shield_policy_set_add(failed, p) : 0;
}

int xfrm_shield_apply(struct nl_sock *sk, const ShieldPolicySet *want, XfrmApplyFlags flags,
                      XfrmApplyStats *ret_stats, ShieldPolicySet *ret_failed, char **ret_extack) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet have = {}, failed = {};
        _cleanup_(shield_diff_clear) ShieldDiff d = {};
        _cleanup_(slot_map_done) SlotMap slots = {};
        XfrmApplyStats st = {};
        Reply rp = {};
        bool none_in_place = true; /* until the adds are done */
        int r, first = 0;

        if (ret_extack)
                *ret_extack = NULL;
        if (ret_stats)
                *ret_stats = st;
        r = -EPERM;
        for (size_t i = 0; i < want->n; i++)
                if (!shield_policy_is_ours(&want->items[i]) || shield_policy_validate(&want->items[i]) < 0)
                        goto finish;

        r = slot_map_init(&slots);
        if (r < 0)
                goto finish;
        r = dump(sk, &have, NULL, &rp, ret_extack);
        if (r < 0) {
                reply_done(&rp);
                goto finish;
        }
        /* Every index in use by anyone: the kernel silently replaces a
         * user-supplied index that is taken, which would leave a policy we
         * could not recognise. */
        for (size_t i = 0; i < rp.n_used; i++)
                slot_map_set(&slots, rp.used[i]);
        reply_done(&rp);

        r = shield_diff(want, &have, &d);
        if (r < 0)
                goto finish;
        st.kept = want->n - d.add.n - d.update.n;

        /* One refused policy must not cost the others theirs: every add and
         * update is tried (DESIGN.md, fail closed per tunnel). */
        for (size_t i = 0; i < d.add.n; i++) {
                ShieldPolicy *p = &d.add.items[i];
                _cleanup_free_ char *extack = NULL;

                r = slot_map_pick(&slots, p->dir, p->index, &p->index);
                if (r > 0)
                        st.reindexed++;
                if (r >= 0)
                        r = xfrm_kernel_add_policy(sk, p, &extack);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        r = note_failure(r, &extack, &first, ret_extack, &failed, p);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                st.added++;
        }
        for (size_t i = 0; i < d.update.n; i++) {
                _cleanup_free_ char *extack = NULL;

                r = xfrm_kernel_update_policy(sk, &d.update.items[i], &extack);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        r = note_failure(r, &extack, &first, ret_extack, &failed, &d.update.items[i]);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                st.updated++;
        }
        none_in_place = false;
        /* Only now that every wanted policy is in place; after a failure the
         * stale ones stay (over-blocking is safe, a gap is not). */
        if (first < 0 || (flags & XFRM_APPLY_KEEP_STALE)) {
                st.stale = d.del.n;
                r = first;
                goto finish;
        }
        for (size_t i = 0; i < d.del.n; i++) {
                r = xfrm_kernel_delete_policy(sk, &d.del.items[i], ret_extack);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        goto finish;
                st.deleted++;
        }
        r = 0;
finish:
        if (r < 0 && none_in_place) {
                /* Nothing was tried (a refused set, a failed dump), or
                 * memory ran out half-way: none of want can be called in
                 * place. */
                shield_policy_set_clear(&failed);
                for (size_t i = 0; i < want->n; i++)
                        if (shield_policy_set_add(&failed, &want->items[i]) < 0)
                                break;
        }
        if (ret_stats)
                *ret_stats = st;
        if (ret_failed) {
                shield_policy_set_clear(ret_failed);
                *ret_failed = failed;
                failed = (ShieldPolicySet) {};
        }
        return r;
}

int xfrm_shield_remove_all(struct nl_sock *sk, size_t *ret_removed, char **ret_extack) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet have = {};
        size_t removed = 0;
        Reply rp = {};
        int r;

        if (ret_extack)
                *ret_extack = NULL;
        r = dump(sk, &have, NULL, &rp, ret_extack);
        reply_done(&rp);
        if (r < 0)
                return r;
        for (size_t i = 0; i < have.n; i++) {
                r = xfrm_kernel_delete_policy(sk, &have.items[i], ret_extack);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        break;
                removed++;
        }
        if (ret_removed)
                *ret_removed = removed;
        return r < 0 ? r : 0;
}

int xfrm_shield_read_counters(ShieldCounters *ret) {
        /* The kernel's table is a few hundred bytes; the cap only bounds it. */
        const ReadFileOptions o = { .max_size = 64 * 1024 };
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int r;

        /* /proc/net follows the reading thread's network namespace. */
        r = read_full_file_at(AT_FDCWD, "/proc/net/xfrm_stat", &o, &buf, &n, NULL);
        if (r < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;
        return shield_counters_parse(buf, ret);
}
