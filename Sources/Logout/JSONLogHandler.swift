import FoundationEssentials
import Glibc
import Logging
import POSIXSupport
import Synchronization

/// swift-log handler writing one JSON object per line to standard error, as journald and log
/// shippers read it: `time`, `level`, `message`, then the metadata under its dotted keys.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let level: LogLevelControl
    private let journalPriorities: Bool
    private let output: @Sendable ([UInt8]) -> Void

    /// - Parameters:
    ///   - level: shared by every handler, so one change reaches every logger.
    ///   - journalPriorities: start each line with its syslog priority (`<3>` for an error), for
    ///     when standard error is the journal (`JournalStream.isConnected`).
    ///   - output: receives each line, newline included (``LogLineBuffer/append(_:)`` in the service).
    public init(
        label: String, level: LogLevelControl, journalPriorities: Bool = false,
        output: @escaping @Sendable ([UInt8]) -> Void
    ) {
        self.label = label
        self.level = level
        self.journalPriorities = journalPriorities
        self.output = output
    }

    public var logLevel: Logger.Level {
        get { level.level }
        set { level.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    // One line per request runs on the worker threads: the line is built in one byte buffer,
    // without Foundation formatting or per-field strings, and handed to a buffer, not written.
    public func log(event: LogEvent) {
        var line = JSONLine()
        if journalPriorities { line.append(JournalStream.priorityPrefix(event.level)) }
        line.append("{\"time\":\"")
        line.appendTimestamp()
        line.append("\",\"level\":\"")
        line.append(event.level.rawValue)
        line.append("\",\"logger\":")
        line.appendQuoted(label)
        line.append(",\"message\":")
        line.appendQuoted(event.message.description)
        for (key, value) in metadata where event.metadata?[key] == nil {
            line.appendMember(key, value)
        }
        for (key, value) in event.metadata ?? [:] {
            line.appendMember(key, value)
        }
        line.append("}\n")
        output(line.bytes)
    }
}

/// A JSON object being written as UTF-8 bytes.
struct JSONLine {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(512)
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func appendMember(_ key: String, _ value: Logger.Metadata.Value) {
        bytes.append(UInt8(ascii: ","))
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        appendValue(value)
    }

    mutating func appendValue(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text):
            appendQuoted(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: append(String(number))
            case let number as any BinaryInteger: append(String(describing: number))
            case let number as Double where number.isFinite: append(String(number))
            case let flag as Bool: append(flag ? "true" : "false")
            default: appendQuoted(convertible.description)
            }
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendValue(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let values):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendQuoted(key)
                bytes.append(UInt8(ascii: ":"))
                appendValue(values[key]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string: quote, backslash and control bytes escaped; other UTF-8 bytes as they are.
    mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `2026-11-25T18:47:52.035Z`, UTC.
    mutating func appendTimestamp() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        appendDigits(Int(parts.tm_year) + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), 2)
        bytes.append(UInt8(ascii: "."))
        appendDigits(now.tv_nsec / 1_000_000, 3)
        bytes.append(UInt8(ascii: "Z"))
    }

    private mutating func appendDigits(_ value: Int, _ width: Int) {
        ASCII.appendDecimal(value, minimumDigits: width, to: &bytes)
    }
}
