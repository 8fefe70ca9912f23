public import ISO8583

/// A dictionary that grows without stalling: its entries spread by hash over 256 ordinary
/// dictionaries (shards), each of which grows, and copies itself to a bigger table, on its own.
/// Growing costs a 256th of the table at a time, where one `Dictionary` of a million entries
/// stops everything for the tenth of a second it takes to copy; and nothing has to be reserved
/// ahead for a volume a run may never reach (a reserved table is as big as that volume from the
/// start). What a node keeps per transaction (its journal, its hops) lives in one.
public struct ShardedDictionary<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var shards: [[Key: Value]] = Array(repeating: [:], count: 256)
    /// How many entries it holds.
    public private(set) var count = 0

    public init() {}

    @inline(__always)
    private static func shard(of key: Key) -> Int { key.hashValue & 255 }

    public var isEmpty: Bool { count == 0 }

    public subscript(key: Key) -> Value? {
        get { shards[Self.shard(of: key)][key] }
        _modify {
            let shard = Self.shard(of: key)
            let before = shards[shard].count
            defer { count += shards[shard].count - before }
            yield &shards[shard][key]
        }
    }

    public subscript(key: Key, default value: @autoclosure () -> Value) -> Value {
        get { shards[Self.shard(of: key)][key] ?? value() }
        _modify {
            let shard = Self.shard(of: key)
            let before = shards[shard].count
            defer { count += shards[shard].count - before }
            yield &shards[shard][key, default: value()]
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        let removed = shards[Self.shard(of: key)].removeValue(forKey: key)
        if removed != nil { count -= 1 }
        return removed
    }

    /// Removes every entry `shouldRemove` picks, shard by shard; returns how many went.
    @discardableResult
    public mutating func removeAll(where shouldRemove: (Key, Value) -> Bool) -> Int {
        retain { key, value in !shouldRemove(key, value) }
    }

    /// Goes through every entry, shard by shard: `keep` says whether it stays, and may change
    /// what it holds. Each shard is built anew at its new size (a night of a load run drops
    /// most of a day's entries, and a table keeps the room of its largest size).
    /// Returns how many entries went.
    @discardableResult
    public mutating func retain(_ keep: (Key, inout Value) -> Bool) -> Int {
        let before = count
        for shard in shards.indices where !shards[shard].isEmpty {
            var kept: [Key: Value] = [:]
            for (key, value) in shards[shard] {
                var value = value
                if keep(key, &value) { kept[key] = value }
            }
            count -= shards[shard].count - kept.count
            shards[shard] = kept
        }
        return before - count
    }

    /// Every key, in no particular order.
    public var keys: [Key] { shards.flatMap(\.keys) }
    /// Every value, in no particular order.
    public var values: [Value] { shards.flatMap(\.values) }
}

extension ShardedDictionary: Sequence {
    public typealias Element = (key: Key, value: Value)

    public func makeIterator() -> FlattenSequence<[[Key: Value]]>.Iterator { shards.joined().makeIterator() }
}

extension ShardedDictionary where Key == TransactionReference {
    /// The entry DE90 of `message` names, of those `accepts` takes (a journal holds transactions
    /// of every kind, a follow-up can name only some): the exact reference, or, for a follow-up
    /// made at another terminal of the merchant, the one with the STAN and DE7 it names (after
    /// the first hop every STAN comes from one node's counter, so these alone tell it).
    public func key(namedBy message: ISOMessage, where accepts: (Value) -> Bool = { _ in true }) -> TransactionReference {
        let named = message.originalReference
        if let value = self[named], accepts(value) { return named }
        return first { $0.key.stan == named.stan && $0.key.transmission == named.transmission && accepts($0.value) }?.key ?? named
    }
}
