/// A log that grows in chunks of fixed size: an append never copies what came before, so a
/// network under load for minutes does not stall to move a timeline of millions of events.
/// On the virtual clock a stall stops no one: there it is one array (`whole`), which `all`
/// gives without a copy (the runner asks for the whole timeline after each timer of a run's end).
struct ChunkedLog<Element> {
    private var chunks: [[Element]] = []
    private let chunkSize: Int

    /// A log in chunks of 4,096; `whole`: in one array.
    init(whole: Bool = false) {
        chunkSize = whole ? .max : 4096
    }

    /// How many elements it holds.
    private(set) var count = 0

    mutating func append(_ element: Element) {
        count += 1
        if chunks.isEmpty || chunks[chunks.count - 1].count == chunkSize {
            chunks.append([])
            if chunkSize < .max { chunks[chunks.count - 1].reserveCapacity(chunkSize) }
        }
        chunks[chunks.count - 1].append(element)
    }

    /// Every element, in order, in one array.
    var all: [Element] {
        if chunks.count == 1 { return chunks[0] }
        var all: [Element] = []
        all.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for chunk in chunks { all.append(contentsOf: chunk) }
        return all
    }

    func first(where matches: (Element) -> Bool) -> Element? {
        for chunk in chunks { if let found = chunk.first(where: matches) { return found } }
        return nil
    }
}
