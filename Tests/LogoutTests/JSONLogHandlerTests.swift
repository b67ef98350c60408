import Foundation
import Logging
import Synchronization
import Testing

@testable import Logout

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    final class Capture: Sendable {
        let lines = Mutex<[String]>([])
    }

    func logger(_ capture: Capture, level: LogLevelControl = LogLevelControl(.info)) -> Logger {
        Logger(label: "test") { label in
            JSONLogHandler(label: label, level: level) { line in capture.lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) } }
        }
    }

    @Test func oneJSONObjectPerLineWithDottedKeys() throws {
        let capture = Capture()
        logger(capture).info(
            "request", metadata: ["http.status": .stringConvertible(401), "duration_ms": .stringConvertible(1.5),
                                  "timeout_ms": .stringConvertible(Int64(3000)), "slots": .stringConvertible(UInt32(8)),
                                  "logout.code": "missing_token", "note": "quote \" backslash \\ newline \n tab \t bell \u{7}"])
        let line = try #require(capture.lines.withLock { $0 }.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "request")
        #expect(object["level"] as? String == "info")
        #expect(object["http.status"] as? Int == 401)
        #expect(object["duration_ms"] as? Double == 1.5)
        // Any integer type is a JSON number, not a string.
        #expect(object["timeout_ms"] as? Int == 3000)
        #expect(object["slots"] as? Int == 8)
        #expect(object["note"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7}")
        let time = try #require(object["time"] as? String)
        #expect(time.count == 24)
        let parsed = ISO8601DateFormatter()
        parsed.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(parsed.date(from: time))
        #expect(abs(date.timeIntervalSinceNow) < 60)
    }

    @Test func theLevelIsSharedAndChangesAtRunTime() {
        let capture = Capture()
        let level = LogLevelControl(.warning)
        let log = logger(capture, level: level)
        log.info("hidden")
        level.level = .debug
        log.debug("shown")
        #expect(capture.lines.withLock { $0 }.count == 1)
        #expect(capture.lines.withLock { $0 }.first?.contains("\"shown\"") == true)
    }
}
