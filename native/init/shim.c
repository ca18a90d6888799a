/*
 * shim.c — `mode=run`: makes the container and then supervises it.
 *
 *   Node ──config──▶ shim ──clone(new pid, mount, uts, ipc[, net])──▶ child
 *   shim: pin the netns, join the cgroups, report "ready" {pid} ◀── Node configures the
 *         network in that netns, then writes "go"
 *   child: rootfs, identity, exec (an error: a JSON report and 'E' on the sync socket)
 *   shim: report "started"; copy output to the log file (and to its own stdout/stderr
 *         while a CLI is attached); reap; write the exit file; report "exit"; when no CLI
 *         is attached any more, exec the exit hook (tsnet reconciles state and network).
 *
 * The shim never exits before the container: it is what records the exit status and time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

extern int fail_sync_fd;

#define LINE_MAX_LOG 16384

struct stream {
	int fd;           /* read end: the container's stdout/stderr pipe, or the pty master */
	int forward;      /* where to copy it while attached (1 or 2), -1 when not */
	const char *name; /* "stdout" / "stderr" */
	char buf[LINE_MAX_LOG];
	size_t len;
};

static int log_fd = -1;

/* log_record — one Docker json-file record: {"log":"...","stream":"stdout","time":"..."}. */
static void log_record(const char *stream, const char *data, size_t len)
{
	static char esc[LINE_MAX_LOG * 6 + 64];
	char line[sizeof esc + 128], when[64];
	if (log_fd < 0)
		return;
	json_escape(esc, sizeof esc, data, len);
	iso_time(when, sizeof when);
	int n = snprintf(line, sizeof line, "{\"log\":\"%s\",\"stream\":\"%s\",\"time\":\"%s\"}\n", esc, stream, when);
	if (n > 0)
		write_all(log_fd, line, (size_t)n);
}

/* take — new output: forwarded as is, logged a line at a time (or a full buffer at once). */
static void take(struct stream *s, const char *data, size_t len)
{
	if (s->forward >= 0 && write_all(s->forward, data, len) < 0)
		s->forward = -1; /* the attached CLI went away: keep logging */
	for (size_t i = 0; i < len; i++) {
		s->buf[s->len++] = data[i];
		if (data[i] == '\n' || s->len == sizeof s->buf) {
			log_record(s->name, s->buf, s->len);
			s->len = 0;
		}
	}
}

static void flush(struct stream *s)
{
	if (s->len)
		log_record(s->name, s->buf, s->len);
	s->len = 0;
}

static void pin_netns(const char *path, pid_t pid)
{
	char src[64];
	int fd;
	/* As `ip netns add` does: a shared /run/netns, so the pin shows in other mount namespaces. */
	mkdir("/run/netns", 0755);
	if (mount("", "/run/netns", "none", MS_SHARED | MS_REC, NULL) < 0 && errno == EINVAL) {
		if (mount("/run/netns", "/run/netns", "none", MS_BIND | MS_REC, NULL) == 0)
			mount("", "/run/netns", "none", MS_SHARED | MS_REC, NULL);
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		fail_errno("netns", "create %s", path);
	close(fd);
	snprintf(src, sizeof src, "/proc/%d/ns/net", (int)pid);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		int err = errno;
		unlink(path);
		errno = err;
		fail_errno("netns", "bind the container's netns to %s", path);
	}
}

static void unpin_netns(const char *path)
{
	if (!path)
		return;
	umount2(path, MNT_DETACH);
	unlink(path);
}

static int status_code(int status, int *sig)
{
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + *sig;
}

/* write_exit — the exit file, atomically: Node reads it to learn how the container ended. */
static void write_exit(const char *path, int code, int sig)
{
	char tmp[4200], body[256], when[64];
	if (!path)
		return;
	iso_time(when, sizeof when);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int n = snprintf(body, sizeof body, "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\"}\n", code, sig, when);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	write_all(fd, body, (size_t)n);
	close(fd);
	rename(tmp, path);
}

/* loopback_up — a new network namespace starts with lo down; containers expect it up. */
static void loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail_errno("netns", "socket");
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail_errno("netns", "read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail_errno("netns", "bring lo up");
	close(s);
}

