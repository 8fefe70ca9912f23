

/// One data element of an ISO 8583 dictionary.
public struct FieldDefinition: Sendable, Hashable {
    /// The data element number, 2 to 128.
    public var number: Int
    /// The name the standard gives it.
    public var name: String
    /// What characters it may hold.
    public var type: FieldType
    /// Fixed or variable length.
    public var length: LengthFormat

    /// Makes a definition.
    public init(_ number: Int, _ name: String, _ type: FieldType, _ length: LengthFormat) {
        self.number = number
        self.name = name
        self.type = type
        self.length = length
    }
}
