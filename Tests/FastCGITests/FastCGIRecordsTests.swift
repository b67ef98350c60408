import Testing

@testable import FastCGI

@Suite("FastCGI records of a later reply")
struct FastCGIRecordsTests {
    @Test func aReplyIsItsStdoutThenTheEmptyStdoutThenEndRequestComplete() {
        let bytes = FastCGIRecords.reply(requestID: 0x0102, stdout: Array("Status: 200 OK\r\n\r\n{}".utf8))
        #expect(Array(bytes[0..<8]) == [1, 6, 1, 2, 0, 20, 0, 0])
        #expect(Array(bytes[8..<28]) == Array("Status: 200 OK\r\n\r\n{}".utf8))
        #expect(Array(bytes[28..<36]) == [1, 6, 1, 2, 0, 0, 0, 0])
        #expect(Array(bytes[36...]) == [1, 3, 1, 2, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func stdoutLongerThanOneRecordIsSplitAt65535Bytes() {
        let bytes = FastCGIRecords.reply(requestID: 1, stdout: [UInt8](repeating: 0x41, count: 70_000))
        #expect(Array(bytes[0..<8]) == [1, 6, 0, 1, 0xFF, 0xFF, 0, 0])
        let second = 8 + 65_535
        #expect(Array(bytes[second..<second + 8]) == [1, 6, 0, 1, 0x11, 0x71, 0, 0])
        #expect(bytes.count == 8 + 65_535 + 8 + 4_465 + 8 + 16)
    }
}
