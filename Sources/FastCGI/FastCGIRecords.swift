/// The records that end a request, as libfcgi would write them: the reply as `FCGI_STDOUT` records,
/// the empty `FCGI_STDOUT` that ends the stream, and `FCGI_END_REQUEST` (application status 0,
/// `FCGI_REQUEST_COMPLETE`). For replies written after libfcgi's request has been freed.
enum FastCGIRecords {
    private static let version: UInt8 = 1
    private static let stdout: UInt8 = 6
    private static let endRequest: UInt8 = 3
    private static let maxContent = 65_535

    static func reply(requestID: UInt16, stdout content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(content.count + 8 * (content.count / maxContent + 3) + 8)
        var offset = 0
        while offset < content.count {
            let count = min(maxContent, content.count - offset)
            appendHeader(type: stdout, requestID: requestID, contentLength: count, to: &bytes)
            bytes.append(contentsOf: content[offset..<offset + count])
            offset += count
        }
        appendHeader(type: stdout, requestID: requestID, contentLength: 0, to: &bytes)
        appendHeader(type: endRequest, requestID: requestID, contentLength: 8, to: &bytes)
        bytes.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        return bytes
    }

    private static func appendHeader(type: UInt8, requestID: UInt16, contentLength: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [
            version, type, UInt8(requestID >> 8), UInt8(requestID & 0xFF),
            UInt8(contentLength >> 8), UInt8(contentLength & 0xFF), 0, 0,
        ])
    }
}
