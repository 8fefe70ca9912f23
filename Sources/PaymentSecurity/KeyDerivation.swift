/// Test keys derived from a scenario's seed: the same seed and purpose give the same key, so a
/// scenario that names no keys still runs secured and stays deterministic.
public enum KeyDerivation {
    /// A key of `length` for `purpose` (a zone's ZAK, a terminal's TMK, the MAK of its third
    /// sign-on), odd parity, the two halves of a double-length key different.
    public static func key(seed: UInt64, purpose: String, length: DESKey.Length = .double) -> DESKey {
        let digest = Digest.sha256(Array("paylab key \(seed) \(purpose)".utf8))
        let count = length == .single ? 8 : length == .double ? 16 : 24
        return DESKey(Array(digest.prefix(count)))!.oddParity
    }
}
