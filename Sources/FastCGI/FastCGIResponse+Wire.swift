extension FastCGIResponse {
    /// The CGI response as one buffer: `Status: <code> <reason>`, each header in order,
    /// `Content-Length`, a blank line and the body.
    ///
    /// A header whose name or value holds CR, LF or NUL is left out (it would split the header
    /// block), and so is any `Content-Length` the application set: the transport writes its own.
    func wireBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + headers.count * 48 + body.utf8.count)
        bytes.append(contentsOf: "Status: \(status) \(HTTPReasonPhrase.phrase(for: status))\r\n".utf8)
        for header in headers where Self.isWritable(header) {
            bytes.append(contentsOf: header.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: header.value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "Content-Length: \(body.utf8.count)\r\n\r\n".utf8)
        bytes.append(contentsOf: body.utf8)
        return bytes
    }

    private static func isWritable(_ header: Header) -> Bool {
        guard !header.name.isEmpty, header.name.lowercased() != "content-length" else { return false }
        let breaksLine: (UInt8) -> Bool = { $0 == 13 || $0 == 10 || $0 == 0 }
        return !header.name.utf8.contains(where: { breaksLine($0) || $0 == UInt8(ascii: ":") || $0 == 32 })
            && !header.value.utf8.contains(where: breaksLine)
    }
}
