import Foundation
import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario

/// The runner stops a scenario's clock once every transaction is settled for good, asking after
/// each timer at a run's end; it asks a `SettlementWatch`, which reads only what is new. Its
/// answer must be the whole reading's on every timeline a run can have.
@Suite("Settlement watch")
struct SettlementWatchTests {
    /// The whole reading, as the verdict makes it.
    static func wholeReading(_ timeline: [TimelineEvent]) -> Bool {
        TransactionOutcome.all(from: timeline).allSatisfy(\.isSettledForGood)
    }

    @Test("on every prefix of the library's timelines, one watch asked as the timeline grows answers as the whole reading does")
    func sameAnswerAsTheWholeReading() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: "Scenarios").filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count > 50)
        let runner = ScenarioRunner()
        var answers: [Bool: Int] = [:]
        var turnedBack = 0, reused = 0
        for file in files {
            let result = await runner.run(try ScenarioLoader.load(path: "Scenarios/\(file)"))
            let timeline = result.timeline
            var watch = SettlementWatch()
            var before: Bool?
            for length in 0...timeline.count {
                let prefix = Array(timeline.prefix(length))
                let expected = Self.wholeReading(prefix)
                let answer = watch.everythingSettled(prefix)
                #expect(answer == expected, "\(file), the first \(length) of \(timeline.count) events")
                // Asked again with nothing new: the same answer.
                let again = watch.everythingSettled(prefix)
                #expect(again == expected, "\(file), asked again at \(length)")
                // Once it read them all, the verdict takes its outcomes: they must be the whole reading's.
                if let outcomes = watch.outcomes(of: prefix) {
                    #expect(expected && outcomes.map { String(describing: $0) } == TransactionOutcome.all(from: prefix).map { String(describing: $0) }, "\(file), outcomes at \(length)")
                    reused += 1
                }
                answers[expected, default: 0] += 1
                if before == true, !expected { turnedBack += 1 }
                before = expected
            }
        }
        try await runner.shutdown()
        // The library's timelines go both ways: settled, then a new swipe (or a dispute) unsettles them again.
        #expect(answers[true, default: 0] > 100 && answers[false, default: 0] > 500, "\(answers)")
        #expect(turnedBack > 10, "a settled prefix followed by an unsettled one: \(turnedBack)")
        #expect(reused == answers[true, default: 0])
    }

    @Test("a watch asked only now and then (several new events at a time) answers as the whole reading does")
    func askedNowAndThen() async throws {
        let runner = ScenarioRunner()
        for file in ["weekend.yaml", "chargeback.yaml", "repeat-after-lost-approval.yaml", "refund-netted-from-payout.yaml", "hotel-preauthorization.yaml"] {
            let timeline = await runner.run(try ScenarioLoader.load(path: "Scenarios/\(file)")).timeline
            for stride in [3, 7, 20] {
                var watch = SettlementWatch()
                for length in Swift.stride(from: 0, through: timeline.count, by: stride) + [timeline.count] {
                    let prefix = Array(timeline.prefix(length))
                    let answer = watch.everythingSettled(prefix)
                    #expect(answer == Self.wholeReading(prefix), "\(file), every \(stride), at \(length)")
                }
            }
        }
        try await runner.shutdown()
    }

    /// An event of purchase `id` (STAN `stan`) at T0000001.
    static func event(_ kind: EventKind, _ id: String, stan: String, answer: ResponseCode? = nil) -> TimelineEvent {
        TimelineEvent(at: .init(milliseconds: 0), node: kind == .swiped ? "T0000001" : "Acquirer", kind: kind,
                      reference: .transaction(.init(terminal: "T0000001", stan: stan, transmission: "0508020000")),
                      detail: "", facts: .init(transactionID: kind == .swiped || kind == .authorized ? id : nil, responseCode: answer))
    }

    @Test("a transaction read as settled before is read again: its payout returned after it arrived unsettles the run, whichever of two it is")
    func settledTransactionUnsettled() {
        for (paid, waiting) in [("a", "b"), ("b", "a")] {
            let stan = ["a": "000001", "b": "000002"]
            func events(_ id: String, _ kinds: [EventKind]) -> [TimelineEvent] {
                kinds.map { Self.event($0, id, stan: stan[id]!, answer: $0 == .authorized ? .approved : nil) }
            }
            var timeline = events("a", [.swiped, .authorized]) + events("b", [.swiped, .authorized]) + events(paid, [.arrived, .settled])
            var watch = SettlementWatch()
            // One arrived and settled, the other waits for its payout: that one is found unsettled.
            #expect(TransactionOutcome.all(from: timeline).map(\.isSettledForGood) == [paid == "a", paid == "b"])
            let before = watch.everythingSettled(timeline)
            #expect(!before)
            // The other's payout arrives, and the first one's comes back from the merchant's bank.
            timeline += events(waiting, [.arrived, .settled]) + events(paid, [.returned])
            #expect(TransactionOutcome.all(from: timeline).map(\.status) == (paid == "a" ? [.returned, .arrived] : [.arrived, .returned]))
            let after = watch.everythingSettled(timeline)
            #expect(!after, "\(paid) returned")
            #expect(!Self.wholeReading(timeline))
            // Its payout made again: now everything is settled.
            timeline += events(paid, [.arrived])
            let settled = watch.everythingSettled(timeline)
            #expect(settled && Self.wholeReading(timeline), "\(paid) paid again")
        }
    }
}
