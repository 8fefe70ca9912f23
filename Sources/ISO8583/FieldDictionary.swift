/// A table of field definitions, indexed by data element number.
public struct FieldDictionary: Sendable, Equatable {
    private var definitions: [FieldDefinition?]

    /// Makes a dictionary from a list of definitions; numbers must be 2 to 128.
    public init(_ list: [FieldDefinition]) {
        var table = [FieldDefinition?](repeating: nil, count: 129)
        for definition in list where (2...128).contains(definition.number) {
            table[definition.number] = definition
        }
        definitions = table
    }

    /// This dictionary with some definitions replaced or added.
    public func overriding(_ list: [FieldDefinition]) -> FieldDictionary {
        var copy = self
        for definition in list where (2...128).contains(definition.number) {
            copy.definitions[definition.number] = definition
        }
        return copy
    }

    /// Every definition, by ascending number.
    public var all: [FieldDefinition] { definitions.compactMap { $0 } }

    /// The definition of a field, or nil when the dictionary does not define it.
    public subscript(number: Int) -> FieldDefinition? {
        guard number >= 0, number < definitions.count else { return nil }
        return definitions[number]
    }
}
