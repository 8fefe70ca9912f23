import Foundation
import Testing
@testable import Wire

@Suite("Checking a system under test's certificate, in words")
struct PeerVerifierTests {
    let authority = try! CertificateAuthority(commonName: "Provider CA", days: 30)

    func host() throws -> CertificateAuthority.Identity {
        try authority.issue(for: "auth host", hostname: "localhost", names: CertificateAuthority.loopbackNames, days: 2)
    }

    func verifier(expecting host: String? = "127.0.0.1") -> PeerVerifier {
        PeerVerifier(roots: [authority.certificate], rootsSource: "sut-ca.pem", expectedHost: host)
    }

    @Test("a good certificate for the address dialled passes")
    func good() async throws {
        #expect(await verifier().problem(with: [try host().certificate]) == nil)
        #expect(await verifier(expecting: "::1").problem(with: [try host().certificate]) == nil)
        #expect(await verifier(expecting: "localhost").problem(with: [try host().certificate]) == nil)
        #expect(await verifier(expecting: nil).problem(with: [try host().certificate]) == nil)
    }

    @Test("an expired certificate, and one not yet valid, say so with the date")
    func dates() async throws {
        let certificate = try host().certificate
        let later = Date().addingTimeInterval(5 * 86400)
        let problem = try #require(await verifier().problem(with: [certificate], now: later))
        #expect(problem.hasPrefix("certificate 'auth host' expired on "))
        let earlier = Date().addingTimeInterval(-86400)
        #expect(await verifier().problem(with: [certificate], now: earlier)?.hasPrefix("certificate 'auth host' is not valid until ") == true)
    }

    @Test("a certificate from another CA names its issuer and the CA file")
    func unknownCA() async throws {
        let other = try CertificateAuthority(commonName: "Someone Else CA")
        let stranger = try other.issue(for: "auth host", hostname: "localhost", names: CertificateAuthority.loopbackNames, days: 1)
        #expect(await verifier().problem(with: [stranger.certificate])
            == "unknown CA: certificate 'auth host' is issued by 'Someone Else CA', which sut-ca.pem does not hold")
    }

    @Test("a certificate for other names lists them")
    func wrongName() async throws {
        #expect(await verifier(expecting: "10.0.0.7").problem(with: [try host().certificate])
            == "wrong name: certificate 'auth host' names localhost, 127.0.0.1, ::1, not 10.0.0.7")
    }

    @Test("no certificate at all")
    func none() async {
        #expect(await verifier().problem(with: []) == "the peer presented no certificate")
    }
}
