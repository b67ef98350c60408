import CCurl

/// One thin Swift function per libcurl call. Each names the C function it wraps and turns a failing code into
/// `CurlError`; nothing here keeps state.
enum Curl {
    typealias Easy = UnsafeMutableRawPointer
    typealias Multi = UnsafeMutableRawPointer
    typealias Share = UnsafeMutableRawPointer
    typealias HeaderList = UnsafeMutablePointer<curl_slist>
    typealias DataCallback = logout_curl_data_callback
    typealias SocketCallback = logout_curl_socket_callback
    typealias TimerCallback = logout_curl_timer_callback
    typealias PrereqCallback = logout_curl_prereq_callback

    /// `curl_global_init(CURL_GLOBAL_ALL)`, run once per process before the first handle.
    static let globalInitError: CurlError? = {
        let code = curl_global_init(Int(CURL_GLOBAL_ALL))
        return code == CURLE_OK ? nil : CurlError(code)
    }()

    // MARK: easy

    /// `curl_easy_init`.
    static func easyInit() throws(CurlError) -> Easy {
        if let error = globalInitError { throw error }
        guard let easy = curl_easy_init() else { throw .outOfMemory }
        return easy
    }

    /// `curl_easy_cleanup`.
    static func easyCleanup(_ easy: Easy) {
        curl_easy_cleanup(easy)
    }

    /// `curl_easy_setopt` with a `long`.
    static func setOption(_ easy: Easy, _ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(logout_curl_easy_setopt_long(easy, option, value))
    }

    /// `curl_easy_setopt` with a `curl_off_t`.
    static func setOption(_ easy: Easy, _ option: CURLoption, offset value: Int64) throws(CurlError) {
        try check(logout_curl_easy_setopt_off_t(easy, option, curl_off_t(value)))
    }

    /// `curl_easy_setopt` with a C string; libcurl copies it.
    static func setOption(_ easy: Easy, _ option: CURLoption, _ value: String) throws(CurlError) {
        try check(logout_curl_easy_setopt_string(easy, option, value))
    }

