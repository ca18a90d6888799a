/*
 * tsnet — the command users run. If a tsnet daemon serves the state root this command names
 * (--root, $TSNET_ROOT or /var/lib/tsnet), the command is forwarded over its unix socket and
 * this process only relays stdio and returns the daemon's exit status: a few milliseconds
 * instead of a Node start. Otherwise — no daemon, TSNET_NO_DAEMON=1, or the daemon declines
 * before any output — the Node CLI is exec'd as if it had been run directly. Invoked as
 * tsnet-cni (a symlink), or with CNI_COMMAND set and no arguments, it does the same for the
 * CNI plugin. --debug or TSNET_DEBUG=1 says on stderr which path ran.
 *
 * The protocol is src/daemon/protocol.ts: frames of type (1 byte), length (4, big-endian),
 * payload. Only system headers; built by native/Makefile with -Wall -Wextra -Werror.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef TSNET_BIN_DIR
#define TSNET_BIN_DIR "/usr/local/lib/tsnet/bin"
#endif

#define PROTOCOL "tsnet-daemon/1"
#define DEFAULT_ROOT "/var/lib/tsnet"
#define RUN_DIR "/run/tsnet"
#define MAX_FRAME (1u << 20)
#define STDIN_CHUNK 65536

/* Environment the daemon's command sees (the same list as src/daemon/client-env.ts). */
static const char *const FORWARDED_PREFIXES[] = {"TSNET_", "CNI_", NULL};
static const char *const FORWARDED_NAMES[] = {
    "HOME", "TERM", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", NULL};

/* Commands that always run in a process of their own (never forwarded). */
static const char *const OWN_PROCESS[] = {"daemon", "dhcp-keeper", NULL};

extern char **environ;

static const char *prog = "tsnet";
static int debug_on;
static volatile sig_atomic_t pending_signal;
static volatile sig_atomic_t signals_seen;

static void debug(const char *fmt, ...) {
    if (!debug_on) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: debug: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* direct — runs the command in Node, in this process: the path without a daemon. */
static void __attribute__((noreturn)) direct(char **argv, const char *why) {
    debug("direct path: %s", why);
    char self[PATH_MAX], launcher[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *dir = TSNET_BIN_DIR;
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) { *slash = '\0'; dir = self; }
    }
    snprintf(launcher, sizeof launcher, "%s/%s.js", dir, prog);
    if (access(launcher, R_OK) != 0) snprintf(launcher, sizeof launcher, "%s/%s.js", TSNET_BIN_DIR, prog);
    int argc = 0, env_file = 0;
    for (; argv[argc]; argc++)
        if (strcmp(argv[argc], "--env-file") == 0 || strncmp(argv[argc], "--env-file=", 11) == 0) env_file = 1;
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args) { perror(prog); exit(1); }
    int j = 0;
    args[j++] = "node";
    args[j++] = launcher;
    /* Node 20 takes an `--env-file` even after the script name (nodejs/node#54232): it fails on
       a missing file and applies a NODE_OPTIONS line from it to itself. `tsnet run --env-file F`
       is the container's environment, so a "--" (where Node stops looking) goes first;
       bin/tsnet.js drops it. */
    if (env_file) args[j++] = "--";
    for (int i = 1; i < argc; i++) args[j++] = argv[i];
    execvp("node", args);
    fprintf(stderr, "%s: error: cannot run node (%s) for %s; is Node.js 20 installed and on PATH?\n", prog, strerror(errno), launcher);
    exit(127);
}

/* Buffer — a growable byte buffer for the hello. */
struct buf { char *p; size_t len, cap; };

static void put(struct buf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) { perror(prog); exit(1); }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_field(struct buf *b, const char *s) { put(b, s, strlen(s) + 1); }

static void put_fieldf(struct buf *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    put_field(b, tmp);
}

static int forwarded(const char *entry) {
    const char *eq = strchr(entry, '=');
    if (!eq) return 0;
    size_t len = (size_t)(eq - entry);
    for (int i = 0; FORWARDED_PREFIXES[i]; i++)
        if (strncmp(entry, FORWARDED_PREFIXES[i], strlen(FORWARDED_PREFIXES[i])) == 0) return 1;
    for (int i = 0; FORWARDED_NAMES[i]; i++)
        if (strlen(FORWARDED_NAMES[i]) == len && strncmp(entry, FORWARDED_NAMES[i], len) == 0) return 1;
    return 0;
}

/* fnv1a64 — the state root's tag (src/daemon/paths.ts). */
static uint64_t fnv1a64(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 0x100000001b3ULL; }
    return h;
}

/* socket_path — where the daemon of the root this command names listens. 0: none possible. */
static int socket_path(int argc, char **argv, char *out, size_t size) {
    const char *given = getenv("TSNET_DAEMON_SOCKET");
    if (given && *given) { snprintf(out, size, "%s", given); return 1; }
    const char *root = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) root = argv[++i];
        else if (strncmp(argv[i], "--root=", 7) == 0) root = argv[i] + 7;
    }
    if (!root) root = getenv("TSNET_ROOT");
    if (!root || !*root) root = DEFAULT_ROOT;
    char real[PATH_MAX];
    if (!realpath(root, real)) return 0; /* no such root yet: no daemon serves it */
    if (strcmp(real, DEFAULT_ROOT) == 0) snprintf(out, size, RUN_DIR "/default.sock");
    else snprintf(out, size, RUN_DIR "/%016llx.sock", (unsigned long long)fnv1a64(real));
    return 1;
}

