/// Decides, from the bytes a connection has sent so far, whether they hold one whole FastCGI
/// responder request that libfcgi can parse without reading from the socket again: a
/// BEGIN_REQUEST for the responder role, PARAMS records up to their empty record, STDIN records up
/// to theirs, all with the same request id and within a byte limit. Anything else (management
/// records, other roles, multiplexed ids, ABORT_REQUEST) is a violation: the web server this
/// transport serves never sends it.
///
/// Incremental: each call continues where the previous one stopped, so a request that trickles in
/// costs time linear in its size.
struct RequestFraming {
    enum Progress: Equatable {
        case needMore
        /// The request ends after `byteCount` bytes; `keepConnection` is the web server's
        /// FCGI_KEEP_CONN flag.
        case complete(byteCount: Int, keepConnection: Bool)
        case invalid(FramingViolation)
    }

    private enum Phase {
        case begin, params, stdin
        /// STDIN's empty record was read: the request ends with that record's padding.
        case ended
    }

    private enum Step {
        case needMore, recordDone
        case violation(FramingViolation)
    }

    static let headerLength = 8
    private static let versionOne: UInt8 = 1
    private static let beginRequestType: UInt8 = 1
    private static let paramsType: UInt8 = 4
    private static let stdinType: UInt8 = 5
    private static let responderRole = 1
    private static let beginBodyLength = 8

    /// The most bytes a request may take on the wire, headers and padding included.
    let limit: Int
    private var phase = Phase.begin
    /// Bytes of this request consumed so far.
    private var offset = 0
    private var requestID = 0
    private var keepConnection = false
    private var contentWanted = 0
    private var paddingWanted = 0
    private var scanner = ParamsPairScanner()

    init(limit: Int) {
        self.limit = limit
    }

    /// Reads on from where the last call stopped; `bytes` is everything received for this
    /// request, from its first byte.
    mutating func advance(over bytes: UnsafeRawBufferPointer) -> Progress {
        while true {
            if contentWanted > 0 || paddingWanted > 0 {
                switch consumeRecordBody(bytes) {
                case .needMore: return .needMore
                case .violation(let violation): return .invalid(violation)
                case .recordDone: break
                }
            } else if case .ended = phase {
                return .complete(byteCount: offset, keepConnection: keepConnection)
            } else {
                guard offset + Self.headerLength <= bytes.count else {
                    return bytes.count > limit ? .invalid(.tooLarge) : .needMore
                }
                let header = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Self.headerLength])
                offset += Self.headerLength
                if let violation = startRecord(header) { return .invalid(violation) }
            }
        }
    }

    /// Checks a record header against the phase and sets up what follows it.
    private mutating func startRecord(_ header: UnsafeRawBufferPointer) -> FramingViolation? {
        guard header[0] == Self.versionOne else { return .unsupportedVersion }
        let type = header[1]
        let id = Int(header[2]) << 8 | Int(header[3])
        contentWanted = Int(header[4]) << 8 | Int(header[5])
        paddingWanted = Int(header[6])
        if offset + contentWanted + paddingWanted > limit { return .tooLarge }
        switch phase {
        case .begin:
            guard type == Self.beginRequestType, id != 0 else { return .expectedBeginRequest }
            guard contentWanted == Self.beginBodyLength else { return .malformedBeginRequest }
            requestID = id
        case .params:
            guard type == Self.paramsType, id == requestID else { return .unexpectedRecord }
            if contentWanted == 0 {
                guard scanner.isAtPairBoundary else { return .truncatedParams }
                phase = .stdin
            }
        case .stdin:
            guard type == Self.stdinType, id == requestID else { return .unexpectedRecord }
            if contentWanted == 0 { phase = .ended }
        case .ended:
            preconditionFailure("no record follows the end of STDIN")
        }
        return nil
    }

    /// Consumes the current record's content and padding as far as `bytes` reaches.
    private mutating func consumeRecordBody(_ bytes: UnsafeRawBufferPointer) -> Step {
        if contentWanted > 0 {
            if case .begin = phase {
                // The BEGIN_REQUEST body is read whole: role (2 bytes), flags, 5 reserved.
                guard bytes.count - offset >= contentWanted else { return .needMore }
                guard Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) == Self.responderRole else {
                    return .violation(.unsupportedRole)
                }
                keepConnection = bytes[offset + 2] & 1 != 0
                phase = .params
                offset += contentWanted
                contentWanted = 0
            } else {
                let available = min(contentWanted, bytes.count - offset)
                if case .params = phase {
                    let content = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + available])
                    guard scanner.consume(content, limit: limit) else { return .violation(.tooLarge) }
                }
                offset += available
                contentWanted -= available
                if contentWanted > 0 { return .needMore }
            }
        }
        let padding = min(paddingWanted, bytes.count - offset)
        offset += padding
        paddingWanted -= padding
        return paddingWanted > 0 ? .needMore : .recordDone
    }
}

/// Why the bytes on a connection are not a request the transport serves; the connection is closed.
enum FramingViolation: Equatable, CustomStringConvertible {
    case unsupportedVersion
    case expectedBeginRequest
    case malformedBeginRequest
    case unsupportedRole
    case unexpectedRecord
    case truncatedParams
    case tooLarge

    /// A short, fixed label fit for a log field or a metric.
    var description: String {
        switch self {
        case .unsupportedVersion: return "unsupported_version"
        case .expectedBeginRequest: return "expected_begin_request"
        case .malformedBeginRequest: return "malformed_begin_request"
        case .unsupportedRole: return "unsupported_role"
        case .unexpectedRecord: return "unexpected_record"
        case .truncatedParams: return "truncated_params"
        case .tooLarge: return "too_large"
        }
    }
}
