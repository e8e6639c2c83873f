/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdint.h>

#include "conf.h"
#include "ini.h"
#include "strutil.h"

typedef struct IniParser {
        const char *path;
        DiagList *d;
        ini_entry_cb cb;
        void *userdata;
        char *section;          /* current section name, NULL before the first */
        unsigned section_line;
} IniParser;

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static char *strip(char *s) {
        char *e;

        while (is_blank(*s))
                s++;
        e = s + strlen(s);
        while (e > s && is_blank(e[-1]))
                e--;
        *e = 0;
        return s;
}

static int ini_error(IniParser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);
static int ini_error(IniParser *p, unsigned line, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(p->d, DIAG_ERROR, p->path, line, fmt, ap);
        va_end(ap);
        return r;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is
 * not one: overlong forms, surrogates and code points past U+10FFFF are
 * refused (RFC 3629 section 4). C1 controls (U+0080..U+009F) count as
 * invalid here, since no config value has a use for them. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
        uint32_t cp;
        size_t len;

        if (s[0] < 0xc2)
                return 0; /* continuation byte or overlong 2-byte lead */
        if (s[0] < 0xe0) {
                len = 2;
                cp = s[0] & 0x1f;
        } else if (s[0] < 0xf0) {
                len = 3;
                cp = s[0] & 0x0f;
        } else if (s[0] < 0xf5) {
                len = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
                return 0;
        return len;
}

/* Checks the bytes of one line (without its newline) and reports the first
 * bad byte. Returns 0 or -ENOMEM. */
static int check_bytes(IniParser *p, unsigned line, const char *s, size_t n) {
        const unsigned char *u = (const unsigned char *) s;
        int r;

        for (size_t i = 0; i < n;) {
                if (u[i] == 0)
                        r = ini_error(p, line, "NUL byte at column %zu; remove it (is this a text file?)", i + 1);
                else if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
                        r = ini_error(p, line, "control character 0x%02x at column %zu; remove it", u[i], i + 1);
                else if (u[i] < 0x80) {
                        i++;
                        continue;
                } else {
                        size_t k = utf8_sequence(u + i, n - i);

                        if (k > 0) {
                                i += k;
                                continue;
                        }
                        r = ini_error(p, line,
                                      "non-ASCII or control character (byte 0x%02x at column %zu is not valid UTF-8); "
                                      "save the file as ASCII or UTF-8",
                                      u[i], i + 1);
                }
                return r;
        }
        return 0;
}

static int handle_section(IniParser *p, unsigned line, char *s) {
        size_t n = strlen(s);
        char *name;
        IniEntry e;

        /* s starts with '[' and is stripped. */
        if (s[n - 1] != ']') {
                char *close = strchr(s, ']');

                if (close)
                        return ini_error(p, line, "text after section header ('%.*s%s'); put nothing after ']'",
                                         QUOTED(s));
                return ini_error(p, line, "section header without closing ']' ('%.*s%s'); write [Name]", QUOTED(s));
        }
        s[n - 1] = 0;
        name = s + 1;
        if (strpbrk(name, "[]")) {
                s[n - 1] = ']';
                return ini_error(p, line, "malformed section header ('%.*s%s'); write [Name]", QUOTED(s));
        }
        if (isempty(strip(name)))
                return ini_error(p, line, "empty section name ('[]'); write [Name]");

        free(p->section);
        p->section = strdup(name);
        if (!p->section)
                return -ENOMEM;
        p->section_line = line;

        e = (IniEntry) {
                .type = INI_SECTION,
                .line = line,
                .section = p->section,
                .section_line = line,
        };
        return p->cb(&e, p->userdata);
}

/* Diagnostics about a line that is not a valid Key=Value never quote it:
 * a line that is not one is often a key pasted on its own. */
static int handle_assignment(IniParser *p, unsigned line, char *s) {
        char *eq = strchr(s, '='), *key, *value, *comment;
        IniEntry e;

        if (!eq)
                return ini_error(p, line,
                                 "not a section, comment or Key=Value line (%zu characters, not shown: it may be a "
                                 "secret); write Key=Value, [Section] or start a comment with '#'",
                                 strlen(s));
        *eq = 0;
        key = strip(s);
        value = strip(eq + 1);
        if (isempty(key))
                return ini_error(p, line, "empty key name (a line starting with '='); write Key=Value");
        if (!p->section) {
                if (key_name_showable(key))
                        return ini_error(p, line, "key '%s' before any section; put it below a [Section] line", key);
                return ini_error(p, line,
                                 "Key=Value line before any section, and its key (%zu characters, not shown) is not "
                                 "a key name; put keys below a [Section] line",
                                 strlen(key));
        }

        /* As in systemd units, '#' and ';' start a comment only at the
         * start of a line. A blank before either inside a value is almost
         * always a comment the operator meant to add (a value never needs
         * one: no key takes free text), so it is refused rather than kept as
         * part of the value. The value is not quoted: it may be a secret. */
        comment = strpbrk(value, "#;");
        while (comment && (comment == value || !is_blank(comment[-1])))
                comment = strpbrk(comment + 1, "#;");
        if (comment) {
                if (!key_name_showable(key))
                        return ini_error(p, line, "'%c' inside a value: comments go on their own line; move the "
                                         "comment to a line of its own", *comment);
                return ini_error(p, line, "%s: '%c' inside the value: comments go on their own line; move the "
                                 "comment to a line of its own", key, *comment);
        }

        e = (IniEntry) {
                .type = INI_ASSIGNMENT,
                .line = line,
                .section = p->section,
                .section_line = p->section_line,
                .key = key,
                .value = value,
        };
        return p->cb(&e, p->userdata);
}

int ini_parse(const char *text, size_t len, const char *path, DiagList *d, ini_entry_cb cb, void *userdata) {
        _cleanup_free_ char *buf = NULL;
        IniParser p = {
                .path = path,
                .d = d,
                .cb = cb,
                .userdata = userdata,
        };
        unsigned line = 0;
        size_t pos = 0;
        int r = 0;

        if (len > CONF_MAX_FILE_SIZE)
                return diag_error(d, path, 0, "file too large (%zu bytes, at most %d); split it or remove unused text",
                                  len, CONF_MAX_FILE_SIZE);

        buf = malloc(CONF_MAX_LINE + 1);
        if (!buf)
                return -ENOMEM;

        /* A UTF-8 byte-order mark (editors on Windows write one) is not part
         * of the first line. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                pos = 3;

        while (pos < len) {
                const char *start = text + pos, *nl;
                size_t n, n_errors = d->n_errors;
                char *s;

                nl = memchr(start, '\n', len - pos);
                n = nl ? (size_t) (nl - start) : len - pos;
                pos += n + (nl ? 1 : 0);
                line++;

                /* CRLF files: the "\r" belongs to the line ending. */
                if (n > 0 && start[n - 1] == '\r')
                        n--;
                if (n > CONF_MAX_LINE) {
                        r = ini_error(&p, line, "line too long (%zu bytes, at most %d); shorten it", n,
                                      CONF_MAX_LINE);
                        if (r < 0)
                                break;
                        continue;
                }
                r = check_bytes(&p, line, start, n);
                if (r < 0)
                        break;
                if (d->n_errors > n_errors)
                        continue; /* a bad byte: the line is skipped */

                memcpy(buf, start, n);
                buf[n] = 0;
                s = strip(buf);
                if (*s == 0 || *s == '#' || *s == ';')
                        continue;
                if (*s == '[')
                        r = handle_section(&p, line, s);
                else
                        r = handle_assignment(&p, line, s);
                if (r < 0)
                        break;
        }

        free(p.section);
        return r < 0 ? r : 0;
}
