/// The parts of a Supabase Auth error body that decide a revocation's outcome.
///
/// GoTrue answers `{"code":"<error_code>","message":"…"}` when the request carries `X-Supabase-Api-Version:
/// 2024-01-01`, and `{"code":<status>,"error_code":"<error_code>","msg":"…"}` without it. The hosted gateway
/// answers `{"message":"Invalid API key",…}` with no code at all.
struct RevocationErrorBody: Equatable {
    /// `error_code`, else `code` when it is a string.
    var errorCode: String?
    /// `msg`, else `message`.
    var message: String?

    init(errorCode: String? = nil, message: String? = nil) {
        self.errorCode = errorCode
        self.message = message
    }

    /// Reads either shape; anything that is not a JSON object gives an empty value.
    init(parsing body: [UInt8]) {
        guard !body.isEmpty,
            let object = JSONMemberScanner.strings(forKeys: ["error_code", "code", "msg", "message"], inObject: body)
        else {
            self.init()
            return
        }
        self.init(
            errorCode: object["error_code"] ?? object["code"],
            message: object["msg"] ?? object["message"])
    }
}