/* child — runs in the new namespaces; never returns. */
static void child(const struct config *c, int sync, int out, int err, int netns)
{
	sigset_t none;
	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fail_sync_fd = sync;
	/* Mount events from here on stay in the container; the host's still reach it (rslave). */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		fail_errno("rootfs", "make / a slave mount");
	if (netns >= 0 && setns(netns, CLONE_NEWNET) < 0)
		fail_errno("netns", "join the network namespace %s", c->netns);
	char go = 0;
	if (write_all(sync, "R", 1) < 0 || read(sync, &go, 1) != 1 || go != 'G')
		_exit(EXIT_RUNTIME); /* the shim aborted the start; it reports why */
	if (strcmp(c->net, "new") == 0)
		loopback_up();
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		fail_errno("hostname", "sethostname %s", c->hostname);
	int master;
	int slave = build_rootfs(c, &master);
	if (setsid() < 0)
		fail_errno("console", "setsid");
	if (slave >= 0) {
		send_fd(sync, master);
		close(master);
		if (ioctl(slave, TIOCSCTTY, 0) < 0)
			fail_errno("console", "make the terminal the controlling one");
		out = err = slave;
		if (dup2(slave, 0) < 0)
			fail_errno("console", "dup2");
	} else if (!c->interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0)
			fail_errno("stdio", "open /dev/null for stdin");
	}
	if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
		fail_errno("stdio", "dup2");
	apply_process(c);
	exec_command(c);
}

