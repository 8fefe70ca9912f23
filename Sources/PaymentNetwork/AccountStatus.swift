/// The state of a card or an account at its bank.
public enum AccountStatus: String, Sendable, CaseIterable {
    case active, frozen, lost, expired
}
