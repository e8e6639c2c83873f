/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include "guard.h"
#include "log.h"
#include "nft.h"
#include "shield.h"
#include "xfrm-kernel.h"

struct Guard {
        sd_event *event;
        struct nl_sock *xfrm;
        const Config *config;
        int tun_ifindex;
        char *nft_applied;            /* the table text last applied */
        int link_fd;
        sd_event_source *link_io;
};

static int tun_ifindex(const Config *c) {
        if (c->gateway.data_plane != DATA_PLANE_USERSPACE)
                return 0;
        return (int) if_nametoindex(SHIELD_DEFAULT_TUN_NAME); /* 0 when absent */
}

int guard_apply(Guard *g, const Config *c) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {};
        _cleanup_free_ char *extack = NULL, *table = NULL, *nft_error = NULL;
        XfrmApplyStats st = {};
        int r, ret = 0;

        g->config = c;
        g->tun_ifindex = tun_ifindex(c);
        r = shield_build_config(c, g->tun_ifindex, &want);
        if (r < 0)
                return log_error_errno(r, "Failed to build the shield: %m");
        r = xfrm_shield_apply(g->xfrm, &want, &st, &extack);
        if (r < 0)
                ret = log_error_errno(r, "Failed to install the shield (%zu added before the failure)%s%s: %m",
                                      st.added, extack ? ": kernel says: " : "", extack ? extack : "");
        else if (st.added || st.updated || st.deleted)
                log_info("Shield: %zu policies (%zu added, %zu updated, %zu removed, %zu kept)%s", want.n, st.added,
                         st.updated, st.deleted, st.kept,
                         c->gateway.data_plane == DATA_PLANE_USERSPACE && g->tun_ifindex == 0
                                 ? "; tunnel device " SHIELD_DEFAULT_TUN_NAME " absent: VNet traffic blocked"
                                 : "");

        r = nft_gatewayd_build_config(c, SHIELD_DEFAULT_TUN_NAME, &table);
        if (r < 0)
                return log_error_errno(r, "Failed to build the nftables table: %m");
        /* Replacing a table of 1,000 tunnels costs ~15 ms; skip it when this
         * process already applied the same text (a restart always applies). */
        if (g->nft_applied && streq(g->nft_applied, table))
                return ret;
        r = nft_gatewayd_apply(table, &nft_error);
        if (r < 0)
                ret = log_error_errno(r, "Failed to install nftables table inet gatewayd%s%s: %m",
                                      nft_error ? ": " : "", nft_error ? nft_error : "");
        else {
                free(g->nft_applied);
                g->nft_applied = TAKE_PTR(table);
        }
        return ret;
}

/* RTM_NEWLINK/DELLINK: only the TUN device's index matters. */
static int on_link(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Guard *g = userdata;
        char buf[8192];

        while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                ;
        if (g->config && tun_ifindex(g->config) != g->tun_ifindex) {
                log_info("Tunnel device %s %s; updating the shield", SHIELD_DEFAULT_TUN_NAME,
                         tun_ifindex(g->config) ? "appeared" : "disappeared");
                /* A failure is logged by guard_apply and leaves the shield
                 * erring on blocking (allows missing for a new device, or
                 * left for a gone one); the next change or reload retries. */
                if (guard_apply(g, g->config) < 0)
                        return 0;
        }
        return 0;
}

static int link_monitor(Guard *g) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
        int r;

        g->link_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (g->link_fd < 0)
                return -errno;
        if (bind(g->link_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        r = sd_event_add_io(g->event, &g->link_io, g->link_fd, EPOLLIN, on_link, g);
        if (r < 0)
                return r;
        return 0;
}

int guard_new(sd_event *e, Guard **ret) {
        _cleanup_(guard_freep) Guard *g = calloc(1, sizeof(Guard));
        int r;

        if (!g)
                return -ENOMEM;
        g->link_fd = -EBADF;
        r = xfrm_socket_open(&g->xfrm);
        if (r < 0)
                return log_error_errno(r, "Failed to open the XFRM netlink socket: %m");
        if (e) {
                g->event = sd_event_ref(e);
                r = link_monitor(g);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch network links: %m");
        }
        *ret = TAKE_PTR(g);
        return 0;
}

Guard *guard_free(Guard *g) {
        if (!g)
                return NULL;
        sd_event_source_disable_unref(g->link_io);
        if (g->link_fd >= 0)
                close(g->link_fd);
        if (g->xfrm)
                nl_socket_free(g->xfrm);
        sd_event_unref(g->event);
        free(g->nft_applied);
        free(g);
        return NULL;
}