/* await_go — Node's answer to "ready": "go\n" after it configured the network. */
static int await_go(void)
{
	char buf[8];
	size_t len = 0;
	while (len < 3) {
		ssize_t r = read(CONFIG_FD, buf + len, 3 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		len += (size_t)r;
	}
	return memcmp(buf, "go\n", 3) == 0;
}

static void forward_signal(pid_t pid, int sig, int attached_fg)
{
	/* In the foreground, the terminal's own signals are the CLI's to forward. */
	if (attached_fg && (sig == SIGINT || sig == SIGQUIT || sig == SIGHUP))
		return;
	kill(pid, sig);
}

static __attribute__((noreturn)) void run_hook(const struct config *c)
{
	if (c->hook.n == 0)
		exit(0);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	execv(c->hook.v[0], (char *const *)c->hook.v);
	dprintf(2, "tsnet-init: exit hook %s: %s\n", c->hook.v[0], strerror(errno));
	exit(EXIT_RUNTIME);
}

/* supervise — copies output until the container is reaped and its outputs are drained. */
static int supervise(const struct config *c, pid_t pid, struct stream *streams, int nstreams, int master, int sigfd, int *attached, int *sig_out)
{
	int status = 0, reaped = 0, open_streams = nstreams, in_fd = (c->tty && c->interactive && !c->detach) ? 0 : -1;
	time_t drain_deadline = 0;
	while (!reaped || open_streams > 0) {
		struct pollfd p[8];
		int n = 0, idx_sig, idx_ctl = -1, idx_in = -1, idx_s[2] = { -1, -1 };
		idx_sig = n;
		p[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (*attached) {
			idx_ctl = n;
			p[n++] = (struct pollfd){ .fd = CONFIG_FD, .events = POLLIN };
		}
		if (in_fd >= 0 && !reaped) {
			idx_in = n;
			p[n++] = (struct pollfd){ .fd = in_fd, .events = POLLIN };
		}
		for (int i = 0; i < nstreams; i++) {
			if (streams[i].fd >= 0) {
				idx_s[i] = n;
				p[n++] = (struct pollfd){ .fd = streams[i].fd, .events = POLLIN };
			}
		}
		/* After the reap, whatever still holds an output open gets a little time, no more. */
		if (reaped && drain_deadline == 0)
			drain_deadline = time(NULL) + 2;
		if (reaped && time(NULL) > drain_deadline)
			break;
		if (poll(p, (nfds_t)n, reaped ? 200 : -1) < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("shim", "poll");
		}
		if (p[idx_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (si.ssi_signo == SIGCHLD) {
					int st;
					pid_t w;
					while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
						if (w == pid) {
							status = st;
							reaped = 1;
						}
					}
				} else if (si.ssi_signo == SIGWINCH) {
					if (master >= 0 && *attached)
						copy_winsize(0, master);
				} else if (!reaped) {
					forward_signal(pid, (int)si.ssi_signo, *attached && !c->detach);
				}
			}
		}
		if (idx_ctl >= 0 && (p[idx_ctl].revents & (POLLIN | POLLHUP | POLLERR))) {
			char buf[256];
			if (read(CONFIG_FD, buf, sizeof buf) <= 0)
				*attached = 0; /* the CLI is gone: the hook will reconcile at the exit */
		}
		if (idx_in >= 0 && (p[idx_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			char buf[4096];
			ssize_t r = read(in_fd, buf, sizeof buf);
			if (r <= 0 || write_all(master, buf, (size_t)r) < 0)
				in_fd = -1;
		}
		for (int i = 0; i < nstreams; i++) {
			if (idx_s[i] < 0 || !(p[idx_s[i]].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[16384];
			ssize_t r = read(streams[i].fd, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) { /* EOF, or EIO from a pty whose slave sides all closed */
				flush(&streams[i]);
				close(streams[i].fd);
				streams[i].fd = -1;
				open_streams--;
				continue;
			}
			take(&streams[i], buf, (size_t)r);
		}
	}
	for (int i = 0; i < nstreams; i++)
		flush(&streams[i]);
	return status_code(status, sig_out);
}

void run_container(struct config *c)
{
	int sync[2], out[2] = { -1, -1 }, err[2] = { -1, -1 }, netns = -1;
	sigset_t mask;
	if (c->net && strcmp(c->net, "join") == 0) {
		netns = open(c->netns, O_RDONLY | O_CLOEXEC);
		if (netns < 0)
			fail_errno("netns", "open %s", c->netns);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0)
		fail_errno("shim", "socketpair");
	if (!c->tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0))
		fail_errno("shim", "pipe");
	if (c->log_file) {
		log_fd = open(c->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (log_fd < 0)
			fail_errno("shim", "open the log file %s", c->log_file);
	}
	sigemptyset(&mask);
	int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (strcmp(c->net, "new") == 0)
		flags |= CLONE_NEWNET;
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail_errno("clone", "clone the container's namespaces");
	if (pid == 0) {
		close(sync[0]);
		child(c, sync[1], out[1], err[1], netns);
	}
	close(sync[1]);
	if (netns >= 0)
		close(netns);
	if (!c->tty) {
		close(out[1]);
		close(err[1]);
	}
	signal(SIGPIPE, SIG_IGN);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		fail_errno("shim", "signalfd");

	char ready = 0;
	if (read(sync[0], &ready, 1) != 1 || ready != 'R') {
		int st, sig;
		waitpid(pid, &st, 0);
		_exit(status_code(st, &sig) ? status_code(st, &sig) : EXIT_RUNTIME);
	}
	if (c->netns_pin && strcmp(c->net, "new") == 0)
		pin_netns(c->netns_pin, pid);
	join_cgroups(&c->cgroups, pid);
	char extra[64];
	snprintf(extra, sizeof extra, "\"pid\":%d", (int)pid);
	report_event("ready", extra);
	if (!await_go()) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unpin_netns(strcmp(c->net, "new") == 0 ? c->netns_pin : NULL);
		_exit(EXIT_RUNTIME);
	}
	if (write_all(sync[0], "G", 1) < 0)
		fail_errno("shim", "start the container");
	int master = -1, failed = 0;
	for (;;) {
		int r = recv_fd(sync[0]);
		if (r >= 0)
			master = r;
		else if (r == -1)
			failed = 1;
		else
			break;
	}
	close(sync[0]);
	if (failed) {
		int st, sig;
		waitpid(pid, &st, 0);
		unpin_netns(strcmp(c->net, "new") == 0 ? c->netns_pin : NULL);
		_exit(status_code(st, &sig));
	}
	report_event("started", extra);
	int attached = 1;
	if (c->detach) {
		/* Node has what it needs; from here on the shim lives on its own. */
		close(REPORT_FD);
		close(CONFIG_FD);
		report_set_fd(-1);
		attached = 0;
	} else if (c->tty) {
		tty_raw(0);
		copy_winsize(0, master);
	}
	int fg = !c->detach;
	struct stream streams[2] = {
		{ .fd = c->tty ? master : out[0], .forward = fg ? 1 : -1, .name = "stdout" },
		{ .fd = c->tty ? -1 : err[0], .forward = fg ? 2 : -1, .name = "stderr" },
	};
	int sig = 0;
	int code = supervise(c, pid, streams, c->tty ? 1 : 2, master, sigfd, &attached, &sig);
	tty_restore();
	write_exit(c->exit_file, code, sig);
	if (attached) {
		snprintf(extra, sizeof extra, "\"exitCode\":%d,\"signal\":%d", code, sig);
		report_event("exit", extra);
		exit(0);
	}
	run_hook(c);
}
