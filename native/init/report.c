/*
 * report.c — what tsnet-init tells Node: one JSON object per line on the report fd
 * ({"event":"ready","pid":42}, {"event":"error","stage":"mount","msg":"...","exit":125}).
 * A failure is always a message before the exit, never a bare exit status. In the
 * container's child, fail() also writes 'E' on the sync socket so the shim knows the
 * exec did not happen (the socket closes on exec and on exit alike).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

static int out_fd = -1;
int fail_sync_fd = -1;

void report_set_fd(int fd) { out_fd = fd; }
int report_fd(void) { return out_fd; }

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

/* json_escape — in as a JSON string body (no quotes); returns the length written. */
size_t json_escape(char *out, size_t cap, const char *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 7 < cap; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (ch == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (ch == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = 0;
	return o;
}

/* iso_time — now, as 2006-01-02T15:04:05.000000000Z (what Docker's logs use). */
void iso_time(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, cap - n, ".%09ldZ", ts.tv_nsec);
}

void report_event(const char *event, const char *extra_json)
{
	char line[8192];
	if (out_fd < 0)
		return;
	int n = snprintf(line, sizeof line, "{\"event\":\"%s\"%s%s}\n", event, extra_json ? "," : "", extra_json ? extra_json : "");
	if (n > 0)
		write_all(out_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void vreport_error(int code, const char *stage, int err, const char *fmt, va_list ap)
{
	char msg[2048], esc[4096], extra[8192];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		n = 0;
	if (err)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), ": %s", strerror(err));
	json_escape(esc, sizeof esc, msg, strlen(msg));
	snprintf(extra, sizeof extra, "\"stage\":\"%s\",\"msg\":\"%s\",\"errno\":%d,\"exit\":%d", stage, esc, err, code);
	report_event("error", extra);
	if (out_fd < 0)
		dprintf(2, "tsnet-init: %s: %s\n", stage, msg);
	if (fail_sync_fd >= 0)
		write_all(fail_sync_fd, "E", 1);
}

void fail(int code, const char *stage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport_error(code, stage, 0, fmt, ap);
	va_end(ap);
	_exit(code);
}

void fail_errno(const char *stage, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport_error(EXIT_RUNTIME, stage, err, fmt, ap);
	va_end(ap);
	_exit(EXIT_RUNTIME);
}
