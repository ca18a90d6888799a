/*
 * tty.c — terminals and fd passing: a pty pair from a given ptmx (the container's own
 * devpts instance, so the container sees its terminal under /dev/pts), the caller's
 * terminal in raw mode while a -t container is attached (restored on the way out), window
 * size copied to the container's terminal, and SCM_RIGHTS to hand the pty master from the
 * container's child to the shim.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

static struct termios saved;
static int saved_fd = -1;

void send_fd(int sock, int fd)
{
	char byte = 'M';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		fail_errno("console", "send the terminal to the shim");
}

/* recv_fd — reads one message: returns the fd it carried, -1 for a plain byte ('E'), -2 on EOF. */
int recv_fd(int sock)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -2;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (byte == 'M' && cm && cm->cmsg_type == SCM_RIGHTS) {
		int fd;
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
		return fd;
	}
	return -1;
}

/* open_pty_pair — master from ptmx, the slave opened through the master (TIOCGPTPEER). */
int open_pty_pair(const char *ptmx, int *slave)
{
	int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail_errno("console", "open %s", ptmx);
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail_errno("console", "unlock the terminal");
	*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (*slave < 0)
		fail_errno("console", "open the terminal's slave side");
	return master;
}

void tty_raw(int fd)
{
	struct termios t;
	if (!isatty(fd) || tcgetattr(fd, &saved) < 0)
		return;
	saved_fd = fd;
	t = saved;
	cfmakeraw(&t);
	tcsetattr(fd, TCSADRAIN, &t);
}

void tty_restore(void)
{
	if (saved_fd >= 0)
		tcsetattr(saved_fd, TCSADRAIN, &saved);
	saved_fd = -1;
}

void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		ioctl(to, TIOCSWINSZ, &ws);
}
