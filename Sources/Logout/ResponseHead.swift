import FastCGI
import HTTPHeaders

/// The room a response's head has: nginx reads a FastCGI response's whole head into one
/// `fastcgi_buffer_size` buffer (4 KiB by default) and answers a head that does not fit with its own 502
/// "upstream sent too big header"; the 8-byte FastCGI record header that carries the head sits in the
/// same buffer.
enum ResponseHead {
    static let byteLimit = 4096 - 8
}

extension FastCGIResponse {
    /// Appends `extra` in order while the head the transport writes stays within ``ResponseHead/byteLimit``,
    /// and stops at the first header that would not fit, so what is sent is always a prefix of `extra`.
    mutating func appendWhileHeadFits(_ extra: [HTTPHeader]) {
        var count = headByteCount
        for header in extra {
            count += Self.lineByteCount(header)
            guard count <= ResponseHead.byteLimit else { return }
            headers.append(header)
        }
    }
}
