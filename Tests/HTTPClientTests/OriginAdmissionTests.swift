import Testing

@testable import HTTPClient

@Suite("Admission of one origin's transfers")
struct OriginAdmissionTests {
    /// Admits while it can and counts how many went in.
    private func admitAll(_ admission: OriginAdmission, upTo limit: Int = 10_000) -> Int {
        var admitted = 0
        while admitted < limit, admission.canAdmit {
            admission.transferAdmitted()
            admitted += 1
        }
        return admitted
    }

    @Test func anOriginSpokenToOverHTTP1NeverHasMoreTransfersInLibcurlThanConnections() {
        let admission = OriginAdmission(streamsPerConnection: 128, connectionLimit: 4, mayMultiplex: false)
        #expect(admitAll(admission) == 4)
        for port in Int32(1)...4 { admission.transferStarted(onLocalPort: port) }
        #expect(!admission.canAdmit)
        admission.transferEnded(startedOnLocalPort: 2)
        #expect(admitAll(admission) == 1)
    }

    @Test func aColdBurstToAnHTTPSOriginWaitsForTheFirstConnectionThenFillsIt() {
        let admission = OriginAdmission(streamsPerConnection: 128, connectionLimit: 512, mayMultiplex: true)
        #expect(admitAll(admission) == 1)
        admission.transferStarted(onLocalPort: 7)
        // One connection carries a transfer: 128 streams on it and one that may open the next.
        #expect(admitAll(admission) == 128)
        admission.transferStarted(onLocalPort: 7)
        #expect(!admission.canAdmit)
    }

    @Test func anHTTPSOriginThatDoesNotMultiplexIsHeldToTheConnectionLimit() {
        let admission = OriginAdmission(streamsPerConnection: 128, connectionLimit: 3, mayMultiplex: true)
        #expect(admitAll(admission) == 1)
        admission.transferStarted(onLocalPort: 1)
        #expect(admitAll(admission) == 2)
        admission.transferStarted(onLocalPort: 2)
        admission.transferStarted(onLocalPort: 3)
        #expect(!admission.canAdmit)
    }

    @Test func twoTransfersOnOneConnectionLiftTheConnectionLimit() {
        let admission = OriginAdmission(streamsPerConnection: 4, connectionLimit: 2, mayMultiplex: true)
        #expect(admitAll(admission) == 1)
        admission.transferStarted(onLocalPort: 1)
        #expect(admitAll(admission) == 1)
        admission.transferStarted(onLocalPort: 1)
        // Multiplexing seen: 4 streams on the one connection plus one that may open the next.
        #expect(admitAll(admission) == 3)
    }
}
