/*
 * rootfs.c — the container's filesystem, built inside its own mount namespace: the image's
 * overlay (or a bind of a plain directory) as /, then /proc, /dev (a tmpfs with the standard
 * nodes, /dev/pts, /dev/shm, /dev/mqueue), a read-only /sys, the volumes and generated /etc
 * files Node lists, Docker's masked and read-only /proc paths, and pivot_root.
 *
 * The image is hostile: every target inside it is resolved with openat2(RESOLVE_IN_ROOT),
 * so a symlink the image made can never point a mount outside the rootfs, and mounts go
 * onto the resolved O_PATH fd (/proc/self/fd/N), never onto a path looked up again. The
 * standard mount points (/proc, /dev, /sys) may not be symlinks at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"

#define FD_PATH_MAX 64

static long openat2_(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .mode = 0, .resolve = resolve };
	return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* in_root — path relative to the container's root: "/etc/hosts" -> "etc/hosts", "/" -> ".". */
static const char *in_root(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int open_in_root(int root, const char *path, int flags, int strict)
{
	unsigned long long resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (strict ? RESOLVE_NO_SYMLINKS : 0);
	return (int)openat2_(root, in_root(path), flags, resolve);
}

static void fd_path(char *out, int fd)
{
	snprintf(out, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

/*
 * make_target — opens (O_PATH) the mount target `path` inside the root, creating missing
 * directories, and the last component as a file when `file`. Each component is created
 * under a parent resolved in the root, so nothing lands outside it.
 */
static int make_target_at(int root, const char *path, int file, int strict, int depth);

/*
 * make_target — as make_target_at; a last component that is a dangling symlink is followed
 * (inside the root) and its target made, as runc's securejoin does.
 */
static int make_target(int root, const char *path, int file, int strict)
{
	return make_target_at(root, path, file, strict, 0);
}

/* follow_dangling — the path a dangling symlink at `path` points to, inside the root; NULL if none. */
static char *follow_dangling(int root, const char *path, char *out, size_t cap)
{
	char link[4096], parent[4096];
	const char *rel = in_root(path);
	const char *slash = strrchr(rel, '/');
	int dir;
	if (slash) {
		snprintf(parent, sizeof parent, "%.*s", (int)(slash - rel), rel);
		dir = open_in_root(root, parent, O_PATH | O_DIRECTORY, 0);
	} else {
		parent[0] = 0;
		dir = open_in_root(root, ".", O_PATH | O_DIRECTORY, 0);
	}
	if (dir < 0)
		return NULL;
	ssize_t n = readlinkat(dir, slash ? slash + 1 : rel, link, sizeof link - 1);
	close(dir);
	if (n <= 0)
		return NULL;
	link[n] = 0;
	int len = link[0] == '/' ? snprintf(out, cap, "%s", link) : snprintf(out, cap, "%.2040s/%.2040s", parent, link);
	return len > 0 && (size_t)len < cap ? out : NULL;
}

static int make_target_at(int root, const char *path, int file, int strict, int depth)
{
	int fd = open_in_root(root, path, O_PATH, strict);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", in_root(path)) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf;; p++) {
		int last = (*p == 0);
		if (*p != '/' && !last)
			continue;
		char saved = *p;
		*p = 0;
		int probe = open_in_root(root, buf, O_PATH, strict);
		if (probe < 0 && errno == ENOENT) {
			char *slash = strrchr(buf, '/');
			const char *name = slash ? slash + 1 : buf;
			int parent = slash ? (*slash = 0, open_in_root(root, buf, O_PATH | O_DIRECTORY, strict)) : open_in_root(root, ".", O_PATH | O_DIRECTORY, strict);
			if (slash)
				*slash = '/';
			if (parent < 0)
				return -1;
			int rc;
			if (last && file) {
				rc = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (rc >= 0)
					close(rc);
			} else {
				rc = mkdirat(parent, name, 0755);
			}
			close(parent);
			if (rc < 0 && errno == EEXIST && last && !strict && depth < 8) {
				char next[4096];
				if (follow_dangling(root, buf, next, sizeof next))
					return make_target_at(root, next, file, strict, depth + 1);
			}
			if (rc < 0 && errno != EEXIST)
				return -1;
		} else if (probe < 0) {
			return -1;
		} else {
			close(probe);
		}
		*p = saved;
		if (last)
			break;
	}
	return open_in_root(root, path, O_PATH, strict);
}

struct flagname { const char *name; unsigned long flag; int clear; };
static const struct flagname flagnames[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", MS_RDONLY, 1 }, { "nosuid", MS_NOSUID, 0 }, { "suid", MS_NOSUID, 1 },
	{ "nodev", MS_NODEV, 0 }, { "dev", MS_NODEV, 1 }, { "noexec", MS_NOEXEC, 0 }, { "exec", MS_NOEXEC, 1 },
	{ "strictatime", MS_STRICTATIME, 0 }, { "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 },
};

/* parse_opts — "ro,nosuid,size=64m" into mount flags and the filesystem's own data. */
static unsigned long parse_opts(const char *opts, char *data, size_t cap)
{
	unsigned long flags = 0;
	char buf[1024];
	size_t used = 0;
	data[0] = 0;
	snprintf(buf, sizeof buf, "%s", opts);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof flagnames / sizeof flagnames[0]; i++) {
			if (strcmp(tok, flagnames[i].name) == 0) {
				flags = flagnames[i].clear ? flags & ~flagnames[i].flag : flags | flagnames[i].flag;
				break;
			}
		}
		if (i == sizeof flagnames / sizeof flagnames[0])
			used += (size_t)snprintf(data + used, cap - used, "%s%s", used ? "," : "", tok);
	}
	return flags;
}

/* remount_ro — makes the mount at `path` (in root) read-only, keeping its other flags. */
static void remount_flags(int root, const char *path, unsigned long flags)
{
	char p[FD_PATH_MAX];
	int fd = open_in_root(root, path, O_PATH, 0);
	if (fd < 0)
		fail_errno("mount", "open %s", path);
	fd_path(p, fd);
	if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		fail_errno("mount", "remount %s read-only", path);
	close(fd);
}

/* mount_in — mounts onto `dst` inside root; `file` makes a missing target a file. */
static void mount_in(int root, const char *src, const char *dst, const char *fstype, unsigned long flags, const char *data, int file, int strict)
{
	char p[FD_PATH_MAX];
	int fd = make_target(root, dst, file, strict);
	if (fd < 0)
		fail_errno("mount", "%s in the container: cannot make the mount point", dst);
	fd_path(p, fd);
	unsigned long first = flags & MS_BIND ? flags & (MS_BIND | MS_REC) : flags;
	if (mount(src, p, fstype, first, data) < 0)
		fail_errno("mount", "mount %s on %s", fstype ? fstype : src, dst);
	close(fd);
	/* A bind mount takes its flags (ro, nosuid, ...) only on a remount. */
	if ((flags & MS_BIND) && (flags & ~(MS_BIND | MS_REC)))
		remount_flags(root, dst, flags & ~(MS_BIND | MS_REC));
}

static void make_devices(int root)
{
	static const struct { const char *name; unsigned maj, min; } nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const struct { const char *name, *target; } links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" }, { "core", "/proc/kcore" },
	};
	int dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY, 1);
	if (dev < 0)
		fail_errno("mount", "open /dev");
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
		if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
			fail_errno("devices", "mknod /dev/%s", nodes[i].name);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i].target, dev, links[i].name) < 0)
			fail_errno("devices", "symlink /dev/%s", links[i].name);
	close(dev);
}

