import HTTPHeaders

/// The room a response's head has, as the transport writes it: `Status: <code> <reason>`, each header
/// line, `Content-Length` and the blank line.
///
/// nginx reads a FastCGI response's whole head into one `fastcgi_buffer_size` buffer (4 KiB by default)
/// and answers a head that does not fit with its own 502 "upstream sent too big header"; the 8-byte
/// FastCGI record header that carries the head sits in the same buffer.
enum ResponseHead {
    static let byteLimit = 4096 - 8

    /// No reason phrase the transport writes is longer than this; the count reserves it whatever the status.
    static let reasonPhraseBound = 32

    /// The head's size in bytes; at most `reasonPhraseBound` more than the transport writes.
    static func byteCount(of response: Response) -> Int {
        var count = "Status: \(response.status) \r\n".utf8.count + reasonPhraseBound
        for header in response.headers { count += lineBytes(header) }
        count += "Content-Length: \(response.body.utf8.count)\r\n\r\n".utf8.count
        return count
    }

    static func lineBytes(_ header: HTTPHeader) -> Int {
        header.name.utf8.count + header.value.utf8.count + 4
    }
}

extension Response {
    /// Appends `extra` in order while the head stays within ``ResponseHead/byteLimit``, and stops at the
    /// first header that would not fit, so what is sent is always a prefix of `extra`.
    mutating func appendWhileHeadFits(_ extra: [HTTPHeader]) {
        var count = ResponseHead.byteCount(of: self)
        for header in extra {
            count += ResponseHead.lineBytes(header)
            guard count <= ResponseHead.byteLimit else { return }
            headers.append(header)
        }
    }
}
