/// A JWS in compact serialization, split and decoded without Foundation: the header and payload
/// JSON, the signature, and the signing input the signature covers.
struct CompactJWS {
    let header: [UInt8]
    let payload: [UInt8]
    let signature: [UInt8]
    /// `base64url(header) "." base64url(payload)`: the bytes the signature signs.
    let signingInput: ArraySlice<UInt8>

    /// Nil unless `token` is exactly three base64url parts separated by periods.
    init?(_ token: [UInt8]) {
        guard let parts = Self.parts(of: token),
            let header = Base64URL.decode(token[parts.header]),
            let payload = Base64URL.decode(token[parts.payload]),
            let signature = Base64URL.decode(token[parts.signature]),
            !header.isEmpty, !payload.isEmpty, !signature.isEmpty
        else { return nil }
        self.header = header
        self.payload = payload
        self.signature = signature
        signingInput = token[parts.header.lowerBound..<parts.payload.upperBound]
    }

    /// Where the header, payload and signature lie in `token`; nil unless it holds exactly two periods.
    static func parts<Token: Collection<UInt8>>(
        of token: Token
    ) -> (header: Range<Token.Index>, payload: Range<Token.Index>, signature: Range<Token.Index>)? {
        guard let first = token.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let payloadStart = token.index(after: first)
        guard let second = token[payloadStart...].firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let signatureStart = token.index(after: second)
        guard !token[signatureStart...].contains(UInt8(ascii: ".")) else { return nil }
        return (token.startIndex..<first, payloadStart..<second, signatureStart..<token.endIndex)
    }
}
