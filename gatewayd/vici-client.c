/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>
#include <sys/un.h>

#include "vici-client.h"

typedef struct VICIRequest VICIRequest;
struct VICIRequest {
        VICIRequest *next;
        VICIBuffer out;          /* the whole segment; wiped when freed */
        bool sent;               /* out was written completely (and dropped) */
        VICIResponseHandler cb;
        void *userdata;
};

struct VICIClient {
        sd_event *event;
        char *path;
        VICILoadFile load_file;
        void *load_userdata;

        int fd;
        sd_event_source *io;
        sd_event_source *defer;  /* reports an immediate connect failure */
        bool connecting, connected;
        int defer_error;

        VICIRequest *head, *tail; /* head is in flight once written */
        size_t n_queued;
        size_t written;           /* bytes of head->out already sent */

        uint8_t hdr[VICI_HEADER_SIZE];
        size_t hdr_got;
        uint8_t *in;              /* payload being read */
        size_t in_len, in_got;

        VICIStateHandler on_state;
        VICIEventHandler on_event;
        void *userdata;
};

static VICIRequest *request_free(VICIRequest *r) {
        if (!r)
                return NULL;
        vici_buffer_done(&r->out);
        free(r);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(VICIRequest *, request_free);

int vici_client_new(sd_event *e, const char *uri, VICILoadFile load_file, void *load_userdata, VICIClient **ret) {
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        const char *p;

        if (!uri || strncmp(uri, "unix://", 7) != 0)
                return -EINVAL;
        p = uri + 7;
        if (*p != '/' || strlen(p) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
                return -EINVAL;
        c = calloc(1, sizeof(VICIClient));
        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        c->event = sd_event_ref(e);
        c->path = strdup(p);
        if (!c->path)
                return -ENOMEM;
        c->load_file = load_file;
        c->load_userdata = load_userdata;
        *ret = TAKE_PTR(c);
        return 0;
}

static void fail_all(VICIClient *c, int error) {
        /* Callbacks may queue again (after a reconnect); detach first. */
        VICIRequest *r = c->head;

        c->head = c->tail = NULL;
        c->n_queued = 0;
        c->written = 0;
        while (r) {
                VICIRequest *next = r->next;
                if (r->cb)
                        r->cb(c, error, NULL, r->userdata);
                request_free(r);
                r = next;
        }
}

static void close_connection(VICIClient *c) {
        c->io = sd_event_source_disable_unref(c->io);
        c->defer = sd_event_source_disable_unref(c->defer);
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -EBADF;
        c->connected = c->connecting = false;
        c->hdr_got = 0;
        if (c->in)
                explicit_bzero(c->in, c->in_len);
        free(c->in);
        c->in = NULL;
        c->in_len = c->in_got = 0;
}

void vici_client_disconnect(VICIClient *c) {
        close_connection(c);
        fail_all(c, -ECONNRESET);
}

static void connection_lost(VICIClient *c, int error) {
        bool was = c->connected || c->connecting;

        vici_client_disconnect(c);
        if (was && c->on_state)
                c->on_state(c, false, error, c->userdata);
}

VICIClient *vici_client_free(VICIClient *c) {
        if (!c)
                return NULL;
        c->on_state = NULL;
        vici_client_disconnect(c);
        sd_event_unref(c->event);
        free(c->path);
        free(c);
        return NULL;
}

void vici_client_set_handlers(VICIClient *c, VICIStateHandler on_state, VICIEventHandler on_event, void *userdata) {
        c->on_state = on_state;
        c->on_event = on_event;
        c->userdata = userdata;
}

bool vici_client_is_connected(const VICIClient *c) {
        return c->connected;
}

size_t vici_client_pending(const VICIClient *c) {
        return c->n_queued;
}

static int update_events(VICIClient *c) {
        uint32_t ev = EPOLLIN;

        if (c->connecting || (c->head && !c->head->sent))
                ev |= EPOLLOUT;
        return sd_event_source_set_io_events(c->io, ev);
}

static void dispatch(VICIClient *c, VICIPacket *p) {
        VICIRequest *r;
        int error;

        switch (p->type) {
        case VICI_EVENT:
                if (c->on_event)
                        c->on_event(c, p->name, p->message, c->userdata);
                return;
        case VICI_CMD_RESPONSE:
        case VICI_EVENT_CONFIRM:
                error = 0;
                break;
        case VICI_CMD_UNKNOWN:
        case VICI_EVENT_UNKNOWN:
                error = -EOPNOTSUPP;
                break;
        default:
                /* charon never sends requests: a protocol violation. */
                connection_lost(c, -EPROTO);
                return;
        }
        r = c->head;
        if (!r || !r->sent) {
                connection_lost(c, -EPROTO); /* an answer nobody asked for */
                return;
        }
        c->head = r->next;
        if (!c->head)
                c->tail = NULL;
        c->n_queued--;
        c->written = 0;
        if (r->cb)
                r->cb(c, error, p->message, r->userdata);
        request_free(r);
}

/* Reads what is available; returns -errno when the connection must close. */
static int do_read(VICIClient *c) {
        for (;;) {
                ssize_t n;

                if (c->hdr_got < VICI_HEADER_SIZE) {
                        n = recv(c->fd, c->hdr + c->hdr_got, VICI_HEADER_SIZE - c->hdr_got, MSG_DONTWAIT);
                        if (n == 0)
                                return -ECONNRESET;
                        if (n < 0)
                                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                        c->hdr_got += (size_t) n;
                        if (c->hdr_got < VICI_HEADER_SIZE)
                                continue;
                        n = vici_segment_length(c->hdr);
                        if (n < 0)
                                return (int) n;
                        c->in_len = (size_t) n;
                        c->in_got = 0;
                        c->in = malloc(c->in_len);
                        if (!c->in)
                                return -ENOMEM;
                }
                n = recv(c->fd, c->in + c->in_got, c->in_len - c->in_got, MSG_DONTWAIT);
                if (n == 0)
                        return -ECONNRESET;
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                c->in_got += (size_t) n;
                if (c->in_got == c->in_len) {
                        _cleanup_(vici_packet_done) VICIPacket p = {};
                        int r = vici_decode_packet(c->in, c->in_len, &p);

                        explicit_bzero(c->in, c->in_len);
                        free(c->in);
                        c->in = NULL;
                        c->hdr_got = 0;
                        if (r < 0)
                                return r;
                        dispatch(c, &p);
                        if (c->fd < 0) /* a handler disconnected */
                                return 0;
                }
        }
}

static int do_write(VICIClient *c) {
        while (c->head && !c->head->sent && c->written < c->head->out.size) {
                ssize_t n = send(c->fd, c->head->out.data + c->written, c->head->out.size - c->written,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                c->written += (size_t) n;
        }
        /* The segment may hold a secret: drop it as soon as it is sent. */
        if (c->head && !c->head->sent && c->written == c->head->out.size) {
                vici_buffer_done(&c->head->out);
                c->head->sent = true;
        }
        return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        VICIClient *c = userdata;
        int r;

        if (c->connecting) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err != 0) {
                        connection_lost(c, -err);
                        return 0;
                }
                c->connecting = false;
                c->connected = true;
                if (c->on_state)
                        c->on_state(c, true, 0, c->userdata);
                if (c->fd < 0)
                        return 0;
        }
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                r = do_read(c);
                if (r < 0) {
                        connection_lost(c, r);
                        return 0;
                }
                if (c->fd < 0)
                        return 0;
        }
        r = do_write(c);
        if (r < 0) {
                connection_lost(c, r);
                return 0;
        }
        if (c->fd >= 0)
                (void) update_events(c);
        return 0;
}

