/*
 * join.c — `mode=exec` (tsnet exec): a new process in a running container. The helper
 * joins the container's cgroups and namespaces (ipc, uts, net, pid for its children, and
 * the mount namespace last, which also puts it at the container's root), forks the process
 * into the container's pid namespace, applies the same identity rules as the container's
 * own process, and relays a terminal when -t asks for one. Its exit status is the process's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

extern int fail_sync_fd;

static void join_ns(pid_t target, const char *name, int type)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)target, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("join", "open %s (is the container running?)", path);
	if (setns(fd, type) < 0)
		fail_errno("join", "join the container's %s namespace", name);
	close(fd);
}

/* relay — a -t exec: the caller's terminal <-> the pty master, until the process exits. */
static int relay(pid_t pid, int master, int sigfd)
{
	int status = 0, in_open = 1, out_open = 1, reaped = 0;
	while (!reaped || out_open) {
		struct pollfd p[3] = {
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = out_open ? master : -1, .events = POLLIN },
			{ .fd = in_open ? 0 : -1, .events = POLLIN },
		};
		if (poll(p, 3, reaped ? 200 : -1) <= 0) {
			if (reaped)
				break;
			continue;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (si.ssi_signo == SIGCHLD) {
					if (waitpid(pid, &status, WNOHANG) == pid)
						reaped = 1;
				} else if (si.ssi_signo == SIGWINCH) {
					copy_winsize(0, master);
				} else {
					kill(pid, (int)si.ssi_signo);
				}
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[16384];
			ssize_t r = read(master, buf, sizeof buf);
			if (r <= 0 || write_all(1, buf, (size_t)r) < 0)
				out_open = 0;
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t r = read(0, buf, sizeof buf);
			if (r <= 0 || write_all(master, buf, (size_t)r) < 0)
				in_open = 0;
		}
	}
	if (!reaped)
		waitpid(pid, &status, 0);
	return status;
}

void exec_in_container(struct config *c)
{
	int master = -1, slave = -1;
	if (c->target <= 0)
		fail(EXIT_RUNTIME, "config", "exec needs the container's pid");
	/* Opened now, written by the child ("0": itself) once forked, so the helper stays outside. */
	int cg[MAX_LIST];
	for (int i = 0; i < c->cgroups.n; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/cgroup.procs", c->cgroups.v[i]);
		cg[i] = open(path, O_WRONLY | O_CLOEXEC);
		if (cg[i] < 0)
			fail_errno("cgroup", "open %s", path);
	}
	if (c->tty) {
		char ptmx[64];
		snprintf(ptmx, sizeof ptmx, "/proc/%d/root/dev/pts/ptmx", (int)c->target);
		master = open_pty_pair(ptmx, &slave);
	}
	join_ns(c->target, "ipc", CLONE_NEWIPC);
	join_ns(c->target, "uts", CLONE_NEWUTS);
	join_ns(c->target, "net", CLONE_NEWNET);
	join_ns(c->target, "pid", CLONE_NEWPID);
	join_ns(c->target, "mnt", CLONE_NEWNS);

	sigset_t mask;
	sigemptyset(&mask);
	int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		fail_errno("exec", "pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail_errno("exec", "fork into the container");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(sync[0]);
		fail_sync_fd = sync[1];
		for (int i = 0; i < c->cgroups.n; i++)
			if (write_all(cg[i], "0\n", 2) < 0)
				fail_errno("cgroup", "join the container's cgroup %s", c->cgroups.v[i]);
		if (setsid() < 0)
			fail_errno("exec", "setsid");
		if (slave >= 0) {
			if (ioctl(slave, TIOCSCTTY, 0) < 0)
				fail_errno("console", "make the terminal the controlling one");
			if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
				fail_errno("console", "dup2");
		} else if (!c->interactive) {
			int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (null < 0 || dup2(null, 0) < 0)
				fail_errno("stdio", "open /dev/null for stdin");
		}
		apply_process(c);
		exec_command(c);
	}
	close(sync[1]);
	if (slave >= 0)
		close(slave);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	/* 'E' from the child: it reported an error and exits; EOF alone: the exec happened. */
	char e = 0;
	int failed = read(sync[0], &e, 1) == 1;
	close(sync[0]);
	char extra[64];
	snprintf(extra, sizeof extra, "\"pid\":%d", (int)pid);
	if (!failed)
		report_event("started", extra);
	int status;
	if (master >= 0 && !failed) {
		tty_raw(0);
		copy_winsize(0, master);
		status = relay(pid, master, sigfd);
		tty_restore();
	} else {
		struct signalfd_siginfo si;
		for (;;) {
			struct pollfd p = { .fd = sigfd, .events = POLLIN };
			poll(&p, 1, -1);
			if (read(sigfd, &si, sizeof si) != (ssize_t)sizeof si)
				continue;
			if (si.ssi_signo != SIGCHLD) {
				kill(pid, (int)si.ssi_signo);
				continue;
			}
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
		}
	}
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + sig;
	if (!failed) {
		snprintf(extra, sizeof extra, "\"exitCode\":%d,\"signal\":%d", code, sig);
		report_event("exit", extra);
	}
	_exit(code);
}
