/*
 * config.c — reads the config record Node writes on fd 3: "key=value" entries, each
 * ended by a NUL byte, the record ended by an empty entry. Repeated keys make lists.
 * Values are never interpreted by a shell. The record is bounded (1 MiB) and every key
 * must be known: a mismatch between Node and the helper is an error, not a guess.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "init.h"

#define MAX_RECORD (1 << 20)

static void add(struct strlist *l, const char *key, const char *v)
{
	if (l->n >= MAX_LIST)
		fail(EXIT_RUNTIME, "config", "too many %s entries (at most %d)", key, MAX_LIST);
	l->v[l->n++] = v;
	l->v[l->n] = NULL;
}

/* split_unit — splits s in place at ASCII unit separators (0x1f) into at most n fields. */
static int split_unit(char *s, char **fields, int n)
{
	int i = 0;
	fields[i++] = s;
	for (char *p = s; *p && i < n; p++) {
		if (*p == 0x1f) {
			*p = 0;
			fields[i++] = p + 1;
		}
	}
	return i;
}

static int rlimit_resource(const char *name)
{
	static const struct { const char *name; int res; } names[] = {
		{ "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU }, { "data", RLIMIT_DATA },
		{ "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
		{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE }, { "nofile", RLIMIT_NOFILE },
		{ "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
		{ "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
		{ "as", RLIMIT_AS },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].res;
	fail(EXIT_RUNTIME, "config", "unknown rlimit \"%s\"", name);
}

static unsigned long long number(const char *key, const char *v)
{
	char *end;
	errno = 0;
	if (strcmp(v, "unlimited") == 0)
		return RLIM_INFINITY;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *v == 0 || *end != 0)
		fail(EXIT_RUNTIME, "config", "%s: \"%s\" is not a number", key, v);
	return n;
}

static void set(struct config *c, char *key, char *v)
{
	if (!strcmp(key, "mode")) c->mode = v;
	else if (!strcmp(key, "arg")) add(&c->args, key, v);
	else if (!strcmp(key, "env")) add(&c->env, key, v);
	else if (!strcmp(key, "cwd")) c->cwd = v;
	else if (!strcmp(key, "user")) c->user = v;
	else if (!strcmp(key, "hostname")) c->hostname = v;
	else if (!strcmp(key, "rootfs")) c->rootfs = v;
	else if (!strcmp(key, "overlay")) c->overlay = v;
	else if (!strcmp(key, "overlay.cwd")) c->overlay_cwd = v;
	else if (!strcmp(key, "readonly")) c->readonly = 1;
	else if (!strcmp(key, "mount")) {
		char *f[4];
		if (c->nmounts >= MAX_LIST)
			fail(EXIT_RUNTIME, "config", "too many mounts");
		if (split_unit(v, f, 4) != 4)
			fail(EXIT_RUNTIME, "config", "mount entry needs kind, source, target and options");
		c->mounts[c->nmounts++] = (struct mountspec){ f[0], f[1], f[2], f[3] };
	} else if (!strcmp(key, "mask")) add(&c->masks, key, v);
	else if (!strcmp(key, "ro.path")) add(&c->ro_paths, key, v);
	else if (!strcmp(key, "privileged")) c->privileged = 1;
	else if (!strcmp(key, "shm.size")) c->shm_size = (long long)number(key, v);
	else if (!strcmp(key, "net")) c->net = v;
	else if (!strcmp(key, "netns")) c->netns = v;
	else if (!strcmp(key, "netns.pin")) c->netns_pin = v;
	else if (!strcmp(key, "pid")) c->target = (pid_t)number(key, v);
	else if (!strcmp(key, "cap")) {
		if (!strcmp(v, "all")) c->all_caps = 1;
		else if (c->ncaps < 64) c->caps[c->ncaps++] = (int)number(key, v);
	} else if (!strcmp(key, "nnp")) c->no_new_privs = 1;
	else if (!strcmp(key, "rlimit")) {
		char *f[3];
		if (c->nrlimits >= 16 || split_unit(v, f, 3) != 3)
			fail(EXIT_RUNTIME, "config", "rlimit entry needs name, soft and hard");
		c->rlimits[c->nrlimits++] = (struct rlimitspec){ rlimit_resource(f[0]), number(key, f[1]), number(key, f[2]) };
	} else if (!strcmp(key, "cgroup")) add(&c->cgroups, key, v);
	else if (!strcmp(key, "tty")) c->tty = 1;
	else if (!strcmp(key, "interactive")) c->interactive = 1;
	else if (!strcmp(key, "detach")) c->detach = 1;
	else if (!strcmp(key, "log.file")) c->log_file = v;
	else if (!strcmp(key, "exit.file")) c->exit_file = v;
	else if (!strcmp(key, "hook")) add(&c->hook, key, v);
	else fail(EXIT_RUNTIME, "config", "unknown config key \"%s\"", key);
}

void read_config(int fd, struct config *c)
{
	char *buf = malloc(MAX_RECORD);
	size_t len = 0;
	if (!buf)
		fail_errno("config", "allocate the config buffer");
	memset(c, 0, sizeof *c);
	c->net = "new";
	c->shm_size = 64 << 20;
	for (;;) {
		/* The record ends with an empty entry: two NULs in a row (or one at the start). */
		if ((len == 1 && buf[0] == 0) || (len >= 2 && buf[len - 1] == 0 && buf[len - 2] == 0))
			break;
		if (len == MAX_RECORD)
			fail(EXIT_RUNTIME, "config", "config record larger than %d bytes", MAX_RECORD);
		ssize_t r = read(fd, buf + len, MAX_RECORD - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_errno("config", "read the config record");
		if (r == 0)
			fail(EXIT_RUNTIME, "config", "config record ended early (tsnet went away)");
		len += (size_t)r;
	}
	for (char *p = buf, *next; p < buf + len && *p; p = next) {
		next = p + strlen(p) + 1;
		char *eq = strchr(p, '=');
		if (!eq)
			fail(EXIT_RUNTIME, "config", "config entry \"%s\" has no '='", p);
		*eq = 0;
		set(c, p, eq + 1);
	}
	if (!c->mode)
		fail(EXIT_RUNTIME, "config", "config has no mode");
	if (c->args.n == 0)
		fail(EXIT_RUNTIME, "config", "config has no command");
}
