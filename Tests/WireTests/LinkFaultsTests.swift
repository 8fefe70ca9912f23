import SettlementCalendar
import Testing
import Wire

/// The fault decisions of the wire: a pure value, no sockets and no event loop.
@Suite("Link faults")
struct LinkFaultsTests {
    let start = Instant(milliseconds: 1_000_000)

    @Test("a response drop loses answers only, and only the first count of them")
    func drop() {
        var faults = LinkFaults([LinkFault(client: "Scheme", server: "Issuer", kind: .drop(.response), from: start, to: nil, count: 1)], seed: 7)
        // At the issuer, a frame from the scheme is a request: untouched.
        #expect(faults.apply(to: [1, 2, 3], at: "Issuer", from: "Scheme", now: start).verdict == .deliver([[1, 2, 3]]))
        // At the scheme, a frame from the issuer is a response: the first is lost, the next passes.
        let dropped = faults.apply(to: [4, 5], at: "Scheme", from: "Issuer", now: start)
        #expect(dropped.verdict == .deliver([]))
        #expect(dropped.log == ["dropped a response on Scheme -> Issuer"])
        #expect(faults.apply(to: [4, 5], at: "Scheme", from: "Issuer", now: start).verdict == .deliver([[4, 5]]))
    }

    @Test("latency holds a frame, either way, until the virtual clock reaches its release time")
    func latency() {
        var faults = LinkFaults([LinkFault(client: "Acquirer", server: "Scheme", kind: .latency(.seconds(50)), from: start, to: start.advanced(by: .seconds(600)), count: nil)], seed: 7)
        #expect(faults.apply(to: [9], at: "Acquirer", from: "Scheme", now: start).verdict == .hold(until: start.advanced(by: .seconds(50)), [[9]]))
        #expect(faults.apply(to: [8], at: "Scheme", from: "Acquirer", now: start).verdict == .hold(until: start.advanced(by: .seconds(50)), [[8]]))
        #expect(faults.apply(to: [7], at: "Scheme", from: "Acquirer", now: start.advanced(by: .seconds(600))).verdict == .deliver([[7]]))
    }

    @Test("duplicate doubles a request; corrupt flips exactly one byte, the same one for the same seed; outside the window nothing happens")
    func duplicateAndCorrupt() throws {
        let list = [
            LinkFault(client: "T1", server: "Acquirer", kind: .duplicate(.request), from: start, to: start.advanced(by: .seconds(10)), count: nil),
            LinkFault(client: "T2", server: "Acquirer", kind: .corrupt(.request), from: start, to: nil, count: nil),
        ]
        var faults = LinkFaults(list, seed: 7)
        #expect(faults.apply(to: [1], at: "Acquirer", from: "T1", now: start).verdict == .deliver([[1], [1]]))
        let frame: [UInt8] = Array(repeating: 0x30, count: 40)
        guard case .deliver(let copies) = faults.apply(to: frame, at: "Acquirer", from: "T2", now: start).verdict else { Issue.record("not delivered"); return }
        let corrupted = try #require(copies.first)
        #expect(zip(frame, corrupted).filter { $0 != $1 }.count == 1)
        var again = LinkFaults(list, seed: 7)
        _ = again.apply(to: [1], at: "Acquirer", from: "T1", now: start)
        #expect(again.apply(to: frame, at: "Acquirer", from: "T2", now: start).verdict == .deliver([corrupted]))
        #expect(faults.apply(to: [1], at: "Acquirer", from: "T1", now: start.advanced(by: .seconds(10))).verdict == .deliver([[1]]))
    }
}