    /// `curl_easy_setopt` with bytes libcurl copies (`CURLOPT_COPYPOSTFIELDS`); set the size first.
    static func setOption(_ easy: Easy, _ option: CURLoption, copying bytes: [UInt8]) throws(CurlError) {
        // libcurl needs a non-null pointer even for zero bytes; an empty C string is one.
        let code =
            bytes.isEmpty
            ? logout_curl_easy_setopt_string(easy, option, "")
            : bytes.withUnsafeBytes { logout_curl_easy_setopt_pointer(easy, option, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
        try check(code)
    }

    /// `curl_easy_setopt` with an opaque pointer (user data for callbacks).
    static func setOption(_ easy: Easy, _ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(logout_curl_easy_setopt_pointer(easy, option, value))
    }

    /// `curl_easy_setopt` with a header list, which must outlive the transfer.
    static func setOption(_ easy: Easy, _ option: CURLoption, list value: HeaderList?) throws(CurlError) {
        try check(logout_curl_easy_setopt_slist(easy, option, value))
    }

    /// `curl_easy_setopt` with a write or header callback.
    static func setOption(_ easy: Easy, _ option: CURLoption, callback value: DataCallback) throws(CurlError) {
        try check(logout_curl_easy_setopt_callback(easy, option, value))
    }

    /// `curl_easy_setopt(CURLOPT_PREREQFUNCTION)`.
    static func setOption(_ easy: Easy, _ option: CURLoption, prereqCallback value: PrereqCallback) throws(CurlError) {
        try check(logout_curl_easy_setopt_prereq_callback(easy, option, value))
    }

    /// `curl_easy_setopt(CURLOPT_SHARE)`.
    static func setOption(_ easy: Easy, _ option: CURLoption, share value: Share) throws(CurlError) {
        try check(logout_curl_easy_setopt_pointer(easy, option, value))
    }

    /// `curl_easy_getinfo` with a `long`.
    static func info(_ easy: Easy, _ info: CURLINFO) throws(CurlError) -> Int {
        var value = 0
        try check(logout_curl_easy_getinfo_long(easy, info, &value))
        return value
    }

    /// `curl_easy_getinfo` with a C string, copied; nil when libcurl has none.
    static func info(_ easy: Easy, string info: CURLINFO) throws(CurlError) -> String? {
        var value: UnsafeMutableRawPointer?
        try check(logout_curl_easy_getinfo_pointer(easy, info, &value))
        return value.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
    }

    /// `curl_easy_getinfo(CURLINFO_RESPONSE_CODE)`.
    static func responseCode(_ easy: Easy) throws(CurlError) -> Int {
        try info(easy, CURLINFO_RESPONSE_CODE)
    }

    // MARK: share

    /// `curl_share_init`.
    static func shareInit() throws(CurlError) -> Share {
        if let error = globalInitError { throw error }
        guard let share = curl_share_init() else { throw .outOfMemory }
        return share
    }

    /// `curl_share_cleanup`, once no easy handle uses the share any more.
    static func shareCleanup(_ share: Share) {
        _ = curl_share_cleanup(share)
    }

    /// `curl_share_setopt(CURLSHOPT_SHARE)`: the share holds this kind of data for every easy handle using it.
    static func share(_ share: Share, _ data: curl_lock_data) throws(CurlError) {
        let code = logout_curl_share_setopt_long(share, CURLSHOPT_SHARE, Int(data.rawValue))
        if code != CURLSHE_OK { throw CurlError(code) }
    }

    // MARK: header lists

    /// `curl_slist_append`: the new head of the list.
    static func listAppend(_ list: HeaderList?, _ line: String) throws(CurlError) -> HeaderList {
        guard let head = curl_slist_append(list, line) else { throw .outOfMemory }
        return head
    }

    /// `curl_slist_free_all`.
    static func listFreeAll(_ list: HeaderList?) {
        curl_slist_free_all(list)
    }

    // MARK: multi

    /// `curl_multi_init`.
    static func multiInit() throws(CurlError) -> Multi {
        if let error = globalInitError { throw error }
        guard let multi = curl_multi_init() else { throw .outOfMemory }
        return multi
    }

    /// `curl_multi_cleanup`.
    static func multiCleanup(_ multi: Multi) {
        _ = curl_multi_cleanup(multi)
    }

    /// `curl_multi_setopt` with a `long`.
    static func setOption(_ multi: Multi, _ option: CURLMoption, _ value: Int) throws(CurlError) {
        try check(logout_curl_multi_setopt_long(multi, option, value))
    }

    /// `curl_multi_setopt` with an opaque pointer (user data for callbacks).
    static func setOption(_ multi: Multi, _ option: CURLMoption, pointer value: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(logout_curl_multi_setopt_pointer(multi, option, value))
    }

    /// `curl_multi_setopt(CURLMOPT_SOCKETFUNCTION)`.
    static func setOption(_ multi: Multi, _ option: CURLMoption, socketCallback value: SocketCallback) throws(CurlError) {
        try check(logout_curl_multi_setopt_socket_callback(multi, option, value))
    }

    /// `curl_multi_setopt(CURLMOPT_TIMERFUNCTION)`.
    static func setOption(_ multi: Multi, _ option: CURLMoption, timerCallback value: TimerCallback) throws(CurlError) {
        try check(logout_curl_multi_setopt_timer_callback(multi, option, value))
    }

    /// `curl_multi_add_handle`.
    static func multiAdd(_ multi: Multi, _ easy: Easy) throws(CurlError) {
        try check(curl_multi_add_handle(multi, easy))
    }

    /// `curl_multi_remove_handle`.
    static func multiRemove(_ multi: Multi, _ easy: Easy) throws(CurlError) {
        try check(curl_multi_remove_handle(multi, easy))
    }

    /// `curl_multi_socket_action`: lets libcurl act on `socket` (`CURL_CSELECT_*` bits in `events`), or on its
    /// expired timers when `socket` is `CURL_SOCKET_TIMEOUT`.
    static func multiSocketAction(_ multi: Multi, _ socket: curl_socket_t, _ events: Int32) throws(CurlError) {
        var running: Int32 = 0
        try check(curl_multi_socket_action(multi, socket, events, &running))
    }

    /// `curl_multi_info_read`, keeping only finished transfers: the easy handle and its result.
    static func multiNextDone(_ multi: Multi) -> (easy: Easy, result: CURLcode)? {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                return (easy, message.pointee.data.result)
            }
        }
        return nil
    }

    // MARK: codes

    private static func check(_ code: CURLcode) throws(CurlError) {
        if code != CURLE_OK { throw CurlError(code) }
    }

    private static func check(_ code: CURLMcode) throws(CurlError) {
        if code != CURLM_OK { throw CurlError(code) }
    }
}
