import POSIXSupport
import Testing

@Suite("Durations, decimals and ASCII case")
struct UnitsTests {
    @Test func millisecondsTruncateUnlessRoundedUp() {
        #expect(Duration.milliseconds(1500).milliseconds() == 1500)
        #expect(Duration.microseconds(1500).milliseconds() == 1)
        #expect(Duration.microseconds(1500).milliseconds(roundingUp: true) == 2)
        #expect(Duration.nanoseconds(1).milliseconds() == 0)
        #expect(Duration.nanoseconds(1).milliseconds(roundingUp: true) == 1)
        #expect(Duration.seconds(2).milliseconds(roundingUp: true) == 2000)
    }

    @Test func nanosecondsAndSeconds() {
        #expect(Duration.milliseconds(3).nanoseconds == 3_000_000)
        #expect(Duration.milliseconds(2500).timeInterval == 2.5)
    }

    @Test(arguments: [(0, 1, "0"), (7, 1, "7"), (10, 1, "10"), (404, 1, "404"), (123_456_789, 1, "123456789"),
        (5, 2, "05"), (35, 3, "035"), (2026, 4, "2026"), (12345, 4, "12345"), (-3, 1, "-3")])
    func decimals(value: Int, width: Int, expected: String) {
        var bytes: [UInt8] = []
        ASCII.appendDecimal(value, minimumDigits: width, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        if width == 1 { #expect(ASCII.decimalLength(of: value) == expected.utf8.count) }
    }

    @Test func caseInsensitiveEqualityFoldsOnlyASCIILetters() {
        #expect("Content-Length".isASCIICaseInsensitiveEqual(to: "content-length"))
        #expect("BEARER".isASCIICaseInsensitiveEqual(to: "bearer"))
        #expect(!"bearer ".isASCIICaseInsensitiveEqual(to: "bearer"))
        // '@' | 0x20 is '`': only letters fold.
        #expect(!"@".isASCIICaseInsensitiveEqual(to: "`"))
        #expect(!"É".isASCIICaseInsensitiveEqual(to: "é"))
    }
}
