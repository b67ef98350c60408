#ifndef LOGOUT_CCURL_SHIM_H
#define LOGOUT_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// One typed wrapper per argument type, each passing exactly the type libcurl reads for that option.

static inline CURLcode logout_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logout_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logout_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logout_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logout_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*logout_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode logout_curl_easy_setopt_callback(CURL *handle, CURLoption option, logout_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_PREREQFUNCTION: the transfer has its connection and is about to send its request; the connection's
// addresses and ports. Return CURL_PREREQFUNC_OK to go on.
typedef int (*logout_curl_prereq_callback)(
    void *clientp, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port, int conn_local_port);

static inline CURLcode logout_curl_easy_setopt_prereq_callback(
    CURL *handle, CURLoption option, logout_curl_prereq_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLMcode logout_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode logout_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

// CURLMOPT_SOCKETFUNCTION: which events libcurl wants on socket `s` (CURL_POLL_*), or CURL_POLL_REMOVE.
typedef int (*logout_curl_socket_callback)(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);

static inline CURLMcode logout_curl_multi_setopt_socket_callback(
    CURLM *multi, CURLMoption option, logout_curl_socket_callback value) {
    return curl_multi_setopt(multi, option, value);
}

// CURLMOPT_TIMERFUNCTION: call curl_multi_socket_action(CURL_SOCKET_TIMEOUT) in `timeout_ms` (-1: no timer).
typedef int (*logout_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);

static inline CURLMcode logout_curl_multi_setopt_timer_callback(
    CURLM *multi, CURLMoption option, logout_curl_timer_callback value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLSHcode logout_curl_share_setopt_long(CURLSH *share, CURLSHoption option, long value) {
    return curl_share_setopt(share, option, value);
}

static inline CURLcode logout_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode logout_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
