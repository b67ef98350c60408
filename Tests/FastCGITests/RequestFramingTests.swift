import Testing

@testable import FastCGI

@Suite("FastCGI request framing")
struct RequestFramingTests {
    typealias Client = FastCGITestClient
    static let begin = Client.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0])
    static let beginKeepingConnection = Client.record(type: 1, content: [0, 1, 1, 0, 0, 0, 0, 0])
    static let endOfParams = Client.record(type: 4, content: [])
    static let endOfStdin = Client.record(type: 5, content: [])

    static func frame(_ bytes: [UInt8], limit: Int = 256 * 1024) -> RequestFraming.Progress {
        var framing = RequestFraming(limit: limit)
        return bytes.withUnsafeBytes { framing.advance(over: $0) }
    }

    static func params(_ pairs: [(String, String)]) -> [UInt8] {
        pairs.flatMap { name, value in
            Client.length(name.utf8.count) + Client.length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
        }
    }

    static let request = Client.requestBytes(
        params: [.init(name: "REQUEST_METHOD", value: "POST"), .init(name: "HTTP_COOKIE", value: String(repeating: "c", count: 300))],
        body: Array("body".utf8), stdinChunk: 3)

    @Test func aWholeRequestIsCompleteAtItsLastByte() {
        #expect(Self.frame(Self.request) == .complete(byteCount: Self.request.count, keepConnection: false))
        #expect(Self.frame(Array(Self.request.dropLast())) == .needMore)
    }

    @Test func byteByByteItIsCompleteOnlyAtTheEnd() {
        var framing = RequestFraming(limit: 1 << 20)
        for end in 1..<Self.request.count {
            let progress = Self.request[0..<end].withUnsafeBytes { framing.advance(over: $0) }
            #expect(progress == .needMore, "after \(end) bytes")
        }
        let last = Self.request.withUnsafeBytes { framing.advance(over: $0) }
        #expect(last == .complete(byteCount: Self.request.count, keepConnection: false))
    }

    @Test func theKeepConnectionFlagIsReported() {
        let bytes = Self.beginKeepingConnection + Self.endOfParams + Self.endOfStdin
        #expect(Self.frame(bytes) == .complete(byteCount: bytes.count, keepConnection: true))
    }

    @Test func bytesAfterTheRequestAreLeftForTheNextOne() {
        #expect(Self.frame(Self.request + Self.begin) == .complete(byteCount: Self.request.count, keepConnection: false))
    }

    /// Name and value lengths whose sum overflows libfcgi's 32-bit arithmetic: each would abort it.
    @Test(arguments: [
        "fffffffe80000000", "bfffffffbfffffff", "00fffffffe", "80000000fffffffe", "ffffffffffffffff",
    ])
    func overflowingPairLengthsAreRefusedBeforeLibfcgiSeesThem(_ hex: String) {
        let lengths = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        let bytes = Self.begin + Client.record(type: 4, content: lengths)
        #expect(Self.frame(bytes) == .invalid(.tooLarge))
    }

    @Test func paramsThatEndInsideAPairAreRefused() {
        let pair = Self.params([("NAME", "value")])
        let bytes = Self.begin + Client.record(type: 4, content: Array(pair.dropLast())) + Self.endOfParams
        #expect(Self.frame(bytes) == .invalid(.truncatedParams))
    }

    @Test func aPairSplitAcrossRecordsIsAccepted() {
        let pair = Self.params([("NAME", String(repeating: "v", count: 200))])
        let bytes = Self.begin + Client.record(type: 4, content: Array(pair[0..<3]))
            + Client.record(type: 4, content: Array(pair[3...])) + Self.endOfParams + Self.endOfStdin
        #expect(Self.frame(bytes) == .complete(byteCount: bytes.count, keepConnection: false))
    }

    @Test func aRequestOverTheLimitIsRefusedAsSoonAsItsHeaderSaysSo() {
        let bytes = Self.begin + Client.record(type: 4, content: Self.params([("N", String(repeating: "v", count: 2000))]))
        #expect(Self.frame(Array(bytes.prefix(40)), limit: 1024) == .invalid(.tooLarge))
    }

    @Test func tenThousandParamsAreOneRequest() {
        let pairs = (0..<10_000).map { ("HTTP_X_\($0)", "v") }
        let bytes = Client.requestBytes(params: pairs.map { .init(name: $0.0, value: $0.1) }, body: [], stdinChunk: 1)
        #expect(Self.frame(bytes) == .complete(byteCount: bytes.count, keepConnection: false))
    }

    @Test(arguments: [
        (Client.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0], version: 2), FramingViolation.unsupportedVersion),
        (Client.record(type: 4, content: []), .expectedBeginRequest),
        (Client.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0], id: 0), .expectedBeginRequest),
        (Client.record(type: 9, content: [], id: 0), .expectedBeginRequest),
        (Client.record(type: 1, content: [0, 1, 0, 0]), .malformedBeginRequest),
        (Client.record(type: 1, content: [0, 2, 0, 0, 0, 0, 0, 0]), .unsupportedRole),
        (begin + Client.record(type: 4, content: [], id: 2), .unexpectedRecord),
        (begin + Client.record(type: 2, content: []), .unexpectedRecord),
        (begin + Client.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0], id: 2), .unexpectedRecord),
        (begin + endOfParams + Client.record(type: 4, content: []), .unexpectedRecord),
        (begin + endOfParams + Client.record(type: 8, content: []), .unexpectedRecord),
    ])
    func recordsOutOfPlaceAreRefused(_ bytes: [UInt8], _ violation: FramingViolation) {
        #expect(Self.frame(bytes) == .invalid(violation))
    }
}
