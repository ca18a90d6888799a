/*
 * identity.c — who the container's process is, applied after pivot_root: rlimits, the
 * user and groups (names looked up in the image's own /etc/passwd and /etc/group), the
 * working directory (rootfs.c made it), capabilities (the bounding set cut
 * to the kept set; a root process keeps them effective, another user gets none effective,
 * as in Docker), no_new_privs, and the exec with the command found on the container's PATH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Bounds on what the image's /etc/passwd and /etc/group may cost us to read. */
#define MAX_LINES 100000
#define MAX_GROUPS 64

struct identity {
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	char home[1024];
	char name[256];
};

static int numeric(const char *s, unsigned long *out)
{
	char *end;
	if (!*s)
		return 0;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == 0 && *out <= 0x7fffffff;
}

/* field — the n-th ':'-separated field of line (copied into out), or NULL. */
static const char *field(const char *line, int n, char *out, size_t cap)
{
	const char *p = line;
	for (int i = 0; i < n; i++) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	size_t len = strcspn(p, ":\n");
	if (len >= cap)
		len = cap - 1;
	memcpy(out, p, len);
	out[len] = 0;
	return out;
}

/* scan — calls fn on each line of an image's /etc file (bounded; a missing file is empty). */
static void scan(const char *path, int (*fn)(const char *line, void *arg), void *arg)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	if (!f)
		return;
	for (int n = 0; n < MAX_LINES && getline(&line, &cap, f) > 0; n++)
		if (fn(line, arg))
			break;
	free(line);
	fclose(f);
}

struct pw_query { const char *name; unsigned long uid; int by_uid; struct identity *id; int found; };

static int pw_line(const char *line, void *arg)
{
	struct pw_query *q = arg;
	char name[256], uid[32], gid[32], home[1024];
	unsigned long u, g;
	if (!field(line, 0, name, sizeof name) || !field(line, 2, uid, sizeof uid) || !field(line, 3, gid, sizeof gid))
		return 0;
	if (!numeric(uid, &u) || !numeric(gid, &g))
		return 0;
	if (q->by_uid ? u != q->uid : strcmp(name, q->name) != 0)
		return 0;
	q->id->uid = (uid_t)u;
	q->id->gid = (gid_t)g;
	snprintf(q->id->name, sizeof q->id->name, "%s", name);
	if (field(line, 5, home, sizeof home) && home[0])
		snprintf(q->id->home, sizeof q->id->home, "%s", home);
	q->found = 1;
	return 1;
}

struct gr_query { const char *name; gid_t gid; int by_gid; int found; const char *member; struct identity *id; };

