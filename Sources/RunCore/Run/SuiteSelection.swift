public import Scenario
/// Which scenarios of a suite run: `--filter` by name or tag, `--shard I/N` for a CI matrix.
public struct SuiteSelection: Sendable {
    /// Text a scenario's name or one of its tags must contain (case-insensitive).
    public var filter: String?
    /// The slice to run: `index` from 1 to `count`.
    public var shard: (index: Int, count: Int)?

    /// Makes a selection.
    public init(filter: String? = nil, shard: (index: Int, count: Int)? = nil) {
        self.filter = filter
        self.shard = shard
    }

    /// Parses `I/N` with 1 <= I <= N.
    public static func parseShard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else { return nil }
        return (index, count)
    }

    /// The scenarios selected, in file order. Shards deal the filtered suite, sorted by file
    /// then name, round-robin, so every shard is a fixed slice and together they are the whole.
    public func apply(_ scenarios: [Scenario]) -> [Scenario] {
        var selected = scenarios.sorted { ($0.file, $0.name) < ($1.file, $1.name) }
        if let filter, !filter.isEmpty {
            let needle = filter.lowercased()
            selected = selected.filter { scenario in
                scenario.name.lowercased().contains(needle) || scenario.tags.contains { $0.lowercased().contains(needle) }
            }
        }
        if let shard {
            selected = selected.enumerated().filter { $0.offset % shard.count == shard.index - 1 }.map(\.element)
        }
        return selected
    }
}