static int on_defer(sd_event_source *s, void *userdata) {
        VICIClient *c = userdata;

        c->defer = sd_event_source_disable_unref(c->defer);
        if (c->on_state)
                c->on_state(c, false, c->defer_error, c->userdata);
        return 0;
}

int vici_client_connect(VICIClient *c) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        close_connection(c);
        strncpy(sa.sun_path, c->path, sizeof(sa.sun_path) - 1);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return -errno;
        if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno != EINPROGRESS && errno != EAGAIN) {
                /* Report through the state handler, like a late failure, so
                 * the caller has one path for "not there yet". */
                c->defer_error = -errno;
                close(c->fd);
                c->fd = -EBADF;
                return sd_event_add_defer(c->event, &c->defer, on_defer, c);
        }
        c->connecting = true;
        r = sd_event_add_io(c->event, &c->io, c->fd, EPOLLIN | EPOLLOUT, on_io, c);
        if (r < 0) {
                close_connection(c);
                return r;
        }
        return 0;
}

/* Appends req to the queue. On success the queue owns it; on failure it is
 * unlinked again and stays the caller's. */
static int enqueue(VICIClient *c, VICIRequest *req) {
        VICIRequest *old_tail = c->tail;
        int r;

        if (old_tail)
                old_tail->next = req;
        else
                c->head = req;
        c->tail = req;
        c->n_queued++;
        if (!c->connected)
                return 0;
        r = update_events(c);
        if (r < 0) {
                if (old_tail)
                        old_tail->next = NULL;
                else
                        c->head = NULL;
                c->tail = old_tail;
                c->n_queued--;
                return r;
        }
        return 0;
}

static int request_new(VICIClient *c, VICIResponseHandler cb, void *userdata, VICIRequest **ret) {
        VICIRequest *r;

        if (!c->connected && !c->connecting)
                return -ENOTCONN;
        if (c->n_queued >= VICI_CLIENT_MAX_QUEUE)
                return -ENOBUFS;
        r = calloc(1, sizeof(VICIRequest));
        if (!r)
                return -ENOMEM;
        r->out.max_size = VICI_HEADER_SIZE + VICI_MAX_SEGMENT;
        r->cb = cb;
        r->userdata = userdata;
        *ret = r;
        return 0;
}

/* Encodes one named packet (a command or an event registration) into a new
 * request and queues it. On failure nothing is queued: cb is never called. */
static int queue(VICIClient *c, VICIPacketType type, const char *name, const SettingsNode *msg,
                 VICIResponseHandler cb, void *userdata) {
        _cleanup_(request_freep) VICIRequest *req = NULL;
        int r;

        r = request_new(c, cb, userdata, &req);
        if (r < 0)
                return r;
        r = vici_encode_packet(&req->out, type, name, msg, c->load_file, c->load_userdata);
        if (r < 0)
                return r;
        r = enqueue(c, req);
        if (r < 0)
                return r;
        TAKE_PTR(req);
        return 0;
}

int vici_client_call(VICIClient *c, const char *cmd, const SettingsNode *msg, VICIResponseHandler cb, void *userdata) {
        return queue(c, VICI_CMD_REQUEST, cmd, msg, cb, userdata);
}

int vici_client_register(VICIClient *c, const char *event, VICIResponseHandler cb, void *userdata) {
        return queue(c, VICI_EVENT_REGISTER, event, NULL, cb, userdata);
}