static int gr_line(const char *line, void *arg)
{
	struct gr_query *q = arg;
	char name[256], gid[32], members[4096];
	unsigned long g;
	if (!field(line, 0, name, sizeof name) || !field(line, 2, gid, sizeof gid) || !numeric(gid, &g))
		return 0;
	if (q->member) {
		/* Supplementary groups: every group that lists the user as a member. */
		if (!field(line, 3, members, sizeof members))
			return 0;
		for (char *save = NULL, *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (strcmp(m, q->member) == 0 && q->id->ngroups < MAX_GROUPS)
				q->id->groups[q->id->ngroups++] = (gid_t)g;
		return 0;
	}
	if (q->by_gid ? (gid_t)g != q->gid : strcmp(name, q->name) != 0)
		return 0;
	q->gid = (gid_t)g;
	q->found = 1;
	return 1;
}

/* resolve_user — "", "uid", "name", "uid:gid", "name:group", ... against the image's files. */
static void resolve_user(const char *spec, struct identity *id)
{
	char user[256] = "0", *group = NULL;
	unsigned long n;
	memset(id, 0, sizeof *id);
	snprintf(id->home, sizeof id->home, "/");
	if (spec && *spec)
		snprintf(user, sizeof user, "%s", spec);
	char *colon = strchr(user, ':');
	if (colon) {
		*colon = 0;
		group = colon + 1;
	}
	struct pw_query pq = { .name = user, .id = id };
	if (numeric(user, &n)) {
		pq.by_uid = 1;
		pq.uid = n;
		id->uid = (uid_t)n;
		id->gid = 0; /* a uid the image does not know runs with gid 0, as in Docker */
		scan("/etc/passwd", pw_line, &pq);
	} else {
		scan("/etc/passwd", pw_line, &pq);
		if (!pq.found)
			fail(EXIT_RUNTIME, "user", "unable to find user %s: no matching entries in passwd file", user);
	}
	if (group) {
		struct gr_query gq = { .name = group };
		if (numeric(group, &n)) {
			gq.gid = (gid_t)n;
			gq.found = 1;
		} else {
			scan("/etc/group", gr_line, &gq);
			if (!gq.found)
				fail(EXIT_RUNTIME, "user", "unable to find group %s: no matching entries in group file", group);
		}
		id->gid = gq.gid;
	}
	if (pq.found) {
		struct gr_query mq = { .member = id->name, .id = id };
		scan("/etc/group", gr_line, &mq);
	}
}

static int capget_(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return (int)syscall(SYS_capget, &h, data);
}

static int capset_(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return (int)syscall(SYS_capset, &h, data);
}

int last_cap(void)
{
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	char buf[16] = { 0 };
	if (fd < 0 || read(fd, buf, sizeof buf - 1) <= 0) {
		if (fd >= 0)
			close(fd);
		return CAP_LAST_CAP;
	}
	close(fd);
	return atoi(buf);
}

static int kept(const struct config *c, int cap, const struct __user_cap_data_struct now[2])
{
	int held = (now[cap / 32].permitted >> (cap % 32)) & 1;
	if (c->all_caps)
		return held;
	for (int i = 0; i < c->ncaps; i++)
		if (c->caps[i] == cap)
			return held;
	return 0;
}

static void apply_caps(const struct config *c, const struct identity *id, int top)
{
	struct __user_cap_data_struct now[2], want[2];
	memset(want, 0, sizeof want);
	if (capget_(now) < 0)
		fail_errno("capabilities", "capget");
	for (int cap = 0; cap <= top; cap++) {
		if (kept(c, cap, now)) {
			want[cap / 32].permitted |= 1u << (cap % 32);
			want[cap / 32].effective |= 1u << (cap % 32);
		}
	}
	/* A process of another user gets the bounding set only, nothing effective (Docker). */
	if (id->uid != 0)
		memset(want, 0, sizeof want);
	if (capset_(want) < 0)
		fail_errno("capabilities", "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail_errno("capabilities", "clear the ambient set");
}

static const char **environment(const struct config *c, const struct identity *id)
{
	static const char *env[MAX_LIST + 3];
	static char home[1100];
	int n = 0, has_home = 0;
	for (int i = 0; i < c->env.n; i++) {
		if (strncmp(c->env.v[i], "HOME=", 5) == 0)
			has_home = 1;
		env[n++] = c->env.v[i];
	}
	if (!has_home) {
		snprintf(home, sizeof home, "HOME=%s", id->home);
		env[n++] = home;
	}
	env[n] = NULL;
	return env;
}

static struct identity who;
static const char **envp;

/* apply_process — everything but the exec, in the order the privileges allow it. */
void apply_process(const struct config *c)
{
	int top = last_cap();
	for (int i = 0; i < c->nrlimits; i++) {
		struct rlimit r = { c->rlimits[i].soft, c->rlimits[i].hard };
		if (setrlimit(c->rlimits[i].resource, &r) < 0)
			fail_errno("rlimit", "setrlimit %d to %llu:%llu", c->rlimits[i].resource, c->rlimits[i].soft, c->rlimits[i].hard);
	}
	resolve_user(c->user, &who);
	envp = environment(c, &who);
	/* Cut the bounding set while CAP_SETPCAP is still held. */
	struct __user_cap_data_struct now[2];
	if (capget_(now) < 0)
		fail_errno("capabilities", "capget");
	for (int cap = 0; cap <= top; cap++)
		if (!kept(c, cap, now) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			fail_errno("capabilities", "drop capability %d from the bounding set", cap);
	if (setgroups((size_t)who.ngroups, who.groups) < 0)
		fail_errno("user", "setgroups");
	if (setresgid(who.gid, who.gid, who.gid) < 0)
		fail_errno("user", "setgid %u", (unsigned)who.gid);
	if (setresuid(who.uid, who.uid, who.uid) < 0)
		fail_errno("user", "setuid %u", (unsigned)who.uid);
	apply_caps(c, &who, top);
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_errno("no_new_privs", "prctl");
	if (chdir(c->cwd && *c->cwd ? c->cwd : "/") < 0)
		fail_errno("cwd", "chdir to the working directory %s", c->cwd);
	umask(022);
}

/* find — the file to exec: arg0 itself when it has a '/', else the first match on PATH. */
static const char *find(const char *cmd, const char **env, char *buf, size_t cap)
{
	const char *path = DEFAULT_PATH;
	int denied = 0;
	if (strchr(cmd, '/'))
		return cmd;
	for (int i = 0; env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	for (const char *p = path;; p += strcspn(p, ":") + 1) {
		size_t len = strcspn(p, ":");
		struct stat st;
		snprintf(buf, cap, "%.*s/%s", (int)(len ? len : 1), len ? p : ".", cmd);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return buf;
			denied = 1;
		}
		if (p[len] == 0)
			break;
	}
	if (denied)
		fail(EXIT_NOEXEC, "exec", "exec: \"%s\": permission denied", cmd);
	fail(EXIT_NOTFOUND, "exec", "exec: \"%s\": executable file not found in $PATH", cmd);
}

void exec_command(const struct config *c)
{
	char buf[4096];
	const char *file = find(c->args.v[0], envp, buf, sizeof buf);
	execve(file, (char *const *)c->args.v, (char *const *)envp);
	int err = errno;
	if (err == ENOENT)
		fail(EXIT_NOTFOUND, "exec", "exec: \"%s\": no such file or directory", c->args.v[0]);
	if (err == EACCES)
		fail(EXIT_NOEXEC, "exec", "exec: \"%s\": permission denied", c->args.v[0]);
	errno = err;
	fail_errno("exec", "exec \"%s\"", c->args.v[0]);
}
