import CFastCGI

/// One `FCGX_Request` on the heap, from accept to finish, with the validated bytes libfcgi reads
/// it from.
///
/// libfcgi's streams point back at their `FCGX_Request`, so a request must never be copied or
/// moved once accepted: the pointer itself is handed from the worker to a deferred reply.
struct FastCGIExchange: @unchecked Sendable {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let replay: UnsafeMutablePointer<RequestReplay>

    init() {
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, -1, 0)
        replay = .allocate(capacity: 1)
        replay.initialize(to: RequestReplay())
    }

    /// `FCGX_Accept_r` on connection `fd`, whose whole request is `bytes` (validated by
    /// ``RequestFraming``): libfcgi takes the connection and parses the request from memory.
    /// Returns 0, or minus `errno`.
    func accept(connection fd: Int32, request bytes: UnsafeRawBufferPointer) -> Int32 {
        replay.pointee = RequestReplay(bytes)
        ReplayTable.register(replay, for: fd)
        // The connection stands in for the listening socket: OS_Accept hands it back once.
        FCGX_InitRequest(request, fd, 0)
        return FCGX_Accept_r(request)
    }

    /// The params block, valid until ``finish(with:)``.
    var environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        request.pointee.envp
    }

    /// Reads `FCGI_STDIN` to its end and keeps at most `limit` bytes; the rest is read and dropped.
    /// `CONTENT_LENGTH` is not consulted: it may be empty or absent. Afterwards libfcgi holds
    /// no pointer into the request's bytes, whose buffer may then be reused.
    func readBody(limit: Int, scratch: UnsafeMutableRawBufferPointer) -> (body: [UInt8], tooLarge: Bool) {
        defer { replay.pointee.detach() }
        var body: [UInt8] = []
        var tooLarge = false
        let chunk = Int32(clamping: scratch.count)
        let base = scratch.baseAddress!.assumingMemoryBound(to: CChar.self)
        while true {
            let count = Int(FCGX_GetStr(base, chunk, request.pointee.in))
            if count > 0 {
                let kept = min(count, limit - body.count)
                if kept > 0 { body.append(contentsOf: UnsafeRawBufferPointer(start: base, count: kept)) }
                if kept < count { tooLarge = true }
            }
            if count < Int(chunk) { return (body, tooLarge) }
        }
    }

    /// Writes the response in one `FCGX_PutStr`, closes the streams and `FCGX_Finish_r`, which
    /// closes the connection unless the web server asked to keep it and the write worked.
    /// Returns nil when written, else the stream's error (the web server went away).
    func finish(with response: FastCGIResponse) -> Int32? {
        let bytes = response.wireBytes()
        let put = bytes.withUnsafeBytes { raw in
            FCGX_PutStr(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count), request.pointee.out)
        }
        // Closing err then out (the order FCGX_Finish_r uses) sends the data, the end of stdout and
        // FCGI_END_REQUEST together, and tells whether that write worked.
        _ = FCGX_FClose(request.pointee.err)
        let closed = FCGX_FClose(request.pointee.out)
        let error = FCGX_GetError(request.pointee.out)
        FCGX_Finish_r(request)
        return put < 0 || closed < 0 ? (error == 0 ? -1 : error) : nil
    }

    /// True when libfcgi closed the connection (at finish, or on a failed accept). With an
    /// ``takeUnsentReply()`` left, the descriptor is still open, for that reply to be written first.
    var isConnectionClosed: Bool {
        replay.pointee.isClosed
    }

    /// The reply bytes the socket did not take at finish, for the event loop to write; nil when
    /// everything was written.
    func takeUnsentReply() -> UnsentReply? {
        guard !replay.pointee.unsent.isEmpty else { return nil }
        defer { replay.pointee.unsent = [] }
        return UnsentReply(bytes: replay.pointee.unsent, closesAfterwards: replay.pointee.isClosed)
    }

    /// After a finish that kept the connection open: the caller owns the connection again, and
    /// this request no longer refers to it.
    func forgetConnection(_ fd: Int32) {
        ReplayTable.clear(fd)
        replay.pointee = RequestReplay()
        FCGX_InitRequest(request, -1, 0)
    }

    /// For a reply written later with ``FastCGIRecords``: frees libfcgi's streams and params now (about
    /// 17 KiB that would otherwise wait as long as the request does) and returns the request's id. The
    /// connection stays open and is the caller's, to write the reply on and close: nobody will read
    /// another request from it.
    func releaseForLaterReply(on fd: Int32) -> UInt16 {
        let requestID = UInt16(truncatingIfNeeded: request.pointee.requestId)
        ReplayTable.clear(fd)
        FCGX_Free(request, 0)
        request.deallocate()
        replay.deallocate()
        return requestID
    }

    /// Frees the request, closing its connection even when the web server asked to keep it:
    /// nobody will read another request from it. Returns the reply bytes the socket did not take;
    /// the connection is then still open, for them to be written before it is closed.
    @discardableResult
    func release() -> UnsentReply? {
        if !replay.pointee.isClosed { FCGX_Free(request, 1) }
        let unsent = takeUnsentReply()
        request.deallocate()
        replay.deallocate()
        return unsent
    }
}
