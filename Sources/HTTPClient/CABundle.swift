import CCurl
import FoundationEssentials
import POSIXSupport

/// The certificate authorities trusted when more are added: the system bundle (libcurl's built-in
/// `CURLOPT_CAINFO` default) followed by the added ones, in a memory file each handle names as `CURLOPT_CAINFO`.
///
/// A file name, not `CURLOPT_CAINFO_BLOB`: libcurl 7.88 copies a handle's TLS settings into a new connection
/// candidate for every transfer and compares them with each pooled connection's, so a system-sized blob
/// (about 200 KiB) cost a copy and several whole comparisons per request. A name is a short string to copy
/// and compare, and the file is read only when a new connection is set up.
final class CABundle: Sendable {
    private let file: MemoryFile
    /// What `CURLOPT_CAINFO` is set to.
    let path: String
    /// Where the system bundle was read from; nil when libcurl names none or it could not be read (the CA
    /// directory libcurl was built with still applies then).
    let systemBundlePath: String?

    /// Throws a ``CurlError`` when libcurl cannot be asked for its bundle, a ``SystemCallError`` when the
    /// memory file cannot be made.
    init(adding trust: TrustedCertificates) throws {
        var combined: [UInt8] = []
        let systemPath = try Self.systemBundlePath()
        if let systemPath, let system = try? Data(contentsOf: URL(filePath: systemPath)) {
            combined.append(contentsOf: system)
            combined.append(UInt8(ascii: "\n"))
            systemBundlePath = systemPath
        } else {
            systemBundlePath = nil
        }
        combined.append(contentsOf: trust.pem)
        file = try MemoryFile(name: "supabase-ca-bundle", contents: combined)
        path = file.path
    }

    /// `CURLINFO_CAINFO` of a fresh handle: the bundle libcurl would use by default.
    private static func systemBundlePath() throws(CurlError) -> String? {
        let easy = try Curl.easyInit()
        defer { Curl.easyCleanup(easy) }
        return try Curl.info(easy, string: CURLINFO_CAINFO)
    }
}
