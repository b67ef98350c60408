import FoundationEssentials

/// Certificate authorities trusted for TLS besides the system's: a PEM bundle, checked when it is read.
///
/// libcurl's `CURLOPT_CAINFO` replaces the system bundle instead of adding to it, so the client hands libcurl
/// both at once: the system bundle followed by these (see `HTTPClient.Configuration.additionalTrust`).
public struct TrustedCertificates: Sendable, Equatable {
    /// The PEM text as read.
    public let pem: [UInt8]
    /// How many certificates it holds.
    public let count: Int

    /// Why a bundle is unusable. `description` is one short clause, naming no file contents.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case noCertificate
        case malformedCertificate(index: Int)

        public var description: String {
            switch self {
            case .unreadable(let reason): "cannot be read (\(reason))"
            case .noCertificate: "holds no PEM certificate (-----BEGIN CERTIFICATE----- block)"
            case .malformedCertificate(let index): "certificate \(index) is not a base64-encoded DER certificate"
            }
        }
    }

    /// Checks that `pem` holds at least one `CERTIFICATE` block and that each decodes to one DER `SEQUENCE`;
    /// OpenSSL still judges the certificates themselves when a connection is made.
    public init(pem: [UInt8]) throws(Problem) {
        let text = String(decoding: pem, as: UTF8.self)
        var count = 0
        var rest = text[...]
        while let begin = rest.firstRange(of: Self.begin) {
            guard let end = rest[begin.upperBound...].firstRange(of: Self.end) else {
                throw .malformedCertificate(index: count + 1)
            }
            count += 1
            let body = rest[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
            guard let der = Data(base64Encoded: String(body)), Self.isOneDERSequence(der) else {
                throw .malformedCertificate(index: count)
            }
            rest = rest[end.upperBound...]
        }
        guard count > 0 else { throw .noCertificate }
        self.pem = pem
        self.count = count
    }

    /// Reads and checks the PEM file at `path`.
    public static func load(path: String) throws(Problem) -> TrustedCertificates {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(filePath: path)))
        } catch {
            throw .unreadable(Self.reason(error))
        }
        return try TrustedCertificates(pem: bytes)
    }

    private static let begin = "-----BEGIN CERTIFICATE-----"
    private static let end = "-----END CERTIFICATE-----"

    /// DER: tag 0x30 (SEQUENCE), then a definite length that covers exactly the rest.
    private static func isOneDERSequence(_ der: Data) -> Bool {
        let bytes = [UInt8](der)
        guard bytes.count >= 2, bytes[0] == 0x30 else { return false }
        var length = Int(bytes[1])
        var header = 2
        if length & 0x80 != 0 {
            let octets = length & 0x7F
            guard (1...4).contains(octets), bytes.count >= 2 + octets else { return false }
            length = bytes[2..<(2 + octets)].reduce(0) { $0 << 8 | Int($1) }
            header += octets
        }
        return header + length == bytes.count
    }

    private static func reason(_ error: any Error) -> String {
        let cocoa = error as? CocoaError
        switch cocoa?.code {
        case .fileReadNoSuchFile?: return "no such file"
        case .fileReadNoPermission?: return "permission denied"
        default: return "not a readable file"
        }
    }
}
