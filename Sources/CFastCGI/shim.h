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
#include <unistd.h>

/* The wake-up signal's handler does nothing: its only purpose is to make a blocking accept()
   return EINTR in the thread it was sent to. */
static void cfcgi_wake_handler(int signo) { (void)signo; }

/* Installs the no-op handler for `signo` without SA_RESTART, so a blocked accept() returns EINTR
   instead of being restarted by the kernel. Returns sigaction's result. */
static inline int cfcgi_install_wake_handler(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = cfcgi_wake_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(signo, &action, NULL);
}

/* Sets `signo` to be ignored (SIG_IGN is a macro Swift cannot import as a value). */
static inline int cfcgi_ignore_signal(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    return sigaction(signo, &action, NULL);
}

/* Unblocks `signo` in the calling thread (threads inherit their creator's mask). */
static inline int cfcgi_unblock_signal(int signo) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
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
   Returns FCGX_Init's result. */
static inline int cfcgi_init_keeping_signals(void) {
    struct sigaction term, usr1;
    sigaction(SIGTERM, NULL, &term);
    sigaction(SIGUSR1, NULL, &usr1);
    int result = FCGX_Init();
    sigaction(SIGTERM, &term, NULL);
    sigaction(SIGUSR1, &usr1, NULL);
    return result;
}

/* pthread_setname_np is declared only under _GNU_SOURCE. Names the calling thread (at most 15
   bytes are kept), for ps and debuggers. */
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline int cfcgi_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

/* S_ISSOCK is a macro. */
static inline int cfcgi_is_socket_mode(mode_t mode) { return S_ISSOCK(mode); }

#endif
