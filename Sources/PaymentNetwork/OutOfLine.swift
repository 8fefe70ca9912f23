/// An optional value kept out of line: the struct that holds it carries a reference (8 bytes)
/// instead of the value. For what most entries of a large table leave nil: a journal's entry
/// names an original only for a refund, void, completion or chargeback, while a load run's
/// purchases, hundreds of thousands over a weekend, each carried an empty reference (33 bytes,
/// packed; 73 before it was).
@propertyWrapper
public struct OutOfLine<Value: Sendable>: Sendable {
    private final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box?

    public init(wrappedValue: Value?) { box = wrappedValue.map(Box.init) }

    public var wrappedValue: Value? {
        get { box?.value }
        set { box = newValue.map(Box.init) }
    }
}
