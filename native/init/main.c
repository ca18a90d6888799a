/*
 * main.c — tsnet-init's entry: reads the config record from fd 3, reports on fd 4, and
 * runs the mode it names (run: make and supervise a container; exec: a process in one).
 * Small helpers shared by both modes live here too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "init.h"

void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("cgroup", "open %s", path);
	if (write_all(fd, text, strlen(text)) < 0)
		fail_errno("cgroup", "write %s", path);
	close(fd);
}

/* join_cgroups — puts pid into each of the container's cgroups (Node made them and set the limits). */
void join_cgroups(const struct strlist *dirs, pid_t pid)
{
	char path[4200], text[32];
	snprintf(text, sizeof text, "%d\n", (int)pid);
	for (int i = 0; i < dirs->n; i++) {
		snprintf(path, sizeof path, "%s/cgroup.procs", dirs->v[i]);
		write_file(path, text);
	}
}

int main(int argc, char **argv)
{
	struct config c;
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts("tsnet-init 1");
		return 0;
	}
	if (fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC) < 0 || fcntl(CONFIG_FD, F_SETFD, FD_CLOEXEC) < 0) {
		dprintf(2, "tsnet-init: needs the config record on fd 3 and a report fd 4 (it is started by tsnet)\n");
		return EXIT_RUNTIME;
	}
	report_set_fd(REPORT_FD);
	read_config(CONFIG_FD, &c);
	if (strcmp(c.mode, "run") == 0)
		run_container(&c);
	if (strcmp(c.mode, "exec") == 0)
		exec_in_container(&c);
	fail(EXIT_RUNTIME, "config", "unknown mode \"%s\"", c.mode);
}
