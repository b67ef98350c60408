/// Walks the FastCGI name-value pairs of a PARAMS stream as it arrives, record by record, and checks
/// that every pair's declared lengths are delivered in full before the stream ends.
///
/// libfcgi allocates `nameLength + valueLength + 2` bytes per pair in 32-bit arithmetic before it
/// reads them; lengths whose sum overflows abort the process. A stream this scanner accepts never
/// declares more bytes than it delivers, and what it delivers is bounded by the request limit.
struct ParamsPairScanner {
    /// Bytes of a four-byte length still to come (0: the next byte starts a length).
    private var lengthBytesWanted = 0
    private var length = 0
    private var expectingValueLength = false
    private var nameLength = 0
    /// Name and value bytes of the current pair still to come.
    private var pairBytesWanted = 0
    private(set) var pairCount = 0

    /// True between pairs: where a PARAMS stream may end.
    var isAtPairBoundary: Bool {
        lengthBytesWanted == 0 && !expectingValueLength && pairBytesWanted == 0
    }

    /// Consumes one record's content. Returns false when a pair declares more than `limit` bytes.
    mutating func consume(_ content: UnsafeRawBufferPointer, limit: Int) -> Bool {
        var index = 0
        while index < content.count {
            if pairBytesWanted > 0 {
                let taken = min(pairBytesWanted, content.count - index)
                pairBytesWanted -= taken
                index += taken
                continue
            }
            let byte = Int(content[index])
            index += 1
            if lengthBytesWanted > 0 {
                length = length << 8 | byte
                lengthBytesWanted -= 1
                if lengthBytesWanted > 0 { continue }
            } else if byte & 0x80 != 0 {
                length = byte & 0x7f
                lengthBytesWanted = 3
                continue
            } else {
                length = byte
            }
            guard finishLength(limit: limit) else { return false }
        }
        return true
    }

    private mutating func finishLength(limit: Int) -> Bool {
        if !expectingValueLength {
            nameLength = length
            expectingValueLength = true
            return true
        }
        expectingValueLength = false
        pairBytesWanted = nameLength + length
        pairCount += 1
        return pairBytesWanted <= limit
    }
}
