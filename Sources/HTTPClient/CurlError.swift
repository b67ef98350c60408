import CCurl

/// A libcurl failure: an easy (`CURLcode`) or multi (`CURLMcode`) code.
///
/// `description` is short and drawn from a bounded set, so it can serve as a metric label or log value.
struct CurlError: Error, Equatable, CustomStringConvertible {
    private enum Code: Equatable {
        case easy(UInt32)
        case multi(Int32)
        case share(UInt32)
        case outOfMemory
    }

    private let code: Code

    init(_ code: CURLcode) { self.code = .easy(code.rawValue) }
    init(_ code: CURLMcode) { self.code = .multi(code.rawValue) }
    init(_ code: CURLSHcode) { self.code = .share(code.rawValue) }

    /// libcurl returned no handle or list: it could not allocate.
    static let outOfMemory = CurlError(code: .outOfMemory)
    private init(code: Code) { self.code = code }

    /// The easy code, when this is one.
    var easyCode: CURLcode? {
        if case .easy(let raw) = code { return CURLcode(rawValue: raw) }
        return nil
    }

    var description: String {
        switch code {
        case .easy(let raw): "curle_\(raw)"
        case .multi(let raw): "curlm_\(raw)"
        case .share(let raw): "curlshe_\(raw)"
        case .outOfMemory: "curl_out_of_memory"
        }
    }
}
