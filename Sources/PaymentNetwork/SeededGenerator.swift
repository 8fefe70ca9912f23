/// SplitMix64: a small deterministic generator; the same seed gives the same numbers.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Makes a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// The generator of one node: a sub-stream of the run's seed, keyed by the node's name.
    public init(seed: UInt64, stream name: String) {
        // FNV-1a of the name, mixed into the seed, so each node has its own sequence.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        state = seed ^ hash
        _ = next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A string of `count` random decimal digits.
    public mutating func digits(_ count: Int) -> String {
        var out = ""
        for _ in 0..<count { out.append(Character(String(next(upperBound: UInt64(10))))) }
        return out
    }
}
