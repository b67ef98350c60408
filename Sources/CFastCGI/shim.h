#ifndef LOGOUT_CFASTCGI_SHIM_H
#define LOGOUT_CFASTCGI_SHIM_H

#include <fcgiapp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <errno.h>

#endif
