import ISO8583
import SettlementCalendar

extension ISOMessage {
    /// What a forwarding node does with a request it has seen before: nothing while the
    /// first is in progress (its answer will serve; a second would contradict it), `94` once
    /// the first was answered. `again` says how it came again, for the timeline.
    func duplicateActions(inProgress: Bool, again: String, node: String, peer: String, now: Instant) -> [NodeAction] {
        let reference = transactionReference
        guard !inProgress else {
            return [.record(TimelineEvent(at: now, node: node, kind: .duplicate, reference: .transaction(reference),
                                          detail: "the same STAN \(reference.stan) again while the first is in progress: ignored"))]
        }
        return [
            .send(response(code: .duplicateTransmission), to: peer),
            .record(TimelineEvent(at: now, node: node, kind: .duplicate, reference: .transaction(reference),
                                  detail: "the same STAN \(reference.stan) \(again): answered 94",
                                  facts: .init(responseCode: .duplicateTransmission))),
        ]
    }
}
