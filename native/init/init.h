/*
 * init.h — tsnet-init, the container helper: the declarations its files share.
 *
 * tsnet-init does what Node cannot do safely in its own (multithreaded) process: clone
 * into new namespaces, build the container's mounts, drop privileges and exec. Node
 * prepares everything else (image rootfs layers, network, cgroup directories and limits,
 * /etc files) and hands a config record over on fd 3; tsnet-init answers with JSON lines
 * on fd 4. See native/README.md for the protocol.
 */
#ifndef TSNET_INIT_H
#define TSNET_INIT_H

#include <stddef.h>
#include <sys/types.h>

#define CONFIG_FD 3
#define REPORT_FD 4

/* Exit codes that mean "the helper failed", as Docker's: 125 the runtime, 126 the
 * command cannot be invoked, 127 the command was not found. */
#define EXIT_RUNTIME 125
#define EXIT_NOEXEC 126
#define EXIT_NOTFOUND 127

#define MAX_LIST 256

struct strlist {
	const char *v[MAX_LIST + 1]; /* NULL-terminated */
	int n;
};

struct mountspec {
	const char *kind; /* bind, tmpfs */
	const char *src;
	const char *dst;
	const char *opts; /* comma list: flags (ro, nosuid, ...) and fs data */
};

struct rlimitspec {
	int resource;
	unsigned long long soft, hard;
};

struct config {
	const char *mode; /* run | exec */
	struct strlist args, env;
	const char *cwd;
	const char *user;
	const char *hostname;
	/* rootfs */
	const char *rootfs;      /* mount point of the container's root */
	const char *overlay;     /* overlay mount options; NULL: rootfs is a directory to bind */
	const char *overlay_cwd; /* directory the relative lowerdirs are relative to */
	int readonly;
	struct mountspec mounts[MAX_LIST];
	int nmounts;
	struct strlist masks, ro_paths;
	int privileged;
	long long shm_size;
	/* namespaces */
	const char *net;      /* new | host | join */
	const char *netns;    /* path to join (net=join) */
	const char *netns_pin; /* where to bind-mount a new netns (net=new) */
	pid_t target;         /* exec mode: the container's init */
	/* process */
	int caps[64];
	int ncaps;
	int all_caps;
	int no_new_privs;
	struct rlimitspec rlimits[16];
	int nrlimits;
	struct strlist cgroups; /* cgroup directories whose cgroup.procs the process joins */
	int tty, interactive, detach;
	const char *log_file;  /* container output, JSON lines */
	const char *exit_file; /* exit status, written when the container exits */
	struct strlist hook;   /* argv run when a detached container exits */
};

/* config.c */
void read_config(int fd, struct config *c);

/* report.c — JSON lines on the report fd */
void report_set_fd(int fd);
int report_fd(void);
void report_event(const char *event, const char *extra_json);
__attribute__((noreturn, format(printf, 3, 4))) void fail(int code, const char *stage, const char *fmt, ...);
__attribute__((noreturn, format(printf, 2, 3))) void fail_errno(const char *stage, const char *fmt, ...);
size_t json_escape(char *out, size_t cap, const char *in, size_t len);
void iso_time(char *out, size_t cap);

/* rootfs.c */
int build_rootfs(const struct config *c, int *console_master);

/* identity.c */
void apply_process(const struct config *c);
__attribute__((noreturn)) void exec_command(const struct config *c);
int last_cap(void);

/* tty.c */
void send_fd(int sock, int fd);
int recv_fd(int sock);
void tty_raw(int fd);
void tty_restore(void);
void copy_winsize(int from, int to);
int open_pty_pair(const char *ptmx, int *slave);

/* util */
void write_file(const char *path, const char *text);
void join_cgroups(const struct strlist *dirs, pid_t pid);
ssize_t write_all(int fd, const void *buf, size_t len);

/* shim.c, join.c */
__attribute__((noreturn)) void run_container(struct config *c);
__attribute__((noreturn)) void exec_in_container(struct config *c);

#endif
