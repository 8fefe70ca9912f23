import PaymentNetwork

/// What a load run that crosses business days asks of the network at each night (`DayCycle`).
extension NetworkRun {
    /// At a load run's night: every node forgets what is final, and the links forget the
    /// swipes of the terminals under test. Returns how many journal entries went.
    func retireFinal() -> Int {
        suts.forgetSwipes()
        var retired = 0
        for name in nodes.keys { retired += nodes[name]!.retireFinal(now: now) }
        return retired
    }

    /// How many transactions the nodes keep in their journals, all told.
    var journalCount: Int { nodes.values.reduce(0) { $0 + $1.journalCount } }
}
