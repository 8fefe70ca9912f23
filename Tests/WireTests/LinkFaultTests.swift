import NIOEmbedded
import SettlementCalendar
import Testing
@testable import Wire

/// The fault decisions of the wire, without sockets.
@Suite("Link faults")
struct LinkFaultTests {
    let start = Instant(milliseconds: 1_000_000)

    func network(_ faults: [LinkFault]) throws -> WireNetwork {
        let network = WireNetwork(eventLoop: EmbeddedEventLoop(), authority: try CertificateAuthority(), seed: 7)
        network.install(faults)
        network.virtualNow = start
        return network
    }

    @Test("a response drop loses answers only, and only the first count of them")
    func drop() throws {
        let wire = try network([LinkFault(client: "Scheme", server: "Issuer", kind: .drop(.response), from: start, to: nil, count: 1)])
        // At the issuer, a frame from the scheme is a request: untouched.
        #expect(wire.applyFaults(to: [1, 2, 3], at: "Issuer", from: "Scheme") == [[1, 2, 3]])
        // At the scheme, a frame from the issuer is a response: the first is lost, the next passes.
        #expect(wire.applyFaults(to: [4, 5], at: "Scheme", from: "Issuer") == [])
        #expect(wire.applyFaults(to: [4, 5], at: "Scheme", from: "Issuer") == [[4, 5]])
    }

    @Test("latency holds a frame until the virtual clock reaches its release time")
    func latency() throws {
        let wire = try network([LinkFault(client: "Acquirer", server: "Scheme", kind: .latency(.seconds(50)), from: start, to: start.advanced(by: .seconds(600)), count: nil)])
        var delivered: [[UInt8]] = []
        wire.onFrame = { _, _, bytes in delivered.append(bytes) }
        #expect(wire.applyFaults(to: [9], at: "Acquirer", from: "Scheme") == [])
        #expect(wire.nextRelease == start.advanced(by: .seconds(50)))
        wire.virtualNow = start.advanced(by: .seconds(49))
        wire.releaseDue()
        #expect(delivered.isEmpty)
        wire.virtualNow = start.advanced(by: .seconds(50))
        wire.releaseDue()
        #expect(delivered == [[9]])
        #expect(wire.heldFrames == 0)
    }

    @Test("duplicate doubles a request; corrupt flips exactly one byte; outside the window nothing happens")
    func duplicateAndCorrupt() throws {
        let wire = try network([
            LinkFault(client: "T1", server: "Acquirer", kind: .duplicate(.request), from: start, to: start.advanced(by: .seconds(10)), count: nil),
            LinkFault(client: "T2", server: "Acquirer", kind: .corrupt(.request), from: start, to: nil, count: nil),
        ])
        #expect(wire.applyFaults(to: [1], at: "Acquirer", from: "T1") == [[1], [1]])
        let frame: [UInt8] = Array(repeating: 0x30, count: 40)
        let corrupted = try #require(wire.applyFaults(to: frame, at: "Acquirer", from: "T2").first)
        #expect(zip(frame, corrupted).filter { $0 != $1 }.count == 1)
        wire.virtualNow = start.advanced(by: .seconds(10))
        #expect(wire.applyFaults(to: [1], at: "Acquirer", from: "T1") == [[1]])
    }
}
