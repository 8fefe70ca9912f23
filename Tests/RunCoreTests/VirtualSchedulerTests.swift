import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario

@Suite("The virtual clock's queue")
struct VirtualSchedulerTests {
    let noon = Instant(milliseconds: 43_200_000)

    @Test("events due at the same instant run in the order they were scheduled, timers and fault windows alike")
    func ties() {
        var scheduler = VirtualScheduler()
        scheduler.schedule(.timer(node: "Scheme", key: .cutoff), at: noon)
        scheduler.schedule(.faultWindow(index: 0, starting: true), at: noon)
        scheduler.schedule(.timer(node: "Acquirer", key: .payout(merchant: "ACME SHOP 00001", at: LocalDateTime("2026-05-11 09:00")!)), at: noon)
        scheduler.schedule(.timer(node: "T0000001", key: .cutoff), at: Instant(milliseconds: 0))
        var order: [ScheduledEvent] = []
        while let next = scheduler.pop() { order.append(next.event) }
        #expect(order == [
            .timer(node: "T0000001", key: .cutoff),
            .timer(node: "Scheme", key: .cutoff),
            .faultWindow(index: 0, starting: true),
            .timer(node: "Acquirer", key: .payout(merchant: "ACME SHOP 00001", at: LocalDateTime("2026-05-11 09:00")!)),
        ])
    }

    @Test("scheduling an event again moves it behind the others; a cancelled one never runs")
    func rescheduleAndCancel() {
        var scheduler = VirtualScheduler()
        scheduler.schedule(.timer(node: "A", key: .cutoff), at: noon)
        scheduler.schedule(.timer(node: "B", key: .cutoff), at: noon)
        scheduler.schedule(.timer(node: "A", key: .cutoff), at: noon)
        scheduler.schedule(.faultWindow(index: 1, starting: false), at: noon)
        scheduler.cancel(.faultWindow(index: 1, starting: false))
        #expect(scheduler.pop()?.event == .timer(node: "B", key: .cutoff))
        #expect(scheduler.pop()?.event == .timer(node: "A", key: .cutoff))
        #expect(scheduler.pop() == nil)
    }

    @Test("against the plainest model (a list searched for its earliest), 20,000 random schedules, reschedules, cancels and pops give the same events in the same order")
    func againstAModel() {
        var generator = SeededGenerator(seed: 2026)
        var scheduler = VirtualScheduler()
        // The model: every live event with its instant and the order it was (re)scheduled in.
        var model: [(event: ScheduledEvent, at: Instant, order: Int)] = []
        var order = 0
        var popped = 0
        for _ in 0..<20_000 {
            let event = ScheduledEvent.timer(node: "N\(Int.random(in: 0..<40, using: &generator))", key: .cutoff)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                let at = Instant(milliseconds: Int64.random(in: 0..<500, using: &generator))
                scheduler.schedule(event, at: at)
                model.removeAll { $0.event == event }
                model.append((event, at, order))
                order += 1
            case 5..<7:
                scheduler.cancel(event)
                model.removeAll { $0.event == event }
            default:
                let expected = model.min { ($0.at, $0.order) < ($1.at, $1.order) }
                let peeked = scheduler.peek()
                let got = scheduler.pop()
                #expect(peeked?.event == got?.event && peeked?.at == got?.at)
                #expect(got?.event == expected?.event && got?.at == expected?.at)
                if let expected { model.removeAll { $0.event == expected.event }; popped += 1 }
            }
        }
        while let expected = model.min(by: { ($0.at, $0.order) < ($1.at, $1.order) }) {
            #expect(scheduler.pop()?.event == expected.event)
            model.removeAll { $0.event == expected.event }
        }
        #expect(scheduler.pop() == nil)
        #expect(popped > 1_000)
    }
}
