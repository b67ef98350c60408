#ifndef LOGOUT_CFASTCGI_SHIM_H
#define LOGOUT_CFASTCGI_SHIM_H

#include <fcgiapp.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

/* Sets `signo` to be ignored (SIG_IGN is a macro Swift cannot import as a value). */
static inline int cfcgi_ignore_signal(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    return sigaction(signo, &action, NULL);
}

/* Fills a sockaddr_un for `path`. Returns the address length, or -1 when the path does not fit
   in sun_path with its terminating NUL. */
static inline int cfcgi_fill_sockaddr_un(struct sockaddr_un *address, const char *path) {
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof address->sun_path) return -1;
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, path, length);
    return (int)(offsetof(struct sockaddr_un, sun_path) + length + 1);
}

/* FCGX_Init, keeping SIGTERM and SIGUSR1 as they were: libfcgi would otherwise install handlers
   that only set its shutdown flag, so SIGTERM would no longer reach the service's own handling.
   Returns FCGX_Init's result, or -1 when the handlers could not be read or put back. */
static inline int cfcgi_init_keeping_signals(void) {
    struct sigaction term, usr1;
    if (sigaction(SIGTERM, NULL, &term) != 0 || sigaction(SIGUSR1, NULL, &usr1) != 0) return -1;
    int result = FCGX_Init();
    if (sigaction(SIGTERM, &term, NULL) != 0 || sigaction(SIGUSR1, &usr1, NULL) != 0) return -1;
    return result;
}

/* accept4 is declared only under _GNU_SOURCE. Accepts a connection as non-blocking and
   close-on-exec in one call; returns accept4's result. */
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int cfcgi_accept_nonblocking(int listen_fd) {
    return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* fcntl is variadic. F_GETFL and F_SETFL of a descriptor's status flags. */
static inline int cfcgi_get_status_flags(int fd) { return fcntl(fd, F_GETFL); }
static inline int cfcgi_set_status_flags(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }

/* S_ISSOCK is a macro. */
static inline int cfcgi_is_socket_mode(mode_t mode) { return S_ISSOCK(mode); }

#endif
