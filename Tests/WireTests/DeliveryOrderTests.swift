import Testing
@testable import Wire

/// Frames between PayLab's nodes are handed on in the order they were written, whatever
/// order the sockets deliver them in, and nothing waits for a frame that is lost.
@Suite("Delivery order")
struct DeliveryOrderTests {
    static let toTerminal = InFlightFrames.Link(node: "Acquirer", peer: "T1")
    static let toBank = InFlightFrames.Link(node: "Acquirer", peer: "Bank")

    static func drain(_ order: inout DeliveryOrder, skippingGaps: Bool = false) -> [String] {
        var handed: [String] = []
        while let arrival = order.next(skippingGaps: skippingGaps) { handed.append(String(decoding: arrival.frame, as: UTF8.self)) }
        return handed
    }

    @Test("a frame that arrives before one written earlier on another link waits for it")
    func writtenOrder() {
        var order = DeliveryOrder()
        _ = order.written(on: Self.toTerminal)
        _ = order.written(on: Self.toBank)
        _ = order.written(on: Self.toTerminal)
        let arrived1 = order.arrived(Array("credit".utf8), at: "Bank", from: "Acquirer")
        #expect(arrived1)
        let handed2 = Self.drain(&order)
        #expect(handed2.isEmpty && !order.isEmpty)
        let arrived3 = order.arrived(Array("approval".utf8), at: "T1", from: "Acquirer")
        #expect(arrived3)
        let handed4 = Self.drain(&order)
        #expect(handed4 == ["approval", "credit"])
        let arrived5 = order.arrived(Array("second".utf8), at: "T1", from: "Acquirer")
        #expect(arrived5)
        let handed6 = Self.drain(&order)
        #expect(handed6 == ["second"] && order.isEmpty)
    }

    @Test("a lost frame, or a closed connection's, holds nothing up")
    func lostFrames() {
        var order = DeliveryOrder()
        let first = order.written(on: Self.toTerminal)
        _ = order.written(on: Self.toBank)
        let arrived7 = order.arrived(Array("credit".utf8), at: "Bank", from: "Acquirer")
        #expect(arrived7)
        order.lost(first, on: Self.toTerminal)
        let handed8 = Self.drain(&order)
        #expect(handed8 == ["credit"])
        _ = order.written(on: Self.toTerminal)
        _ = order.written(on: Self.toBank)
        let arrived9 = order.arrived(Array("late credit".utf8), at: "Bank", from: "Acquirer")
        #expect(arrived9)
        order.lostAll(on: Self.toTerminal)
        let handed10 = Self.drain(&order)
        #expect(handed10 == ["late credit"] && order.isEmpty)
    }

    @Test("a frame from nobody who wrote in order is not held; when ordering stops, what waits goes and the missing frame follows unordered")
    func unordered() {
        var order = DeliveryOrder()
        let arrived11 = order.arrived(Array("from a load generator".utf8), at: "Acquirer", from: "T9")
        #expect(!arrived11)
        _ = order.written(on: Self.toTerminal)
        _ = order.written(on: Self.toBank)
        let arrived12 = order.arrived(Array("credit".utf8), at: "Bank", from: "Acquirer")
        #expect(arrived12)
        let handed13 = Self.drain(&order)
        #expect(handed13.isEmpty)
        let handed14 = Self.drain(&order, skippingGaps: true)
        #expect(handed14 == ["credit"])
        order.arrivedUnordered(at: "T1", from: "Acquirer")
        #expect(order.isEmpty)
        _ = order.written(on: Self.toTerminal)
        let arrived15 = order.arrived(Array("next".utf8), at: "T1", from: "Acquirer")
        #expect(arrived15)
        let handed16 = Self.drain(&order)
        #expect(handed16 == ["next"])
    }
}
