import Testing
import PaymentNetwork

@Suite("A transaction reference packed into 32 bytes")
struct TransactionReferenceTests {
    /// What a reference was before it was packed: four strings, compared and ordered as a tuple.
    struct Spelled: Hashable {
        var terminal, stan, transmission, numberedBy: String

        static func < (lhs: Spelled, rhs: Spelled) -> Bool {
            (lhs.terminal, lhs.stan, lhs.transmission, lhs.numberedBy) < (rhs.terminal, rhs.stan, rhs.transmission, rhs.numberedBy)
        }

        var reference: TransactionReference {
            TransactionReference(terminal: terminal, stan: stan, transmission: transmission, numberedBy: numberedBy)
        }
    }

    /// Values that pack (what PayLab's nodes send) and values a peer may send that do not.
    static let terminals = ["T0000001", "T0000002", "T000001", "TERM0001", "-", "", "T", "T00000010", "TÉRMINAL", "T0\u{0}00001", "A:1"]
    static let stans = ["000001", "004441", "999999", "000000", "-", "", "4441", "0044410", "00444a", "１２３４５６"]
    static let transmissions = ["0508101500", "1231235959", "0000000000", "9999999999", "-", "050810150", "05081015000", "0508 01500"]
    static let nodes = ["", "acquirer", "scheme", "a-node-name-of-more-than-fifteen-bytes", "1:x"]

    static func spelled(_ generator: inout SeededGenerator) -> Spelled {
        Spelled(
            terminal: terminals[Int(generator.next() % UInt64(terminals.count))],
            stan: stans[Int(generator.next() % UInt64(stans.count))],
            transmission: transmissions[Int(generator.next() % UInt64(transmissions.count))],
            numberedBy: nodes[Int(generator.next() % UInt64(nodes.count))])
    }

    @Test("gives back each of its four parts, packed or spelled out")
    func roundTrip() {
        for terminal in Self.terminals {
            for stan in Self.stans {
                for transmission in Self.transmissions {
                    for node in Self.nodes {
                        let reference = TransactionReference(terminal: terminal, stan: stan, transmission: transmission, numberedBy: node)
                        #expect(reference.terminal == terminal && reference.stan == stan)
                        #expect(reference.transmission == transmission && reference.numberedBy == node)
                        #expect(reference.description == "\(terminal)/\(stan)/\(transmission)")
                        let renumbered = reference.numbered(by: "issuer")
                        #expect(renumbered.numberedBy == "issuer" && renumbered.terminal == terminal && renumbered.stan == stan)
                        #expect(renumbered.numbered(by: node) == reference)
                    }
                }
            }
        }
    }

    @Test("compares, hashes and orders as its four strings do")
    func sameAsFourStrings() {
        var generator = SeededGenerator(seed: 7, stream: "references")
        let spelled = (0..<600).map { _ in Self.spelled(&generator) }
        for (left, right) in zip(spelled, spelled.shuffled(using: &generator)) {
            #expect((left.reference == right.reference) == (left == right))
            #expect((left.reference < right.reference) == (left < right), "\(left) < \(right)")
            if left == right { #expect(left.reference.hashValue == right.reference.hashValue) }
        }
        #expect(spelled.sorted(by: <).map(\.reference) == spelled.map(\.reference).sorted())
        #expect(Set(spelled.map(\.reference)).count == Set(spelled).count)
    }

    @Test("is the size of four words")
    func size() {
        #expect(MemoryLayout<TransactionReference>.size == 32)
    }
}
