import ISO8583
import SettlementCalendar

extension AcquirerStateMachine {
    /// One transaction's life at the acquirer (a purchase, a pre-authorization, its completion,
    /// a refund; a void or cancellation of one; a chargeback of one, under the scheme's
    /// reference). Only the transitions below can be written: an answer that comes after the
    /// purchase was reversed finds no `forwarded` purchase and books nothing.
    struct Entry: Sendable {
        enum State: Sendable, Equatable {
            /// Sent to the scheme, no answer yet.
            case forwarded
            /// Declined; a void: refused, or no answer came (it was reversed upstream).
            case declined
            /// Approved and booked for payout; a void: approved, its purchase voided; a
            /// chargeback: taken back from the merchant.
            case approved
            /// Reversed: by the terminal, on a timeout, or because the approval could not be delivered.
            case reversed
            /// Voided (a pre-authorization: cancelled); a reversal of the void makes it approved again.
            case voided
            /// A pre-authorization that was completed.
            case completed
        }
        // The words first, the bytes last: a struct is laid out as declared, and a load run
        // holds hundreds of thousands of entries (72 bytes each; the order before took 96).

        /// What a completion completes, a refund refunds, or a void, cancellation or chargeback undoes.
        @OutOfLine var original: TransactionReference?
        /// What was refunded of it (refunds approved and not reversed).
        var refunded: Money = .zero
        /// The request as forwarded (with DE32, DE18 and, once answered, DE37).
        @Kept var request: ISOMessage
        /// The answer the terminal was sent, replayed to a repeat of the request.
        @Kept var answer: ISOMessage? = nil
        var merchantID: String
        /// When the acquirer received it: the swipe time its payout rules use.
        var receivedAt: Instant
        /// The clearing date the scheme gave it (DE15 of the approval).
        var clearingDate: LocalDate?
        /// A purchase, a pre-authorization, its completion, a refund, a void, a cancellation or a chargeback.
        var kind: TimelineEvent.Operation
        var state: State
        /// A refund the acquirer's reconciliation sends for a one-sided entry (no merchant pays it).
        var reconciliation: Bool
        /// Settled in its terminal's batch.
        var settledInBatch = false
        /// A one-sided entry the reconciliation resolved.
        var resolvedByReconciliation = false

        init(kind: TimelineEvent.Operation, original: TransactionReference? = nil, reconciliation: Bool = false, request: ISOMessage,
             merchantID: String, receivedAt: Instant, state: State, clearingDate: LocalDate? = nil) {
            self.kind = kind
            self.original = original
            self.reconciliation = reconciliation
            self.request = request
            self.merchantID = merchantID
            self.receivedAt = receivedAt
            self.state = state
            self.clearingDate = clearingDate
        }
    }
}
