import CCurl
import FoundationEssentials

/// The certificate authorities handed to libcurl as `CURLOPT_CAINFO_BLOB`: the system bundle (libcurl's built-in
/// `CURLOPT_CAINFO` default) followed by the additional ones, in memory built once.
///
/// libcurl reads the blob without copying it, for as long as a handle uses it: the bytes live as long as this
/// object, which the event loop keeps until every easy handle is cleaned up.
final class CABundle: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    /// Where the system bundle was read from; nil when libcurl names none or it could not be read (the CA
    /// directory libcurl was built with still applies then).
    let systemBundlePath: String?

    init(adding trust: TrustedCertificates) throws(CurlError) {
        var combined: [UInt8] = []
        let path = try Self.systemBundlePath()
        if let path, let system = try? Data(contentsOf: URL(filePath: path)) {
            combined.append(contentsOf: system)
            combined.append(UInt8(ascii: "\n"))
            systemBundlePath = path
        } else {
            systemBundlePath = nil
        }
        combined.append(contentsOf: trust.pem)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: combined.count, alignment: 1)
        combined.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(buffer)
    }

    deinit {
        bytes.deallocate()
    }

    /// `CURLINFO_CAINFO` of a fresh handle: the bundle libcurl would use by default.
    private static func systemBundlePath() throws(CurlError) -> String? {
        let easy = try Curl.easyInit()
        defer { Curl.easyCleanup(easy) }
        return try Curl.info(easy, string: CURLINFO_CAINFO)
    }
}
