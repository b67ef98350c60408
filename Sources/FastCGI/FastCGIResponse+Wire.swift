import HTTPHeaders
import POSIXSupport

extension FastCGIResponse {
    /// The CGI response as one buffer: `Status: <code> <reason>`, each header in order,
    /// `Content-Length`, a blank line and the body. One allocation for the common case.
    ///
    /// A header whose name or value holds CR, LF or NUL is left out (it would split the header
    /// block), and so is any `Content-Length` the application set: the transport writes its own.
    public func wireBytes() -> [UInt8] {
        let bodyLength = body.utf8.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headByteCount + bodyLength)

        bytes.append(contentsOf: "Status: ".utf8)
        ASCII.appendDecimal(status, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: HTTPReasonPhrase.phrase(for: status).utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        for header in headers where Self.isWritable(header) {
            bytes.append(contentsOf: header.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: header.value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "Content-Length: ".utf8)
        ASCII.appendDecimal(bodyLength, to: &bytes)
        bytes.append(contentsOf: "\r\n\r\n".utf8)
        bytes.append(contentsOf: body.utf8)
        return bytes
    }

    /// The bytes ``wireBytes()`` writes before the body, the blank line included.
    public var headByteCount: Int {
        var count = "Status:  \r\n".utf8.count + ASCII.decimalLength(of: status)
        count += HTTPReasonPhrase.phrase(for: status).utf8.count
        for header in headers { count += Self.lineByteCount(header) }
        count += "Content-Length: \r\n\r\n".utf8.count + ASCII.decimalLength(of: body.utf8.count)
        return count
    }

    /// The bytes ``wireBytes()`` writes for `header`: its line, or nothing for a header it leaves out.
    public static func lineByteCount(_ header: HTTPHeader) -> Int {
        isWritable(header) ? header.name.utf8.count + ": \r\n".utf8.count + header.value.utf8.count : 0
    }

    private static func isWritable(_ header: HTTPHeader) -> Bool {
        let name = header.name.utf8
        guard !name.isEmpty, !ASCII.caseInsensitiveEqual(name, "content-length".utf8) else { return false }
        return !name.contains(where: { breaksLine($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") })
            && !header.value.utf8.contains(where: breaksLine)
    }

    private static func breaksLine(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") || byte == 0
    }
}
