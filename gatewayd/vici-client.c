/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"
#include "ratelimit.h"
#include "vici-client.h"

typedef struct VICIRequest VICIRequest;
struct VICIRequest {
        VICIRequest *next;
        VICIPacketType type;
        char *name;              /* the command or event, for the deadline's message */
        SettingsNode *msg;       /* not encoded yet (it names files); NULL once encoded */
        VICIBuffer out;          /* the whole segment; wiped when freed */
        bool started;            /* writing began: the deadline runs */
        bool sent;               /* out was written completely (and dropped) */
        VICIResponseHandler cb;
        void *userdata;
};

struct VICIClient {
        sd_event *event;
        char *path;
        VICILoadFile load_file;
        void *load_userdata;
        uint64_t timeout_usec;

        int fd;
        sd_event_source *io;
        sd_event_source *defer;  /* reports an immediate connect failure */
        sd_event_source *deadline; /* the head's answer is due */
        bool connecting, connected;
        int defer_error;
        char *reason;            /* vici_client_error_reason() */

        VICIRequest *head, *tail; /* head is in flight once written */
        size_t n_queued;
        size_t written;           /* bytes of head->out already sent */

        uint8_t hdr[VICI_HEADER_SIZE];
        size_t hdr_got;
        uint8_t *in;              /* payload being read */
        size_t in_len, in_got;
        RateLimit malformed_log;  /* events skipped as malformed */

        VICIStateHandler on_state;
        VICIEventHandler on_event;
        void *userdata;
};

static VICIRequest *request_free(VICIRequest *r) {
        if (!r)
                return NULL;
        vici_buffer_done(&r->out);
        settings_free(r->msg);
        free(r->name);
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
        c->timeout_usec = VICI_CLIENT_TIMEOUT_USEC;
        c->malformed_log = (RateLimit) { .interval_usec = 30 * 1000000ULL, .burst = 5 };
        *ret = TAKE_PTR(c);
        return 0;
}

static void set_reason(VICIClient *c, const char *fmt, ...) _printf_(2, 3);
static void set_reason(VICIClient *c, const char *fmt, ...) {
        va_list ap;

        free(c->reason);
        c->reason = NULL;
        va_start(ap, fmt);
        if (vasprintf(&c->reason, fmt, ap) < 0)
                c->reason = NULL;
        va_end(ap);
}

const char *vici_client_error_reason(const VICIClient *c) {
        return c->reason;
}

void vici_client_set_timeout(VICIClient *c, uint64_t usec) {
        c->timeout_usec = usec;
}

/* Unlinks the head (its answer came, or it could not be encoded). */
static VICIRequest *pop_head(VICIClient *c) {
        VICIRequest *r = c->head;

        c->head = r->next;
        if (!c->head)
                c->tail = NULL;
        c->n_queued--;
        c->written = 0;
        if (c->deadline)
                (void) sd_event_source_set_enabled(c->deadline, SD_EVENT_OFF);
        return r;
}

/* The head fails with head_error (its own failure, e.g. the deadline), every
 * other queued command with -ECONNRESET. */
static void fail_all(VICIClient *c, int head_error) {
        /* Callbacks may queue again (after a reconnect); detach first. */
        VICIRequest *r = c->head;
        int error = head_error;

        c->head = c->tail = NULL;
        c->n_queued = 0;
        c->written = 0;
        while (r) {
                VICIRequest *next = r->next;
                if (r->cb)
                        r->cb(c, error, NULL, r->userdata);
                request_free(r);
                r = next;
                error = -ECONNRESET;
        }
}