static int write_all(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_frame(int fd, char type, const void *data, size_t n) {
    unsigned char head[5] = {(unsigned char)type, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
    if (write_all(fd, head, 5) < 0) return -1;
    return n ? write_all(fd, data, n) : 0;
}

/* read_full — n bytes, or 0 at EOF before any, or -1. Signals are noted and reading goes on. */
static ssize_t read_full(int fd, void *data, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)data + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static void on_signal(int sig) {
    pending_signal = sig;
    signals_seen++;
}

static const char *signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

static void build_hello(struct buf *b, int argc, char **argv) {
    char cwd[PATH_MAX];
    struct stat ns;
    struct winsize ws = {0};
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
    if (stat("/proc/self/ns/net", &ns) != 0) memset(&ns, 0, sizeof ns);
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0) memset(&ws, 0, sizeof ws);
    put_field(b, PROTOCOL);
    put_field(b, prog);
    put_field(b, cwd);
    put_fieldf(b, "%llu:%llu", (unsigned long long)ns.st_dev, (unsigned long long)ns.st_ino);
    put_fieldf(b, "%d%d%d", isatty(STDIN_FILENO), isatty(STDOUT_FILENO), isatty(STDERR_FILENO));
    put_fieldf(b, "%u %u", (unsigned)ws.ws_col, (unsigned)ws.ws_row);
    put_fieldf(b, "%d", argc - 1);
    for (int i = 1; i < argc; i++) put_field(b, argv[i]);
    for (char **e = environ; *e; e++)
        if (forwarded(*e)) put_field(b, *e);
}

/* relay — stdio to and from the daemon until its exit frame; returns the exit status. */
static int relay(int fd, char **argv, pid_t daemon_pid) {
    static char payload[MAX_FRAME];
    int said_anything = 0, want_stdin = 0, stdout_closed = 0;
    for (;;) {
        if (pending_signal) {
            int sig = pending_signal;
            pending_signal = 0;
            /* A second signal ends the client at once; the command runs on in the daemon. */
            if (signals_seen > 1) exit(128 + sig);
            const char *name = signal_name(sig);
            send_frame(fd, 'S', name, strlen(name));
        }
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
        if (poll(p, want_stdin ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (want_stdin && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            static char in[STDIN_CHUNK];
            ssize_t r = read(STDIN_FILENO, in, sizeof in);
            if (r < 0 && errno == EINTR) continue;
            send_frame(fd, 'I', in, r > 0 ? (size_t)r : 0);
            want_stdin = 0;
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        unsigned char head[5];
        ssize_t r = read_full(fd, head, 5);
        if (r <= 0) break;
        uint32_t len = ((uint32_t)head[1] << 24) | ((uint32_t)head[2] << 16) | ((uint32_t)head[3] << 8) | head[4];
        if (len > MAX_FRAME || (len > 0 && read_full(fd, payload, len) != (ssize_t)len)) break;
        switch (head[0]) {
        case 'O':
            said_anything = 1;
            /* A reader that went away (| head -1) ends our output, not the command: as in the Node CLI. */
            if (!stdout_closed && write_all(STDOUT_FILENO, payload, len) < 0 && errno == EPIPE) stdout_closed = 1;
            break;
        case 'E':
            said_anything = 1;
            write_all(STDERR_FILENO, payload, len);
            break;
        case 'W':
            want_stdin = 1;
            break;
        case 'X':
            debug("daemon path: exit status %d", len ? payload[0] : 1);
            return len ? (unsigned char)payload[0] : 1;
        case 'F':
            if (said_anything) goto lost;
            close(fd);
            payload[len < MAX_FRAME ? len : MAX_FRAME - 1] = '\0';
            direct(argv, payload);
        default:
            goto lost;
        }
    }
lost:
    fprintf(stderr, "%s: error: the tsnet daemon (pid %d) stopped before this command finished; the next tsnet command or tsnet gc finishes or undoes what it left\n",
            prog, (int)daemon_pid);
    return 1;
}

int main(int argc, char **argv) {
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    /* The CNI plugin: by name, or called the way runtimes call plugins (env, no arguments),
     * so a `tsnet` link in a CNI bin dir works whichever file it points to. */
    const char *cni_command = getenv("CNI_COMMAND");
    if (strcmp(base, "tsnet-cni") == 0 || (argc == 1 && cni_command && *cni_command)) prog = "tsnet-cni";
    const char *debug_env = getenv("TSNET_DEBUG");
    if (debug_env && strcmp(debug_env, "1") == 0) debug_on = 1;
    int first = 0;
    for (int i = 1; i < argc && strcmp(prog, "tsnet") == 0; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--debug") == 0) debug_on = 1;
        else if (!first && argv[i][0] != '-') first = i;
    }
    const char *no_daemon = getenv("TSNET_NO_DAEMON");
    if (no_daemon && strcmp(no_daemon, "1") == 0) direct(argv, "TSNET_NO_DAEMON=1");
    if (first && strcmp(prog, "tsnet") == 0)
        for (int i = 0; OWN_PROCESS[i]; i++)
            if (strcmp(argv[first], OWN_PROCESS[i]) == 0) direct(argv, "this command runs in a process of its own");

    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (!socket_path(argc, argv, path, sizeof path)) direct(argv, "the state root does not exist yet");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        char why[sizeof path + 64];
        snprintf(why, sizeof why, "no daemon answers on %s", path);
        if (fd >= 0) close(fd);
        direct(argv, why);
    }
    struct ucred cred = {0};
    socklen_t cred_len = sizeof cred;
    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len);
    debug("daemon path: %s (daemon pid %d)", path, (int)cred.pid);

    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll wakes up */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    struct buf hello = {0};
    build_hello(&hello, argc, argv);
    if (hello.len > MAX_FRAME || send_frame(fd, 'H', hello.p, hello.len) < 0) {
        close(fd);
        direct(argv, "the daemon did not take the request");
    }
    free(hello.p);
    return relay(fd, argv, cred.pid);
}
