import Foundation
import Logging
import Synchronization
import Testing

@testable import Logout

@Suite("Journal priorities")
struct JournalStreamTests {
    @Test func theVariableMustNameTheDescriptorsOwnFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        try #require(descriptor >= 0)
        defer {
            close(descriptor)
            unlink(path)
        }
        var status = stat()
        try #require(fstat(descriptor, &status) == 0)
        let own = "\(status.st_dev):\(status.st_ino)"
        #expect(JournalStream.isConnected(descriptor, environment: ["JOURNAL_STREAM": own]))
        #expect(!JournalStream.isConnected(descriptor, environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"]))
        #expect(!JournalStream.isConnected(descriptor, environment: [:]))
        for malformed in ["", "\(status.st_dev)", "\(own):1", "x:\(status.st_ino)", ":\(status.st_ino)"] {
            #expect(!JournalStream.isConnected(descriptor, environment: ["JOURNAL_STREAM": malformed]))
        }
    }

    @Test(arguments: [
        (Logger.Level.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"), (.warning, "<4>"),
        (.error, "<3>"), (.critical, "<2>"),
    ])
    func eachLineStartsWithItsSyslogPriority(level: Logger.Level, prefix: String) throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "test") { label in
            JSONLogHandler(label: label, level: LogLevelControl(.trace), journalPriorities: true) { line in
                lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            }
        }
        logger.log(level: level, "event")
        let line = try #require(lines.withLock { $0 }.first)
        #expect(line.hasPrefix(prefix + "{\"time\":"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.dropFirst(prefix.count).utf8)) as? [String: Any])
        #expect(object["level"] as? String == level.rawValue)
    }

    @Test func withoutTheJournalLinesArePlainJSON() throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "test") { label in
            JSONLogHandler(label: label, level: LogLevelControl(.info)) { line in
                lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            }
        }
        logger.error("event")
        #expect(try #require(lines.withLock { $0 }.first).hasPrefix("{\"time\":"))
    }
}
