import PaymentNetwork
import Scenario

/// A step of the scenario as a command to the node that performs it.
extension NetworkRun {
    /// Moves the clock to a step and performs it.
    func perform(_ step: Step) {
        advance(to: step.at)
        let terminal: String, command: NodeCommand
        switch step.action {
        case .swipe(let id, let at, let card, let amount, let keyed):
            terminal = at
            command = .swipe(cardRead(id: id, card: card, amount: keyed ?? amount, step: step))
        case .inquire(let id, let at, let card):
            terminal = at
            command = .inquire(cardRead(id: id, card: card, amount: .zero, step: step))
        case .repeatSwipe(let id, let at, let original):
            terminal = at
            command = .repeatSwipe(id: id, of: original)
        case .void(let id, let at):
            terminal = at
            command = .void(of: id)
        case .preauthorize(let id, let at, let card, let amount):
            terminal = at
            command = .swipe(cardRead(id: id, card: card, amount: amount, preauthorization: true, step: step))
        case .complete(let id, let at, let original, let amount):
            terminal = at
            command = .complete(id: id, of: original, amount: amount, online: step.online)
        case .cancel(let id, let at, let original):
            terminal = at
            command = .cancel(id: id, of: original)
        case .refund(let id, let at, let original, let amount):
            terminal = at
            command = .refund(id: id, of: original, amount: amount)
        case .settle(let at):
            terminal = at
            command = .settle
        case .power(let at, let on):
            terminal = at
            command = .power(on)
        case .changeAccount(let merchant, let bank, let number):
            terminal = scenario.network.acquirer.name
            command = .changeAccount(merchant: merchant, bank: bank, number: number)
        case .dispute(let id, let original, let reason):
            // The card's issuer disputes the purchase it debited: it knows it by the reference its terminal gave it.
            guard let swipe = events.first(where: { $0.kind == .swiped && $0.facts.transactionID == original }),
                  case .transaction(let reference) = swipe.reference,
                  let issuer = scenario.cardIssuer(of: original) else { return }
            terminal = issuer
            // The issuer knows the purchase under the scheme's STAN: the last hop's reference.
            command = .dispute(id: id, of: aliases.deepest(of: reference, forwarders: nodes.keys.filter { nodes[$0]?.forwarded != nil }, hops: { self.nodes[$0]?.forwarded }), reason: reason)
        }
        guard nodes[terminal] != nil else { return }
        // A follow-up at another terminal of the merchant: it takes over the original's messages first.
        switch step.action {
        case .complete(_, _, let original, _), .cancel(_, _, let original), .refund(_, _, let original, _):
            if let origin = scenario.terminal(of: original), origin != terminal, let held = (nodes[origin] as? TerminalStateMachine)?.transaction(original) {
                carryOut(nodes[terminal]!.perform(.adopt(id: original, request: held.request, response: held.response), now: now), of: terminal)
            }
        default:
            break
        }
        carryOut(nodes[terminal]!.perform(command, now: now), of: terminal)
    }
}
