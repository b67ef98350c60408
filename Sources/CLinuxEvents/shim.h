#ifndef LOGOUT_CLINUXEVENTS_SHIM_H
#define LOGOUT_CLINUXEVENTS_SHIM_H

/* Glibc's Swift module leaves these two out; the transport's worker loops and the HTTP client's
   event loop wait on epoll sets and wake each other through eventfds. */
#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