static void close_connection(VICIClient *c) {
        c->io = sd_event_source_disable_unref(c->io);
        c->defer = sd_event_source_disable_unref(c->defer);
        c->deadline = sd_event_source_disable_unref(c->deadline);
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

/* head_error: what the command in flight gets (see fail_all). */
static void connection_lost_head(VICIClient *c, int error, int head_error) {
        bool was = c->connected || c->connecting;

        close_connection(c);
        fail_all(c, head_error);
        if (was && c->on_state)
                c->on_state(c, false, error, c->userdata);
}

static void connection_lost(VICIClient *c, int error) {
        connection_lost_head(c, error, -ECONNRESET);
}

VICIClient *vici_client_free(VICIClient *c) {
        if (!c)
                return NULL;
        c->on_state = NULL;
        vici_client_disconnect(c);
        sd_event_unref(c->event);
        free(c->path);
        free(c->reason);
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

/* "get-conns", or "the registration for ike-updown". */
static const char *request_what(const VICIRequest *r, char *buf, size_t size) {
        if (r->type == VICI_CMD_REQUEST)
                return r->name;
        snprintf(buf, size, "the registration for %s", r->name);
        return buf;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        VICIClient *c = userdata;
        char buf[VICI_MAX_NAME + 32];

        if (!c->head || !c->head->started)
                return 0;
        set_reason(c, "charon did not answer %s within %g s", request_what(c->head, buf, sizeof(buf)),
                   (double) c->timeout_usec / 1e6);
        connection_lost_head(c, -ETIMEDOUT, -ETIMEDOUT);
        return 0;
}

/* The head starts to go out: its answer is due within the deadline. */
static int arm_deadline(VICIClient *c) {
        int r;

        c->head->started = true;
        if (c->timeout_usec == 0)
                return 0;
        if (!c->deadline)
                return sd_event_add_time_relative(c->event, &c->deadline, CLOCK_MONOTONIC, c->timeout_usec,
                                                  10 * 1000, on_deadline, c);
        r = sd_event_source_set_time_relative(c->deadline, c->timeout_usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(c->deadline, SD_EVENT_ONESHOT);
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
                set_reason(c, "charon sent a %s packet", vici_packet_type_to_string(p->type));
                connection_lost(c, -EPROTO);
                return;
        }
        r = c->head;
        if (!r || !r->sent) {
                set_reason(c, "charon sent an answer nobody asked for");
                connection_lost(c, -EPROTO);
                return;
        }
        r = pop_head(c);
        if (r->cb)
                r->cb(c, error, p->message, r->userdata);
        request_free(r);
}

/* A payload that does not decode. A malformed event is charon's business
 * (a plugin's message gatewayd cannot read): it is logged and skipped, the
 * stream stays in step since the segment's length was good. A malformed
 * answer leaves the command at the head without one: the connection resets.
 * Returns 0 to go on, or the error that closes the connection. */
static int malformed(VICIClient *c, uint8_t type, int error) {
        char buf[VICI_MAX_NAME + 32];
        unsigned suppressed = 0;
        uint64_t t = 0;

        if (error == -ENOMEM)
                return error;
        if (type == VICI_EVENT) {
                (void) sd_event_now(c->event, CLOCK_MONOTONIC, &t);
                if (ratelimit_below(&c->malformed_log, t, &suppressed))
                        log_warning("Skipping a malformed event from charon at %s: %s%s", c->path,
                                    strerror(-error), suppressed ? " (and earlier ones not logged)" : "");
                return 0;
        }
        if (c->head && c->head->sent)
                set_reason(c, "charon sent a malformed answer to %s (%s)", request_what(c->head, buf, sizeof(buf)),
                           strerror(-error));
        else
                set_reason(c, "charon sent a malformed message (%s)", strerror(-error));
        return error;
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
                        if (n < 0) {
                                /* The framing itself is gone: nothing after it can be trusted. */
                                set_reason(c, "charon sent a segment of a bad length (%s)", strerror((int) -n));
                                return (int) n;
                        }
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
                        uint8_t type = c->in[0]; /* in_len >= 1: vici_segment_length */

                        explicit_bzero(c->in, c->in_len);
                        free(c->in);
                        c->in = NULL;
                        c->hdr_got = 0;
                        if (r < 0) {
                                r = malformed(c, type, r);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        dispatch(c, &p);
                        if (c->fd < 0) /* a handler disconnected */
                                return 0;
                }
        }
}

/* A command that names files is encoded as it reaches the head: one secret
 * in memory at a time, and only until it is written. */
static int encode_head(VICIClient *c, VICIRequest *r) {
        int k;

        k = vici_encode_packet(&r->out, r->type, r->name, r->msg, c->load_file, c->load_userdata);
        r->msg = settings_free(r->msg);
        return k;
}

static int do_write(VICIClient *c) {
        while (c->head && !c->head->sent) {
                VICIRequest *r = c->head;
                int k;

                if (r->msg) {
                        k = encode_head(c, r);
                        if (k < 0) {
                                /* This command alone fails (a key file that
                                 * became unreadable): the next one goes on. */
                                r = pop_head(c);
                                if (r->cb)
                                        r->cb(c, k, NULL, r->userdata);
                                request_free(r);
                                if (c->fd < 0) /* the handler disconnected */
                                        return 0;
                                continue;
                        }
                }
                if (!r->started) {
                        k = arm_deadline(c);
                        if (k < 0)
                                return k;
                }
                while (c->written < r->out.size) {
                        ssize_t n = send(c->fd, r->out.data + c->written, r->out.size - c->written,
                                         MSG_DONTWAIT | MSG_NOSIGNAL);
                        if (n < 0)
                                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                        c->written += (size_t) n;
                }
                /* The segment may hold a secret: drop it as soon as it is sent. */
                vici_buffer_done(&r->out);
                r->sent = true;
        }
        return 0;
}

/* SO_PEERCRED: the process that listens on the socket. Only root's charon
 * (or, for a daemon that is not root, one of its own user) gets
 * credentials: a socket file left for anyone to bind is not charon. */
static int check_peer(VICIClient *c) {
        struct ucred cred = {};
        socklen_t len = sizeof(cred);

        if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                set_reason(c, "cannot tell who serves the VICI socket %s: %s", c->path, strerror(errno));
                return -errno;
        }
        if (cred.uid == 0 || cred.uid == geteuid())
                return 0;
        set_reason(c, "the VICI socket %s is served by uid %u (pid %d), not root; not talking to it", c->path,
                   (unsigned) cred.uid, (int) cred.pid);
        return -EPERM;
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
                r = check_peer(c);
                if (r < 0) {
                        connection_lost(c, r);
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
        free(c->reason);
        c->reason = NULL;
        strncpy(sa.sun_path, c->path, sizeof(sa.sun_path) - 1);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return -errno;
        /* A unix stream socket connects at once or fails: EAGAIN is a full
         * listen backlog (charon not accepting), a failed attempt like
         * ECONNREFUSED, not a connection in progress. */
        if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
                /* Report through the state handler, like a late failure, so
                 * the caller has one path for "not there yet". */
                c->defer_error = -errno;
                if (errno == EAGAIN)
                        set_reason(c, "the VICI socket %s accepts no more connections (its listen backlog is "
                                   "full)", c->path);
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

static int request_new(VICIClient *c, VICIPacketType type, const char *name, VICIResponseHandler cb,
                       void *userdata, VICIRequest **ret) {
        _cleanup_(request_freep) VICIRequest *r = NULL;

        if (!c->connected && !c->connecting)
                return -ENOTCONN;
        if (c->n_queued >= VICI_CLIENT_MAX_QUEUE)
                return -ENOBUFS;
        r = calloc(1, sizeof(VICIRequest));
        if (!r)
                return -ENOMEM;
        r->type = type;
        if (name && !(r->name = strdup(name)))
                return -ENOMEM;
        r->out.max_size = VICI_HEADER_SIZE + VICI_MAX_SEGMENT;
        r->cb = cb;
        r->userdata = userdata;
        *ret = TAKE_PTR(r);
        return 0;
}

/* The loader of the check at queueing time: notes that the message names a
 * file and reads nothing. */
static int probe_load_file(void *userdata, const char *path, unsigned flags, char **ret_data, size_t *ret_len) {
        *(bool *) userdata = true;
        *ret_data = NULL;
        *ret_len = 0;
        return 0;
}

/* Encodes one named packet (a command or an event registration) into a new
 * request and queues it. On failure nothing is queued: cb is never called.
 * A message that names files is encoded here without them (every error the
 * message itself can cause shows now) and kept as a copy for encode_head(). */
static int queue(VICIClient *c, VICIPacketType type, const char *name, const SettingsNode *msg,
                 VICIResponseHandler cb, void *userdata) {
        _cleanup_(request_freep) VICIRequest *req = NULL;
        bool files = false;
        int r;

        r = request_new(c, type, name, cb, userdata, &req);
        if (r < 0)
                return r;
        r = vici_encode_packet(&req->out, type, name, msg, probe_load_file, &files);
        if (r < 0)
                return r;
        if (files) {
                if (!c->load_file)
                        return -EINVAL;
                vici_buffer_done(&req->out);
                req->msg = settings_copy(msg);
                if (!req->msg)
                        return -ENOMEM;
        }
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
