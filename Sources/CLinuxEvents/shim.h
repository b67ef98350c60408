#ifndef LOGOUT_CLINUXEVENTS_SHIM_H
#define LOGOUT_CLINUXEVENTS_SHIM_H

/* Glibc's Swift module leaves these out: the transport's worker loops and the HTTP client's event loop
   wait on epoll sets and wake each other through eventfds, and name their threads; the HTTP client keeps
   its CA bundle in a memory file. */
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/memfd.h>

/* memfd_create(2) with MFD_CLOEXEC; glibc declares it only under _GNU_SOURCE. */
static inline int logout_memfd_create(const char *name) {
    return (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC);
}

/* pthread_setname_np is declared only under _GNU_SOURCE. Names the calling thread, for ps, top -H and
   debuggers; a name over 15 bytes is refused (ERANGE). */
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline int logout_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

#endif
