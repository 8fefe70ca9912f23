import ISO8583
import NIOCore
import NIOPosix
import Testing
@testable import Wire

/// A network too full to read stops reading systems under test; the time it does not read
/// is its own, not theirs.
@Suite("Admission and a peer's time to identify")
struct AdmissionTests {
    @Test("a connection accepted while the network does not read is not closed as silent; its time to identify starts when reading resumes")
    func acceptedWhilePaused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let authority = try CertificateAuthority()
        let network = try await loop.submit { NIOLoopBound(WireNetwork(eventLoop: loop, authority: authority), eventLoop: loop) }.get()
        let link = WireNetwork.ExternalLink(security: .none, verifier: PeerVerifier(roots: [], rootsSource: "-", expectedHost: nil),
                                            framing: .standard, timeout: .milliseconds(300))
        // Two terminals on one listener: a connection is known by its first message, so it has 300 ms to send one.
        let port = try await loop.flatSubmit {
            network.value.listenForSUTs(node: "Acquirer", host: "127.0.0.1", port: 0, peers: ["T1", "T2"], link: link, identify: { _ in nil })
        }.get()
        try await loop.submit { network.value.admit(false) }.get()
        let client = try await ClientBootstrap(group: loop).connect(host: "127.0.0.1", port: port).get()
        try await Task.sleep(for: .milliseconds(900))
        #expect(client.isActive, "closed while the network was not reading")
        #expect(try await loop.submit { network.value.problems }.get().isEmpty)
        // Reading again: now its silence is its own.
        try await loop.submit { network.value.admit(true) }.get()
        try await Task.sleep(for: .milliseconds(900))
        #expect(!client.isActive)
        #expect(try await loop.submit { network.value.problems }.get().contains { $0.contains("sent no message within 300 ms; closed") })
        try? await client.close()
        try await loop.flatSubmit { network.value.shutdown() }.get()
        try await group.shutdownGracefully()
    }
}
