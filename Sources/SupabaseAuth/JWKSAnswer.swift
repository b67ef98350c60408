/// One successful answer of a JWKS endpoint: the document and how long it may be used.
public struct JWKSAnswer: Sendable, Equatable {
    /// The JWKS JSON document.
    public var document: [UInt8]
    /// The `max-age` of the answer's `Cache-Control`, nil when it gave none.
    public var maxAge: Duration?

    public init(document: [UInt8], maxAge: Duration?) {
        self.document = document
        self.maxAge = maxAge
    }
}