/* mask — Docker's masked paths: /dev/null over a file, an empty read-only tmpfs over a dir. */
static void mask(int root, const char *path)
{
	char p[FD_PATH_MAX];
	struct stat st;
	int fd = open_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return; /* not there in this kernel: nothing to hide */
	fd_path(p, fd);
	if (fstat(fd, &st) < 0)
		fail_errno("mask", "stat %s", path);
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0") : mount("/dev/null", p, NULL, MS_BIND, NULL);
	if (rc < 0)
		fail_errno("mask", "mask %s", path);
	close(fd);
}

static void readonly_path(int root, const char *path)
{
	char p[FD_PATH_MAX];
	int fd = open_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return;
	fd_path(p, fd);
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		fail_errno("mount", "bind %s", path);
	close(fd);
	remount_flags(root, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

/* console — a terminal from the container's own devpts, bound over /dev/console too. */
static int console(int root, int *master)
{
	int slave, ptmx_dir = open_in_root(root, "/dev/pts", O_PATH | O_DIRECTORY, 1);
	char ptmx[FD_PATH_MAX + 8], name[FD_PATH_MAX];
	if (ptmx_dir < 0)
		fail_errno("console", "open /dev/pts");
	snprintf(ptmx, sizeof ptmx, "/proc/self/fd/%d/ptmx", ptmx_dir);
	*master = open_pty_pair(ptmx, &slave);
	close(ptmx_dir);
	int target = make_target(root, "/dev/console", 1, 1);
	if (target < 0)
		fail_errno("console", "make /dev/console");
	fd_path(name, target);
	char src[FD_PATH_MAX];
	fd_path(src, slave);
	if (mount(src, name, NULL, MS_BIND, NULL) < 0)
		fail_errno("console", "bind the terminal over /dev/console");
	close(target);
	return slave;
}

static void pivot(const char *rootfs)
{
	if (chdir(rootfs) < 0)
		fail_errno("pivot_root", "chdir %s", rootfs);
	/* pivot_root(".", ".") stacks the old root under the new one; unmount it at once. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fail_errno("pivot_root", "pivot_root into %s", rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		fail_errno("pivot_root", "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		fail_errno("pivot_root", "detach the old root");
	if (chdir("/") < 0)
		fail_errno("pivot_root", "chdir /");
}

/*
 * build_rootfs — everything between "go" and pivot_root. With a terminal, returns its slave
 * side (the process's stdio to be) and the master through *console_master; else -1.
 */
int build_rootfs(const struct config *c, int *console_master)
{
	char data[1024];
	umask(0);
	if (c->overlay) {
		if (c->overlay_cwd && chdir(c->overlay_cwd) < 0)
			fail_errno("rootfs", "chdir %s", c->overlay_cwd);
		if (mount("overlay", c->rootfs, "overlay", 0, c->overlay) < 0)
			fail_errno("rootfs", "mount the image's overlay on %s", c->rootfs);
	} else if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		fail_errno("rootfs", "bind %s", c->rootfs);
	}
	int root = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail_errno("rootfs", "open %s", c->rootfs);

	mount_in(root, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0, 1);
	mount_in(root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 0, 1);
	make_devices(root);
	mount_in(root, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5", 0, 1);
	snprintf(data, sizeof data, "mode=1777,size=%lld", c->shm_size);
	mount_in(root, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data, 0, 1);
	mount_in(root, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0, 1);
	mount_in(root, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (c->privileged ? 0 : MS_RDONLY), NULL, 0, 1);

	for (int i = 0; i < c->nmounts; i++) {
		const struct mountspec *m = &c->mounts[i];
		unsigned long flags = parse_opts(m->opts, data, sizeof data);
		if (strcmp(m->kind, "bind") == 0) {
			struct stat st;
			if (stat(m->src, &st) < 0)
				fail_errno("mount", "volume source %s", m->src);
			mount_in(root, m->src, m->dst, NULL, flags | MS_BIND | MS_REC, NULL, !S_ISDIR(st.st_mode), 0);
		} else if (strcmp(m->kind, "tmpfs") == 0) {
			mount_in(root, "tmpfs", m->dst, "tmpfs", flags, data, 0, 0);
		} else {
			fail(EXIT_RUNTIME, "mount", "unknown mount kind \"%s\"", m->kind);
		}
	}
	int slave = -1;
	*console_master = -1;
	if (c->tty)
		slave = console(root, console_master);
	if (!c->privileged) {
		for (int i = 0; i < c->masks.n; i++)
			mask(root, c->masks.v[i]);
		for (int i = 0; i < c->ro_paths.n; i++)
			readonly_path(root, c->ro_paths.v[i]);
	}
	/* The working directory is made if missing (Docker), inside the root, before it may turn read-only. */
	if (c->cwd && *c->cwd) {
		int cwd = make_target(root, c->cwd, 0, 0);
		if (cwd < 0)
			fail_errno("cwd", "make the working directory %s", c->cwd);
		close(cwd);
	}
	if (c->readonly)
		remount_flags(root, "/", MS_RDONLY);
	close(root);
	pivot(c->rootfs);
	return slave;
}
