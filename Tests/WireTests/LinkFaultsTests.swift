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

    @Test("a probability drops about that share of the frames, the same frames for the same seed, and only counts those it drops")
    func probability() {
        func run(seed: UInt64) -> [Bool] {
            var fault = LinkFault(client: "Scheme", server: "Issuer", kind: .drop(.request), from: start, to: nil, count: nil)
            fault.probabilityPPM = 300_000
            var faults = LinkFaults([fault], seed: seed)
            return (0..<2000).map { _ in faults.apply(to: [1], at: "Issuer", from: "Scheme", now: start).verdict == .deliver([]) }
        }
        let dropped = run(seed: 7)
        #expect((500...700).contains(dropped.filter { $0 }.count), "\(dropped.filter { $0 }.count) of 2000")
        #expect(run(seed: 7) == dropped && run(seed: 8) != dropped)
        // Answers the fault does not act on take no draw and pass.
        var fault = LinkFault(client: "Scheme", server: "Issuer", kind: .drop(.request), from: start, to: nil, count: 1)
        fault.probabilityPPM = 1
        var faults = LinkFaults([fault], seed: 7)
        #expect(faults.apply(to: [2], at: "Scheme", from: "Issuer", now: start).verdict == .deliver([[2]]))
        // With a one-in-a-million chance the count is not used up by the frames it let through.
        for _ in 0..<100 { _ = faults.apply(to: [1], at: "Issuer", from: "Scheme", now: start) }
        var always = LinkFault(client: "Scheme", server: "Issuer", kind: .drop(.request), from: start, to: nil, count: 1)
        always.probabilityPPM = 1_000_000
        var certain = LinkFaults([always], seed: 7)
        #expect(certain.apply(to: [1], at: "Issuer", from: "Scheme", now: start).verdict == .deliver([]))
        #expect(certain.apply(to: [1], at: "Issuer", from: "Scheme", now: start).verdict == .deliver([[1]]))
    }

    @Test("jitter spreads a latency within plus or minus its width, differently per frame, the same for the same seed")
    func jitter() {
        func holds(seed: UInt64) -> [Int64] {
            var fault = LinkFault(client: "Acquirer", server: "Scheme", kind: .latency(.seconds(2)), from: start, to: nil, count: nil)
            fault.jitter = .milliseconds(500)
            var faults = LinkFaults([fault], seed: seed)
            return (0..<200).map { _ in
                guard case .hold(let until, _) = faults.apply(to: [1], at: "Scheme", from: "Acquirer", now: start).verdict else { return -1 }
                return until.milliseconds - start.milliseconds
            }
        }
        let spread = holds(seed: 7)
        #expect(spread.allSatisfy { (1500...2500).contains($0) }, "\(spread.prefix(10))")
        #expect(Set(spread).count > 50 && spread.min()! < 1700 && spread.max()! > 2300)
        #expect(holds(seed: 7) == spread)
    }
}
