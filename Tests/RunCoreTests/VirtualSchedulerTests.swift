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
}
