import Testing
import PaymentNetwork

@Suite("A dictionary that grows by shards")
struct ShardedDictionaryTests {
    @Test("random inserts, updates, defaults and removals leave it holding exactly what a Dictionary holds")
    func sameAsDictionary() {
        var sharded = ShardedDictionary<TransactionReference, Int>()
        var plain: [TransactionReference: Int] = [:]
        var generator = SeededGenerator(seed: 42, stream: "sharded")
        for step in 0..<50_000 {
            let key = TransactionReference(terminal: "T\(generator.digits(1))", stan: generator.digits(4), transmission: "0508101500")
            switch step % 5 {
            case 0, 1:
                sharded[key] = step
                plain[key] = step
            case 2:
                sharded[key, default: 0] += 1
                plain[key, default: 0] += 1
            case 3:
                sharded[key]? += 10
                plain[key]? += 10
            default:
                #expect(sharded.removeValue(forKey: key) == plain.removeValue(forKey: key))
            }
        }
        #expect(sharded.count == plain.count && plain.count > 1_000)
        #expect(Dictionary(uniqueKeysWithValues: sharded.map { ($0.key, $0.value) }) == plain)
        #expect(Set(sharded.keys) == Set(plain.keys) && sharded.values.sorted() == plain.values.sorted())
        for (key, value) in plain { #expect(sharded[key] == value) }
        let first = plain.keys.first!
        sharded[first] = nil
        #expect(sharded.count == plain.count - 1 && sharded[first] == nil)
    }
}
