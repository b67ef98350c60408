import HTTPClient
import Logout
import Testing

@testable import ConfigurationCheck

@Suite struct CheckReportTests {
    @Test func aBadSettingOutweighsAnUnavailableService() {
        let report = CheckReport(results: [
            .failed("settings", .setting, "LOGOUT_SCOPE: malformed"), .failed("reachable", .unavailable, "no connection"),
        ])
        #expect(report.exitCode == 78)
    }

    @Test func anUnavailableServiceIs69AndSkippedChecksAreNoFailure() {
        #expect(CheckReport(results: [.ok("settings", ""), .failed("apikey", .unavailable, "")]).exitCode == 69)
        #expect(CheckReport(results: [.ok("settings", ""), CheckResult("issuer", .skipped, "")]).exitCode == 0)
    }

    @Test func linesAlignTheirColumns() {
        #expect(CheckResult.ok("TLS", "certificate verified").line == "TLS        ok    certificate verified")
        #expect(CheckResult.failed("reachable", .unavailable, "x").line == "reachable  FAIL  x")
    }
}

@Suite struct SettingsInspectionTests {
    static let secret = String(repeating: "k", count: 40)
    static let good = ["SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY": "anon-key-value"]

    func inspect(_ environment: [String: String]) -> SettingsInspection {
        SettingsInspection(SettingsSource(environment: environment), startChecks: { _ in [] })
    }

    @Test func everyBadSettingIsNamedAndTheRestStillLoads() throws {
        let inspection = inspect(Self.good.merging(["LOGOUT_SCOPE": "all", "LOGOUT_WORKERS": "many"]) { $1 })

        #expect(inspection.problems.map(\.setting) == ["LOGOUT_SCOPE", "LOGOUT_WORKERS"])
        let configuration = try #require(inspection.configuration)
        #expect(configuration.defaultScope.rawValue == "local")
        #expect(inspection.anonKeyUsable)
    }

    @Test func aMissingKeyLeavesTheURLForTheConnectionChecks() throws {
        let inspection = inspect(["SUPABASE_URL": "https://abcd.supabase.co"])

        #expect(inspection.problems.map(\.setting) == ["SUPABASE_ANON_KEY"])
        #expect(!inspection.anonKeyUsable)
        #expect(try #require(inspection.configuration).supabaseURL == "https://abcd.supabase.co")
    }

    @Test func anUnreadableKeyFileIsNamedByItsFileSetting() {
        let inspection = inspect(["SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY_FILE": "/nonexistent/key"])

        #expect(inspection.problems.map(\.setting) == ["SUPABASE_ANON_KEY_FILE"])
        #expect(!inspection.anonKeyUsable && inspection.configuration != nil)
    }

    @Test func aBadURLStopsEverything() {
        let inspection = inspect(["SUPABASE_URL": "abcd.supabase.co", "SUPABASE_ANON_KEY": "anon-key-value"])

        #expect(inspection.configuration == nil)
        #expect(inspection.problems.map(\.setting) == ["SUPABASE_URL"])
    }

    @Test func startChecksAreAddedOnceTheSettingsLoad() {
        let inspection = SettingsInspection(SettingsSource(environment: Self.good)) { _ in
            [ConfigurationError(setting: "SUPABASE_JWT_SECRET", problem: "shorter than 32 bytes")]
        }
        #expect(inspection.problems.map(\.description) == ["SUPABASE_JWT_SECRET: shorter than 32 bytes"])
    }
}

@Suite struct TransferFailureTests {
    @Test func clientErrorsNameTheCheckThatFailed() {
        #expect(TransferFailure(.couldNotConnect) == .unreachable("no connection: the name did not resolve, no route, or refused"))
        #expect(TransferFailure(.timedOut) == .unreachable("no answer within the timeout"))
        #expect(
            TransferFailure(.tlsUnknownCA)
                == .tls(
                    "TLS: the server's certificate is not signed by a trusted certificate authority (system bundle plus SUPABASE_CA_FILE) (tls_unknown_ca)"
                ))
        #expect(
            TransferFailure(.tlsCertificateExpired)
                == .tls("TLS: the server's certificate has expired or is not valid yet (tls_certificate_expired)"))
        #expect(
            TransferFailure(.tlsHandshakeFailed)
                == .tls(
                    "TLS: the handshake failed (no common protocol version or cipher, or the connection broke) (tls_handshake_failed)"))
        #expect(TransferFailure(.connectionReset) == .broken("the exchange failed (connection_reset)"))
    }
}
